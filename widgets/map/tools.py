"""The map's operator tools: follow a unit, measure a distance, drag a unit onto an alert,
search, and the outline of a drawn fence.

Kept out of :mod:`widgets.map.panel` so the panel stays about data flow. :class:`MapTools`
works on a :class:`MapPage` (what it needs of the panel, nothing more): it adds its actions to
the page's toolbar, answers the page's calls for these tools (through its
:class:`~widgets.map.page.MapPageBridge`) and talks back with ``run_js``. Dispatching goes out
as ``MapTools.sig_command_requested``, which the panel forwards as its own like every other
command the map asks for, so the operator reads the backend's answer or refusal on the map.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtGui import QAction, QCursor
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QLineEdit, QMenu, QToolBar, QWidget

from console import geo
from console.domain.store import Store
from widgets.bridge import StoreBridge
from widgets.map.page import MapPageBridge
from widgets.map.search import MapHit, MapSearchBox

if TYPE_CHECKING:
    import asyncio

    from console.protocol.session import CommandAnswered
    from widgets.commands import SendCommand

FENCE_MAX_VERTICES = 500
"""Positions in a drawn fence's ring, the closing one included (the protocol's limit)."""


class MapPage(Protocol):
    """What the tools need of the map they serve (the map panel is one)."""

    @property
    def toolbar(self) -> QToolBar:
        """The map's toolbar (the tools add their actions to it)."""

    @property
    def page_bridge(self) -> MapPageBridge:
        """The page's calls back into Qt."""

    @property
    def store(self) -> Store:
        """The Store the map shows."""

    @property
    def bridge(self) -> StoreBridge:
        """The Store's Qt face (selection goes through it)."""

    @property
    def is_drawing(self) -> bool:
        """True while the operator draws a fence."""

    def set_drawing(self, on: bool) -> None:
        """Start or stop drawing a fence."""

    def run_js(self, script: str, callback: Callable[[Any], None] | None = None) -> None:
        """Run a script in the page."""

    def flush(self) -> None:
        """Push everything pending to the page now."""

    def centre_on(self, lat: float, lon: float, zoom: int = 16) -> None:
        """Centre the map on a WGS-84 position."""

    def show_error(self, text: str, *, transient: bool = True) -> None:
        """Say something went wrong, above the map."""


def dialog_action(
    toolbar: QToolBar,
    name: str,
    text: str,
    tip: str,
    make: Callable[[], QDialog],
    before_show: Callable[[QDialog], None] | None = None,
) -> QAction:
    """A toolbar button that opens a dialog, made on the first click and kept for the next
    (so what the operator typed stays); ``before_show`` sees it each time it is shown."""
    action = QAction(text, toolbar.parentWidget() or toolbar)
    action.setObjectName(name)
    action.setToolTip(tip)
    made: list[QDialog] = []

    def open_dialog() -> None:
        if not made:
            made.append(make())
        if before_show is not None:
            before_show(made[0])
        made[0].show()
        made[0].raise_()

    action.triggered.connect(open_dialog)
    toolbar.addAction(action)
    return action


def subject_fields(parent: QWidget) -> tuple[QComboBox, QLineEdit]:
    """The sightings dialogs' inputs for whom they ask about: the kind (its data ``plate`` or
    ``face``) and the plate or person id."""
    kind = QComboBox(parent)
    kind.addItem(QCoreApplication.translate("MapTools", "Plate"), "plate")
    kind.addItem(QCoreApplication.translate("MapTools", "Person (face)"), "face")
    value = QLineEdit(parent)
    value.setPlaceholderText(QCoreApplication.translate("MapTools", "e.g. 蒙K7S521"))
    return kind, value


def ask(
    send: SendCommand,
    name: str,
    args: dict[str, Any],
    status: QLabel,
    then: Callable[[CommandAnswered], None],
) -> None:
    """Send a command or query and hand its answer to ``then``; when it cannot be sent, fails or
    is refused, ``status`` says why instead."""
    try:
        future = send(name, args)
    except Exception as exc:  # not connected, or the arguments do not fit the protocol
        status.setText(str(exc))
        return

    def done(f: asyncio.Future[CommandAnswered]) -> None:
        try:
            answer = f.result()
        except Exception as exc:
            status.setText(str(exc))
            return
        if not answer.ok:
            status.setText(answer.message or answer.code or "")
            return
        then(answer)

    future.add_done_callback(done)


def fence_ring(outline: str) -> list[list[float]] | None:
    """The closed WGS-84 ``[lon, lat]`` ring of an outline the page sent (``fenceDrawn``).

    The page sends display coordinates: on a GCJ-02 base map they are shifted back to WGS-84
    (:func:`console.geo.gcj02_to_wgs84`). None when the outline is unusable (fewer than three
    vertices, or not what the page sends).
    """
    try:
        data = json.loads(outline)
        pts = [(float(p[0]), float(p[1])) for p in data["pts"]]
        gcj02 = bool(data.get("gcj02"))
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    if gcj02:
        pts = [geo.gcj02_to_wgs84(lat, lon) for lat, lon in pts]
    ring = [[round(lon, 7), round(lat, 7)] for lat, lon in pts[: FENCE_MAX_VERTICES - 1]]
    if len({tuple(p) for p in ring}) < 3:
        return None
    ring.append(list(ring[0]))
    return ring


def measured_path(path: str) -> list[tuple[float, float]] | None:
    """The WGS-84 ``(lat, lon)`` points of a path the page sent (``measureChanged``).

    The page sends display coordinates; on a GCJ-02 base map they are shifted back. None when
    the message is not what the page sends.
    """
    try:
        data = json.loads(path)
        pts = [(float(p[0]), float(p[1])) for p in data["pts"]]
        gcj02 = bool(data.get("gcj02"))
    except (ValueError, TypeError, KeyError, IndexError):
        return None
    return [geo.gcj02_to_wgs84(lat, lon) for lat, lon in pts] if gcj02 else pts


def distance_text(metres: float) -> str:
    """ "850 m", "1.25 km", "12.4 km" in the operator's language."""
    if metres < 1000:
        return QCoreApplication.translate("MapTools", "%1 m").replace("%1", str(round(metres)))
    km = metres / 1000
    return QCoreApplication.translate("MapTools", "%1 km").replace(
        "%1", f"{km:.2f}" if km < 10 else f"{km:.1f}"
    )


class MapTools(QObject):
    """Follow, measure and drag-to-dispatch for one map.

    Args:
        panel: The map the tools work on.
        parent: The widget their menus belong to (the map panel).
    """

    sig_command_requested = Signal(str, dict, str)
    """A command to send (name, args, text to show when it succeeds): ``alert.dispatch``."""

    def __init__(self, panel: MapPage, parent: QWidget) -> None:
        """Add the tools' actions to ``panel.toolbar`` and listen to the page."""
        super().__init__(parent)
        self._panel = panel
        self._parent = parent
        self._store = panel.store
        self._following: str | None = None
        self.context_menu: QMenu | None = None

        bar = panel.toolbar
        # The search comes first: finding a place is what the toolbar is used for most.
        first = bar.actions()[0]
        self.search = MapSearchBox(self._store)
        self.search_status = QLabel()
        self.search_status.setObjectName("mapSearchStatus")
        self.search.sig_hit_chosen.connect(self.go_to)
        self.search.sig_no_match.connect(self._on_search_no_match)
        self.search.textEdited.connect(lambda _t: self.search_status.setText(""))
        bar.insertWidget(first, self.search)
        bar.insertWidget(first, self.search_status)
        bar.insertSeparator(first)
        self.follow_action = QAction(self.tr("Follow"), self)
        self.follow_action.setObjectName("mapFollow")
        self.follow_action.setCheckable(True)
        self.follow_action.setEnabled(False)
        self.follow_action.setToolTip(self.tr("Right-click a unit to follow it; a pan stops."))
        self.follow_action.toggled.connect(self._on_follow_toggled)
        bar.addAction(self.follow_action)
        self.measure_action = QAction(self.tr("Measure"), self)
        self.measure_action.setObjectName("mapMeasure")
        self.measure_action.setCheckable(True)
        self.measure_action.setToolTip(self.tr("Click points on the map to measure the distance."))
        self.measure_action.toggled.connect(self.set_measuring)
        bar.addAction(self.measure_action)
        self.measure_text = ""  # the length shown next to the last measured point

        pb = panel.page_bridge
        pb.sig_unit_context.connect(self._on_page_unit_context)
        pb.sig_follow_stopped.connect(lambda: self._set_following(None))
        pb.sig_measure_changed.connect(self._on_page_measure_changed)
        pb.sig_unit_dropped.connect(self.dispatch_unit)

    # ---- search

    def go_to(self, hit: MapHit) -> None:
        """Take the map to a search hit and mark it (an alert is also selected everywhere)."""
        self.search_status.setText("")
        if hit.kind == "alert":
            self._panel.bridge.select_alert(hit.id)
        self._panel.centre_on(hit.lat, hit.lon, 17 if hit.kind in ("unit", "alert") else 16)
        layer = json.dumps(hit.id if hit.kind in ("grid", "efence") else None)
        self._panel.run_js(f"ConsoleMap.ping({hit.lat:.7f}, {hit.lon:.7f}, {layer})")

    def _on_search_no_match(self, text: str) -> None:
        self.search_status.setText(self.tr("Nothing on the map matches “%1”.").replace("%1", text))

    # ---- follow

    @property
    def following(self) -> str | None:
        """The unit the map keeps centred, if any."""
        return self._following

    def follow_unit(self, unit_id: str | None) -> None:
        """Keep the map centred on this unit as it moves (``None`` stops); a pan stops it too."""
        if unit_id is None:
            self._panel.run_js("ConsoleMap.stopFollow(false)")
            self._set_following(None)
            return
        self._panel.flush()  # the unit's marker exists in the page before it is looked up
        self._panel.run_js(
            f"ConsoleMap.startFollow({json.dumps(unit_id)})",
            lambda ok: self._on_follow_started(unit_id, ok),
        )

    def _on_follow_started(self, unit_id: str, ok: object) -> None:
        if ok is True:
            self._set_following(unit_id)
            return
        unit = self._store.units.get(unit_id)
        name = unit.callsign if unit is not None else unit_id
        self._panel.show_error(self.tr("%1 has no position to follow.").replace("%1", name))

    def _set_following(self, unit_id: str | None) -> None:
        self._following = unit_id
        action = self.follow_action
        action.blockSignals(True)
        action.setChecked(unit_id is not None)
        action.blockSignals(False)
        action.setEnabled(unit_id is not None)
        unit = self._store.units.get(unit_id) if unit_id else None
        action.setText(
            self.tr("Following %1").replace("%1", unit.callsign if unit else unit_id)
            if unit_id
            else self.tr("Follow")
        )

    def _on_follow_toggled(self, on: bool) -> None:
        if not on:
            self.follow_unit(None)

    # ---- measure

    @property
    def is_measuring(self) -> bool:
        """True while clicks on the map add points to a measured path."""
        return self.measure_action.isChecked()

    def set_measuring(self, on: bool) -> None:
        """Start (clearing any old path) or stop measuring."""
        if self.measure_action.isChecked() != on:
            self.measure_action.setChecked(on)  # comes back here through toggled
            return
        if on and self._panel.is_drawing:
            self._panel.set_drawing(False)
        self.measure_text = ""
        self._panel.run_js(f"ConsoleMap.setMeasuring({'true' if on else 'false'})")

    def _on_page_measure_changed(self, path: str) -> None:
        pts = measured_path(path)
        if pts is None:
            return
        text = distance_text(geo.path_length_m(pts))
        self.measure_text = text
        self._panel.run_js(f"ConsoleMap.setMeasureText({json.dumps(text)})")

    # ---- a unit's menu, and dispatch by drag and drop

    def _on_page_unit_context(self, unit_id: str) -> None:
        unit = self._store.units.get(unit_id)
        if unit is None:
            return
        menu = QMenu(self._parent)
        follow = menu.addAction(self.tr("Follow %1").replace("%1", unit.callsign))
        follow.triggered.connect(lambda: self.follow_unit(unit_id))
        alert_id = self._store.selected_alert_id
        alert = self._store.alerts.get(alert_id) if alert_id else None
        if alert is not None and alert.is_open:
            text = self.tr("Dispatch %1 to %2").replace("%1", unit.callsign).replace("%2", alert.id)
            dispatch = menu.addAction(text)
            dispatch.triggered.connect(lambda: self.dispatch_unit(unit_id, alert.id))
        self.context_menu = menu
        menu.popup(QCursor.pos())

    def dispatch_unit(self, unit_id: str, alert_id: str) -> None:
        """Ask the backend to dispatch this unit to this alert (a unit dropped on an alert)."""
        unit = self._store.units.get(unit_id)
        alert = self._store.alerts.get(alert_id)
        if unit is None or alert is None or not alert.is_open:
            self._panel.show_error(
                self.tr("Not dispatched: alert %1 is no longer open.").replace("%1", alert_id)
            )
            return
        self._panel.bridge.select_alert(alert.id)  # the queue shows the alert being dispatched
        args = {"alert_id": alert.id, "unit_ids": [unit.id], "version": alert.version}
        done = self.tr("%1 dispatched to %2.").replace("%1", unit.callsign).replace("%2", alert.id)
        self.sig_command_requested.emit("alert.dispatch", args, done)
