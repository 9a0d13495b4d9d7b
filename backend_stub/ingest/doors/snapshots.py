"""Alert snapshots on the HTTP port: ``GET /snapshots/{alert_id}?token=T``.

A plate read's or face match's snapshot lives on the camera platform (the alert's
``snapshot_url``), which a console often cannot reach and which knows nothing of our
operators. So the backend fetches it and hands it on, with the media gateway's access rule:
``T`` is a stream token of the alert's camera (``camera.stream_urls``: whoever may watch a
camera may see its snapshots), bound to the operator and short-lived; 401 without one. Answers:
200 with the image; 404 (no such alert, or it has no snapshot or no camera); 502 when the
platform does not give an image (an error, a timeout, something that is not an image, more
than :data:`MAX_SNAPSHOT_BYTES`).

``GET /snapshots/files/{name}`` serves the images the demo district's cameras "take"
(``backend_stub.sim.snapshots``) from the sighting store's ``snapshot_dir``.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from backend_stub.ingest.http import add_door
from backend_stub.media.tokens import TokenError

if TYPE_CHECKING:
    from backend_stub.ingest.core import Ingest
    from backend_stub.server import Backend

log = logging.getLogger("backend.snapshots")

Wire = dict[str, Any]
MAX_SNAPSHOT_BYTES = 4 << 20
FETCH_TIMEOUT_S = 5.0
_FILE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,120}\.(jpg|png)$")


def camera_of(alert: Wire) -> str | None:
    """The camera that took an alert's snapshot: its newest sighting's, else its first."""
    sighting = alert.get("sighting")
    if isinstance(sighting, dict) and isinstance(sighting.get("camera_id"), str):
        return str(sighting["camera_id"])
    cameras = alert.get("camera_ids") or []
    return str(cameras[0]) if cameras else None


def _text(status: int, message: str) -> web.Response:
    return web.Response(status=status, text=f"{message}\n")


@add_door
def snapshots_door(app: web.Application, backend: Backend, ingest: Ingest) -> None:
    """``GET /snapshots/{alert_id}`` and ``GET /snapshots/files/{name}``."""

    sessions: list[aiohttp.ClientSession] = []  # made on first use, on the event loop

    async def close_session(_app: web.Application) -> None:
        for current in sessions:
            await current.close()

    app.on_cleanup.append(close_session)

    def session() -> aiohttp.ClientSession:
        if not sessions or sessions[-1].closed:
            timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_S)
            sessions.append(aiohttp.ClientSession(timeout=timeout, trust_env=False))
        return sessions[-1]

    async def relay(request: web.Request) -> web.StreamResponse:
        alert = backend.state.alerts.get(request.match_info["alert_id"])
        if alert is None:
            return _text(404, "no such alert")
        url = alert.get("snapshot_url")
        camera = camera_of(alert)
        if not isinstance(url, str) or camera is None:
            return _text(404, "this alert has no snapshot")
        token = request.query.get("token")
        for stream in ("sub", "main"):
            try:
                backend.media.tokens.check(token, camera, stream)
                break
            except TokenError as exc:
                refusal = str(exc)
        else:
            return _text(401, f"a snapshot needs a stream token of camera {camera}: {refusal}")
        try:
            async with session().get(url, allow_redirects=False) as answer:
                if answer.status != 200:
                    return _text(502, f"the camera platform answered {answer.status}")
                if not answer.content_type.startswith("image/"):
                    return _text(502, f"the camera platform sent {answer.content_type}, no image")
                data = await answer.content.read(MAX_SNAPSHOT_BYTES + 1)
                kind = answer.content_type
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("snapshot of %s not fetched from %s: %r", alert["id"], url, exc)
            return _text(502, "the camera platform did not answer")
        if len(data) > MAX_SNAPSHOT_BYTES:
            return _text(502, f"the snapshot is over {MAX_SNAPSHOT_BYTES >> 20} MiB")
        return web.Response(
            body=data, content_type=kind, headers={"Cache-Control": "private, max-age=300"}
        )

    async def demo_file(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        folder = backend.sightings.snapshot_dir
        if folder is None or not _FILE_NAME.match(name) or not (folder / name).is_file():
            return _text(404, "no such snapshot")
        return web.FileResponse(folder / name)

    app.router.add_get("/snapshots/files/{name}", demo_file)
    app.router.add_get("/snapshots/{alert_id}", relay)
