"""Incident records and the EIDO-shaped export, checked against a small schema."""

from __future__ import annotations

import json

import fastjsonschema
import pytest

from console.domain.model import (
    Alert,
    AlertStatus,
    HistoryItem,
    LogEntry,
    RadioCall,
    Unit,
    UnitStatus,
)
from console.records import EIDO_SCHEMA, incident_record, linked_calls_for, to_eido
from tests import factories

T = 1_795_880_000.0
validate = fastjsonschema.compile(EIDO_SCHEMA)


def _alert(**kw: object) -> Alert:
    base: dict[str, object] = dict(
        id="A-000042",
        title="110报警：打架斗殴",
        description="报警人 13800000001",
        lat=39.82,
        lon=109.98,
        address="鄂托克西街",
        grid_id="G0001",
        status=AlertStatus.CLOSED,
        created_ts=T,
        version=7,
        owner="wang",
        unit_ids=("U02",),
        history=(
            HistoryItem(T, None, "created", ""),
            HistoryItem(T + 20, "wang", "acknowledged", ""),
            HistoryItem(T + 50, "wang", "dispatched", "U01, U02"),
            HistoryItem(T + 90, "wang", "released", "U01"),
            HistoryItem(T + 350, "li", "on_scene", ""),
            HistoryItem(T + 900, "li", "resolved", "双方已劝离"),
            HistoryItem(T + 1000, "li", "closed", "handled"),
        ),
        disposition="handled",
        merged_ids=("A-000043",),
    )
    base.update(kw)
    return factories.alert(**base)


UNITS = {
    "U01": Unit("U01", "P1001", "patrol_car", "46001", "1101", None, UnitStatus.AVAILABLE),
    "U02": Unit("U02", "P1002", "patrol_car", "46002", "1101", None, UnitStatus.AVAILABLE),
}
CALLS = [
    RadioCall("R-000011", "1101", "46002", None, "group", T + 60, 8.0, "http://x/a.ogg", False),
    RadioCall("R-000012", "1101", "46002", None, "group", T + 400, 12.5, None, False),
    RadioCall("R-000013", "1101", "46001", None, "group", T + 500, 3.0, None, False),
]
LOG = [
    LogEntry("L-000001", T + 410, "li", "关联通话 R-000011, R-000012", "A-000042", None),
    LogEntry("L-000002", T + 420, "li", "关联通话 R-000013", "A-000099", None),
    LogEntry("L-000003", T + 430, "li", "现场已控制", "A-000042", None),
]


def test_record_gathers_units_calls_log_and_stage_times() -> None:
    record = incident_record(_alert(), UNITS, LOG, CALLS)
    assert [u.id for u in record.units] == ["U01", "U02"]  # U01 was released, still listed
    assert [c.id for c in record.calls] == ["R-000011", "R-000012"]
    assert [e.id for e in record.log] == ["L-000001", "L-000003"]
    stages = {s.stage: s for s in record.stages}
    assert stages["acknowledge"].seconds == 20 and stages["acknowledge"].met is True
    assert stages["dispatch"].seconds == 50 and stages["dispatch"].met is True
    assert stages["arrive"].seconds == 300 and stages["arrive"].met is True  # 5 min urban
    assert stages["feedback"].seconds == 550
    assert stages["close"].seconds == 1000 and stages["close"].met is None


def test_emergency_call_links_to_the_alert_it_raised() -> None:
    alert = _alert(kind="radio_emergency", title="紧急呼叫 P1001", description="PDT 46001")
    sos = RadioCall("R-000020", "1101", "46001", None, "emergency", T + 1, 5.0, None, False)
    other = RadioCall("R-000021", "1101", "46009", None, "emergency", T + 2, 5.0, None, False)
    assert [c.id for c in linked_calls_for(alert, [], [sos, other], UNITS)] == ["R-000020"]


def test_eido_export_validates_and_maps_the_incident() -> None:
    doc = to_eido(incident_record(_alert(), UNITS, LOG, CALLS))
    validate(json.loads(json.dumps(doc, ensure_ascii=False)))  # raises if it does not fit
    assert doc["incidentTrackingIdentifier"].startswith("urn:emergency:uid:incidentid:A-000042")
    incident = doc["incidentComponent"][0]
    assert incident["incidentTypeInternalCode"] == "call_110"
    assert incident["incidentStatusInternalText"] == ["closed", "handled"]
    assert incident["incidentCommonPriorityNumber"] == 10
    assert [d["dispatchedUnitCallSign"] for d in doc["dispatchComponent"]] == ["P1001", "P1002"]
    assert [d["unitStillAssignedIndicator"] for d in doc["dispatchComponent"]] == [False, True]
    assert "39.820000 109.980000" in doc["locationInformationComponent"][0]["locationByValue"]
    assert [c["callIdentifier"] for c in doc["callComponent"]] == ["R-000011", "R-000012"]
    texts = [n["noteText"] for n in doc["notesComponent"]]
    assert "双方已劝离" in texts and "现场已控制" in texts
    roles = {
        a["agentIdentification"].split("@")[0]: a["agentRoleRegistryText"]
        for a in doc["agentComponent"]
    }
    assert roles == {"wang": "Call Taking", "li": "Dispatching"}
    assert doc["extension"]["mergedIncidents"] == ["A-000043"]


def test_schema_refuses_a_document_missing_the_incident() -> None:
    doc = to_eido(incident_record(_alert(status=AlertStatus.NEW), UNITS, [], []))
    validate(doc)
    assert doc["reasonForIssueRegistryText"] == "StatusChanged"
    broken = {k: v for k, v in doc.items() if k != "incidentComponent"}
    with pytest.raises(fastjsonschema.JsonSchemaException):
        validate(broken)
    bad_time = json.loads(json.dumps(doc))
    bad_time["notesComponent"][0]["noteDateTimeStamp"] = "yesterday"
    with pytest.raises(fastjsonschema.JsonSchemaException):
        validate(bad_time)
