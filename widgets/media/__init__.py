"""Qt pieces shared by several panels (panels never import each other; they import this).

``player``: the libVLC engine (one instance and its worker threads, shared by the video wall
and the radio log) and the frame player of a wall tile.
"""

from widgets.media.player import DEFAULT_VLC_ARGS, TilePlayer, VlcEngine

__all__ = ["DEFAULT_VLC_ARGS", "TilePlayer", "VlcEngine"]
