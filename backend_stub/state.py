"""The backend's authoritative district state and the rules commands are checked against.

``DistrictState`` holds wire-shaped dictionaries and changes only by :meth:`apply` of an
event that has been durably committed, so a snapshot is always the committed state at its
seq. :func:`decide` turns a command into the events it causes, or a refusal, without
changing anything.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

from backend_stub.alert_body import alert_body

Wire = dict[str, Any]

# Legal alert moves: where each command may take an alert from each status.
_ACK_FROM = {"new"}
_DISPATCH_FROM = {"new", "acknowledged", "dispatched", "on_scene"}
_CLOSE_FROM = {"new", "acknowledged", "resolved"}
_SET_STATUS: dict[str, set[str]] = {
    "new": {"acknowledged"},
    "acknowledged": {"dispatched"},
    "dispatched": {"on_scene", "acknowledged"},
    "on_scene": {"resolved"},
    "resolved": {"on_scene"},
    "closed": set(),
}
OPEN_STATUSES = ("new", "acknowledged", "dispatched", "on_scene", "resolved")
_CREATED_LAYER_ID = re.compile(r"^[FG]-(\d{6,})$")
LOG_IN_SNAPSHOT = 500
CLOSED_IN_SNAPSHOT = 200
HOURLY_DAYS = 8  # alerts-per-hour buckets kept for the snapshot's stats (7-day averages)
QUERY_COMMANDS = frozenset({"alert.history", "operator.list"})
_HOUR_FORMAT = "%Y-%m-%dT%H:00:00Z"


class Refused(Exception):
    """A command refused with a wire error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Actor:
    """Who issues a command."""

    id: str
    name: str
    role: str


class DistrictState:
    """Current committed state of the district."""

    def __init__(self) -> None:
        self.seq = 0
        self.units: dict[str, Wire] = {}
        self.positions: dict[str, Wire] = {}
        self.alerts: dict[str, Wire] = {}
        self.cameras: dict[str, Wire] = {}
        self.talkgroups: dict[str, Wire] = {}
        self.layers: dict[str, Wire] = {}
        self.log: list[Wire] = []
        self.alert_counter = 0
        self.log_counter = 0
        self.layer_counter = 0
        self.alert_hourly: dict[str, int] = {}

    def apply(self, event: Wire) -> None:
        """Apply one committed event."""
        kind = event["type"]
        if kind == "unit.position":
            body = {k: v for k, v in event.items() if k not in ("type", "seq")}
            self.positions[event["unit_id"]] = body
        elif kind == "unit.upsert":
            self.units[event["unit"]["id"]] = event["unit"]
        elif kind == "unit.status":
            unit = self.units.get(event["unit_id"])
            if unit is not None:
                self.units[unit["id"]] = {**unit, "status": event["status"]}
        elif kind in ("alert.new", "alert.updated"):
            alert = event["alert"]
            self.alerts[alert["id"]] = alert
            self.alert_counter = max(self.alert_counter, _number(alert["id"]))
            if kind == "alert.new":
                self.count_alert_hour(alert["created_ts"])
        elif kind == "camera.upsert":
            self.cameras[event["camera"]["id"]] = event["camera"]
        elif kind == "layer.upsert":
            self.layers[event["layer"]["id"]] = event["layer"]
            self.layer_counter = max(self.layer_counter, _layer_number(event["layer"]["id"]))
        elif kind == "talkgroup.upsert":
            self.talkgroups[event["talkgroup"]["id"]] = event["talkgroup"]
        elif kind.endswith(".retired"):
            self._retire(kind, event)
        elif kind == "log.entry":
            self.log.append(event["entry"])
            self.log_counter = max(self.log_counter, _number(event["entry"]["id"]))
            if len(self.log) > 4 * LOG_IN_SNAPSHOT:
                del self.log[:-LOG_IN_SNAPSHOT]
        self.seq = event["seq"]

    def _retire(self, kind: str, event: Wire) -> None:
        # A retired item leaves the state (and so the snapshot); its events stay in the log.
        if kind == "unit.retired":
            self.units.pop(event["unit_id"], None)
            self.positions.pop(event["unit_id"], None)
        elif kind == "camera.retired":
            self.cameras.pop(event["camera_id"], None)
        elif kind == "talkgroup.retired":
            self.talkgroups.pop(event["talkgroup_id"], None)
        elif kind == "layer.retired":
            self.layers.pop(event["layer_id"], None)

    def snapshot_state(self) -> Wire:
        """The ``state`` object of a snapshot message."""
        return {
            "units": list(self.units.values()),
            "positions": list(self.positions.values()),
            "alerts": self._snapshot_alerts(),
            "cameras": list(self.cameras.values()),
            "talkgroups": list(self.talkgroups.values()),
            "layers": list(self.layers.values()),
            "log": self.log[-LOG_IN_SNAPSHOT:],
            "stats": {"alert_hourly": self.hourly_list()},
        }

    def count_alert_hour(self, ts: str, n: int = 1) -> None:
        """Count ``n`` alerts in the UTC hour of ``ts``; buckets older than 8 days go."""
        hour = ts[:13] + ":00:00Z"
        self.alert_hourly[hour] = self.alert_hourly.get(hour, 0) + n
        if len(self.alert_hourly) > HOURLY_DAYS * 24 + 24:
            newest = datetime.strptime(max(self.alert_hourly), _HOUR_FORMAT).replace(tzinfo=UTC)
            cutoff = (newest - timedelta(days=HOURLY_DAYS)).strftime(_HOUR_FORMAT)
            self.alert_hourly = {h: c for h, c in self.alert_hourly.items() if h > cutoff}

    def hourly_list(self) -> list[Wire]:
        """The alert-per-hour buckets, oldest first, as the snapshot's ``stats`` carries them."""
        return [{"hour": h, "count": c} for h, c in sorted(self.alert_hourly.items())]

    def _snapshot_alerts(self) -> list[Wire]:
        # Open alerts and the most recently closed ones: a snapshot stays bounded on a long
        # shift; closed incidents are history, searched separately.
        alerts = list(self.alerts.values())
        closed = [a for a in alerts if a["status"] == "closed"]
        keep_closed = {a["id"] for a in closed[-CLOSED_IN_SNAPSHOT:]}
        return [a for a in alerts if a["status"] != "closed" or a["id"] in keep_closed]

    def to_json(self) -> str:
        """Serialise for the snapshot table."""
        return json.dumps(
            {
                "seq": self.seq,
                "alert_counter": self.alert_counter,
                "log_counter": self.log_counter,
                "layer_counter": self.layer_counter,
                **self.snapshot_state(),
                "alerts": list(self.alerts.values()),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    def frozen_copy(self) -> DistrictState:
        """A copy safe to serialise on another thread while this one keeps changing.

        Entries are replaced, never mutated in place (``decide`` deep-copies before any
        change), so copying the containers is enough.
        """
        twin = DistrictState()
        twin.seq, twin.alert_counter, twin.log_counter, twin.layer_counter = (
            self.seq,
            self.alert_counter,
            self.log_counter,
            self.layer_counter,
        )
        twin.units, twin.positions = dict(self.units), dict(self.positions)
        twin.alerts, twin.cameras = dict(self.alerts), dict(self.cameras)
        twin.talkgroups, twin.layers, twin.log = (
            dict(self.talkgroups),
            dict(self.layers),
            [*self.log],
        )
        twin.alert_hourly = dict(self.alert_hourly)
        return twin

    @classmethod
    def from_json(cls, text: str) -> DistrictState:
        """Rebuild from :meth:`to_json` output."""
        data = json.loads(text)
        state = cls()
        state.seq = data["seq"]
        state.alert_counter = data.get("alert_counter", 0)
        state.log_counter = data.get("log_counter", 0)
        state.units = {u["id"]: u for u in data["units"]}
        state.positions = {p["unit_id"]: p for p in data["positions"]}
        state.alerts = {a["id"]: a for a in data["alerts"]}
        state.cameras = {c["id"]: c for c in data["cameras"]}
        state.talkgroups = {t["id"]: t for t in data["talkgroups"]}
        state.layers = {la["id"]: la for la in data["layers"]}
        state.layer_counter = max(
            [data.get("layer_counter", 0), *(_layer_number(i) for i in state.layers)]
        )
        state.log = list(data["log"])
        hourly = data.get("stats", {}).get("alert_hourly", [])
        state.alert_hourly = {b["hour"]: b["count"] for b in hourly}
        return state

    def next_alert_id(self) -> str:
        """A fresh alert id that is never reused, across restarts too."""
        self.alert_counter += 1
        return f"A-{self.alert_counter:06d}"

    def next_layer_id(self, kind: str) -> str:
        """A fresh id for a created layer (``F-000001`` a fence, ``G-000001`` a grid).

        One counter for both kinds, rebuilt from the layers themselves, so an id is never
        reused, across restarts too.
        """
        self.layer_counter += 1
        return f"{'G' if kind == 'grid' else 'F'}-{self.layer_counter:06d}"


def _layer_number(ident: str) -> int:
    # Only ids this backend hands out (F-/G- and six or more digits): the demo's own grid
    # ids (G0001) do not move the counter.
    match = _CREATED_LAYER_ID.match(ident)
    return int(match.group(1)) if match else 0


def _number(ident: str) -> int:
    digits = "".join(ch for ch in ident.rsplit("-", 1)[-1] if ch.isdigit())
    return int(digits) if digits else 0


def _stamp(alert: Wire, ts: str, actor: Actor, action: str, note: str) -> Wire:
    new = copy.deepcopy(alert)
    new["version"] = alert["version"] + 1
    new["history"].append({"ts": ts, "operator": actor.id, "action": action, "note": note})
    return new


def _alert_for(state: DistrictState, args: Wire) -> Wire:
    alert = state.alerts.get(args["alert_id"])
    if alert is None:
        raise Refused("not_found", f"no alert {args['alert_id']!r}")
    if args["version"] != alert["version"]:
        who = alert["history"][-1]["operator"] if alert["history"] else None
        by = f" by {who}" if who else ""
        raise Refused(
            "conflict",
            f"alert {alert['id']} is at version {alert['version']}, not {args['version']}: "
            f"it was changed first{by}",
        )
    return alert


def authorize(actor: Actor, *, training: bool) -> None:
    """Refuse roles that may not send commands here."""
    if actor.role == "wall":
        raise Refused("forbidden", "the wall role is read-only")
    if actor.role == "trainer" and not training:
        raise Refused("forbidden", "trainers may send commands only to a training backend")


def decide(
    state: DistrictState,
    actor: Actor,
    name: str,
    args: Wire,
    ts: str,
    *,
    training: bool = False,
    operators: Container[str] | None = None,
) -> list[Wire]:
    """Check a command against the state and return the event bodies it causes.

    The arguments must already match the command's schema. Nothing is changed here.
    ``operators`` are the known operator ids (``alert.transfer`` checks its target against
    them; None accepts any). Query commands (:data:`QUERY_COMMANDS`) cause no event: see
    :func:`answer_query`.

    Raises:
        Refused: ``forbidden``, ``not_found``, ``conflict``, ``illegal_transition`` or
            ``invalid``.
    """
    authorize(actor, training=training)
    if name == "alert.create":
        return [_create(state, actor, args, ts)]
    if name == "log.write":
        return [_log(state, actor, args, ts)]
    if name == "layer.create":
        return [_create_layer(state, actor, args, ts)]
    if name in QUERY_COMMANDS:
        return []
    if name == "camera.ptz":
        return [_ptz(state, actor, args)]
    if name in ("wall.show_layout", "wall.show_cameras"):
        return [_wall(state, actor, name, args)]
    alert = _alert_for(state, args)
    status = alert["status"]
    if name == "alert.acknowledge":
        if status not in _ACK_FROM:
            raise Refused("illegal_transition", f"cannot acknowledge an alert that is {status}")
        new = _stamp(alert, ts, actor, "acknowledged", "")
        new["status"] = "acknowledged"
        new["owner"] = actor.id
        return [{"type": "alert.updated", "alert": new}]
    if name == "alert.dispatch":
        return _dispatch(state, alert, actor, args, ts)
    if name == "alert.set_status":
        target = args["status"]
        if target not in _SET_STATUS[status]:
            raise Refused("illegal_transition", f"cannot move an alert from {status} to {target}")
        new = _stamp(alert, ts, actor, target, args.get("note", ""))
        new["status"] = target
        return [{"type": "alert.updated", "alert": new}]
    if name == "alert.close":
        if status not in _CLOSE_FROM:
            raise Refused(
                "illegal_transition",
                f"cannot close an alert that is {status}: feedback is required first",
            )
        note = args.get("note", "")
        new = _stamp(alert, ts, actor, "closed", f"{args['disposition']}: {note}".rstrip(": "))
        new["status"] = "closed"
        new["disposition"] = args["disposition"]
        return [{"type": "alert.updated", "alert": new}]
    if status == "closed":
        raise Refused("illegal_transition", f"alert {alert['id']} is closed")
    if name == "alert.merge":
        return _merge(state, alert, actor, args, ts)
    if name == "alert.cancel":
        new = _stamp(alert, ts, actor, "cancelled", args["reason"])
        new["status"] = "closed"
        new["disposition"] = "cancelled"
        new["unit_ids"] = []
        return [{"type": "alert.updated", "alert": new}, *_release(state, alert["unit_ids"])]
    if name == "alert.transfer":
        target = args["to_operator"]
        if operators is not None and target not in operators:
            raise Refused("not_found", f"no operator {target!r}")
        if target == alert["owner"]:
            raise Refused("invalid", f"alert {alert['id']} is already owned by {target}")
        new = _stamp(alert, ts, actor, "transferred", f"→ {target} {args.get('note', '')}".strip())
        new["owner"] = target
        return [{"type": "alert.updated", "alert": new}]
    if name == "alert.release_unit":
        unit_id = args["unit_id"]
        if unit_id not in alert["unit_ids"]:
            raise Refused("invalid", f"unit {unit_id!r} is not assigned to {alert['id']}")
        callsign = state.units.get(unit_id, {}).get("callsign", unit_id)
        note = f"{callsign} {args.get('note', '')}".strip()
        new = _stamp(alert, ts, actor, "released", note)
        new["unit_ids"] = [u for u in alert["unit_ids"] if u != unit_id]
        if status == "dispatched" and not new["unit_ids"]:
            new["status"] = "acknowledged"
        return [{"type": "alert.updated", "alert": new}, *_release(state, [unit_id])]
    raise Refused("invalid", f"unknown command {name!r}")


def answer_query(state: DistrictState, name: str, args: Wire) -> Wire:
    """The ``data`` of a read-only query command's result (nothing changes)."""
    if name != "alert.history":
        raise Refused("invalid", f"unknown query {name!r}")
    text = args.get("text", "").strip().lower()
    kind, since, until = args.get("kind"), args.get("since"), args.get("until")
    found = []
    for alert in state.alerts.values():
        if alert["status"] != "closed":
            continue
        if kind is not None and alert["kind"] != kind:
            continue
        if (since is not None and alert["created_ts"] < since) or (
            until is not None and alert["created_ts"] > until
        ):
            continue
        if text and not any(
            text in str(alert.get(field) or "").lower()
            for field in ("id", "title", "description", "address", "disposition")
        ):
            continue
        found.append(alert)
    found.sort(key=lambda a: (a["created_ts"], a["id"]), reverse=True)
    return {"alerts": found[: args.get("limit", 50)]}


def _release(state: DistrictState, unit_ids: list[str]) -> list[Wire]:
    # Units leaving an incident become available again (unless off duty meanwhile).
    return [
        {"type": "unit.status", "unit_id": uid, "status": "available", "alert_id": None}
        for uid in unit_ids
        if state.units.get(uid, {}).get("status") not in (None, "off_duty", "available")
    ]


def _merge(state: DistrictState, alert: Wire, actor: Actor, args: Wire, ts: str) -> list[Wire]:
    main = state.alerts.get(args["into_id"])
    if main is None:
        raise Refused("not_found", f"no alert {args['into_id']!r}")
    if main["id"] == alert["id"]:
        raise Refused("illegal_transition", "an alert cannot be merged into itself")
    if main["status"] == "closed":
        raise Refused("illegal_transition", f"cannot merge into {main['id']}: it is closed")
    note = args.get("note", "")
    gone = _stamp(alert, ts, actor, "merged", f"→ {main['id']} {note}".strip())
    gone["status"] = "closed"
    gone["disposition"] = "merged"
    gone["merged_into"] = main["id"]
    into = _stamp(main, ts, actor, "merged_from", f"{alert['id']} {note}".strip())
    into["merged_ids"] = [*main.get("merged_ids", []), alert["id"], *alert.get("merged_ids", [])]
    into["unit_ids"] = list(dict.fromkeys([*main["unit_ids"], *alert["unit_ids"]]))
    into["camera_ids"] = list(dict.fromkeys([*main["camera_ids"], *alert["camera_ids"]]))
    if alert["unit_ids"] and main["status"] in ("new", "acknowledged"):
        into["status"] = "dispatched"
    return [{"type": "alert.updated", "alert": gone}, {"type": "alert.updated", "alert": into}]


def _ptz(state: DistrictState, actor: Actor, args: Wire) -> Wire:
    camera = state.cameras.get(args["camera_id"])
    if camera is None:
        raise Refused("not_found", f"no camera {args['camera_id']!r}")
    if not camera.get("ptz"):
        raise Refused("invalid", f"camera {camera['name']} has no pan/tilt/zoom")
    preset = args.get("preset")
    if args["action"] == "preset" and preset is None:
        raise Refused("invalid", "a preset action needs a preset number")
    return {
        "type": "camera.ptz",
        "camera_id": camera["id"],
        "operator": actor.id,
        "action": args["action"],
        "speed": args.get("speed"),
        "preset": preset if args["action"] == "preset" else None,
    }


def _wall(state: DistrictState, actor: Actor, name: str, args: Wire) -> Wire:
    if actor.role != "commander":
        raise Refused("forbidden", "only a commander may drive the wall")
    if name == "wall.show_layout":
        return {
            "type": "wall.layout",
            "wall": args["wall"],
            "name": args["name"],
            "layout": args["layout"],
            "operator": actor.id,
        }
    unknown = [c for c in args["camera_ids"] if c not in state.cameras]
    if unknown:
        raise Refused("not_found", f"no camera {unknown[0]!r}")
    return {
        "type": "wall.cameras",
        "wall": args["wall"],
        "camera_ids": list(args["camera_ids"]),
        "operator": actor.id,
    }


def _dispatch(state: DistrictState, alert: Wire, actor: Actor, args: Wire, ts: str) -> list[Wire]:
    if alert["status"] not in _DISPATCH_FROM:
        raise Refused(
            "illegal_transition", f"cannot dispatch to an alert that is {alert['status']}"
        )
    unit_ids: list[str] = list(dict.fromkeys(args["unit_ids"]))
    for uid in unit_ids:
        unit = state.units.get(uid)
        if unit is None:
            raise Refused("not_found", f"no unit {uid!r}")
        if unit["status"] == "off_duty":
            raise Refused("illegal_transition", f"unit {unit['callsign']} is off duty")
    new = _stamp(alert, ts, actor, "dispatched", ", ".join(unit_ids))
    new["unit_ids"] = list(dict.fromkeys([*alert["unit_ids"], *unit_ids]))
    if alert["status"] in ("new", "acknowledged"):
        new["status"] = "dispatched"
    if new["owner"] is None:
        new["owner"] = actor.id
    events: list[Wire] = [{"type": "alert.updated", "alert": new}]
    events += _reassigned_from(state, alert["id"], unit_ids, actor, ts)
    events += [
        {"type": "unit.status", "unit_id": uid, "status": "dispatched", "alert_id": alert["id"]}
        for uid in unit_ids
    ]
    return events


def _reassigned_from(
    state: DistrictState, alert_id: str, unit_ids: list[str], actor: Actor, ts: str
) -> list[Wire]:
    # A unit dispatched here while it serves another open incident leaves that one.
    events: list[Wire] = []
    for other in state.alerts.values():
        if other["id"] == alert_id or other["status"] == "closed":
            continue
        moving = [u for u in unit_ids if u in other["unit_ids"]]
        if not moving:
            continue
        callsigns = ", ".join(state.units.get(u, {}).get("callsign", u) for u in moving)
        new = _stamp(other, ts, actor, "reassigned", f"{callsigns} → {alert_id}")
        new["unit_ids"] = [u for u in other["unit_ids"] if u not in moving]
        if other["status"] == "dispatched" and not new["unit_ids"]:
            new["status"] = "acknowledged"
        events.append({"type": "alert.updated", "alert": new})
    return events


def _create(state: DistrictState, actor: Actor, args: Wire, ts: str) -> Wire:
    alert = alert_body(
        state.next_alert_id(),
        ts,
        kind=args["kind"],
        priority=args["priority"],
        title=args["title"],
        description=args.get("description", ""),
        lat=args["lat"],
        lon=args["lon"],
        address=args.get("address", ""),
        grid_id=None,
        note="",
        owner=actor.id,
    )
    return {"type": "alert.new", "alert": alert}


def _create_layer(state: DistrictState, actor: Actor, args: Wire, ts: str) -> Wire:
    kind = args["kind"]
    if kind == "grid" and actor.role != "commander":
        raise Refused("forbidden", "only a commander may create grid layers")
    name = args["name"].strip()
    if not name:
        raise Refused("invalid", "a layer needs a name")
    geojson = args["geojson"]
    geometry = geojson["geometry"] if geojson["type"] == "Feature" else geojson
    ring = [[float(lon), float(lat)] for lon, lat in geometry["coordinates"][0]]
    problem = ring_problem(ring)
    if problem:
        raise Refused("invalid", f"bad polygon: {problem}")
    props = geojson.get("properties") if geojson["type"] == "Feature" else None
    layer_id = state.next_layer_id(kind)
    layer = {
        "id": layer_id,
        "kind": kind,
        "name": name,
        "geojson": {
            "type": "Feature",
            "id": layer_id,
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {**(props or {}), "name": name, "created_by": actor.id, "created_ts": ts},
        },
    }
    return {"type": "layer.upsert", "layer": layer}


def ring_problem(ring: list[list[float]]) -> str | None:
    """What is wrong with a polygon ring of [lon, lat] pairs, or None when it is usable.

    The schema has already checked 4..500 pairs in range; here: closed, at least three
    distinct vertices, and an area (not all on one line).
    """
    if ring[0] != ring[-1]:
        return "the ring is not closed (its last position must repeat the first)"
    if len({(x, y) for x, y in ring}) < 3:
        return "a ring needs at least three distinct positions"
    ox, oy = ring[0]  # relative to the first vertex: no cancellation at lon ~110
    twice_area = sum(
        (x0 - ox) * (y1 - oy) - (x1 - ox) * (y0 - oy) for (x0, y0), (x1, y1) in pairwise(ring)
    )
    if abs(twice_area) < 1e-12:
        return "the ring encloses no area"
    return None


def _log(state: DistrictState, actor: Actor, args: Wire, ts: str) -> Wire:
    alert_id = args.get("alert_id")
    if alert_id is not None and alert_id not in state.alerts:
        raise Refused("not_found", f"no alert {alert_id!r}")
    state.log_counter += 1
    entry = {
        "id": f"L-{state.log_counter:06d}",
        "ts": ts,
        "author": actor.id,
        "text": args["text"],
        "alert_id": alert_id,
        "talkgroup": args.get("talkgroup"),
    }
    return {"type": "log.entry", "entry": entry}


def follow_unit_status(
    state: DistrictState, unit_id: str, status: str, alert_id: str, ts: str
) -> list[Wire]:
    """The alert update a unit's report causes: 出警 (en route), 到场 (on scene), 反馈 (done).

    The first unit on scene moves a dispatched alert to ``on_scene``; a unit reporting back
    available from an on-scene alert is its feedback and moves it to ``resolved``. Other
    reports only add to the history. Closed or unknown alerts are left alone.
    """
    alert = state.alerts.get(alert_id)
    if alert is None or alert["status"] == "closed":
        return []
    unit = state.units.get(unit_id, {})
    callsign = unit.get("callsign", unit_id)
    system = Actor(id="", name="", role="system")
    if status == "en_route":
        new = _stamp(alert, ts, system, "en_route", f"{callsign} 出警")
    elif status == "on_scene":
        new = _stamp(alert, ts, system, "on_scene", f"{callsign} 到场")
        if alert["status"] == "dispatched":
            new["status"] = "on_scene"
    elif status == "available" and alert["status"] == "on_scene":
        new = _stamp(alert, ts, system, "feedback", f"{callsign} 反馈：现场处置完毕")
        new["status"] = "resolved"
    else:
        return []
    new["history"][-1]["operator"] = None
    return [{"type": "alert.updated", "alert": new}]
