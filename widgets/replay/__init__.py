"""Replay mode: the timeline panel that drives the Store from a recording, and the banner."""

from widgets.replay.banner import ReplayBanner
from widgets.replay.panel import ReplayPanel

__all__ = ["ReplayBanner", "ReplayPanel"]
