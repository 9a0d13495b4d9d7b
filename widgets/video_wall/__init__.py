"""The video wall: tiles of live camera streams played with libVLC (see ``panel``).

The libVLC engine and the tile's frame player live in :mod:`widgets.media` (shared with the
radio log).
"""

from widgets.video_wall.panel import VideoWallPanel
from widgets.video_wall.tile import CAMERA_MIME, VideoTile, camera_mime

__all__ = ["CAMERA_MIME", "VideoTile", "VideoWallPanel", "camera_mime"]
