"""Translatable display names of wire enums (kinds, statuses, link states)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def _t(text: str) -> str:
    return QCoreApplication.translate("Labels", text)


def alert_kind(kind: str) -> str:
    """Display name of an alert kind."""
    names = {
        "call_110": _t("110 call"),
        "efence": _t("E-fence"),
        "face_match": _t("Face match"),
        "plate_match": _t("Plate match"),
        "radio_emergency": _t("Radio emergency"),
        "video_analytics": _t("Video analytics"),
        "manual": _t("Manual"),
    }
    return names.get(kind, kind)


def alert_status(status: str) -> str:
    """Display name of an alert status."""
    names = {
        "new": _t("New"),
        "acknowledged": _t("Acknowledged"),
        "dispatched": _t("Dispatched"),
        "on_scene": _t("On scene"),
        "resolved": _t("Resolved"),
        "closed": _t("Closed"),
    }
    return names.get(status, status)


def link_state(state: str) -> str:
    """Display name of a link state."""
    names = {
        "connecting": _t("Connecting"),
        "live": _t("Live"),
        "reconnecting": _t("Reconnecting"),
        "offline": _t("Offline"),
        "unauthorized": _t("Unauthorized"),
    }
    return names.get(state, state)


def age(seconds: float) -> str:
    """A short age such as "45 s", "4 min", "2 h 5 min"."""
    s = max(0, int(seconds))
    if s < 60:
        return _t("%n s").replace("%n", str(s))
    if s < 3600:
        return _t("%n min").replace("%n", str(s // 60))
    return _t("%h h %m min").replace("%h", str(s // 3600)).replace("%m", str(s % 3600 // 60))
