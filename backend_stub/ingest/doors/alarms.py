"""JSON alarms (face and plate matches, video analytics, sensors): ``POST /api/alerts``.

``Authorization: Bearer KEY`` (a source of kind ``alerts``); the body is one JSON object
``{"ref", "kind", "priority", "title", "lat", "lon"}`` plus optional ``description``,
``address``, ``camera_id`` (a camera of the inventory: the alert shows it), ``snapshot_url``,
``occurred_at`` (unix seconds, milliseconds or RFC 3339), ``plate`` and ``person_id``.
``ref`` is idempotent per source: the same ref again answers with the same alert id and
changes nothing. Answers: 201 ``{"alert_id": ...}``; 400 ``{"error": reason}``; 401; 413 beyond
1 MiB.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web

from backend_stub.ingest.core import checked
from backend_stub.ingest.doors.common import (
    EARLIEST_S,
    TEXT_MAX,
    TITLE_MAX,
    ExternalRefs,
    decide_alert,
    keyed_document,
    new_alert,
    ref_of,
    refusal,
)
from backend_stub.ingest.http import add_door, parse_time
from backend_stub.state import DistrictState, Refused
from console.protocol.codec import format_ts
from console.protocol.schema import ALERT_KINDS

if TYPE_CHECKING:
    from backend_stub.ingest.core import Ingest
    from backend_stub.server import Backend

log = logging.getLogger("backend.alarms")

Wire = dict[str, Any]
PLATE_MAX = 32


@dataclass(frozen=True, slots=True)
class Alarm:
    """One JSON alarm, checked."""

    ref: str
    kind: str
    priority: int
    title: str
    lat: float
    lon: float
    description: str = ""
    address: str = ""
    camera_id: str | None = None
    snapshot_url: str | None = None
    occurred_at: str | None = None
    plate: str | None = None
    person_id: str | None = None


def parse_alarm(body: Any, now: float, max_future_s: float) -> Alarm:
    """Check a decoded JSON body.

    Raises:
        ValueError: what is wrong (missing fields, a bad kind, priority or position...).
    """
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    missing = [k for k in ("ref", "kind", "priority", "title", "lat", "lon") if k not in body]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    ref = ref_of(body)
    kind = body["kind"]
    if kind not in ALERT_KINDS:
        raise ValueError(f"kind {str(kind)[:40]!r} is not one of {', '.join(ALERT_KINDS)}")
    priority = body["priority"]
    if isinstance(priority, bool) or not isinstance(priority, int) or not 1 <= priority <= 4:
        raise ValueError("priority must be an integer from 1 (highest) to 4")
    title = _text(body, "title", TITLE_MAX, required=True)
    lat, lon = _coord(body, "lat", 90.0), _coord(body, "lon", 180.0)
    snapshot = _text(body, "snapshot_url", 2000) or None
    if snapshot is not None and not snapshot.lower().startswith(("http://", "https://")):
        raise ValueError("snapshot_url must be an http(s) URL")
    occurred = None
    if body.get("occurred_at") not in (None, ""):
        try:
            when = parse_time(body["occurred_at"])
        except ValueError as exc:
            raise ValueError(f"occurred_at: {exc}") from None
        if when > now + max_future_s:
            raise ValueError("occurred_at is in the future")
        if when < EARLIEST_S:
            raise ValueError("occurred_at is before 2000")
        occurred = format_ts(when)
    return Alarm(
        ref=ref,
        kind=kind,
        priority=priority,
        title=title,
        lat=lat,
        lon=lon,
        description=_text(body, "description", TEXT_MAX),
        address=_text(body, "address", TEXT_MAX),
        camera_id=_text(body, "camera_id", 128) or None,
        snapshot_url=snapshot,
        occurred_at=occurred,
        plate=_text(body, "plate", PLATE_MAX) or None,
        person_id=_text(body, "person_id", 128) or None,
    )


def _text(body: Wire, key: str, limit: int, *, required: bool = False) -> str:
    value = body.get(key)
    if value is None:
        if required:
            raise ValueError(f"{key} is required")
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string")
    value = value.strip()
    if required and not value:
        raise ValueError(f"{key} must not be empty")
    if len(value) > limit:
        raise ValueError(f"{key} is longer than {limit} characters")
    return value


def _coord(body: Wire, key: str, bound: float) -> float:
    value = body[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number")
    number = float(value)
    if not math.isfinite(number) or not -bound <= number <= bound:
        raise ValueError(f"{key} {value} is out of range")
    return number


def alarm_key(source: str, ref: str) -> str:
    """``alerts:<source>:<ref>``: how an alert remembers a JSON alarm."""
    return f"alerts:{source}:{ref}"


def decide_alarm(
    state: DistrictState, refs: ExternalRefs, alarm: Alarm, source: str, ts: str
) -> tuple[str, list[Wire]]:
    """The alert id of an alarm, and the ``alert.new`` it causes (none when known).

    Raises:
        Refused: ``not_found`` (an unknown camera) or ``invalid``.
    """
    key = alarm_key(source, alarm.ref)
    known = refs.get(key)
    if known is not None:
        return known, []
    if alarm.camera_id is not None and alarm.camera_id not in state.cameras:
        raise Refused("not_found", f"camera_id {alarm.camera_id!r} is not a known camera")
    extra: Wire = {"feed": source, "ref": alarm.ref}
    for field in ("snapshot_url", "occurred_at", "plate", "person_id"):
        value = getattr(alarm, field)
        if value is not None:
            extra[field] = value
    body = new_alert(
        state,
        ts,
        ref=key,
        kind=alarm.kind,
        priority=alarm.priority,
        title=alarm.title,
        description=alarm.description,
        lat=alarm.lat,
        lon=alarm.lon,
        address=alarm.address,
        note=f"{source}: {alarm.ref}",
        extra=extra,
    )
    if alarm.camera_id is not None:
        body["alert"]["camera_ids"] = [alarm.camera_id]
    return body["alert"]["id"], checked([body], ts)


@add_door
def alarms_door(app: web.Application, backend: Backend, ingest: Ingest) -> None:
    """``POST /api/alerts``."""
    refs = ExternalRefs(backend)

    async def post(request: web.Request) -> web.Response:
        got = await keyed_document(request, backend, ingest, "alerts", "an alarm")
        if isinstance(got, web.Response):
            return got
        name, data = got
        try:
            try:
                body = json.loads(data)
            except (ValueError, UnicodeDecodeError):
                raise ValueError("the body is not JSON") from None
            alarm = parse_alarm(body, ingest.clock(), ingest.max_future_s)
        except (ValueError, RecursionError) as exc:
            ingest.count(name, error=str(exc)[:500])
            return refusal(400, str(exc))
        alert_id = ""

        def build(state: DistrictState, ts: str) -> list[Wire]:
            nonlocal alert_id
            alert_id, bodies = decide_alarm(state, refs, alarm, name, ts)
            return bodies

        return await decide_alert(
            backend, ingest, name, build, lambda: alert_id, f"alarm {alarm.ref}"
        )

    app.router.add_post("/api/alerts", post)
