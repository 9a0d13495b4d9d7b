"""JSON Schemas of every wire message: the single source for validation and for docs/schema/.

The schemas follow ``shared/protocol.md`` (version 1). ``python -m console.protocol.schema DIR``
writes one ``<type>.schema.json`` per message into DIR; a test checks that ``docs/schema/`` is
up to date with this module.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

PROTOCOL_VERSION = 1
#: [ext] Protocol 2 (negotiated in the hello): fixes travel as unsequenced ``positions``
#: frames, latest wins for a client that falls behind; every other event keeps its seq.
PROTOCOLS = (1, 2)
PROTOCOL_LATEST = 2
MAX_FRAME_BYTES = 1 << 20

Schema = dict[str, Any]

_DRAFT = "http://json-schema.org/draft-07/schema#"
_ID = {"type": "string", "minLength": 1, "maxLength": 128}
_TEXT = {"type": "string", "maxLength": 4000}
_SHORT = {"type": "string", "maxLength": 200}
_TS = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$",
}
_SEQ = {"type": "integer", "minimum": 0, "maximum": 2**53}
_LAT = {"type": "number", "minimum": -90, "maximum": 90}
_LON = {"type": "number", "minimum": -180, "maximum": 180}
_VERSION = {"type": "integer", "minimum": 0, "maximum": 2**53}
_NULLABLE_ID = {"type": ["string", "null"], "maxLength": 128}

UNIT_STATUSES = ("available", "dispatched", "en_route", "on_scene", "busy", "off_duty")
ALERT_STATUSES = ("new", "acknowledged", "dispatched", "on_scene", "resolved", "closed")
ALERT_KINDS = (
    "call_110",
    "efence",
    "face_match",
    "plate_match",
    "radio_emergency",
    "video_analytics",
    "manual",
)
POSITION_SOURCES = ("gps", "beidou", "pdt", "jt808", "cot", "osmand", "sim")
RADIO_CALL_KINDS = ("group", "individual", "emergency", "status", "data")
SIGHTING_KINDS = ("plate", "face")  # [ext] sightings and watch lists


ROLES = ("operator", "commander", "trainer", "wall")
ERROR_CODES = (
    "invalid",
    "not_found",
    "conflict",
    "forbidden",
    "illegal_transition",
    "rate_limited",  # [ext] the per-connection command rate limit
)


def _obj(props: Schema, required: list[str], *, extra: bool = True) -> Schema:
    return {
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": extra,
    }


UNIT = _obj(
    {
        "id": _ID,
        "callsign": _SHORT,
        "kind": _SHORT,
        "radio_id": _SHORT,
        "talkgroup": _SHORT,
        "grid_id": _NULLABLE_ID,
        "status": {"enum": list(UNIT_STATUSES)},
        # [ext] from the inventory (units.csv): the unit's station and its devices
        "station": {"type": ["string", "null"], "maxLength": 200},
        "device_ids": {"type": "array", "items": _ID, "maxItems": 100},
    },
    ["id", "callsign", "kind", "radio_id", "talkgroup", "grid_id", "status"],
)

HISTORY_ITEM = _obj(
    {"ts": _TS, "operator": _NULLABLE_ID, "action": _SHORT, "note": _TEXT},
    ["ts", "operator", "action", "note"],
)

ALERT = _obj(
    {
        "id": _ID,
        "kind": _SHORT,
        "priority": {"type": "integer", "minimum": 1, "maximum": 4},
        "title": _SHORT,
        "description": _TEXT,
        "lat": _LAT,
        "lon": _LON,
        "address": _TEXT,
        "grid_id": _NULLABLE_ID,
        "status": {"enum": list(ALERT_STATUSES)},
        "created_ts": _TS,
        "version": _VERSION,
        "owner": _NULLABLE_ID,
        "unit_ids": {"type": "array", "items": _ID, "maxItems": 1000},
        "camera_ids": {"type": "array", "items": _ID, "maxItems": 1000},
        "history": {"type": "array", "items": HISTORY_ITEM},
        # [ext] how a closed alert ended, and merges (alert.merge)
        "disposition": {"type": ["string", "null"], "maxLength": 200},
        "merged_into": _NULLABLE_ID,
        "merged_ids": {"type": "array", "items": _ID, "maxItems": 1000},
    },
    [
        "id",
        "kind",
        "priority",
        "title",
        "description",
        "lat",
        "lon",
        "address",
        "grid_id",
        "status",
        "created_ts",
        "version",
        "owner",
        "unit_ids",
        "camera_ids",
        "history",
    ],
)

RADIO_CALL = _obj(
    {
        "id": _ID,
        "talkgroup": _SHORT,
        "source_radio_id": _SHORT,
        "target_radio_id": {"type": ["string", "null"], "maxLength": 200},
        "kind": {"enum": list(RADIO_CALL_KINDS)},
        "start_ts": _TS,
        "duration_s": {"type": "number", "minimum": 0, "maximum": 86400},
        "audio_url": {"type": ["string", "null"], "maxLength": 2000},
        "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
        "lon": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
        "encrypted": {"type": "boolean"},
    },
    ["id", "talkgroup", "source_radio_id", "target_radio_id", "kind", "start_ts", "duration_s"],
)

CAMERA = _obj(
    {
        "id": _ID,
        "name": _SHORT,
        "lat": _LAT,
        "lon": _LON,
        "grid_id": _NULLABLE_ID,
        "streams": {
            "type": "object",
            "properties": {"main": {"type": "string"}, "sub": {"type": "string"}},
            "required": ["main"],
        },
        "ptz": {"type": "boolean"},
        "status": {"enum": ["online", "offline"]},
        # [ext] why the media gateway finds the camera offline
        "status_reason": {"enum": ["unauthorized", "unreachable", "no video"]},
    },
    ["id", "name", "lat", "lon", "grid_id", "streams", "ptz", "status"],
)

LOG_ENTRY = _obj(
    {
        "id": _ID,
        "ts": _TS,
        "author": _NULLABLE_ID,
        "text": _TEXT,
        "alert_id": _NULLABLE_ID,
        "talkgroup": {"type": ["string", "null"], "maxLength": 200},
    },
    ["id", "ts", "author", "text"],
)

LAYER_KINDS = ("grid", "efence", "boundary", "station")  # [ext] boundary, station (inventory)
LAYER = _obj(
    {
        "id": _ID,
        "kind": {"enum": list(LAYER_KINDS)},
        "name": _SHORT,
        "geojson": {"type": "object"},
    },
    ["id", "kind", "name", "geojson"],
)

# [ext] layer.create: a polygon drawn by an operator, one closed ring of [lon, lat] pairs.
_POSITION = {"type": "array", "items": [_LON, _LAT], "minItems": 2, "maxItems": 2}
_RING = {"type": "array", "items": _POSITION, "minItems": 4, "maxItems": 500}
_POLYGON = _obj(
    {
        "type": {"const": "Polygon"},
        "coordinates": {"type": "array", "items": _RING, "minItems": 1, "maxItems": 1},
    },
    ["type", "coordinates"],
    extra=False,
)
_POLYGON_FEATURE = _obj(
    {
        "type": {"const": "Feature"},
        "id": {"type": ["string", "integer", "null"], "maxLength": 128},
        "geometry": _POLYGON,
        "properties": {"type": ["object", "null"], "maxProperties": 50},
    },
    ["type", "geometry"],
    extra=False,
)

TALKGROUP = _obj(
    {
        "id": _SHORT,
        "alias": _SHORT,
        # [ext] from the inventory (talkgroups.csv); alias is the name
        "name": _SHORT,
        "system": _SHORT,
        "kind": _SHORT,
    },
    ["id", "alias"],
)

PTZ_ACTIONS = ("left", "right", "up", "down", "zoom_in", "zoom_out", "stop", "preset")
_WALL = {"type": "string", "minLength": 1, "maxLength": 100}
_CAMERA_IDS = {"type": "array", "items": _ID, "minItems": 1, "maxItems": 36}
_PTZ_SPEED = {"type": ["integer", "null"], "minimum": 1, "maximum": 10}
_PTZ_PRESET = {"type": ["integer", "null"], "minimum": 1, "maximum": 255}
# [ext] a docking layout as the console exports it; bounded by the 1 MiB frame limit.
_LAYOUT = {"type": "object", "maxProperties": 100}
# [ext] snapshot statistics: alerts per UTC hour over the last days (for 7-day averages).
_HOUR = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:00:00Z$"}
STATS = _obj(
    {
        "alert_hourly": {
            "type": "array",
            "maxItems": 24 * 31,
            "items": _obj(
                {"hour": _HOUR, "count": {"type": "integer", "minimum": 0}}, ["hour", "count"]
            ),
        }
    },
    [],
)


def _event(type_: str, props: Schema, required: list[str]) -> Schema:
    body = {"type": {"const": type_}, "seq": _SEQ, "ts": _TS, **props}
    return _obj(body, ["type", "seq", "ts", *required])


EVENT_SCHEMAS: dict[str, Schema] = {
    "unit.upsert": _event("unit.upsert", {"unit": UNIT}, ["unit"]),
    "unit.position": _event(
        "unit.position",
        {
            "unit_id": _ID,
            "lat": _LAT,
            "lon": _LON,
            "alt_m": {"type": "number", "minimum": -1000, "maximum": 100000},
            "speed_kmh": {"type": "number", "minimum": 0, "maximum": 2000},
            "heading_deg": {"type": "number", "minimum": 0, "maximum": 360},
            "accuracy_m": {"type": "number", "minimum": 0, "maximum": 100000},
            # gps/beidou (v1); [ext] the door a fix came through: jt808, cot, osmand, pdt, sim
            "source": {"enum": list(POSITION_SOURCES)},
            "fix_ts": _TS,
        },
        ["unit_id", "lat", "lon"],
    ),
    "unit.status": _event(
        "unit.status",
        {"unit_id": _ID, "status": {"enum": list(UNIT_STATUSES)}, "alert_id": _NULLABLE_ID},
        ["unit_id", "status"],
    ),
    "alert.new": _event("alert.new", {"alert": ALERT}, ["alert"]),
    "alert.updated": _event("alert.updated", {"alert": ALERT}, ["alert"]),
    "radio.call": _event("radio.call", {"call": RADIO_CALL}, ["call"]),
    "camera.upsert": _event("camera.upsert", {"camera": CAMERA}, ["camera"]),
    "log.entry": _event("log.entry", {"entry": LOG_ENTRY}, ["entry"]),
    "layer.upsert": _event("layer.upsert", {"layer": LAYER}, ["layer"]),
    # [ext] the inventory: talkgroups as events, and items retired (they leave the state)
    "talkgroup.upsert": _event("talkgroup.upsert", {"talkgroup": TALKGROUP}, ["talkgroup"]),
    **{
        f"{kind}.retired": _event(f"{kind}.retired", {f"{kind}_id": _ID}, [f"{kind}_id"])
        for kind in ("unit", "camera", "talkgroup", "layer")
    },
    # [ext] someone moved a PTZ camera (camera.ptz command)
    "camera.ptz": _event(
        "camera.ptz",
        {
            "camera_id": _ID,
            "operator": _NULLABLE_ID,
            "action": {"enum": list(PTZ_ACTIONS)},
            "speed": _PTZ_SPEED,
            "preset": _PTZ_PRESET,
        },
        ["camera_id", "operator", "action"],
    ),
    # [ext] a commander pushed a layout or cameras to the wall consoles (wall.* commands)
    "wall.layout": _event(
        "wall.layout",
        {"wall": _WALL, "name": _SHORT, "layout": _LAYOUT, "operator": _NULLABLE_ID},
        ["wall", "name", "layout", "operator"],
    ),
    "wall.cameras": _event(
        "wall.cameras",
        {"wall": _WALL, "camera_ids": _CAMERA_IDS, "operator": _NULLABLE_ID},
        ["wall", "camera_ids", "operator"],
    ),
}

_ARGS: dict[str, tuple[Schema, list[str]]] = {
    "alert.acknowledge": ({"alert_id": _ID, "version": _VERSION}, ["alert_id", "version"]),
    "alert.dispatch": (
        {
            "alert_id": _ID,
            "unit_ids": {"type": "array", "items": _ID, "minItems": 1, "maxItems": 100},
            "version": _VERSION,
        },
        ["alert_id", "unit_ids", "version"],
    ),
    "alert.set_status": (
        {
            "alert_id": _ID,
            "status": {"enum": list(ALERT_STATUSES)},
            "note": _TEXT,
            "version": _VERSION,
        },
        ["alert_id", "status", "version"],
    ),
    "alert.close": (
        {"alert_id": _ID, "disposition": _SHORT, "note": _TEXT, "version": _VERSION},
        ["alert_id", "disposition", "version"],
    ),
    "alert.create": (
        {
            "kind": {"enum": list(ALERT_KINDS)},
            "priority": {"type": "integer", "minimum": 1, "maximum": 4},
            "title": {"type": "string", "minLength": 1, "maxLength": 200},
            "lat": _LAT,
            "lon": _LON,
            "description": _TEXT,
            "address": _TEXT,
        },
        ["kind", "priority", "title", "lat", "lon"],
    ),
    "layer.create": (  # [ext]
        {
            "kind": {"enum": ["efence", "grid"]},
            "name": {"type": "string", "minLength": 1, "maxLength": 100},
            "geojson": {"oneOf": [_POLYGON_FEATURE, _POLYGON]},
        },
        ["kind", "name", "geojson"],
    ),
    # [ext] the rest of the incident lifecycle: merge, cancel, transfer, release a unit
    "alert.merge": (
        {"alert_id": _ID, "version": _VERSION, "into_id": _ID, "note": _TEXT},
        ["alert_id", "version", "into_id"],
    ),
    "alert.cancel": (
        {
            "alert_id": _ID,
            "version": _VERSION,
            "reason": {"type": "string", "minLength": 1, "maxLength": 4000},
        },
        ["alert_id", "version", "reason"],
    ),
    "alert.transfer": (
        {"alert_id": _ID, "version": _VERSION, "to_operator": _ID, "note": _TEXT},
        ["alert_id", "version", "to_operator"],
    ),
    "alert.release_unit": (
        {"alert_id": _ID, "version": _VERSION, "unit_id": _ID, "note": _TEXT},
        ["alert_id", "version", "unit_id"],
    ),
    # [ext] read-only query over closed incidents; the answer is in the result's `data`
    "alert.history": (
        {
            "text": {"type": "string", "maxLength": 200},
            "kind": {"enum": list(ALERT_KINDS)},
            "since": _TS,
            "until": _TS,
            "limit": {"type": "integer", "minimum": 1, "maximum": 200},
        },
        [],
    ),
    # [ext] read-only: the operators (id, name, role) an alert can be transferred to
    "operator.list": ({}, []),
    # [ext] commanders: the live-feed sources and their counts; an inventory import
    "source.list": ({}, []),
    # [ext] commanders: devices that reported but no unit names, and giving one to a unit
    "device.unregistered": ({}, []),
    "device.assign": (
        {"device": {"type": "string", "minLength": 3, "maxLength": 128}, "unit_id": _ID},
        ["device", "unit_id"],
    ),
    "inventory.import": (
        {
            "files": {
                "type": "array",
                "minItems": 1,
                "maxItems": 10,
                "items": _obj(
                    {
                        "name": {"type": "string", "minLength": 1, "maxLength": 200},
                        "data": {"type": "string", "maxLength": MAX_FRAME_BYTES},
                    },
                    ["name", "data"],
                    extra=False,
                ),
            },
            "crs": {"enum": ["wgs84", "gcj02", "bd09"]},
            "dry_run": {"type": "boolean"},
        },
        ["files"],
    ),
    # [ext] commanders: watch lists (布控) and sighting search (轨迹); the answers are in `data`
    "watch.add": (
        {
            "kind": {"enum": list(SIGHTING_KINDS)},
            "value": {"type": "string", "minLength": 1, "maxLength": 128},
            "reason": {"type": "string", "minLength": 1, "maxLength": 500},
            "priority": {"type": "integer", "minimum": 1, "maximum": 4},
            "until": _TS,
        },
        ["kind", "value", "reason"],
    ),
    "watch.remove": ({"id": _ID}, ["id"]),
    "watch.list": ({"kind": {"enum": list(SIGHTING_KINDS)}}, []),
    "sighting.search": (
        {
            "kind": {"enum": list(SIGHTING_KINDS)},
            "value": {"type": "string", "minLength": 1, "maxLength": 128},
            "since": _TS,
            "until": _TS,
            "camera_ids": {"type": "array", "items": _ID, "maxItems": 500},
            "limit": {"type": "integer", "minimum": 1, "maximum": 2000},
        },
        ["kind", "value", "since", "until"],
    ),
    # [ext] commanders: where next (精准布控) from the last sighting of one plate or person
    "sighting.where_next": (
        {
            "kind": {"enum": list(SIGHTING_KINDS)},
            "value": {"type": "string", "minLength": 1, "maxLength": 128},
            "at": _TS,
            "since": _TS,
            "horizon_s": {"type": "number", "minimum": 60, "maximum": 3600},
            "limit": {"type": "integer", "minimum": 1, "maximum": 36},
            "units": {"type": "integer", "minimum": 0, "maximum": 20},
        },
        ["kind", "value"],
    ),
    # [ext] pan/tilt/zoom a PTZ camera
    "camera.ptz": (
        {
            "camera_id": _ID,
            "action": {"enum": list(PTZ_ACTIONS)},
            "speed": _PTZ_SPEED,
            "preset": _PTZ_PRESET,
        },
        ["camera_id", "action"],
    ),
    # [ext] read-only, any role: the cameras' media gateway URLs, each with its token
    "camera.stream_urls": (
        {"camera_ids": {"type": "array", "items": _ID, "maxItems": 5000}},
        [],
    ),
    # [ext] a commander drives the wall consoles
    "wall.show_layout": (
        {"wall": _WALL, "name": _SHORT, "layout": _LAYOUT},
        ["wall", "name", "layout"],
    ),
    "wall.show_cameras": ({"wall": _WALL, "camera_ids": _CAMERA_IDS}, ["wall", "camera_ids"]),
    "log.write": (
        {
            "text": {"type": "string", "minLength": 1, "maxLength": 4000},
            "alert_id": _NULLABLE_ID,
            "talkgroup": {"type": ["string", "null"], "maxLength": 200},
        },
        ["text"],
    ),
}

COMMAND_ARG_SCHEMAS: dict[str, Schema] = {
    name: {"$schema": _DRAFT, **_obj(props, req, extra=False)}
    for name, (props, req) in _ARGS.items()
}

COMMAND = _obj(
    {
        "type": {"const": "command"},
        "id": _ID,
        "name": {"type": "string", "minLength": 1, "maxLength": 60},
        "args": {"type": "object"},
    },
    ["type", "id", "name", "args"],
)

ERROR_BODY = _obj({"code": _SHORT, "message": _TEXT}, ["code", "message"])

MESSAGE_SCHEMAS: dict[str, Schema] = {
    "hello": _obj(
        {
            "type": {"const": "hello"},
            "protocol": {"type": "integer"},
            "token": {"type": ["string", "null"], "maxLength": 1000},
            "client": {"type": "string", "maxLength": 200},
            "resume_from": {"type": ["integer", "null"], "minimum": 0, "maximum": 2**53},
        },
        ["type", "protocol", "token"],
    ),
    "welcome": _obj(
        {
            "type": {"const": "welcome"},
            "protocol": {"type": "integer"},
            "operator": _obj(
                {"id": _ID, "name": _SHORT, "role": {"enum": list(ROLES)}},
                ["id", "name", "role"],
            ),
            "head_seq": _SEQ,
            "server_time": _TS,
        },
        ["type", "protocol", "operator", "head_seq", "server_time"],
    ),
    "snapshot": _obj(
        {
            "type": {"const": "snapshot"},
            "seq": _SEQ,
            "ts": _TS,
            "state": _obj(
                {
                    "units": {"type": "array", "items": UNIT},
                    "positions": {"type": "array", "items": {"type": "object"}},
                    "alerts": {"type": "array", "items": ALERT},
                    "cameras": {"type": "array", "items": CAMERA},
                    "talkgroups": {"type": "array", "items": TALKGROUP},
                    "layers": {"type": "array", "items": LAYER},
                    "log": {"type": "array", "items": LOG_ENTRY},
                    "stats": STATS,  # [ext]
                },
                ["units", "alerts", "cameras", "talkgroups", "layers", "log"],
            ),
        },
        ["type", "seq", "ts", "state"],
    ),
    "batch": _obj(
        {
            "type": {"const": "batch"},
            "events": {"type": "array", "items": {"type": "object"}, "minItems": 1},
            # [ext] protocol 2: the batch holds every event that is not a fix with
            # from <= seq <= upto (the fixes among them travel in positions frames)
            "from": _SEQ,
            "upto": _SEQ,
        },
        ["type", "events"],
    ),
    # [ext] protocol 2: the newest fix of units that moved (unit.position events, seq kept),
    # not every fix; no seq of its own, no gap check
    "positions": _obj(
        {
            "type": {"const": "positions"},
            "events": {"type": "array", "items": {"type": "object"}, "minItems": 1},
        },
        ["type", "events"],
    ),
    "command": COMMAND,
    "result": {
        "type": "object",
        "properties": {
            "type": {"const": "result"},
            "id": _ID,
            "ok": {"type": "boolean"},
            "seq": {"type": ["integer", "null"], "minimum": 0},
            "error": ERROR_BODY,
            "data": {"type": "object"},  # [ext] the answer of a query command (alert.history)
        },
        "required": ["type", "id", "ok"],
    },
    "error": _obj(
        {"type": {"const": "error"}, "code": _SHORT, "message": _TEXT},
        ["type", "code", "message"],
    ),
}

ALL_SCHEMAS: dict[str, Schema] = {
    **{k: {"$schema": _DRAFT, "title": k, **v} for k, v in MESSAGE_SCHEMAS.items()},
    **{k: {"$schema": _DRAFT, "title": k, **v} for k, v in EVENT_SCHEMAS.items()},
    **{f"command.{k}.args": {"title": f"{k} args", **v} for k, v in COMMAND_ARG_SCHEMAS.items()},
}


def render_all() -> dict[str, str]:
    """Return ``{file name: JSON text}`` for every schema, as written to docs/schema/."""
    return {
        f"{name}.schema.json": json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=True)
        + "\n"
        for name, schema in sorted(ALL_SCHEMAS.items())
    }


def write_all(directory: Path) -> None:
    """Write every schema as a file into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in render_all().items():
        (directory / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    write_all(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/schema"))
