"""Translatable display names of wire enums (kinds, statuses, link states)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def alert_kind(kind: str) -> str:
    """Display name of an alert kind."""
    names = {
        "call_110": QCoreApplication.translate("Labels", "110 call"),
        "efence": QCoreApplication.translate("Labels", "E-fence"),
        "face_match": QCoreApplication.translate("Labels", "Face match"),
        "plate_match": QCoreApplication.translate("Labels", "Plate match"),
        "radio_emergency": QCoreApplication.translate("Labels", "Radio emergency"),
        "video_analytics": QCoreApplication.translate("Labels", "Video analytics"),
        "manual": QCoreApplication.translate("Labels", "Manual"),
    }
    return names.get(kind, kind)


def alert_status(status: str) -> str:
    """Display name of an alert status."""
    names = {
        "new": QCoreApplication.translate("Labels", "New"),
        "acknowledged": QCoreApplication.translate("Labels", "Acknowledged"),
        "dispatched": QCoreApplication.translate("Labels", "Dispatched"),
        "on_scene": QCoreApplication.translate("Labels", "On scene"),
        "resolved": QCoreApplication.translate("Labels", "Resolved"),
        "closed": QCoreApplication.translate("Labels", "Closed"),
    }
    return names.get(status, status)


def link_state(state: str) -> str:
    """Display name of a link state."""
    names = {
        "connecting": QCoreApplication.translate("Labels", "Connecting"),
        "live": QCoreApplication.translate("Labels", "Live"),
        "reconnecting": QCoreApplication.translate("Labels", "Reconnecting"),
        "offline": QCoreApplication.translate("Labels", "Offline"),
        "unauthorized": QCoreApplication.translate("Labels", "Unauthorized"),
    }
    return names.get(state, state)


def age(seconds: float) -> str:
    """A short age such as "45 s", "4 min", "2 h 5 min"."""
    s = max(0, int(seconds))
    if s < 60:
        return QCoreApplication.translate("Labels", "%n s").replace("%n", str(s))
    if s < 3600:
        return QCoreApplication.translate("Labels", "%n min").replace("%n", str(s // 60))
    return (
        QCoreApplication.translate("Labels", "%h h %m min")
        .replace("%h", str(s // 3600))
        .replace("%m", str(s % 3600 // 60))
    )


def timer_name(name: str) -> str:
    """Display name of a running timer (what the alert is waiting for)."""
    names = {
        "acknowledge": QCoreApplication.translate("Labels", "Ack"),
        "dispatch": QCoreApplication.translate("Labels", "Dispatch"),
        "arrive": QCoreApplication.translate("Labels", "Arrive"),
        "feedback": QCoreApplication.translate("Labels", "Feedback"),
    }
    return names.get(name, name)


def countdown(seconds: float) -> str:
    """ "4:05" left, or "-1:10" overdue."""
    sign = "-" if seconds < 0 else ""
    s = int(abs(seconds))
    return f"{sign}{s // 60}:{s % 60:02d}"


def unit_status(status: str) -> str:
    """Display name of a unit status."""
    names = {
        "available": QCoreApplication.translate("Labels", "Available"),
        "dispatched": QCoreApplication.translate("Labels", "Dispatched"),
        "en_route": QCoreApplication.translate("Labels", "En route"),
        "on_scene": QCoreApplication.translate("Labels", "On scene"),
        "busy": QCoreApplication.translate("Labels", "Busy"),
        "off_duty": QCoreApplication.translate("Labels", "Off duty"),
    }
    return names.get(status, status)


def unit_kind(kind: str) -> str:
    """Display name of a unit kind (an unknown kind from an inventory file shows as it is)."""
    names = {
        "patrol_car": QCoreApplication.translate("Labels", "Patrol car"),
        "foot": QCoreApplication.translate("Labels", "Foot patrol"),
        "motorcycle": QCoreApplication.translate("Labels", "Motorcycle"),
        "traffic": QCoreApplication.translate("Labels", "Traffic police"),
        "swat": QCoreApplication.translate("Labels", "SWAT"),
        "drone": QCoreApplication.translate("Labels", "Drone"),
    }
    return names.get(kind, kind)


def layer_kind(kind: str) -> str:
    """Display name of a layer kind."""
    names = {
        "grid": QCoreApplication.translate("Labels", "Grid"),
        "efence": QCoreApplication.translate("Labels", "E-fence"),
        "boundary": QCoreApplication.translate("Labels", "District boundary"),
        "station": QCoreApplication.translate("Labels", "Police station"),
    }
    return names.get(kind, kind)
