"""SVG icons drawn in a theme colour.

The files in ``resources/icons`` are 24×24 line drawings whose strokes are ``currentColor``;
:func:`icon` puts a palette token's colour in its place and renders the result.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

from widgets.theme import Theme

#: Pixel sizes rendered into every icon (toolbar, menus, high-DPI screens).
SIZES = (16, 24, 32, 48)
_icons: dict[tuple[str, str], QIcon] = {}


@cache
def icon_names() -> tuple[str, ...]:
    """Names of the available icons (file names without ``.svg``), sorted."""
    folder = resources.files("resources") / "icons"
    return tuple(
        sorted(p.name.removesuffix(".svg") for p in folder.iterdir() if p.name.endswith(".svg"))
    )


@cache
def _svg(name: str) -> str:
    if name not in icon_names():
        raise KeyError(f"no icon named {name!r}; available: {', '.join(icon_names())}")
    return (resources.files("resources") / "icons" / f"{name}.svg").read_text("utf-8")


def render(name: str, color: str, size: int) -> QPixmap:
    """The icon ``name`` drawn in ``color`` (``#rrggbb``) on a transparent square of ``size``."""
    renderer = QSvgRenderer(QByteArray(_svg(name).replace("currentColor", color).encode()))
    if not renderer.isValid():
        raise ValueError(f"icon {name!r} is not a valid SVG")
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return pixmap


def icon(name: str, theme: Theme, token: str = "text") -> QIcon:
    """The icon ``name`` in the colour of ``theme``'s palette ``token``.

    Raises:
        KeyError: No icon of that name, or no such token in the theme.
    """
    color = theme.color(token).name()
    key = (name, color)
    cached = _icons.get(key)
    if cached is None:
        cached = QIcon()
        for size in SIZES:
            cached.addPixmap(render(name, color, size))
        _icons[key] = cached
    return cached


def clear_icon_cache() -> None:
    """Forget rendered icons (before the QApplication goes away)."""
    _icons.clear()
