"""The video wall: tiles of live camera streams played with libVLC (see ``panel``)."""

from widgets.video_wall.panel import VideoWallPanel
from widgets.video_wall.player import TilePlayer, VlcEngine
from widgets.video_wall.tile import CAMERA_MIME, VideoTile, camera_mime

__all__ = ["CAMERA_MIME", "TilePlayer", "VideoTile", "VideoWallPanel", "VlcEngine", "camera_mime"]
