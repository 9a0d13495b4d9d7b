"""Incident records, Qt-free: everything a report needs about one alert, and its EIDO export.

``incident_record`` gathers, from the Store, the alert with its stamped history, the units
that worked it, the dispatch-log entries written against it, the radio calls linked to it
(by a ``log.write`` naming the call ids, or the emergency call that raised it) and the time of
each stage against its target. The PDF report (``widgets/alerts/records.py``) and
``to_eido`` both read from that one record. The EIDO mapping is documented in
``docs/eido.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from console.dispatch import (
    ACK_TARGET_S,
    ARRIVE_SUBURBAN_S,
    ARRIVE_URBAN_S,
    DISPATCH_TARGET_S,
    FEEDBACK_TARGET_S,
)
from console.domain.model import Alert, Layer, LogEntry, RadioCall, Unit
from console.protocol.codec import format_ts
from console.radio import emergency_alert_for, linked_calls

AGENCY = "police.dongsheng.ordos.cn"
"""Default owning agency identifier written into exports."""

_UNIT_ID = re.compile(r"[\w.-]+")


@dataclass(frozen=True, slots=True)
class StageTime:
    """How long one stage took against its target (seconds; None: not reached / no target)."""

    stage: str  # acknowledge, dispatch, arrive, feedback, close
    start_ts: float
    end_ts: float | None
    target_s: float | None

    @property
    def seconds(self) -> float | None:
        """Duration of the stage, if it was reached."""
        return None if self.end_ts is None else max(0.0, self.end_ts - self.start_ts)

    @property
    def met(self) -> bool | None:
        """True when the stage was done within its target (None: unknown or no target)."""
        if self.seconds is None or self.target_s is None:
            return None
        return self.seconds <= self.target_s


@dataclass(frozen=True, slots=True)
class IncidentRecord:
    """One alert with what the console knows around it."""

    alert: Alert
    units: tuple[Unit, ...]  # every unit ever dispatched to it, in order of first dispatch
    log: tuple[LogEntry, ...]
    calls: tuple[RadioCall, ...]
    stages: tuple[StageTime, ...]


def _first(alert: Alert, action: str) -> float | None:
    return next((h.ts for h in alert.history if h.action == action), None)


def _urban(alert: Alert, layers: Mapping[str, Layer]) -> bool:
    layer = layers.get(alert.grid_id or "")
    if layer is None:
        return True
    return bool((layer.geojson.get("properties") or {}).get("urban", True))


def stage_times(alert: Alert, layers: Mapping[str, Layer] | None = None) -> tuple[StageTime, ...]:
    """Acknowledge and dispatch (from creation), arrive (from dispatch), feedback (from
    arrival) and close (from creation, no target), each against the console's targets."""
    p = alert.priority
    created = alert.created_ts
    ack, dispatched = _first(alert, "acknowledged"), _first(alert, "dispatched")
    on_scene, resolved = _first(alert, "on_scene"), _first(alert, "resolved")
    closed = _first(alert, "closed") or _first(alert, "cancelled") or _first(alert, "merged")
    arrive = ARRIVE_URBAN_S if _urban(alert, layers or {}) else ARRIVE_SUBURBAN_S
    out = [
        StageTime("acknowledge", created, ack, ACK_TARGET_S[p]),
        StageTime("dispatch", created, dispatched, DISPATCH_TARGET_S[p]),
    ]
    if dispatched is not None:
        out.append(StageTime("arrive", dispatched, on_scene, arrive))
    if on_scene is not None:
        out.append(StageTime("feedback", on_scene, resolved, FEEDBACK_TARGET_S))
    out.append(StageTime("close", created, closed, None))
    return tuple(out)


def dispatched_unit_ids(alert: Alert) -> list[str]:
    """Units the alert ever had: from its ``dispatched`` history notes, then current ones."""
    seen: dict[str, None] = {}
    for item in alert.history:
        if item.action == "dispatched":
            for word in item.note.replace(",", " ").split():
                if _UNIT_ID.fullmatch(word):
                    seen.setdefault(word, None)
    for unit_id in alert.unit_ids:
        seen.setdefault(unit_id, None)
    return list(seen)


def linked_calls_for(
    alert: Alert,
    log: Iterable[LogEntry],
    calls: Iterable[RadioCall],
    units: Mapping[str, Unit] | None = None,
) -> list[RadioCall]:
    """Radio calls attached to the alert (by a log entry), or the emergency call that raised
    it, oldest first. Only calls the console still holds are returned."""
    ids = {cid for cid, aid in linked_calls(log).items() if aid == alert.id}
    callsigns = {u.radio_id: u.callsign for u in (units or {}).values()}
    out = []
    for call in calls:
        if call.id in ids:
            out.append(call)
        elif call.kind == "emergency" and alert.kind == "radio_emergency":
            found = emergency_alert_for(call, (alert,), callsigns.get(call.source_radio_id))
            if found is not None:
                out.append(call)
    return sorted(out, key=lambda c: c.start_ts)


def incident_record(
    alert: Alert,
    units: Mapping[str, Unit],
    log: Iterable[LogEntry],
    calls: Iterable[RadioCall],
    layers: Mapping[str, Layer] | None = None,
) -> IncidentRecord:
    """Gather the record of ``alert`` from the Store's collections."""
    entries = [e for e in log if e.alert_id == alert.id]
    return IncidentRecord(
        alert=alert,
        units=tuple(units[u] for u in dispatched_unit_ids(alert) if u in units),
        log=tuple(entries),
        calls=tuple(linked_calls_for(alert, entries, calls, units)),
        stages=stage_times(alert, layers),
    )


# ---- EIDO (NENA STA-021, JSON): an incident as an Emergency Incident Data Object

EIDO_PRIORITY = {1: 10, 2: 7, 3: 4, 4: 1}
"""Our priority 1..4 → EIDO ``incidentCommonPriorityNumber`` (10 very high … 1 low)."""

_CALL_TAKING_ACTIONS = {"created", "acknowledged"}


def _ts(epoch: float) -> str:
    return format_ts(epoch)


def to_eido(record: IncidentRecord, agency: str = AGENCY) -> dict[str, Any]:
    """The record as an EIDO-shaped JSON object (see docs/eido.md for the mapping)."""
    alert = record.alert
    base = f"incidentid:{alert.id}:{agency}"
    last = alert.history[-1] if alert.history else None
    updated = last.ts if last else alert.created_ts
    updated_by = (last.operator if last else None) or alert.owner or "system"

    def stamp(kind: str, n: int) -> dict[str, Any]:
        return {
            "$id": f"{base}:{kind}:{n}",
            "LastUpdateTimeStamp": _ts(updated),
            "OwningAgencyIdentifier": agency,
            "UpdatedByAgentIdentifier": updated_by,
        }

    agents: dict[str, str] = {}
    for item in alert.history:
        if item.operator:
            role = "Call Taking" if item.action in _CALL_TAKING_ACTIONS else "Dispatching"
            agents.setdefault(item.operator, role)
    if alert.owner:
        agents.setdefault(alert.owner, "Dispatching")
    dispatched_at: dict[str, float] = {}
    for item in alert.history:
        if item.action == "dispatched":
            for word in item.note.replace(",", " ").split():
                dispatched_at.setdefault(word, item.ts)
    status = [alert.status.value] + ([alert.disposition] if alert.disposition else [])
    notes = [
        {
            **stamp("notes", i),
            "noteDateTimeStamp": _ts(h.ts),
            "noteAuthorIdentifier": h.operator or "system",
            "noteActionRegistryText": h.action,
            "noteText": h.note,
        }
        for i, h in enumerate(alert.history)
    ]
    notes += [
        {
            **stamp("notes", len(alert.history) + i),
            "noteDateTimeStamp": _ts(e.ts),
            "noteAuthorIdentifier": e.author or "system",
            "noteActionRegistryText": "log",
            "noteText": e.text,
        }
        for i, e in enumerate(record.log)
    ]
    doc: dict[str, Any] = {
        "$id": f"{base}:header",
        "EIDOVersion": "1.0",
        "LastUpdateTimeStamp": _ts(updated),
        "OwningAgencyIdentifier": agency,
        "UpdatedByAgentIdentifier": updated_by,
        "incidentTrackingIdentifier": f"urn:emergency:uid:incidentid:{alert.id}:{agency}",
        "reasonForIssueRegistryText": "IncidentClosed" if not alert.is_open else "StatusChanged",
        "issuingElementIdentification": "dispatch-console",
        "agentComponent": [
            {
                **stamp("agent", i),
                "agentIdentification": f"{op}@{agency}",
                "agentRoleRegistryText": role,
            }
            for i, (op, role) in enumerate(agents.items())
        ],
        "agencyComponent": [
            {
                **stamp("agency", 0),
                "organizationIdentification": agency,
                "agencyRoleDescriptionRegistryText": ["Dispatch", "PSAP"],
                "agencyType": "Law Enforcement",
                "incidentOwningAgencyIndicator": True,
            }
        ],
        "incidentComponent": [
            {
                **stamp("incident", 0),
                "incidentTypeInternalCode": alert.kind,
                "incidentTypeInternalText": alert.title,
                "incidentStatusInternalText": status,
                "incidentPriorityInternalText": f"P{alert.priority}",
                "incidentCommonPriorityNumber": EIDO_PRIORITY[alert.priority],
                "incidentCreationTimeStamp": _ts(alert.created_ts),
                "incidentDescriptionText": alert.description,
            }
        ],
        "dispatchComponent": [
            {
                **stamp("dispatch", i),
                "organizationIdentification": agency,
                "dispatchedUnitIdentifier": unit.id,
                "dispatchedUnitCallSign": unit.callsign,
                "dispatchedUnitTypeText": unit.kind,
                "dispatchTimeStamp": _ts(dispatched_at.get(unit.id, alert.created_ts)),
                "unitStillAssignedIndicator": unit.id in alert.unit_ids,
            }
            for i, unit in enumerate(record.units)
        ],
        "locationInformationComponent": [
            {
                **stamp("locationinformation", 0),
                "locationTypeDescriptionRegistryText": "IncidentLocation",
                "locationByValue": _pidf(alert),
                "locationCivicAddressText": alert.address,
                "locationGridIdentifier": alert.grid_id,
            }
        ],
        "callComponent": [
            {
                **stamp("call", i),
                "callIdentifier": call.id,
                "callTypeDescriptionRegistryText": f"Radio {call.kind}",
                "callStartTimeStamp": _ts(call.start_ts),
                "callDurationSeconds": call.duration_s,
                "callTalkgroupIdentifier": call.talkgroup,
                "callSourceRadioIdentifier": call.source_radio_id,
                "callRecordingURL": call.audio_url,
            }
            for i, call in enumerate(record.calls)
        ],
        "notesComponent": notes,
        "@context": {"@vocab": "./JSON-LD_Contexts/EmergencyIncidentDataObjectType.jsonld"},
        "extension": {
            "mergedIntoIncident": alert.merged_into,
            "mergedIncidents": list(alert.merged_ids),
            "stageTimes": [
                {
                    "stage": s.stage,
                    "seconds": s.seconds,
                    "targetSeconds": s.target_s,
                    "withinTarget": s.met,
                }
                for s in record.stages
            ],
        },
    }
    return doc


def _pidf(alert: Alert) -> str:
    """A minimal PIDF-LO point (WGS-84, EPSG:4326) as EIDO carries locations by value."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<presence xmlns="urn:ietf:params:xml:ns:pidf" '
        'xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10" '
        'xmlns:gml="http://www.opengis.net/gml" '
        f'entity="pres:{alert.id}"><tuple id="{alert.id}"><status><gp:geopriv>'
        '<gp:location-info><gml:Point srsName="urn:ogc:def:crs:EPSG::4326">'
        f"<gml:pos>{alert.lat:.6f} {alert.lon:.6f}</gml:pos></gml:Point></gp:location-info>"
        "</gp:geopriv></status>"
        f"<timestamp>{_ts(alert.created_ts)}</timestamp></tuple></presence>"
    )


def _component(required: list[str], props: dict[str, Any]) -> dict[str, Any]:
    common = {
        "$id": {"type": "string", "minLength": 1},
        "LastUpdateTimeStamp": _TS_SCHEMA,
        "OwningAgencyIdentifier": {"type": "string", "minLength": 1},
        "UpdatedByAgentIdentifier": {"type": "string", "minLength": 1},
    }
    return {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {**common, **props},
            "required": [*common, *required],
        },
    }


_TS_SCHEMA = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$",
}

EIDO_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "EIDO-shaped incident export (dispatch-console subset of NENA STA-021)",
    "type": "object",
    "required": [
        "$id",
        "EIDOVersion",
        "LastUpdateTimeStamp",
        "OwningAgencyIdentifier",
        "incidentTrackingIdentifier",
        "agencyComponent",
        "incidentComponent",
        "locationInformationComponent",
        "@context",
    ],
    "properties": {
        "EIDOVersion": {"const": "1.0"},
        "LastUpdateTimeStamp": _TS_SCHEMA,
        "incidentTrackingIdentifier": {"type": "string", "pattern": "^urn:emergency:uid:"},
        "agentComponent": _component(
            ["agentIdentification", "agentRoleRegistryText"],
            {"agentRoleRegistryText": {"enum": ["Call Taking", "Dispatching"]}},
        ),
        "agencyComponent": _component(["organizationIdentification"], {}),
        "incidentComponent": {
            **_component(
                ["incidentTypeInternalCode", "incidentStatusInternalText"],
                {
                    "incidentStatusInternalText": {
                        "type": "array",
                        "items": {"type": "string"},
                        "minItems": 1,
                    },
                    "incidentCommonPriorityNumber": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 10,
                    },
                    "incidentCreationTimeStamp": _TS_SCHEMA,
                },
            ),
            "minItems": 1,
            "maxItems": 1,
        },
        "dispatchComponent": _component(
            ["dispatchedUnitIdentifier", "dispatchTimeStamp"],
            {"dispatchTimeStamp": _TS_SCHEMA},
        ),
        "locationInformationComponent": _component(
            ["locationByValue"], {"locationByValue": {"type": "string", "pattern": "gml:pos"}}
        ),
        "callComponent": _component(
            ["callIdentifier", "callStartTimeStamp"], {"callStartTimeStamp": _TS_SCHEMA}
        ),
        "notesComponent": _component(
            ["noteDateTimeStamp", "noteText"], {"noteDateTimeStamp": _TS_SCHEMA}
        ),
        "@context": {"type": "object", "required": ["@vocab"]},
    },
}
"""A small JSON Schema the export is checked against (tests) — not the full NENA schema."""
