"""The Inventory and sources window: units, cameras, talkgroups, layers, live-feed sources,
and importing inventory files from the console.

Tables are rebuilt from the Store (at most once a second while the window is shown, and only
when the inventory changed, not on every fix); sources are asked for with ``source.list``; an
import sends the files with ``inventory.import`` and shows the backend's all-or-nothing report.
"""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from console.protocol.codec import ProtocolError, format_ts
from console.protocol.session import CommandAnswered
from widgets import labels
from widgets.bridge import StoreBridge
from widgets.inventory.tables import InventoryTable
from widgets.naming import named

Send = Callable[[str, dict[str, Any]], "asyncio.Future[CommandAnswered]"]
#: What one ``inventory.import`` may carry: base64 grows a file by 4/3 inside a 1 MiB frame.
MAX_CONSOLE_IMPORT_BYTES = 700 * 1024


class InventoryWindow(QDialog):
    """Units with their devices, cameras with their state, talkgroups, layers and sources.

    Args:
        bridge: the Store's Qt face (the inventory is what the Store holds).
        send: sends a command, returns the future of its answer.
        clock: seconds since the epoch (fix ages).
    """

    sig_files_read = Signal(object, object)
    """Worker thread → GUI thread: (the import's args or None, the error text)."""

    def __init__(
        self,
        bridge: StoreBridge,
        send: Send,
        parent: QWidget | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("inventoryWindow")
        self.setWindowTitle(self.tr("Inventory and sources"))
        self.store = bridge.store
        self._send = send
        self._clock = clock
        self._dirty = True
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="inventory-read")
        pool = self._pool
        self.destroyed.connect(lambda *_: pool.shutdown(wait=False))
        self.pending: asyncio.Future[CommandAnswered] | None = None
        self.units = InventoryTable(
            "units",
            [
                self.tr("ID"),
                self.tr("Callsign"),
                self.tr("Kind"),
                self.tr("Station"),
                self.tr("Radio"),
                self.tr("Talkgroup"),
                self.tr("Devices"),
                self.tr("Status"),
                self.tr("Last fix"),
            ],
            self.tr("Filter units: callsign, device, station…"),
        )
        self.cameras = InventoryTable(
            "cameras",
            [
                self.tr("ID"),
                self.tr("Name"),
                self.tr("Grid"),
                self.tr("State"),
                self.tr("PTZ"),
                self.tr("Position"),
            ],
            self.tr("Filter cameras: name, grid, state…"),
        )
        self.talkgroups = InventoryTable(
            "talkgroups", [self.tr("ID"), self.tr("Name")], self.tr("Filter talkgroups…")
        )
        self.layers = InventoryTable(
            "layers",
            [self.tr("ID"), self.tr("Kind"), self.tr("Name")],
            self.tr("Filter layers: grid, efence, boundary, station…"),
        )
        self.sources = InventoryTable(
            "sources",
            [
                self.tr("Name"),
                self.tr("Kind"),
                self.tr("State"),
                self.tr("Last message"),
                self.tr("Accepted"),
                self.tr("Refused"),
                self.tr("Last error"),
            ],
            self.tr("Filter sources…"),
        )
        self.unregistered = InventoryTable(
            "unregistered",
            [
                self.tr("Device"),
                self.tr("Door"),
                self.tr("Attempts"),
                self.tr("First seen"),
                self.tr("Last seen"),
                self.tr("Last position"),
            ],
            self.tr("Filter devices…"),
        )
        self.assign_button = named(QPushButton(self.tr("Assign to unit…")), "assignDevice")
        self.assign_button.setToolTip(
            self.tr("Add the selected device to a unit's devices (updates the inventory)")
        )
        self.assign_button.clicked.connect(self._ask_assign)
        self.unregistered.box.addWidget(self.assign_button)
        self.tabs = named(QTabWidget(), "inventoryTabs")
        for table, title in (
            (self.units, self.tr("Units")),
            (self.cameras, self.tr("Cameras")),
            (self.talkgroups, self.tr("Talkgroups")),
            (self.layers, self.tr("Layers")),
            (self.sources, self.tr("Sources")),
            (self.unregistered, self.tr("Unregistered devices")),
        ):
            self.tabs.addTab(table, title)
        self.refresh_sources_button = named(
            QPushButton(self.tr("Refresh sources")), "refreshSources"
        )
        self.refresh_sources_button.clicked.connect(self.refresh_sources)
        self.crs = named(QComboBox(), "importCrs")
        self.crs.addItem(self.tr("WGS-84 / CGCS2000"), "wgs84")
        self.crs.addItem(self.tr("GCJ-02 (Gaode, Tencent)"), "gcj02")
        self.crs.addItem(self.tr("BD-09 (Baidu)"), "bd09")
        self.dry_run = named(QCheckBox(self.tr("Check only")), "importDryRun")
        self.import_button = named(QPushButton(self.tr("Import files…")), "importButton")
        self.import_button.clicked.connect(self._ask_files)
        self.status = named(QLabel(), "inventoryStatus")
        self.status.setWordWrap(True)
        self.report = named(QPlainTextEdit(readOnly=True), "importReport")
        self.report.setMaximumHeight(140)
        self.report.hide()
        bar = QHBoxLayout()
        bar.addWidget(self.refresh_sources_button)
        bar.addStretch(1)
        bar.addWidget(QLabel(self.tr("Coordinates:")))
        bar.addWidget(self.crs)
        bar.addWidget(self.dry_run)
        bar.addWidget(self.import_button)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs, 1)
        lay.addLayout(bar)
        lay.addWidget(self.status)
        lay.addWidget(self.report)
        self.resize(1100, 640)
        self.sig_files_read.connect(self._on_files_read)
        self._timer = QTimer(self, interval=1000)
        self._timer.timeout.connect(self._rebuild_if_dirty)
        # Any change to the inventory (a retired item comes as a snapshot), not fixes.
        for signal in (
            bridge.sig_snapshot_loaded,
            bridge.sig_units_changed,
            bridge.sig_cameras_changed,
            bridge.sig_layers_changed,
            bridge.sig_talkgroups_changed,
        ):
            signal.connect(self._on_bridge_inventory_changed)
        self.rebuild()

    # ---- tables from the Store

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._timer.start()
        self._rebuild_if_dirty()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self._timer.stop()

    def _on_bridge_inventory_changed(self, *_args: object) -> None:
        self._dirty = True

    def _rebuild_if_dirty(self) -> None:
        if self._dirty:
            self.rebuild()

    def rebuild(self) -> None:
        """Fill the inventory tables from the Store."""
        self._dirty = False
        store, now = self.store, self._clock()
        no_fix = self.tr("no fix yet")
        unit_rows = []
        for u in store.units.values():
            pos = store.positions.get(u.id)
            fix = (
                no_fix
                if pos is None
                else f"{pos.lat:.5f}, {pos.lon:.5f} · "
                + self.tr("%1 min ago").replace("%1", str(max(0, int((now - pos.fix_ts) // 60))))
                + (f" · {pos.source}" if pos.source else "")
            )
            tg = store.talkgroups.get(u.talkgroup, "")
            unit_rows.append(
                (
                    u.id,
                    u.callsign,
                    labels.unit_kind(u.kind),
                    u.station or "",
                    u.radio_id,
                    f"{tg} ({u.talkgroup})" if tg else u.talkgroup,
                    "; ".join(u.device_ids),
                    labels.unit_status(u.status.value),
                    fix,
                )
            )
        self.units.set_rows(unit_rows)
        online, offline = self.tr("online"), self.tr("offline")
        self.cameras.set_rows(
            [
                (
                    c.id,
                    c.name,
                    c.grid_id or "",
                    online if c.online else offline,
                    self.tr("yes") if c.ptz else "",
                    f"{c.lat:.5f}, {c.lon:.5f}",
                )
                for c in store.cameras.values()
            ]
        )
        self.talkgroups.set_rows([(i, alias) for i, alias in store.talkgroups.items()])
        self.layers.set_rows(
            [(la.id, labels.layer_kind(la.kind), la.name) for la in store.layers.values()]
        )
        self._counts()

    def _counts(self) -> None:
        for i, table in enumerate((self.units, self.cameras, self.talkgroups, self.layers)):
            title = self.tabs.tabText(i).split(" (")[0]
            self.tabs.setTabText(i, f"{title} ({len(table.model.rows)})")

    # ---- sources

    def refresh_sources(self) -> None:
        """Ask the backend for the sources and their counts (``source.list``) and for the
        devices that reported without being any unit's (``device.unregistered``)."""
        self._ask("source.list", {}, self.tr("Asking for the sources…"))
        self._ask("device.unregistered", {}, "")

    def _show_unregistered(self, data: dict[str, Any]) -> None:
        rows = []
        for d in data.get("devices", []):
            if not isinstance(d, dict):
                continue
            pos = d.get("last_position")
            where = f"{pos[0]:.5f}, {pos[1]:.5f}" if isinstance(pos, list) and len(pos) == 2 else ""
            rows.append(
                (
                    str(d.get("device", "")),
                    str(d.get("door", "")),
                    str(d.get("attempts", 0)),
                    str(d.get("first_seen", "")),
                    str(d.get("last_seen", "")),
                    where,
                )
            )
        self.unregistered.set_rows(rows)
        index = self.tabs.indexOf(self.unregistered)
        title = self.tabs.tabText(index).split(" (")[0]
        self.tabs.setTabText(index, f"{title} ({len(rows)})" if rows else title)

    def selected_device(self) -> str | None:
        """The device selected in the unregistered devices tab."""
        rows = self.unregistered.view.selectionModel().selectedRows()
        if not rows:
            return None
        return str(self.unregistered.proxy.index(rows[0].row(), 0).data())

    def _ask_assign(self) -> None:
        device = self.selected_device()
        if device is None:
            self.status.setText(self.tr("Select a device first."))
            return
        units = sorted(self.store.units.values(), key=lambda u: u.callsign)
        names = [f"{u.callsign} ({u.id})" for u in units]
        if not names:
            self.status.setText(self.tr("There is no unit to assign it to."))
            return
        choice, ok = QInputDialog.getItem(
            self,
            self.tr("Assign device"),
            self.tr("Give %1 to unit:").replace("%1", device),
            names,
            0,
            False,
        )
        if ok and choice:
            self.assign(device, units[names.index(choice)].id)

    def assign(self, device: str, unit_id: str) -> None:
        """Give ``device`` to ``unit_id`` (``device.assign``: the inventory is updated)."""
        self._ask(
            "device.assign",
            {"device": device, "unit_id": unit_id},
            self.tr("Assigning %1…").replace("%1", device),
        )

    def _show_sources(self, data: dict[str, Any]) -> None:
        active, revoked = self.tr("active"), self.tr("revoked")
        rows = [
            (
                str(s.get("name", "")),
                str(s.get("kind", "")),
                revoked if s.get("revoked") else active,
                str(s.get("last_seen") or self.tr("never")),
                str(s.get("accepted", 0)),
                str(s.get("refused", 0)),
                str(s.get("last_error") or ""),
            )
            for s in data.get("sources", [])
            if isinstance(s, dict)
        ]
        self.sources.set_rows(rows)
        self.status.setText(self.tr("%1 sources.").replace("%1", str(len(rows))))

    # ---- import

    def _ask_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            self.tr("Import inventory files"),
            "",
            self.tr("Inventory files (units.csv cameras.csv talkgroups.csv *.geojson)"),
        )
        if paths:
            self.import_files(paths)

    def import_files(self, paths: Sequence[str]) -> None:
        """Read the files (on a worker thread), then send them in one ``inventory.import``."""
        self.import_button.setEnabled(False)
        self.status.setText(self.tr("Reading %1 file(s)…").replace("%1", str(len(paths))))
        crs, dry_run = str(self.crs.currentData()), self.dry_run.isChecked()
        self._pool.submit(self._read, list(paths), crs, dry_run)

    def _read(self, paths: list[str], crs: str, dry_run: bool) -> None:
        """Worker thread: the files as the command's arguments (or why not)."""
        files = []
        for path in map(Path, paths):
            try:
                data = path.read_bytes()
            except OSError as exc:
                self.sig_files_read.emit(None, f"{path.name}: {exc.strerror or exc}")
                return
            if len(data) > MAX_CONSOLE_IMPORT_BYTES:
                text = self.tr(
                    "%1 is larger than the 700 KB a console may send: import it on the "
                    "server with dispatch-backend import"
                ).replace("%1", path.name)
                self.sig_files_read.emit(None, text)
                return
            files.append({"name": path.name, "data": base64.b64encode(data).decode("ascii")})
        self.sig_files_read.emit({"files": files, "crs": crs, "dry_run": dry_run}, "")

    def _on_files_read(self, args: dict[str, Any] | None, error: str) -> None:
        if args is None:
            self.import_button.setEnabled(True)
            self._show_report(self.tr("Nothing imported."), error)
            return
        self._ask("inventory.import", args, self.tr("Importing…"))

    def _show_report(self, status: str, text: str) -> None:
        self.status.setText(status)
        self.report.setPlainText(text)
        self.report.setVisible(bool(text))

    # ---- commands

    def _ask(self, name: str, args: dict[str, Any], waiting: str) -> None:
        try:
            future = self._send(name, args)
        except ProtocolError as exc:
            self.import_button.setEnabled(True)
            self.status.setText(exc.message)
            return
        if waiting:
            self.status.setText(waiting)
        self.pending = future
        future.add_done_callback(lambda f: self._on_answer(name, f))

    def _on_answer(self, name: str, future: asyncio.Future[CommandAnswered]) -> None:
        if future is self.pending:
            self.pending = None
        if name == "inventory.import":
            self.import_button.setEnabled(True)
        if future.cancelled():
            self.status.setText(self.tr("No answer: the link to the backend was lost."))
            return
        answer = future.result()
        if not answer.ok:
            message = answer.message or ""
            if name == "inventory.import":
                first, _, rest = message.partition("\n")
                self._show_report(self.tr("Nothing imported: %1").replace("%1", first), rest)
            else:
                self.status.setText(
                    self.tr("Refused (%1): %2")
                    .replace("%1", answer.code or "")
                    .replace("%2", message)
                )
            return
        data = answer.data or {}
        if name == "source.list":
            self._show_sources(data)
        elif name == "device.unregistered":
            self._show_unregistered(data)
        elif name == "device.assign":
            unit = self.store.units.get(str(data.get("unit_id")))
            self.status.setText(
                self.tr("%1 now belongs to %2.")
                .replace("%1", str(data.get("device")))
                .replace("%2", unit.callsign if unit else str(data.get("unit_id")))
            )
            self._ask("device.unregistered", {}, "")
        else:
            self._show_import(data)

    def _show_import(self, data: dict[str, Any]) -> None:
        counts = data.get("counts") or {}
        lines = [
            self.tr("%1: %2 new, %3 updated, %4 retired, %5 unchanged")
            .replace("%1", kind)
            .replace("%2", str(c.get("new", 0)))
            .replace("%3", str(c.get("updated", 0)))
            .replace("%4", str(c.get("retired", 0)))
            .replace("%5", str(c.get("unchanged", 0)))
            for kind, c in counts.items()
            if isinstance(c, dict)
        ]
        lines += [str(w) for w in data.get("warnings", [])]
        if data.get("applied"):
            status = self.tr("Imported at %1.").replace("%1", format_ts(self._clock()))
        elif self.dry_run.isChecked():
            status = self.tr("Checked: no errors; nothing was changed (check only).")
        else:
            status = self.tr("Nothing to change: the inventory already holds these files.")
        self._show_report(status, "\n".join(lines))
