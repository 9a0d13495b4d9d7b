"""CoT out: the district as TAK clients on the CoT port see it (``docs/integration.md`` §3).

Every unit with a position is an ``a-f-G-U-C`` event (uid ``dispatch-unit-ID``; time the fix,
stale five minutes on), every open alert a spot-map marker ``b-m-p-s-m`` (uid
``dispatch-alert-ID``, coloured by priority, title and priority in the remarks, sent again
before it goes stale), and a ``t-x-d-d`` delete removes a retired unit or a closed alert.

A client gets the full picture when it connects, then changes. What a client still has to get
is the *set* of units and alerts that changed since it was last sent them, rendered from the
committed state when it is sent: a client that does not read holds at most the district, never
a backlog of old positions (the newest replaces them); units go at most once a second per
client; a client whose socket stays full for :data:`STALL_S` is disconnected, and no client
waits for another. A client is never sent the units its own position reports move.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape, quoteattr

from console.protocol.codec import format_ts, parse_ts

if TYPE_CHECKING:
    from backend_stub.server import Backend

log = logging.getLogger("backend.cot")

Wire = dict[str, Any]
UNKNOWN = 9_999_999.0  # CoT's "not known" for hae, ce, le
UNIT_TYPE = "a-f-G-U-C"
ALERT_TYPE = "b-m-p-s-m"  # ATAK's spot-map marker
UNIT_STALE_S = 300.0
ALERT_STALE_S = 900.0
ALERT_REFRESH_S = 300.0  # open alerts are sent again before they go stale on the clients
UNIT_INTERVAL_S = 1.0  # per client: one event per unit per second at most
HIGH_WATER = 256 << 10  # bytes buffered for a client before waiting for it to read
STALL_S = 30.0
WRITE_CHUNK = 64 << 10
#: Alert priority → marker colour (ARGB as a signed 32-bit integer, ATAK's convention).
PRIORITY_ARGB = {1: -65536, 2: -32768, 3: -256, 4: -1}
NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    return NOT_XML_CHARS.sub("", str(value))


def _event(uid: str, kind: str, how: str, ts: float, stale: float) -> ET.Element:
    return ET.Element(
        "event",
        {
            "version": "2.0",
            "uid": _text(uid),
            "type": kind,
            "how": how,
            "time": format_ts(ts),
            "start": format_ts(ts),
            "stale": format_ts(stale),
        },
    )


def _point(event: ET.Element, lat: float, lon: float, hae: Any = None, ce: Any = None) -> None:
    attrs = {"lat": f"{lat:.7f}", "lon": f"{lon:.7f}", "hae": _value(hae), "ce": _value(ce)}
    ET.SubElement(event, "point", {**attrs, "le": f"{UNKNOWN:.1f}"})


def _bytes(event: ET.Element) -> bytes:
    return ET.tostring(event, encoding="unicode").encode()


def unit_event(unit: Wire, pos: Wire) -> bytes:
    """A unit with a position as an ``a-f-G-U-C`` event (time: the fix; stale 5 min on).

    Written as a string, not built with ElementTree: every fix of every unit is rendered here
    (ElementTree took a third of the backend's time at 8,000 fixes a second).
    """
    ts = parse_ts(pos.get("fix_ts") or pos["ts"])
    time_ = format_ts(ts)
    uid = _attr(f"dispatch-unit-{unit['id']}")
    callsign = _attr(unit.get("callsign") or unit["id"])
    speed = pos.get("speed_kmh")
    course = pos.get("heading_deg")
    remarks = " · ".join(
        _text(v) for v in (unit.get("kind"), unit.get("status"), unit.get("station")) if v
    )
    return (
        f'<event version="2.0" uid={uid}'
        f' type="{UNIT_TYPE}" how="m-g" time="{time_}" start="{time_}"'
        f' stale="{format_ts(ts + UNIT_STALE_S)}">'
        f'<point lat="{pos["lat"]:.7f}" lon="{pos["lon"]:.7f}"'
        f' hae="{_value(pos.get("alt_m"))}" ce="{_value(pos.get("accuracy_m"))}"'
        f' le="{UNKNOWN:.1f}" />'
        f"<detail><contact callsign={callsign} />"
        '<__group name="Cyan" role="Team Member" />'
        f'<track course="{course if course is not None else 0.0:.1f}"'
        f' speed="{speed / 3.6 if speed is not None else 0.0:.2f}" />'
        f"<remarks>{escape(remarks)}</remarks></detail></event>"
    ).encode()


_ATTR_ENTITIES = {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


def _attr(value: Any) -> str:
    return quoteattr(_text(value), _ATTR_ENTITIES)


def _value(v: Any) -> str:
    return f"{v:.1f}" if isinstance(v, int | float) and math.isfinite(v) else f"{UNKNOWN:.1f}"


def alert_event(alert: Wire, now: float) -> bytes:
    """An open alert as a spot-map marker coloured by priority, title and priority in remarks."""
    uid = f"dispatch-alert-{alert['id']}"
    event = _event(uid, ALERT_TYPE, "h-e", now, now + ALERT_STALE_S)
    _point(event, alert["lat"], alert["lon"])
    detail = ET.SubElement(event, "detail")
    title = _text(alert.get("title") or "")
    ET.SubElement(detail, "contact", {"callsign": _text(f"{alert['id']} {title}".strip())})
    priority = alert.get("priority")
    argb = str(PRIORITY_ARGB.get(priority, -1) if isinstance(priority, int) else -1)
    ET.SubElement(detail, "color", {"argb": argb})
    ET.SubElement(detail, "usericon", {"iconsetpath": f"COT_MAPPING_SPOTMAP/{ALERT_TYPE}/{argb}"})
    parts = [f"{title} (priority {priority})", _text(alert.get("status") or "")]
    parts.append(_text(alert.get("address") or ""))
    ET.SubElement(detail, "remarks").text = " · ".join(p for p in parts if p)
    return _bytes(event)


def delete_event(uid: str, now: float) -> bytes:
    """A ``t-x-d-d`` event that removes ``uid`` from the clients' maps."""
    event = _event(f"{uid}-delete", "t-x-d-d", "h-g-i-g-o", now, now + 20.0)
    _point(event, 0.0, 0.0)
    detail = ET.SubElement(event, "detail")
    ET.SubElement(detail, "link", {"uid": _text(uid), "relation": "none", "type": "none"})
    ET.SubElement(detail, "__forcedelete")
    return _bytes(event)


def _has_point(alert: Wire) -> bool:
    lat, lon = alert.get("lat"), alert.get("lon")
    return all(isinstance(v, int | float) and math.isfinite(v) for v in (lat, lon))


class Peer:
    """One TCP client: what it still has to get, and what it has (to delete it later)."""

    def __init__(self, out: CotOut, writer: asyncio.StreamWriter) -> None:
        self.out = out
        self.writer = writer
        self.own: set[str] = set()  # units this client's own reports move: never sent to it
        self.units: dict[str, None] = {}  # changed since sent (an ordered set)
        self.alerts: dict[str, None] = {}
        self.sent_units: set[str] = set()
        self.sent_alerts: set[str] = set()
        self.wake = asyncio.Event()
        self.next_units = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def mark(self, units: Iterable[str], alerts: Iterable[str]) -> None:
        """These units and alerts changed: send them as they are then (units coalesced)."""
        self.units.update((u, None) for u in units if u not in self.own)
        self.alerts.update((a, None) for a in alerts)
        if self.units or self.alerts:
            self.wake.set()

    def claim(self, unit_id: str) -> None:
        """This client reports for ``unit_id``: never send it that unit (delete it if sent)."""
        if unit_id not in self.own:
            self.own.add(unit_id)
            self.units[unit_id] = None  # deleted from its map if it was sent
            self.wake.set()

    def _due(self) -> None:
        self._timer = None
        self.wake.set()

    async def run(self) -> None:
        """Send what is due until the client goes (or stalls for :data:`STALL_S`)."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                await self.wake.wait()
                self.wake.clear()
                if self.alerts:
                    await self._send_alerts()
                if not self.units:
                    continue
                if loop.time() >= self.next_units:
                    self.next_units = loop.time() + UNIT_INTERVAL_S
                    await self._send_units()
                elif self._timer is None:
                    self._timer = loop.call_at(self.next_units, self._due)
        except TimeoutError:
            self.out.slow_disconnects += 1
            peer = self.writer.get_extra_info("peername")
            log.warning("CoT client %s does not read; disconnecting", peer)
            self.writer.transport.abort()  # close() would wait for a client that does not read
        except (ConnectionError, OSError):
            self.writer.transport.abort()
        finally:
            if self._timer is not None:
                self._timer.cancel()

    async def _write(self, data: bytes) -> None:
        if self.writer.transport.is_closing():  # the client went away mid-batch: stop here
            raise ConnectionResetError("the CoT client closed the connection")
        self.writer.write(data)
        if self.writer.transport.get_write_buffer_size() > HIGH_WATER:
            await asyncio.wait_for(self.writer.drain(), STALL_S)

    async def _send_units(self) -> None:
        batch = list(self.units)  # what changes while we wait for the client waits a second
        self.units.clear()
        await self._send(batch, self.sent_units, "dispatch-unit-", self._unit_bytes)

    def _unit_bytes(self, unit_id: str) -> bytes | None:
        return None if unit_id in self.own else self.out.unit_bytes(unit_id)

    async def _send_alerts(self) -> None:
        batch = list(self.alerts)
        self.alerts.clear()
        await self._send(batch, self.sent_alerts, "dispatch-alert-", self.out.alert_bytes)

    async def _send(
        self, batch: list[str], sent: set[str], prefix: str, render: Callable[[str], bytes | None]
    ) -> None:
        # Each as the committed state has it now; what it no longer shows is deleted. Written
        # in chunks of WRITE_CHUNK bytes: one socket write per chunk, not one per event (a
        # write each took more of the backend than rendering them at 10,000 fixes a second).
        parts: list[bytes] = []
        size = 0
        for key in batch:
            data = render(key)
            if data is None:
                if key not in sent:
                    continue
                sent.discard(key)
                data = delete_event(f"{prefix}{key}", self.out.backend.clock())
            else:
                sent.add(key)
            parts.append(data)
            size += len(data)
            if size >= WRITE_CHUNK:
                await self._write(b"".join(parts))
                parts.clear()
                size = 0
        if parts:
            await self._write(b"".join(parts))


class CotOut:
    """The TCP clients of one CoT door and what they are sent."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.peers: set[Peer] = set()
        self.slow_disconnects = 0
        self._unit_cache: dict[str, tuple[Wire, Wire, bytes]] = {}
        self._alert_cache: dict[str, tuple[Wire, float, bytes]] = {}
        self._refresh: asyncio.Task[None] | None = None
        self._closing = False
        backend.on_commit(self._on_commit)

    def start(self) -> None:
        """Start sending open alerts again before they go stale."""
        self._refresh = asyncio.create_task(self._refresh_alerts(), name="cot-alert-refresh")

    def close(self) -> None:
        """Stop: every client is cut off."""
        self._closing = True
        if self._refresh is not None:
            self._refresh.cancel()
        for peer in list(self.peers):
            peer.writer.transport.abort()

    def connect(self, writer: asyncio.StreamWriter) -> Peer:
        """A new client: it is due the full picture (run :meth:`Peer.run` to send it)."""
        peer = Peer(self, writer)
        self.peers.add(peer)
        peer.mark(self.picture_units(), self.picture_alerts())
        return peer

    def disconnect(self, peer: Peer) -> None:
        """A client left."""
        self.peers.discard(peer)
        if not self.peers:  # rendered events are kept only while someone may want them
            self._unit_cache.clear()
            self._alert_cache.clear()

    def picture_units(self) -> list[str]:
        state = self.backend.state
        return [u for u in state.positions if u in state.units]

    def picture_alerts(self) -> list[str]:
        alerts = self.backend.state.alerts.values()
        return [a["id"] for a in alerts if a.get("status") != "closed" and _has_point(a)]

    def unit_bytes(self, unit_id: str) -> bytes | None:
        """The event of a unit as the committed state has it; None without unit or position."""
        unit = self.backend.state.units.get(unit_id)
        pos = self.backend.state.positions.get(unit_id)
        if unit is None or pos is None:
            self._unit_cache.pop(unit_id, None)
            return None
        cached = self._unit_cache.get(unit_id)
        if cached is not None and cached[0] is unit and cached[1] is pos:
            return cached[2]
        data = unit_event(unit, pos)
        self._unit_cache[unit_id] = (unit, pos, data)
        return data

    def alert_bytes(self, alert_id: str) -> bytes | None:
        """The marker of an open alert; None once it is closed (or has no position)."""
        alert = self.backend.state.alerts.get(alert_id)
        if alert is None or alert.get("status") == "closed" or not _has_point(alert):
            self._alert_cache.pop(alert_id, None)
            return None
        now = time.monotonic()
        cached = self._alert_cache.get(alert_id)
        if cached is not None and cached[0] is alert and now - cached[1] < 60.0:
            return cached[2]
        data = alert_event(alert, self.backend.clock())
        self._alert_cache[alert_id] = (alert, now, data)
        return data

    def _on_commit(self, events: list[Wire]) -> None:
        if self._closing or not self.peers:
            return
        units: dict[str, None] = {}
        alerts: dict[str, None] = {}
        for event in events:
            kind = event["type"]
            if kind in ("unit.position", "unit.status", "unit.retired"):
                units[event["unit_id"]] = None
            elif kind == "unit.upsert":
                units[event["unit"]["id"]] = None
            elif kind in ("alert.new", "alert.updated"):
                alerts[event["alert"]["id"]] = None
        if units or alerts:
            for peer in self.peers:
                peer.mark(units, alerts)

    async def _refresh_alerts(self) -> None:
        # Markers go stale on the clients after ALERT_STALE_S: open ones are sent again.
        while True:
            await asyncio.sleep(ALERT_REFRESH_S)
            self._alert_cache.clear()
            alerts = self.picture_alerts()
            for peer in self.peers:
                peer.mark((), alerts)
