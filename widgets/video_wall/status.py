"""A camera's offline reason as the tile and the camera tree show it."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from console.domain.model import Camera

_REASONS = {
    "unauthorized": str(QT_TRANSLATE_NOOP("CameraStatus", "wrong password")),
    "unreachable": str(QT_TRANSLATE_NOOP("CameraStatus", "unreachable")),
    "no video": str(QT_TRANSLATE_NOOP("CameraStatus", "no video")),
}


def offline_reason(camera: Camera) -> str:
    """Why the media gateway finds ``camera`` offline, translated; "" when online or unknown."""
    if camera.online or not camera.status_reason:
        return ""
    text = _REASONS.get(camera.status_reason, camera.status_reason)
    return QCoreApplication.translate("CameraStatus", text)
