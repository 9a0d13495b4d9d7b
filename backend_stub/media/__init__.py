"""The backend's media gateway: camera streams pulled once, served as MPEG-TS over HTTP."""

from backend_stub.media.gateway import (
    GatewayFull,
    MediaGateway,
    SourceStatus,
    ffmpeg_argv,
    source_with_credentials,
)

__all__ = [
    "GatewayFull",
    "MediaGateway",
    "SourceStatus",
    "ffmpeg_argv",
    "source_with_credentials",
]
