"""Wall mode: a layout spread over N monitors, full screen, no chrome, read-only.

A layout document records which screen the main window and each floating panel were on
(``placement``: screen indexes in ``QGuiApplication.screens()`` order). Wall mode restores the
layout, then puts every window full screen on its screen; a panel whose monitor is gone docks
back into the main window, and a main window whose monitor is gone takes a free screen. When
several floating panels name one screen they share it side by side.

Wall mode is given the window, its docks and a way to apply a layout document (the layout
store's); the parts of panels it hides come from the panel registry. The commander's side
(pushing to a wall) is ``widgets/wall_push.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from typing import Any

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QScreen
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QDockWidget,
    QLineEdit,
    QMainWindow,
    QTabBar,
    QToolBar,
    QWidget,
)

MAIN = "mainWindow"
#: Every control of these kinds is hidden on a wall: nobody works a wall with a mouse, and
#: a wall console sends no commands.
CONTROLS = (QAbstractButton, QLineEdit, QComboBox, QAbstractSpinBox)


def plan_screens(
    placement: Mapping[str, int], floating: list[str], screens: int
) -> dict[str, int | None]:
    """Which screen each window goes on: ``MAIN`` and the floating docks of ``floating``.

    A floating dock whose recorded screen is missing maps to None (it docks into the main
    window). A main window whose screen is missing takes the first screen no floating panel
    uses (or screen 0).
    """
    out: dict[str, int | None] = {}
    taken: set[int] = set()
    for name in floating:
        index = int(placement.get(name, placement.get(MAIN, 0)))
        out[name] = index if 0 <= index < screens else None
        if out[name] is not None:
            taken.add(index)
    main = int(placement.get(MAIN, 0))
    if not 0 <= main < screens:
        free = [i for i in range(screens) if i not in taken]
        main = free[0] if free else 0
    out[MAIN] = main
    return out


def split(rect: QRect, parts: int) -> list[QRect]:
    """``rect`` cut into ``parts`` side-by-side columns of (nearly) equal width."""
    out = []
    for i in range(parts):
        left = rect.x() + rect.width() * i // parts
        right = rect.x() + rect.width() * (i + 1) // parts
        out.append(QRect(left, rect.y(), right - left, rect.height()))
    return out


class WallMode:
    """Turns a console window into a wall display and shows layouts on it.

    Args:
        window: The console's main window (built with the wall role: nothing is sent).
        docks: The window's docks by object name (as it holds them, kept up to date).
        apply_layout: Restores a layout document (False: not a layout).
        hidden_parts: Object names of panel parts a wall does not show (the registry's; a
            name ending in ``*`` hides every part whose name starts with the rest).
        group: This wall console's group; pushes for it or for "all" are obeyed.
    """

    def __init__(
        self,
        window: QMainWindow,
        docks: Mapping[str, QDockWidget],
        apply_layout: Callable[[dict[str, Any]], bool],
        hidden_parts: Collection[str] = (),
        group: str = "all",
    ) -> None:
        self.window = window
        self.docks = docks
        self._apply_layout = apply_layout
        self._hidden = frozenset(p for p in hidden_parts if not p.endswith("*"))
        self._hidden_prefixes = tuple(p[:-1] for p in hidden_parts if p.endswith("*"))
        self.group = group
        self.layout_name = ""
        #: Where each window ended up (screen index), after :meth:`show_layout`.
        self.screens: dict[str, int] = {}
        self._strip_chrome()

    def wants(self, wall: str) -> bool:
        """True when a push to ``wall`` is meant for this console."""
        return wall in ("all", self.group)

    def _strip_chrome(self) -> None:
        window = self.window
        window.menuBar().hide()
        window.statusBar().hide()
        # No menus to quit from: the keyboard still can (a wall box may have one).
        quit_action = QAction(window)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(window.close)
        window.addAction(quit_action)
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
        self._strip_panels()

    def _strip_panels(self) -> None:
        """No toolbars (a restored state may show them again); docks without title bars that
        cannot be moved or closed; no command UI."""
        for bar in self.window.findChildren(QToolBar):
            bar.hide()
        for dock in self.docks.values():
            if not isinstance(dock.titleBarWidget(), _NoTitle):
                dock.setTitleBarWidget(_NoTitle())
            dock.setFeatures(QDockWidget.DockWidgetFeature.NoDockWidgetFeatures)
        for widget in self.window.findChildren(QWidget):
            if isinstance(widget, CONTROLS) and not isinstance(widget.parent(), QTabBar):
                widget.hide()
            elif self._is_hidden_part(widget.objectName()):
                widget.hide()  # the video wall's camera tree, the tiles' PTZ pads, …

    def _is_hidden_part(self, name: str) -> bool:
        return name in self._hidden or bool(
            self._hidden_prefixes and name.startswith(self._hidden_prefixes)
        )

    def show_layout(self, doc: dict[str, Any]) -> bool:
        """Apply a layout document across the monitors. False if it is not a layout."""
        window, docks = self.window, self.docks
        if not self._apply_layout(doc):
            return False
        self.layout_name = str(doc.get("name", ""))
        self._strip_panels()
        placement = doc.get("placement")
        if not isinstance(placement, dict):
            placement = {}
        placement = {str(k): v for k, v in placement.items() if isinstance(v, int)}
        screens = QGuiApplication.screens()
        floating = [n for n, d in docks.items() if d.isFloating() and not d.isHidden()]
        plan = plan_screens(placement, floating, len(screens))
        per_screen: dict[int, list[QWidget]] = {}
        self.screens = {}
        for name in [MAIN, *floating]:
            index = plan[name]
            if index is None:
                docks[name].setFloating(False)  # its monitor is gone: back inside
                self.screens[name] = plan[MAIN] or 0
                continue
            widget: QWidget = window if name == MAIN else docks[name]
            per_screen.setdefault(index, []).append(widget)
            self.screens[name] = index
        for name, dock in docks.items():
            if not dock.isFloating():
                self.screens[name] = plan[MAIN] or 0
        for index, widgets in per_screen.items():
            screen = screens[index]
            for widget, rect in zip(widgets, split(screen.geometry(), len(widgets)), strict=True):
                if widget is window and len(widgets) > 1:
                    window.setWindowState(Qt.WindowState.WindowNoState)  # shares its screen
                _move_to_screen(widget, screen)
                widget.setGeometry(rect)
                if widget is window and len(widgets) == 1:
                    widget.showFullScreen()
                else:
                    widget.show()
        return True


def _move_to_screen(widget: QWidget, screen: QScreen) -> None:
    """``widget.setScreen(screen)``, keeping its children shown.

    Moving a window to another X screen (not a virtual sibling) recreates its native window,
    which leaves its children with native windows hidden (the video tiles' surfaces): a
    floating panel would shrink to an empty 2×1 window, a video wall would show no tiles.
    """
    if widget.screen() is screen:
        return
    hidden = {child: child.isHidden() for child in widget.findChildren(QWidget)}
    widget.setScreen(screen)
    for child, was_hidden in hidden.items():
        if child.isHidden() != was_hidden:
            child.setHidden(was_hidden)


class _NoTitle(QWidget):
    """An empty title bar: a wall shows panels, not window chrome."""
