"""The evidence list: snapshots and clips in the evidence folder; open, show folder, verify hash.

Reading sidecars and hashing files run on a worker thread; results come back to the GUI
thread through a queued signal.
"""

from __future__ import annotations

import concurrent.futures
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from console.video import EvidenceRecord, read_evidence, sha256_file
from widgets.naming import named

RECORD_ROLE = Qt.ItemDataRole.UserRole + 1


class _Relay(QObject):
    """Lives on the GUI thread; workers emit, Qt queues the call to the GUI thread."""

    sig_loaded = Signal(object)
    sig_verified = Signal(str, object)  # file name, True/False/None (missing)


class EvidenceListWidget(QWidget):
    """Evidence files of a folder, newest first, with open / show folder / verify.

    Args:
        folder: The evidence folder (may not exist yet).
        pool: Worker threads for disk reads and hashing (shared with the panel).
        parent: Qt parent.
    """

    sig_verified = Signal(str, bool)
    """A file's hash was checked (file name, True if it matches its sidecar)."""
    sig_loaded = Signal(int)
    """The list was (re)loaded from the folder (number of records)."""

    def __init__(
        self,
        folder: Path,
        pool: concurrent.futures.Executor,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("evidenceList")
        self.folder = folder
        self._pool = pool
        self._relay = _Relay(self)
        self._relay.sig_loaded.connect(self._on_loaded)
        self._relay.sig_verified.connect(self._on_verified)
        self.list = named(QListWidget(), "wallEvidence")
        self.list.setToolTip(self.tr("Snapshots and clips saved as evidence"))
        self.list.itemDoubleClicked.connect(lambda _item: self.open_selected())
        self.list.currentItemChanged.connect(lambda *_: self._update_buttons())
        self.open_button = named(QPushButton(self.tr("Open file")), "evidenceOpen")
        self.open_button.setToolTip(self.tr("Open the file with the system's viewer"))
        self.open_button.clicked.connect(self.open_selected)
        self.folder_button = named(QPushButton(self.tr("Show folder")), "evidenceFolder")
        self.folder_button.setToolTip(self.tr("Show the evidence folder"))
        self.folder_button.clicked.connect(self.show_folder)
        self.verify_button = named(QPushButton(self.tr("Verify")), "evidenceVerify")
        self.verify_button.setToolTip(self.tr("Check the file against the SHA-256 in its sidecar"))
        self.verify_button.clicked.connect(self.verify_selected)
        self.result_label = named(QLabel(), "dim")
        self.result_label.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for b in (self.open_button, self.folder_button, self.verify_button):
            buttons.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(3)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)
        lay.addWidget(self.result_label)
        self._update_buttons()

    # ---- public API

    def reload(self) -> None:
        """Read the folder's sidecars again (on a worker)."""
        folder = self.folder
        self._pool.submit(lambda: self._relay.sig_loaded.emit(read_evidence(folder)))

    def add_record(self, record: EvidenceRecord) -> None:
        """Put a record just saved at the top (no disk read)."""
        for i in range(self.list.count()):
            if self.list.item(i).data(RECORD_ROLE).file == record.file:
                return
        self.list.insertItem(0, self._item(record))
        self.list.setCurrentRow(0)

    def records(self) -> list[EvidenceRecord]:
        """The records listed, top (newest) first."""
        return [self.list.item(i).data(RECORD_ROLE) for i in range(self.list.count())]

    def selected_record(self) -> EvidenceRecord | None:
        """The record of the current row, if any."""
        item = self.list.currentItem()
        record = None if item is None else item.data(RECORD_ROLE)
        return record if isinstance(record, EvidenceRecord) else None

    def open_selected(self) -> None:
        """Open the selected file with the desktop's viewer."""
        record = self.selected_record()
        if record is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder / record.file)))

    def show_folder(self) -> None:
        """Open the evidence folder in the file manager."""
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.folder)))

    def verify_selected(self) -> None:
        """Hash the selected file on a worker and say whether it matches its sidecar."""
        record = self.selected_record()
        if record is None:
            return
        self.result_label.setText(self.tr("Checking %1…").replace("%1", record.file))
        path = self.folder / record.file

        def check() -> None:
            result: bool | None = None
            if path.is_file():
                result = sha256_file(path) == record.sha256
            self._relay.sig_verified.emit(record.file, result)

        self._pool.submit(check)

    # ---- internals

    def _item(self, record: EvidenceRecord) -> QListWidgetItem:
        kind = self.tr("Clip") if record.kind == "clip" else self.tr("Snapshot")
        when = record.taken_at[5:10] + " " + record.taken_at[11:19]
        item = QListWidgetItem(f"{when}  {kind}  {record.camera_id} {record.camera_name}")
        tip = [record.file, f"SHA-256 {record.sha256}", record.operator]
        if record.ended_at:
            tip.insert(1, f"{record.taken_at} → {record.ended_at}")
        item.setToolTip("\n".join(tip))
        item.setData(RECORD_ROLE, record)
        return item

    def _on_loaded(self, records: list[EvidenceRecord]) -> None:
        # Keep what was added meanwhile (a snapshot saved while the folder was being read).
        merged = {r.file: r for r in records}
        merged.update({r.file: r for r in self.records()})
        current = self.selected_record()
        self.list.clear()
        for record in sorted(merged.values(), key=lambda r: r.taken_at, reverse=True):
            self.list.addItem(self._item(record))
            if current is not None and record.file == current.file:
                self.list.setCurrentRow(self.list.count() - 1)
        self._update_buttons()
        self.sig_loaded.emit(len(records))

    def _on_verified(self, file: str, result: bool | None) -> None:
        if result is None:
            text = self.tr("%1 is missing.").replace("%1", file)
        elif result:
            text = self.tr("✓ %1 matches its SHA-256.").replace("%1", file)
        else:
            text = self.tr("✗ %1 was changed: its SHA-256 differs.").replace("%1", file)
        self.result_label.setText(text)
        self.sig_verified.emit(file, bool(result))

    def _update_buttons(self) -> None:
        has = self.list.currentItem() is not None
        self.open_button.setEnabled(has)
        self.verify_button.setEnabled(has)
