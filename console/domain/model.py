"""Domain objects: frozen dataclasses built from validated wire dictionaries."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from console.protocol.codec import parse_ts

Wire = dict[str, Any]


class AlertStatus(StrEnum):
    """Lifecycle of an alert: 接警 → 派警 → 处警 → 反馈 → 结案."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    ON_SCENE = "on_scene"
    RESOLVED = "resolved"
    CLOSED = "closed"


class UnitStatus(StrEnum):
    """Normalised unit statuses."""

    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    BUSY = "busy"
    OFF_DUTY = "off_duty"


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """One stamped action in an alert's history."""

    ts: float
    operator: str | None
    action: str
    note: str


@dataclass(frozen=True, slots=True)
class Alert:
    """An incident or sensor alarm in the queue."""

    id: str
    kind: str
    priority: int
    title: str
    description: str
    lat: float
    lon: float
    address: str
    grid_id: str | None
    status: AlertStatus
    created_ts: float
    version: int
    owner: str | None
    unit_ids: tuple[str, ...]
    camera_ids: tuple[str, ...]
    history: tuple[HistoryItem, ...]
    disposition: str | None = None  # how a closed alert ended ("merged", "cancelled", ...)
    merged_into: str | None = None
    merged_ids: tuple[str, ...] = ()
    snapshot_url: str | None = None  # [ext] a camera's snapshot (alarms, watch-list matches)
    watch_entry: str | None = None  # [ext] the watch-list entry a sighting matched: "value: reason"
    sightings: int = 0  # [ext] how many sightings a watch-list alert counts
    sighting_camera: str | None = None  # [ext] the camera of its newest sighting
    sighting_ts: float | None = None  # [ext] the time of its newest sighting

    @property
    def is_open(self) -> bool:
        """True until the alert is closed."""
        return self.status is not AlertStatus.CLOSED

    @classmethod
    def from_wire(cls, d: Wire) -> Alert:
        """Build from a validated wire ``alert`` object."""
        return cls(
            id=d["id"],
            kind=d["kind"],
            priority=d["priority"],
            title=d["title"],
            description=d["description"],
            lat=float(d["lat"]),
            lon=float(d["lon"]),
            address=d["address"],
            grid_id=d["grid_id"],
            status=AlertStatus(d["status"]),
            created_ts=parse_ts(d["created_ts"]),
            version=d["version"],
            owner=d["owner"],
            unit_ids=tuple(d["unit_ids"]),
            camera_ids=tuple(d["camera_ids"]),
            history=tuple(
                HistoryItem(parse_ts(h["ts"]), h["operator"], h["action"], h["note"])
                for h in d["history"]
            ),
            disposition=d.get("disposition"),
            merged_into=d.get("merged_into"),
            merged_ids=tuple(d.get("merged_ids") or ()),
            snapshot_url=d.get("snapshot_url") if isinstance(d.get("snapshot_url"), str) else None,
            watch_entry=_watch_text(d.get("watch_entry")),
            **_sighting_fields(d),
        )


@dataclass(frozen=True, slots=True)
class Unit:
    """A police unit (car, foot patrol, motorcycle, ...)."""

    id: str
    callsign: str
    kind: str
    radio_id: str
    talkgroup: str
    grid_id: str | None
    status: UnitStatus
    station: str | None = None  # from the inventory (units.csv)
    device_ids: tuple[str, ...] = ()  # ``jt808:13912345678``, ``cot:ANDROID-abc``, ...

    @classmethod
    def from_wire(cls, d: Wire) -> Unit:
        """Build from a validated wire ``unit`` object."""
        return cls(
            d["id"],
            d["callsign"],
            d["kind"],
            d["radio_id"],
            d["talkgroup"],
            d["grid_id"],
            UnitStatus(d["status"]),
            d.get("station"),
            tuple(d.get("device_ids") or ()),
        )


class Position(NamedTuple):
    """The last known fix of a unit.

    A named tuple rather than a frozen dataclass, alone among the domain objects: the console
    makes one for every fix it applies (tens of thousands a second), and a named tuple is
    built about three times quicker (0.4 against 1.2 us here), just as immutable.
    """

    unit_id: str
    lat: float
    lon: float
    fix_ts: float
    speed_kmh: float | None = None
    heading_deg: float | None = None
    source: str | None = None

    @classmethod
    def from_wire(cls, d: Wire) -> Position:
        """Build from a ``unit.position`` event body."""
        fix = d.get("fix_ts") or d.get("ts")
        return cls(
            d["unit_id"],
            float(d["lat"]),
            float(d["lon"]),
            parse_ts(fix) if fix else 0.0,
            d.get("speed_kmh"),
            d.get("heading_deg"),
            d.get("source"),
        )


@dataclass(frozen=True, slots=True)
class Camera:
    """A street camera."""

    id: str
    name: str
    lat: float
    lon: float
    grid_id: str | None
    streams: tuple[tuple[str, str], ...]
    ptz: bool
    online: bool
    status_reason: str = ""
    """Why the media gateway finds it offline: ``unauthorized``, ``unreachable``, ``no video``."""

    @classmethod
    def from_wire(cls, d: Wire) -> Camera:
        """Build from a validated wire ``camera`` object."""
        return cls(
            d["id"],
            d["name"],
            float(d["lat"]),
            float(d["lon"]),
            d["grid_id"],
            tuple(sorted(d["streams"].items())),
            d["ptz"],
            d["status"] == "online",
            d.get("status_reason") or "",
        )


@dataclass(frozen=True, slots=True)
class RadioCall:
    """One call on the 350 MHz trunked radio network."""

    id: str
    talkgroup: str
    source_radio_id: str
    target_radio_id: str | None
    kind: str
    start_ts: float
    duration_s: float
    audio_url: str | None
    encrypted: bool
    lat: float | None = None
    lon: float | None = None

    @classmethod
    def from_wire(cls, d: Wire) -> RadioCall:
        """Build from a validated wire ``call`` object."""
        return cls(
            d["id"],
            d["talkgroup"],
            d["source_radio_id"],
            d["target_radio_id"],
            d["kind"],
            parse_ts(d["start_ts"]),
            float(d["duration_s"]),
            d.get("audio_url"),
            bool(d.get("encrypted", False)),
            d.get("lat"),
            d.get("lon"),
        )


@dataclass(frozen=True, slots=True)
class LogEntry:
    """An append-only dispatch log entry."""

    id: str
    ts: float
    author: str | None
    text: str
    alert_id: str | None
    talkgroup: str | None

    @classmethod
    def from_wire(cls, d: Wire) -> LogEntry:
        """Build from a validated wire ``entry`` object."""
        return cls(
            d["id"],
            parse_ts(d["ts"]),
            d["author"],
            d["text"],
            d.get("alert_id"),
            d.get("talkgroup"),
        )


@dataclass(frozen=True, slots=True)
class Layer:
    """A map layer: a grid cell (网格) or an electronic fence (电子围栏)."""

    id: str
    kind: str
    name: str
    geojson: Wire

    @classmethod
    def from_wire(cls, d: Wire) -> Layer:
        """Build from a validated wire ``layer`` object."""
        return cls(d["id"], d["kind"], d["name"], d["geojson"])


def _sighting_fields(d: Wire) -> dict[str, Any]:
    """A watch-list alert's count and newest sighting (``docs/protocol.md``)."""
    count, newest = d.get("sightings"), d.get("sighting")
    fields: dict[str, Any] = {}
    if isinstance(count, int) and not isinstance(count, bool):
        fields["sightings"] = count
    if isinstance(newest, dict):
        if isinstance(newest.get("camera_id"), str):
            fields["sighting_camera"] = newest["camera_id"]
        if isinstance(newest.get("ts"), str):
            try:
                fields["sighting_ts"] = parse_ts(newest["ts"])
            except ValueError:
                pass
    return fields


def _watch_text(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return None
    return f"{entry.get('value', '')}: {entry.get('reason', '')}"
