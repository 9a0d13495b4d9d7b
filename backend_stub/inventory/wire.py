"""Inventory records to wire objects, and the events that bring a state in line with them.

Nothing secret crosses here: camera user names and passwords stay in the inventory table, and
cameras' streams are the media gateway's URLs (consoles add a token to them).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from backend_stub.inventory.read import Record, redact_url

Wire = dict[str, Any]

#: Row kind → (state collection, wire key, id field of the retired event).
COLLECTIONS = {
    "unit": ("units", "unit", "unit_id"),
    "camera": ("cameras", "camera", "camera_id"),
    "talkgroup": ("talkgroups", "talkgroup", "talkgroup_id"),
    "layer": ("layers", "layer", "layer_id"),
}


def unit_wire(body: Record, current: Wire | None) -> Wire:
    """A unit as ``unit.upsert`` carries it; a known unit keeps its live status."""
    return {
        "id": body["id"],
        "callsign": body["callsign"],
        "kind": body["kind"],
        "radio_id": body.get("radio_id") or "",
        "talkgroup": body.get("talkgroup") or "",
        "grid_id": body.get("grid_id") or None,
        "status": current["status"] if current else body.get("status") or "off_duty",
        "station": body.get("station") or None,
        "device_ids": list(body.get("device_ids") or []),
    }


def camera_wire(body: Record, current: Wire | None, media_base: str | None = None) -> Wire:
    """A camera as ``camera.upsert`` carries it: no credentials; a known camera keeps its status.

    With ``media_base`` (the backend's HTTP port) its streams are the media gateway's URLs
    (``{media_base}/media/{id}/main|sub``), never the camera's own address; without one (a
    backend with no HTTP port) the source URLs, less their credentials.
    """
    if media_base is not None:
        base = f"{media_base.rstrip('/')}/media/{body['id']}"
        streams = {"main": f"{base}/main", "sub": f"{base}/sub"}
    else:
        main = redact_url(body["main"])
        streams = {"main": main, "sub": redact_url(body["sub"]) if body.get("sub") else main}
    wire: Wire = {
        "id": body["id"],
        "name": body["name"],
        "lat": body["lat"],
        "lon": body["lon"],
        "grid_id": body.get("grid_id") or None,
        "streams": streams,
        "ptz": bool(body.get("ptz")),
        "status": current["status"] if current else "online",
    }
    if current is not None and current.get("status_reason"):
        wire["status_reason"] = current["status_reason"]
    return wire


def talkgroup_wire(body: Record) -> Wire:
    """A talkgroup as the snapshot and ``talkgroup.upsert`` carry it (``alias`` is its name)."""
    return {
        "id": body["id"],
        "alias": body["name"],
        "name": body["name"],
        "system": body.get("system") or "1",
        "kind": body.get("kind") or "",
    }


def layer_wire(body: Record) -> Wire:
    """A grid, e-fence, boundary or station as ``layer.upsert`` carries it (a GeoJSON Feature)."""
    return {
        "id": body["id"],
        "kind": body["kind"],
        "name": body["name"],
        "geojson": {
            "type": "Feature",
            "id": body["id"],
            "geometry": body["geometry"],
            "properties": {"name": body["name"], **body.get("properties", {})},
        },
    }


def to_wire(kind: str, body: Record, current: Wire | None, media_base: str | None = None) -> Wire:
    """The wire object of an inventory row of ``kind`` (``unit``, ``camera``, ...)."""
    if kind == "unit":
        return unit_wire(body, current)
    if kind == "camera":
        return camera_wire(body, current, media_base)
    if kind == "talkgroup":
        return talkgroup_wire(body)
    return layer_wire(body)


def sync_events(
    state: Any, rows: Iterable[tuple[str, Record, bool]], media_base: str | None = None
) -> list[Wire]:
    """The events that make ``state`` (a DistrictState) show the inventory ``rows``.

    ``media_base``: the media gateway's base URL for camera streams (see :func:`camera_wire`).

    An item whose wire form is already in the state gives nothing, so running this twice (two
    processes on one database, or a restart) adds no event.
    """
    events: list[Wire] = []
    latest: dict[tuple[str, str], tuple[Record, bool]] = {}
    for kind, body, retired in rows:
        latest[(kind, body["id"])] = (body, retired)
    for (kind, ident), (body, retired) in latest.items():
        collection, key, id_field = COLLECTIONS[kind]
        current = getattr(state, collection).get(ident)
        if retired:
            if current is not None:
                events.append({"type": f"{kind}.retired", id_field: ident})
            continue
        wire = to_wire(kind, body, current, media_base)
        if wire != current:
            events.append({"type": f"{kind}.upsert", key: wire})
    return events
