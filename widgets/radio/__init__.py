"""The radio log panel: PDT call feed, emergencies, recorded-call playback, dispatch log."""

from widgets.radio.panel import RadioLogPanel

__all__ = ["RadioLogPanel"]
