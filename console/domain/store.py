"""The Store: the console's current picture of the district, built from snapshot and events.

The Store is Qt-free. It applies validated wire events in seq order and tells its listeners
what changed as typed domain events (past tense). The Qt bridge in ``widgets/`` turns those
into signals; tests use the Store directly.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from console.domain.model import (
    Alert,
    Camera,
    Layer,
    LogEntry,
    Position,
    RadioCall,
    Unit,
    UnitStatus,
)

Wire = dict[str, Any]


@dataclass(frozen=True, slots=True)
class CameraPtzMoved:
    """Someone moved a PTZ camera (``operator`` is their id)."""

    camera_id: str
    operator: str | None
    action: str


@dataclass(frozen=True, slots=True)
class WallLayoutPushed:
    """A commander pushed a layout to the wall consoles of ``wall`` ("all" or a group)."""

    wall: str
    name: str
    layout: Wire
    operator: str | None


@dataclass(frozen=True, slots=True)
class WallCamerasPushed:
    """A commander pushed cameras to the wall consoles of ``wall``."""

    wall: str
    camera_ids: tuple[str, ...]
    operator: str | None


@dataclass(frozen=True, slots=True)
class SnapshotLoaded:
    """The whole state was replaced by a snapshot at ``seq``."""

    seq: int


@dataclass(frozen=True, slots=True)
class AlertRaised:
    """A new alert arrived."""

    alert: Alert


@dataclass(frozen=True, slots=True)
class AlertChanged:
    """An existing alert changed (status, owner, units, history...)."""

    alert: Alert
    previous: Alert | None


@dataclass(frozen=True, slots=True)
class UnitUpserted:
    """A unit was added or its attributes changed."""

    unit: Unit


@dataclass(frozen=True, slots=True)
class UnitsMoved:
    """Units reported new positions (coalesced per applied batch)."""

    positions: tuple[Position, ...]


@dataclass(frozen=True, slots=True)
class CameraUpserted:
    """A camera was added or changed."""

    camera: Camera


@dataclass(frozen=True, slots=True)
class LayerUpserted:
    """A grid or fence layer was added or changed."""

    layer: Layer


@dataclass(frozen=True, slots=True)
class TalkgroupUpserted:
    """A talkgroup was added or renamed (an inventory import)."""

    talkgroup_id: str
    alias: str


@dataclass(frozen=True, slots=True)
class ItemRetired:
    """A unit, camera, talkgroup or layer was retired from the inventory: it left the state."""

    kind: str  # "unit", "camera", "talkgroup" or "layer"
    item_id: str


@dataclass(frozen=True, slots=True)
class RadioCallHeard:
    """A radio call was logged."""

    call: RadioCall


@dataclass(frozen=True, slots=True)
class LogEntryAdded:
    """A dispatch log entry was written."""

    entry: LogEntry


DomainEvent = (
    SnapshotLoaded
    | AlertRaised
    | AlertChanged
    | UnitUpserted
    | UnitsMoved
    | CameraUpserted
    | LayerUpserted
    | TalkgroupUpserted
    | ItemRetired
    | RadioCallHeard
    | LogEntryAdded
    | CameraPtzMoved
    | WallLayoutPushed
    | WallCamerasPushed
)
Listener = Callable[[list[DomainEvent]], None]


def hour_key(ts: str) -> str:
    """The UTC hour bucket (``2026-11-28T10:00:00Z``) of an RFC 3339 time."""
    return ts[:13] + ":00:00Z"


RADIO_HISTORY = 5000


class Store:
    """Current state: units, positions, alerts, cameras, talkgroups, layers, radio calls, log."""

    def __init__(self) -> None:
        self.seq: int | None = None
        self.units: dict[str, Unit] = {}
        self.positions: dict[str, Position] = {}
        self.alerts: dict[str, Alert] = {}
        self.cameras: dict[str, Camera] = {}
        self.talkgroups: dict[str, str] = {}
        self.layers: dict[str, Layer] = {}
        self.log: list[LogEntry] = []
        self.radio_calls: deque[RadioCall] = deque(maxlen=RADIO_HISTORY)
        self.selected_alert_id: str | None = None
        # Alerts per UTC hour (snapshot stats, then counted live): 7-day averages.
        self.alert_hourly: dict[str, int] = {}
        self.operator_names: dict[str, str] = {}  # operator id → name (operator.list)
        self._position_seq: dict[str, int] = {}  # unit id → seq of the fix it shows
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with the domain events of every change; returns an unsubscriber."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _emit(self, events: list[DomainEvent]) -> None:
        if events:
            for listener in list(self._listeners):
                listener(events)

    def load_snapshot(self, seq: int, state: Wire) -> None:
        """Replace the whole state with a snapshot taken at ``seq``."""
        self.units = {u["id"]: Unit.from_wire(u) for u in state["units"]}
        self.positions = {}
        self._position_seq = {}
        for p in state.get("positions", []):
            try:
                pos = Position.from_wire(p)
            except (KeyError, TypeError, ValueError):
                continue
            self.positions[pos.unit_id] = pos
        self.alerts = {a["id"]: Alert.from_wire(a) for a in state["alerts"]}
        self.cameras = {c["id"]: Camera.from_wire(c) for c in state["cameras"]}
        self.talkgroups = {t["id"]: t["alias"] for t in state["talkgroups"]}
        self.layers = {la["id"]: Layer.from_wire(la) for la in state["layers"]}
        self.log = [LogEntry.from_wire(e) for e in state["log"]]
        stats = state.get("stats") or {}
        self.alert_hourly = {b["hour"]: b["count"] for b in stats.get("alert_hourly", [])}
        self.seq = seq
        self._emit([SnapshotLoaded(seq)])

    def apply(self, event: Wire) -> None:
        """Apply one validated event."""
        self.apply_many((event,))

    def apply_many(self, events: Iterable[Wire]) -> None:
        """Apply validated events in order; listeners hear once, with positions coalesced."""
        out: list[DomainEvent] = []
        moved: dict[str, Position] = {}
        for event in events:
            kind = event["type"]
            if kind == "unit.position":
                pos = Position.from_wire(event)
                self.positions[pos.unit_id] = pos
                self._position_seq[pos.unit_id] = event["seq"]
                moved[pos.unit_id] = pos
            else:
                change = self._apply_one(kind, event)
                if change is not None:
                    out.append(change)
            # The newest seq seen: in protocol 2 (and its recordings) fixes come apart from the
            # other events, so a fix may carry a seq below one already applied.
            if self.seq is None or event["seq"] > self.seq:
                self.seq = event["seq"]
        if moved:
            out.append(UnitsMoved(tuple(moved.values())))
        self._emit(out)

    def apply_positions(self, events: Iterable[Wire]) -> None:
        """[ext] Protocol 2: the newest fixes of units that moved (a ``positions`` frame).

        They are not in seq order with the other events; :attr:`seq` stays the newest seq seen,
        and a fix older than the one a unit has (by its event seq) is ignored.
        """
        moved: dict[str, Position] = {}
        for event in events:
            unit_id = event["unit_id"]
            seq = event["seq"]
            if seq <= self._position_seq.get(unit_id, -1):
                continue
            self._position_seq[unit_id] = seq
            if self.seq is None or seq > self.seq:
                self.seq = seq
            pos = Position.from_wire(event)
            self.positions[unit_id] = pos
            moved[unit_id] = pos
        if moved:
            self._emit([UnitsMoved(tuple(moved.values()))])

    def _apply_one(self, kind: str, event: Wire) -> DomainEvent | None:
        if kind in ("alert.new", "alert.updated"):
            alert = Alert.from_wire(event["alert"])
            previous = self.alerts.get(alert.id)
            self.alerts[alert.id] = alert
            if previous is None:
                if kind == "alert.new":
                    hour = hour_key(event["alert"]["created_ts"])
                    self.alert_hourly[hour] = self.alert_hourly.get(hour, 0) + 1
                return AlertRaised(alert)
            return AlertChanged(alert, previous)
        if kind == "unit.upsert":
            unit = Unit.from_wire(event["unit"])
            self.units[unit.id] = unit
            return UnitUpserted(unit)
        if kind == "unit.status":
            old = self.units.get(event["unit_id"])
            if old is None:
                return None
            unit = replace(old, status=UnitStatus(event["status"]))
            self.units[unit.id] = unit
            return UnitUpserted(unit)
        if kind == "camera.upsert":
            camera = Camera.from_wire(event["camera"])
            self.cameras[camera.id] = camera
            return CameraUpserted(camera)
        if kind == "layer.upsert":
            layer = Layer.from_wire(event["layer"])
            self.layers[layer.id] = layer
            return LayerUpserted(layer)
        if kind == "talkgroup.upsert":
            talkgroup = event["talkgroup"]
            self.talkgroups[talkgroup["id"]] = talkgroup["alias"]
            return TalkgroupUpserted(talkgroup["id"], talkgroup["alias"])
        if kind.endswith(".retired"):
            return self._retire(kind.removesuffix(".retired"), event)
        if kind == "radio.call":
            call = RadioCall.from_wire(event["call"])
            self.radio_calls.append(call)
            return RadioCallHeard(call)
        if kind == "log.entry":
            entry = LogEntry.from_wire(event["entry"])
            self.log.append(entry)
            return LogEntryAdded(entry)
        if kind == "camera.ptz":
            return CameraPtzMoved(event["camera_id"], event.get("operator"), event["action"])
        if kind == "wall.layout":
            return WallLayoutPushed(
                event["wall"], event["name"], event["layout"], event.get("operator")
            )
        if kind == "wall.cameras":
            return WallCamerasPushed(
                event["wall"], tuple(event["camera_ids"]), event.get("operator")
            )
        return None

    def _retire(self, kind: str, event: Wire) -> ItemRetired | None:
        item_id = event.get(f"{kind}_id")
        tables: dict[str, dict[str, Any]] = {
            "unit": self.units,
            "camera": self.cameras,
            "talkgroup": self.talkgroups,
            "layer": self.layers,
        }
        table = tables.get(kind)
        if table is None or not isinstance(item_id, str):
            return None
        table.pop(item_id, None)
        if kind == "unit":
            self.positions.pop(item_id, None)
        return ItemRetired(kind, item_id)

    def name_operator(self, operator_id: str, name: str) -> None:
        """Remember an operator's name (from the welcome, or operator.list)."""
        self.operator_names[operator_id] = name

    def name_operators(self, operators: Iterable[Wire]) -> None:
        """Remember the names of the ``[{id, name, role}]`` the backend listed."""
        for op in operators:
            if isinstance(op, dict) and isinstance(op.get("id"), str):
                self.operator_names[op["id"]] = str(op.get("name") or op["id"])

    def operator_label(self, operator_id: str | None) -> str:
        """What to show for an operator id: the name when known, else the id; "" for none."""
        if not operator_id:
            return ""
        return self.operator_names.get(operator_id, operator_id)

    def with_names(self, text: str) -> str:
        """``text`` (a backend message) with the operator ids it mentions replaced by names."""
        for operator_id, name in self.operator_names.items():
            if operator_id in text:
                text = text.replace(operator_id, name)
        return text

    def open_alert_count(self) -> int:
        """Number of alerts not yet closed."""
        return sum(1 for a in self.alerts.values() if a.is_open)
