"""Cross-panel actions, wired by the composition root: what one panel (or a menu) asks of
the others — dispatch the nearest unit from the map, show a clicked unit, push to the wall
consoles and obey pushes, open the inventory, and everything Ctrl+K finds.

Panels never import each other; these functions get the :class:`~widgets.parts.Console` and
reach the panels through it.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication

from console.dispatch import recommend
from console.domain.store import DomainEvent, WallCamerasPushed, WallLayoutPushed
from widgets import labels
from widgets.commands import MessageSink, SendCommand
from widgets.palette import CommandPalette, PaletteEntry
from widgets.parts import Console

if TYPE_CHECKING:
    from widgets.video_wall import VideoWallPanel

log = logging.getLogger("console.assembly")


def open_inventory(console: Console, send: SendCommand) -> None:
    """Show the Inventory and sources window (made on first use), with the sources asked for."""
    from widgets.inventory import InventoryWindow

    if console.inventory is None:
        console.inventory = InventoryWindow(console.bridge, send, console.window)
    console.inventory.show()
    console.inventory.raise_()
    console.inventory.refresh_sources()


def video_panels(console: Console) -> list[VideoWallPanel]:
    """Every video wall of the console, the first one first."""
    from widgets.video_wall import VideoWallPanel

    extras = [p for p in console.extras if isinstance(p, VideoWallPanel)]
    return [console.video, *extras] if console.video is not None else extras


def on_wall_pushed(console: Console, event: DomainEvent) -> None:
    """A wall console obeys pushes for its group or "all" (after the Store's update)."""
    from PySide6.QtCore import QTimer

    wall = console.wall
    if wall is None:
        return
    if isinstance(event, WallLayoutPushed) and wall.wants(event.wall):
        doc = dict(event.layout)
        QTimer.singleShot(0, console.window, lambda: _show_pushed_layout(console, doc))
    elif isinstance(event, WallCamerasPushed) and wall.wants(event.wall):
        ids = list(event.camera_ids)
        QTimer.singleShot(0, console.window, lambda: show_cameras(console, ids))


def _show_pushed_layout(console: Console, doc: dict[str, Any]) -> None:
    if console.wall is not None and not console.wall.show_layout(doc):
        log.warning("pushed layout %r is not a layout document; ignored", doc.get("name"))


def show_cameras(console: Console, camera_ids: list[str]) -> None:
    """Put cameras on the (first) video wall's tiles, in the smallest layout that holds them."""
    from console.video import LAYOUTS

    walls = video_panels(console)
    if not walls or not camera_ids:
        return
    fits = [n for n, lay in LAYOUTS.items() if lay.size >= len(camera_ids)]
    largest = max(LAYOUTS, key=lambda n: LAYOUTS[n].size)
    name = min(fits, key=lambda n: LAYOUTS[n].size) if fits else largest
    wall = walls[0]
    wall.set_layout(name)
    ids: list[str | None] = list(camera_ids)
    wall.open_cameras(ids + [None] * (LAYOUTS[name].size - len(ids)))


def push_layout(console: Console, group: str, name: str, doc: dict[str, Any]) -> None:
    """Commander: show a layout on the wall consoles of ``group``."""
    console.commands.run(
        "wall.show_layout",
        {"wall": group, "name": name, "layout": doc},
        QCoreApplication.translate("MainWindow", "Layout %1 pushed to wall %2.")
        .replace("%1", name)
        .replace("%2", group),
    )


def push_cameras(console: Console, group: str) -> None:
    """Commander: show the cameras of this console's video wall on the wall consoles."""
    window = console.window
    walls = video_panels(console)
    ids = [c for c in (walls[0].assigned() if walls else []) if c]
    if not ids:
        window.show_message(
            QCoreApplication.translate("MainWindow", "No cameras on the video wall to push."),
            error=True,
        )
        return
    push_camera_ids(console, group, ids)


def push_camera_ids(
    console: Console, group: str, ids: list[str], reply_to: MessageSink | None = None
) -> None:
    """Commander: show these cameras (at most 36) on the wall consoles of ``group``."""
    console.commands.run(
        "wall.show_cameras",
        {"wall": group, "camera_ids": ids[:36]},
        QCoreApplication.translate("MainWindow", "%1 cameras pushed to wall %2.")
        .replace("%1", str(len(ids[:36])))
        .replace("%2", group),
        reply_to,
    )


def dispatch_nearest(console: Console, alert_id: str, reply_to: MessageSink) -> None:
    """派警 from the map: the recommended (nearest by ETA) available unit, in one gesture;
    the answer is shown where it was asked for (``reply_to``)."""
    store = console.store
    alert = store.alerts.get(alert_id)
    if alert is None:
        return
    ranked = recommend(alert, store.units, store.positions, time.time(), limit=1)
    if not ranked:
        reply_to.show_message(
            QCoreApplication.translate("MainWindow", "No available unit with a known position."),
            error=True,
        )
        return
    unit = ranked[0].unit
    console.commands.run(
        "alert.dispatch",
        {"alert_id": alert.id, "unit_ids": [unit.id], "version": alert.version},
        QCoreApplication.translate("MainWindow", "%1 dispatched to %2.")
        .replace("%1", unit.callsign)
        .replace("%2", alert.id),
        reply_to,
    )


def show_unit(console: Console, unit_id: str) -> None:
    """A unit clicked on the map: its details in the status bar."""
    unit = console.store.units.get(unit_id)
    if unit is None:
        return
    pos = console.store.positions.get(unit_id)
    fix = labels.age(time.time() - pos.fix_ts) if pos is not None else "—"
    tg = console.store.talkgroups.get(unit.talkgroup, unit.talkgroup)
    console.window.statusBar().showMessage(
        f"{unit.callsign} · {labels.unit_status(unit.status.value)} · {unit.kind} · "
        f"{tg} ({unit.talkgroup}) · {unit.radio_id} · {fix}",
        15000,
    )


def palette_entries(console: Console) -> list[PaletteEntry]:
    """Everything Ctrl+K can find: alerts, units, cameras, layouts and actions."""

    store, window, tr = console.store, console.window, console.window.tr
    layouts = console.layouts
    entries: list[PaletteEntry] = []
    for alert in sorted(store.alerts.values(), key=lambda a: a.created_ts, reverse=True):

        def select(a: str = alert.id) -> None:
            console.bridge.select_alert(a)

        entries.append(
            PaletteEntry(
                tr("Alert"), f"{alert.id} P{alert.priority} {alert.title} {alert.address}", select
            )
        )
    for unit in store.units.values():

        def centre(u: str = unit.id) -> None:
            pos = store.positions.get(u)
            if pos is not None and console.map is not None:
                console.map.centre_on(pos.lat, pos.lon)

        entries.append(
            PaletteEntry(
                tr("Unit"),
                f"{unit.callsign} {unit.radio_id} {labels.unit_status(unit.status)}",
                centre,
            )
        )
    for camera in store.cameras.values():

        def show(c: str = camera.id) -> None:
            if console.video is not None:
                console.video.open_camera(c)
            cam = store.cameras[c]
            if console.map is not None:
                console.map.centre_on(cam.lat, cam.lon, 17)

        entries.append(PaletteEntry(tr("Camera"), f"{camera.id} {camera.name}", show))
    for name in layouts.names():

        def load(n: str = name) -> None:
            layouts.load(n)

        entries.append(PaletteEntry(tr("Layout"), name, load))
    entries += [
        PaletteEntry(tr("Action"), tr("Settings…"), window.sig_settings_requested.emit),
        PaletteEntry(tr("Action"), tr("Reset to default"), layouts.reset),
        PaletteEntry(tr("Action"), tr("New alert  [N]"), window.alerts.new_alert),
        PaletteEntry(tr("Action"), tr("Keyboard shortcuts"), window.show_keys),
    ]
    entries += [
        PaletteEntry(tr("Action"), action.text(), action.trigger)
        for action in window.new_panel_actions.values()
    ]
    if window.wall_menu.menuAction().isVisible():  # commanders
        entries += [
            PaletteEntry(tr("Action"), a.text(), a.trigger)
            for a in (window.push_layout_action, window.push_cameras_action)
        ]
    if window.inventory_action.isVisible():  # commanders
        entries.append(
            PaletteEntry(
                tr("Action"), window.inventory_action.text(), window.inventory_action.trigger
            )
        )
    return entries


def open_palette(console: Console) -> None:
    """Show the command palette over the main window."""
    palette = console.palette = CommandPalette(palette_entries(console), console.window)
    palette.open()
