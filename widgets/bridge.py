"""Turns Store domain events into Qt signals, on the GUI thread."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from console.domain.store import (
    AlertChanged,
    AlertRaised,
    CameraPtzMoved,
    DomainEvent,
    ItemRetired,
    SnapshotLoaded,
    Store,
    UnitsMoved,
    UnitUpserted,
    WallCamerasPushed,
    WallLayoutPushed,
)


class StoreBridge(QObject):
    """Qt face of the Store: panels connect to these signals, never to each other."""

    sig_snapshot_loaded = Signal(int)
    """The whole state was replaced (argument: seq)."""
    sig_alerts_raised = Signal(list)
    """New alerts (list of Alert)."""
    sig_alerts_changed = Signal(list)
    """Changed alerts (list of Alert)."""
    sig_units_changed = Signal(list)
    """Units added or changed (list of Unit)."""
    sig_units_moved = Signal(object)
    """Units with new positions (list of Position; ``object``: a ``list`` signal would copy
    10,000 fixes per emit even with no slot connected)."""
    sig_alert_selected = Signal(object)
    """The shared alert selection changed (alert id or None)."""
    sig_camera_ptz = Signal(object)
    """Someone moved a PTZ camera (CameraPtzMoved)."""
    sig_wall_pushed = Signal(object)
    """A commander pushed a layout or cameras to the wall (WallLayoutPushed/WallCamerasPushed)."""

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._unsubscribe = store.subscribe(self._on_store_events)

    def select_alert(self, alert_id: str | None) -> None:
        """Share an alert selection with every panel."""
        if self.store.selected_alert_id != alert_id:
            self.store.selected_alert_id = alert_id
            self.sig_alert_selected.emit(alert_id)

    def _on_store_events(self, events: list[DomainEvent]) -> None:
        raised, changed, units, moved = [], [], [], []
        retired = False
        for event in events:
            if isinstance(event, AlertRaised):
                raised.append(event.alert)
            elif isinstance(event, AlertChanged):
                changed.append(event.alert)
            elif isinstance(event, UnitUpserted):
                units.append(event.unit)
            elif isinstance(event, UnitsMoved):
                moved.extend(event.positions)
            elif isinstance(event, SnapshotLoaded):
                self.sig_snapshot_loaded.emit(event.seq)
            elif isinstance(event, ItemRetired):
                retired = True
            elif isinstance(event, CameraPtzMoved):
                self.sig_camera_ptz.emit(event)
            elif isinstance(event, WallLayoutPushed | WallCamerasPushed):
                self.sig_wall_pushed.emit(event)
        if raised:
            self.sig_alerts_raised.emit(raised)
        if changed:
            self.sig_alerts_changed.emit(changed)
        if units:
            self.sig_units_changed.emit(units)
        if moved:
            self.sig_units_moved.emit(moved)
        if retired:
            # Rare (an inventory import retired something): every panel redraws from the Store,
            # as after a snapshot, rather than each learning to remove items.
            self.sig_snapshot_loaded.emit(self.store.seq or 0)
