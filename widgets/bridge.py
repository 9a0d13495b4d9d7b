"""Turns Store domain events into Qt signals, on the GUI thread: the one route out of the Store.

Views read the Store's state (``bridge.store.alerts``, ``.units``, …) whenever they like, but
they learn of changes only here: the bridge is the Store's one subscriber in ``widgets/``,
sorts each applied batch once, and emits one typed signal per kind of change. A view connects
its handlers (Qt disconnects them when the view is destroyed; a raw ``store.subscribe`` would
have to be undone by hand). The composition root connects cross-panel behaviour to the same
signals. See ``docs/architecture.md``.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from console.domain.model import Alert, Camera, Layer, LogEntry, Position, RadioCall, Unit
from console.domain.store import (
    AlertChanged,
    AlertRaised,
    CameraPtzMoved,
    CameraUpserted,
    DomainEvent,
    ItemRetired,
    LayerUpserted,
    LogEntryAdded,
    RadioCallHeard,
    SnapshotLoaded,
    Store,
    TalkgroupUpserted,
    UnitsMoved,
    UnitUpserted,
    WallCamerasPushed,
    WallLayoutPushed,
)


class StoreBridge(QObject):
    """Qt face of the Store: panels connect to these signals, never to each other."""

    sig_snapshot_loaded = Signal(int)
    """The whole state was replaced (argument: seq); also after an item was retired."""
    sig_alerts_raised = Signal(list)
    """New alerts (list of Alert)."""
    sig_alerts_changed = Signal(list)
    """Changed alerts (list of Alert)."""
    sig_units_changed = Signal(list)
    """Units added or changed (list of Unit)."""
    sig_units_moved = Signal(object)
    """Units with new positions (a sequence of Position, not to be modified; ``object``: a
    ``list`` signal would copy 10,000 fixes per slot and emit)."""
    sig_cameras_changed = Signal(list)
    """Cameras added or changed (list of Camera)."""
    sig_layers_changed = Signal(list)
    """Grids, fences and other layers added or changed (list of Layer)."""
    sig_talkgroups_changed = Signal(list)
    """Talkgroups added or renamed (list of talkgroup ids)."""
    sig_log_added = Signal(list)
    """New dispatch log entries (list of LogEntry)."""
    sig_calls_heard = Signal(list)
    """Radio calls heard (list of RadioCall)."""
    sig_ptz_moved = Signal(object)
    """Someone moved a camera's PTZ (a CameraPtzMoved: camera id and operator)."""
    sig_wall_pushed = Signal(object)
    """A commander pushed a layout or cameras to the wall (WallLayoutPushed/WallCamerasPushed)."""
    sig_alert_selected = Signal(object)
    """The shared alert selection changed (alert id or None)."""

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
        raised: list[Alert] = []
        changed: list[Alert] = []
        units: list[Unit] = []
        moved: list[tuple[Position, ...]] = []
        cameras: list[Camera] = []
        layers: list[Layer] = []
        talkgroups: list[str] = []
        entries: list[LogEntry] = []
        calls: list[RadioCall] = []
        retired = False
        for event in events:
            if isinstance(event, AlertRaised):
                raised.append(event.alert)
            elif isinstance(event, AlertChanged):
                changed.append(event.alert)
            elif isinstance(event, UnitsMoved):
                moved.append(event.positions)
            elif isinstance(event, UnitUpserted):
                units.append(event.unit)
            elif isinstance(event, LogEntryAdded):
                entries.append(event.entry)
            elif isinstance(event, RadioCallHeard):
                calls.append(event.call)
            elif isinstance(event, CameraUpserted):
                cameras.append(event.camera)
            elif isinstance(event, LayerUpserted):
                layers.append(event.layer)
            elif isinstance(event, TalkgroupUpserted):
                talkgroups.append(event.talkgroup_id)
            elif isinstance(event, SnapshotLoaded):
                self.sig_snapshot_loaded.emit(event.seq)
            elif isinstance(event, ItemRetired):
                retired = True
            elif isinstance(event, WallLayoutPushed | WallCamerasPushed):
                self.sig_wall_pushed.emit(event)
            elif isinstance(event, CameraPtzMoved):
                self.sig_ptz_moved.emit(event)
        if raised:
            self.sig_alerts_raised.emit(raised)
        if changed:
            self.sig_alerts_changed.emit(changed)
        if units:
            self.sig_units_changed.emit(units)
        if cameras:
            self.sig_cameras_changed.emit(cameras)
        if layers:
            self.sig_layers_changed.emit(layers)
        if moved:
            # The Store coalesces a batch's fixes into one UnitsMoved: hand that on as it is.
            fixes = moved[0] if len(moved) == 1 else tuple(p for part in moved for p in part)
            self.sig_units_moved.emit(fixes)
        if talkgroups:
            self.sig_talkgroups_changed.emit(talkgroups)
        if entries:
            self.sig_log_added.emit(entries)
        if calls:
            self.sig_calls_heard.emit(calls)
        if retired:
            # Rare (an inventory import retired something): every panel redraws from the Store,
            # as after a snapshot, rather than each learning to remove items.
            self.sig_snapshot_loaded.emit(self.store.seq or 0)
