"""The backend's HTTP port (aiohttp): the feeds' HTTP doors and the recorded audio.

Routes (``docs/integration.md``):

* ``GET|POST /osmand`` — OsmAnd / Traccar Client positions (query string, form, or the JSON
  body Traccar Client 9 posts).
* ``POST /api/call-upload`` — rdio-scanner's call upload (trunk-recorder, SDRTrunk).
* ``POST /api/cap`` — CAP 1.2 alerts; ``POST /api/alerts`` — JSON alarms.
* ``GET /audio/{file}`` — uploaded call audio; ``GET /radio/{pool}/{call}.wav`` — the demo's
  spoken clips. Both with ``Range`` (libVLC seeks with range requests).

Doors register their routes through :func:`add_door`; every handler answers in its own
protocol's terms and never lets an exception reach aiohttp as a 500 for bad input.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from backend_stub.ingest.core import Fix, Refused

if TYPE_CHECKING:
    from backend_stub.ingest.core import Ingest
    from backend_stub.server import Backend

log = logging.getLogger("backend.http")

#: The largest request body any door takes (an rdio-scanner upload with its audio).
MAX_BODY_BYTES = 20 << 20
OSMAND_MAX_BODY = 64 << 10
KNOT_KMH = 1.852
_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")

Door = Callable[[web.Application, "Backend", "Ingest"], None]
_DOORS: list[Door] = []
PORT_KEY: web.AppKey[HttpPort] = web.AppKey("port")


def add_door(door: Door) -> Door:
    """Register a function that adds a door's routes to the HTTP application."""
    _DOORS.append(door)
    return door


class HttpPort:
    """The aiohttp server of one backend process.

    Args:
        backend: the backend (its ingest path and audio folder).
        clip_path: the demo's clip for ``(pool, call_id)``, or None without the demo.
    """

    def __init__(
        self,
        backend: Backend,
        ingest: Ingest,
        audio_dir: Path,
        clip_path: Callable[[str, str], Path] | None = None,
    ) -> None:
        self.backend = backend
        self.ingest = ingest
        self.audio_dir = audio_dir
        self.clip_path = clip_path
        self.port = 0
        self.host = "127.0.0.1"
        self.public_url = backend.http_public_url
        self._runner: web.AppRunner | None = None
        self.app = web.Application(client_max_size=MAX_BODY_BYTES)
        self.app[PORT_KEY] = self
        self.app.router.add_route("*", "/osmand", self._osmand)
        self.app.router.add_get("/audio/{name}", self._audio)
        self.app.router.add_get("/radio/{pool}/{name}", self._clip)
        # Imported for their registrations (each door is a module of its own).
        from backend_stub.ingest import doors  # noqa: F401

        for door in _DOORS:
            door(self.app, backend, ingest)

    @property
    def base_url(self) -> str:
        """What consoles use to reach this port (audio URLs): ``public_url`` when the backend
        was given one (``--http-public-url``), else ``http://host:port``."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"

    async def start(self, host: str, port: int) -> int:
        """Listen; returns the port (``0`` picks one)."""
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, reuse_address=True)
        await site.start()
        self.host = host
        self.port = int(self._runner.addresses[0][1])
        return self.port

    async def stop(self) -> None:
        """Close the port."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ---------------------------------------------------------------- OsmAnd

    async def _osmand(self, request: web.Request) -> web.Response:
        if (request.content_length or 0) > OSMAND_MAX_BODY:
            self.ingest.count("osmand", error="body too large")
            return web.Response(status=413, text=f"a fix is at most {OSMAND_MAX_BODY} bytes\n")
        try:
            fix = await _osmand_fix(request)
        except ValueError as exc:
            self.ingest.count("osmand", error=str(exc))
            return web.Response(status=400, text=f"{exc}\n")
        try:
            self.ingest.position(fix, "osmand")
        except Refused as exc:
            status = 429 if exc.code == "rate_limited" else 400
            return web.Response(status=status, text=f"{exc.message}\n")
        return web.Response(text="OK\n")

    # ---------------------------------------------------------------- files

    async def _audio(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if not _SAFE_NAME.match(name) or name.startswith("."):
            raise web.HTTPNotFound()
        path = self.audio_dir / name
        if not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path)

    async def _clip(self, request: web.Request) -> web.StreamResponse:
        pool, name = request.match_info["pool"], request.match_info["name"]
        if self.clip_path is None or pool not in ("voice", "emergency"):
            raise web.HTTPNotFound()
        if not name.endswith(".wav") or not _SAFE_NAME.match(name):
            raise web.HTTPNotFound()
        kind = "emergency" if pool == "emergency" else "group"
        path = self.clip_path(name.removesuffix(".wav"), kind)
        return web.FileResponse(path, headers={"Content-Type": "audio/wav"})


async def _osmand_fix(request: web.Request) -> Fix:
    """The fix an OsmAnd/Traccar request carries (query, form or Traccar Client 9 JSON)."""
    params: dict[str, Any] = dict(request.query)
    if request.method == "POST" and request.can_read_body:
        if request.content_type == "application/json":
            try:
                body = await request.json(loads=json.loads)
            except (ValueError, UnicodeDecodeError):
                raise ValueError("the body is not JSON") from None
            return _traccar_json(body)
        if request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            params.update((k, v) for k, v in (await request.post()).items() if isinstance(v, str))
    device = str(params.get("id") or params.get("deviceid") or "").strip()
    if not device or len(device) > 100:
        raise ValueError("id: the device id is missing")
    lat, lon = _number(params, "lat"), _number(params, "lon")
    if lat is None or lon is None:
        raise ValueError("lat and lon are required")
    stamp = params.get("timestamp")
    speed = _number(params, "speed")
    return Fix(
        f"osmand:{device}",
        lat,
        lon,
        parse_time(stamp) if stamp not in (None, "") else request.app[PORT_KEY].ingest.clock(),
        speed * KNOT_KMH if speed is not None else None,
        _number(params, "bearing") if "bearing" in params else _number(params, "heading"),
        _number(params, "altitude"),
        _number(params, "accuracy"),
    )


def _traccar_json(body: Any) -> Fix:
    if not isinstance(body, dict):
        raise ValueError("the body must be a JSON object")
    device = body.get("device_id")
    location = body.get("location")
    if not isinstance(device, str | int) or not str(device).strip():
        raise ValueError("device_id is missing")
    if not isinstance(location, dict) or not isinstance(location.get("coords"), dict):
        raise ValueError("location.coords is missing")
    coords = location["coords"]
    lat, lon = _number(coords, "latitude"), _number(coords, "longitude")
    if lat is None or lon is None:
        raise ValueError("location.coords.latitude and longitude are required")
    speed = _number(coords, "speed")  # m/s in Traccar Client 9
    return Fix(
        f"osmand:{str(device).strip()}",
        lat,
        lon,
        parse_time(location.get("timestamp")),
        speed * 3.6 if speed is not None and speed >= 0 else None,
        _number(coords, "heading"),
        _number(coords, "altitude"),
        _number(coords, "accuracy"),
    )


def _number(params: dict[str, Any], key: str) -> float | None:
    value = params.get(key)
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{key}: {str(value)[:40]!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{key}: not a finite number")
    return number


def parse_time(value: Any) -> float:
    """Unix seconds, milliseconds or RFC 3339 (what trackers send) → epoch seconds."""
    if isinstance(value, bool) or value is None:
        raise ValueError("timestamp is missing")
    if isinstance(value, int | float) or (isinstance(value, str) and _is_number(value)):
        number = float(value)
        if not math.isfinite(number) or number <= 0:
            raise ValueError("timestamp is not a time")
        return number / 1000.0 if number > 1e11 else number
    if isinstance(value, str):
        text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
        try:
            stamp = datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"timestamp {value[:40]!r} is not a time") from None
        if stamp.tzinfo is None:
            raise ValueError(f"timestamp {value[:40]!r} has no time zone")
        return stamp.timestamp()
    raise ValueError("timestamp is not a time")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
