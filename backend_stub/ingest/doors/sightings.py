"""Plate reads and face matches: ``POST /api/sightings`` (``shared/integration.md`` §7).

``Authorization: Bearer KEY`` (a source of kind ``sightings``); the body is one JSON object
``{"ref", "camera_id", "ts", "kind": "plate"|"face", "value"}`` plus optional ``confidence``
(0..1), ``snapshot_url`` and ``vehicle`` (``{"color", "type"}``). Every sighting is stored
(``backend_stub.sightings``); one whose value is on an active watch list raises a
``plate_match`` / ``face_match`` alert naming the camera, the entry and the snapshot, or, while
that entry's alert for this plate or face is open, updates it (one open alert per entry and
subject: the queue gets one row per vehicle, not one per camera it passes).

Answers: 201 ``{"stored": true|false, "alert_ids": [...]}`` (the alerts raised or updated;
``stored`` false: that ``ref`` came before from this source, and nothing changed); 400
``{"error": reason}`` (an unknown camera, a ``ts`` in the future or older than the retention
period, a malformed plate...); 401; 413 beyond 1 MiB; 429 when one camera sends more than
:data:`CAMERA_RATE` a second.
"""

from __future__ import annotations

import copy
import json
import logging
import math
from typing import TYPE_CHECKING, Any

from aiohttp import web

from backend_stub.ingest.core import checked
from backend_stub.ingest.doors.common import (
    EARLIEST_S,
    TEXT_MAX,
    TITLE_MAX,
    clip,
    grid_at,
    json_answer,
    keyed_document,
    new_alert,
    ref_of,
    refs_of,
    refusal,
    with_ref,
)
from backend_stub.ingest.http import add_door, parse_time
from backend_stub.sightings import Sighting, WatchAlerts, WatchEntry, check_value, watch_key
from backend_stub.state import DistrictState, Refused
from console.protocol.codec import format_ts, parse_ts

if TYPE_CHECKING:
    from backend_stub.ingest.core import Ingest
    from backend_stub.server import Backend

log = logging.getLogger("backend.sightings")

Wire = dict[str, Any]
#: One camera's sightings a second, and the burst it may save up.
CAMERA_RATE = (20.0, 60.0)


def parse_sighting(
    body: Any, source: str, now: float, max_future_s: float, oldest: float
) -> Sighting:
    """Check a decoded JSON body.

    Raises:
        ValueError: what is wrong.
    """
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    missing = [k for k in ("ref", "camera_id", "ts", "kind", "value") if k not in body]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    ref = ref_of(body)
    camera = body["camera_id"]
    if not isinstance(camera, str) or not camera.strip() or len(camera) > 128:
        raise ValueError("camera_id must be a camera id")
    try:
        ts = parse_time(body["ts"])
    except ValueError as exc:
        raise ValueError(f"ts: {exc}") from None
    if ts > now + max_future_s:
        raise ValueError("ts is in the future")
    if ts < max(EARLIEST_S, oldest):
        raise ValueError("ts is older than the retention period for sightings")
    kind = body["kind"]
    value = check_value(kind, body["value"])
    confidence = body.get("confidence")
    if confidence is not None:
        if isinstance(confidence, bool) or not isinstance(confidence, int | float):
            raise ValueError("confidence must be a number from 0 to 1")
        if not math.isfinite(confidence) or not 0.0 <= confidence <= 1.0:
            raise ValueError("confidence must be a number from 0 to 1")
    snapshot = body.get("snapshot_url")
    if snapshot is not None:
        if not isinstance(snapshot, str) or len(snapshot) > 2000:
            raise ValueError("snapshot_url must be an http(s) URL")
        if not snapshot.lower().startswith(("http://", "https://")):
            raise ValueError("snapshot_url must be an http(s) URL")
    vehicle = body.get("vehicle")
    if vehicle is not None:
        fine = isinstance(vehicle, dict) and all(
            k in ("color", "type") and isinstance(v, str) and len(v) <= 40
            for k, v in vehicle.items()
        )
        if not fine:
            raise ValueError('vehicle must be {"color": text, "type": text}')
    return Sighting(
        source=source,
        ref=ref,
        camera_id=camera.strip(),
        ts=ts,
        kind=kind,
        value=value,
        confidence=float(confidence) if confidence is not None else None,
        snapshot_url=snapshot,
        vehicle=vehicle or None,
    )


def match_alerts(
    state: DistrictState,
    alerts: WatchAlerts,
    sighting: Sighting,
    entries: list[WatchEntry],
    ts: str,
) -> list[Wire]:
    """The events a matched sighting causes: per entry it matches, an ``alert.new`` when that
    entry has no open alert for this plate or face, else an ``alert.updated`` of the open one
    (one more sighting, the latest camera, time, snapshot and position). A sighting the alert
    already counts (another process took it first) changes nothing.

    Raises:
        Refused: ``not_found`` (the camera left the inventory meanwhile) or ``invalid``.
    """
    camera = state.cameras.get(sighting.camera_id)
    if camera is None:
        raise Refused("not_found", f"camera_id {sighting.camera_id!r} is not a known camera")
    bodies = []
    for entry in entries:
        ref = f"sightings:{sighting.source}:{sighting.ref}:{entry.id}"
        key = watch_key(entry.id, sighting.kind, sighting.value)
        current = alerts.open_alert(state.alerts, key)
        if current is None:
            bodies.append(_new_match(state, sighting, entry, camera, ref, key, ts))
        elif ref not in refs_of(current):
            bodies.append(_seen_again(state, current, sighting, camera, ref, ts))
    return checked(bodies, ts)


def _latest(sighting: Sighting, camera: Wire, count: int) -> Wire:
    """The fields of a watch alert that follow its newest sighting."""
    what = "车牌" if sighting.kind == "plate" else "人员"
    latest: Wire = {
        "title": clip(f"布控{what} {sighting.value} @ {camera['name']}", TITLE_MAX),
        "lat": round(float(camera["lat"]), 7),
        "lon": round(float(camera["lon"]), 7),
        "address": clip(str(camera["name"]), TEXT_MAX),
        "camera_ids": [sighting.camera_id],
        "sighting": {
            "camera_id": sighting.camera_id,
            "camera_name": str(camera["name"]),
            "ts": format_ts(sighting.ts),
            "kind": sighting.kind,
            "value": sighting.value,
            "confidence": sighting.confidence,
        },
        "sightings": count,
    }
    return latest


def _new_match(
    state: DistrictState,
    sighting: Sighting,
    entry: WatchEntry,
    camera: Wire,
    ref: str,
    key: str,
    ts: str,
) -> Wire:
    latest = _latest(sighting, camera, 1)
    extra: Wire = {
        "feed": sighting.source,
        "ref": sighting.ref,
        "occurred_at": format_ts(sighting.ts),
        "watch_key": key,
        "watch_entry": {
            "id": entry.id,
            "value": entry.value,
            "reason": entry.reason,
            "priority": entry.priority,
        },
        "sighting": latest["sighting"],
        "sightings": 1,
    }
    if sighting.snapshot_url:
        extra["snapshot_url"] = sighting.snapshot_url
    extra["plate" if sighting.kind == "plate" else "person_id"] = sighting.value
    body = new_alert(
        state,
        ts,
        ref=ref,
        kind=f"{sighting.kind}_match",
        priority=entry.priority,
        title=latest["title"],
        description=f"布控 {entry.value}: {entry.reason}",
        lat=float(camera["lat"]),
        lon=float(camera["lon"]),
        address=str(camera["name"]),
        note=f"{sighting.source}: {sighting.ref} (watch {entry.id})",
        extra=extra,
    )
    body["alert"]["camera_ids"] = [sighting.camera_id]
    return body


def _seen_again(
    state: DistrictState, alert: Wire, sighting: Sighting, camera: Wire, ref: str, ts: str
) -> Wire:
    """The open alert one sighting on. Its history keeps one ``sighted`` line after the last
    operator action (the count says how many), so a vehicle seen all day does not bury the
    dispatch record; a sighting older than the newest one only adds to the count."""
    new = copy.deepcopy(alert)
    new["version"] = alert["version"] + 1
    count = int(alert.get("sightings") or 1) + 1
    new["sightings"] = count
    newest = alert.get("sighting") or {}
    if not newest.get("ts") or parse_ts(str(newest["ts"])) <= parse_ts(format_ts(sighting.ts)):
        new.update(_latest(sighting, camera, count))
        new["grid_id"] = grid_at(state, float(camera["lat"]), float(camera["lon"]))
        if sighting.snapshot_url:
            new["snapshot_url"] = sighting.snapshot_url
        else:
            new.pop("snapshot_url", None)
    note = clip(f"{count}: {sighting.value} @ {camera['name']} {format_ts(sighting.ts)}", TEXT_MAX)
    line = {"ts": ts, "operator": None, "action": "sighted", "note": note}
    history = new["history"]
    if history and history[-1]["action"] == "sighted" and history[-1]["operator"] is None:
        history[-1] = line
    else:
        history.append(line)
    return {"type": "alert.updated", "alert": with_ref(new, ref)}


async def take_sighting(backend: Backend, ingest: Ingest, sighting: Sighting) -> tuple[int, Wire]:
    """Store a checked sighting and raise the alerts of the watch entries it matches: the
    door's answer (HTTP status, JSON body). The demo's simulated cameras come this way too.
    """
    store = backend.sightings
    source = sighting.source
    if sighting.camera_id not in backend.state.cameras:
        reason = f"camera_id {sighting.camera_id!r} is not a known camera"
        ingest.count(source, error=reason)
        return 400, {"error": reason}
    if not ingest._allow(f"camera:{sighting.camera_id}", CAMERA_RATE):
        ingest.count(source, error=f"camera {sighting.camera_id} sends too fast")
        reason = f"too many sightings a second from camera {sighting.camera_id}; send it later"
        return 429, {"error": reason}
    try:
        fresh = await store.add(sighting)
    except Exception:
        log.exception("sighting %s from %s not stored", sighting.ref, source)
        return 503, {"error": "the sighting could not be stored; try again"}
    ingest.count(source)
    if not fresh:
        return 201, {"stored": False, "alert_ids": []}
    entries = store.watch.match(sighting.kind, sighting.value, ingest.clock())
    alert_ids: list[str] = []
    if entries:

        def build(state: DistrictState, ts: str) -> list[Wire]:
            bodies = match_alerts(state, store.alerts, sighting, entries, ts)
            alert_ids[:] = [b["alert"]["id"] for b in bodies]
            return bodies

        try:
            await backend.append_derived(build)
        except Exception:
            log.exception("the watch-list alert of sighting %s was not raised", sighting.ref)
            return 503, {"error": "the sighting is stored but its alert was not raised"}
    return 201, {"stored": True, "alert_ids": alert_ids}


@add_door
def sightings_door(app: web.Application, backend: Backend, ingest: Ingest) -> None:
    """``POST /api/sightings``."""
    store = backend.sightings

    async def post(request: web.Request) -> web.Response:
        got = await keyed_document(request, backend, ingest, "sightings", "a sighting")
        if isinstance(got, web.Response):
            return got
        name, data = got
        now = ingest.clock()
        try:
            try:
                body = json.loads(data)
            except (ValueError, UnicodeDecodeError):
                raise ValueError("the body is not JSON") from None
            sighting = parse_sighting(
                body, name, now, ingest.max_future_s, now - store.retention_days * 86400.0
            )
        except (ValueError, RecursionError) as exc:
            ingest.count(name, error=str(exc)[:500])
            return refusal(400, str(exc))
        status, answer = await take_sighting(backend, ingest, sighting)
        return json_answer(status, answer)

    app.router.add_post("/api/sightings", post)
