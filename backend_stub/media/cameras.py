"""The backend's cameras on its media gateway: sources, stream URLs with tokens, status.

The inventory's camera records (source URLs and credentials, which never leave the backend)
feed the gateway's resolver; ``camera.stream_urls`` gives an operator the gateway URLs of
cameras with a token each; ``GET /media/{camera}/{main|sub}?token=...`` on the HTTP port
checks the token (401 without a valid one) and serves the stream; the gateway's view of a
source becomes the camera's ``status`` and ``status_reason`` (``camera.upsert``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

from backend_stub.media.gateway import STREAMS, MediaGateway, SourceStatus
from backend_stub.media.gateway import source_with_credentials as with_credentials
from backend_stub.media.tokens import StreamTokens, TokenError
from console.protocol.codec import format_ts

log = logging.getLogger("backend.media")

Wire = dict[str, Any]
#: Cameras a ``camera.stream_urls`` answers for at most (a whole district's inventory).
MAX_STREAM_URLS = 5000


class CameraMedia:
    """Cameras, their sources and tokens, for one backend.

    Args:
        publish: Appends events to the backend's log (camera status changes).
        camera: The current wire object of a camera (the state's), or None.
        gateway_options: Passed to :class:`MediaGateway` (``max_pulls``, ``idle_s``, ...).
    """

    def __init__(
        self,
        publish: Callable[[list[Wire]], object],
        camera: Callable[[str], Wire | None],
        tokens: StreamTokens | None = None,
        **gateway_options: Any,
    ) -> None:
        self._publish = publish
        self._camera = camera
        self.tokens = tokens or StreamTokens()
        self.sources: dict[str, tuple[str, str]] = {}  # camera id -> (main, sub) with secrets
        self.gateway = MediaGateway(self.resolve, on_status=self._on_status, **gateway_options)
        self.base_url: str | None = None

    # ---------------------------------------------------------------- sources

    def update(self, rows: Iterable[tuple[str, dict[str, Any], bool]]) -> None:
        """Take the camera rows of an inventory sync (retired cameras go)."""
        for kind, body, retired in rows:
            if kind != "camera":
                continue
            if retired:
                self.sources.pop(body["id"], None)
                continue
            user, password = body.get("username") or "", body.get("password") or ""
            main = with_credentials(body["main"], user, password)
            sub = with_credentials(body["sub"], user, password) if body.get("sub") else main
            self.sources[body["id"]] = (main, sub)

    def resolve(self, camera_id: str, stream: str) -> str | None:
        """The source URL (credentials included) of a camera stream, or None."""
        pair = self.sources.get(camera_id)
        if pair is None or stream not in STREAMS:
            return None
        return pair[0] if stream == "main" else pair[1]

    # ---------------------------------------------------------------- URLs and tokens

    def stream_urls(self, operator_id: str, camera_ids: list[str] | None) -> Wire:
        """``camera.stream_urls``' answer: each camera's gateway URLs with a token."""
        if self.base_url is None:
            raise LookupError("this backend has no HTTP port, so no media gateway")
        ids = list(self.sources) if camera_ids is None else camera_ids
        streams: dict[str, dict[str, str]] = {}
        expires = 0.0
        for camera_id in ids[:MAX_STREAM_URLS]:
            if camera_id not in self.sources:
                continue
            urls = {}
            for stream in STREAMS:
                token, expires = self.tokens.issue(operator_id, camera_id, stream)
                urls[stream] = f"{self.base_url}/media/{camera_id}/{stream}?token={token}"
            streams[camera_id] = urls
        return {
            "streams": streams,
            "expires": format_ts(expires or self.tokens.clock() + self.tokens.ttl_s),
            "ttl_s": self.tokens.ttl_s,
        }

    def revoke(self, operator_id: str, before: float | None = None) -> None:
        """A revoked operator's tokens stop working and the streams it watches end."""
        self.tokens.revoke(operator_id, before)
        dropped = self.gateway.drop_owner(operator_id)
        if dropped:
            log.info("ended %d stream(s) of %s: token revoked", dropped, operator_id)

    def add_routes(self, app: web.Application) -> None:
        """The gateway's route on the HTTP port."""
        app.router.add_get("/media/{camera_id}/{stream}", self._serve)

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        camera_id, stream = request.match_info["camera_id"], request.match_info["stream"]
        try:
            operator = self.tokens.check(request.query.get("token"), camera_id, stream)
        except TokenError as exc:
            raise web.HTTPUnauthorized(text=f"{exc}\n") from None
        return await self.gateway.serve(request, camera_id, stream, operator)

    # ---------------------------------------------------------------- status

    def _on_status(self, camera_id: str, stream: str, status: SourceStatus) -> None:
        if stream != "main" and self.gateway.status(camera_id, "main") is not None:
            return  # the main stream, when it is pulled, speaks for the camera
        current = self._camera(camera_id)
        if current is None:
            return
        state = "online" if status.online else "offline"
        if current.get("status") == state and current.get("status_reason", "") == status.reason:
            return
        camera = {**current, "status": state}
        camera.pop("status_reason", None)
        if status.reason:
            camera["status_reason"] = status.reason
        self._publish([{"type": "camera.upsert", "camera": camera}])

    async def close(self) -> None:
        """Stop every pull."""
        await self.gateway.close()
