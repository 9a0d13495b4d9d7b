"""The Cursor-on-Target door: TAK clients (ATAK, WinTAK, iTAK, pytak) over TCP and UDP.

In: ``<event>`` XML documents streamed over TCP (split after each ``</event>``, however the
reads cut them) or one per UDP datagram, on one port number for both. Parsed without DTDs or
entities (:mod:`~backend_stub.ingest.hardened_xml`: a billion-laughs or external-entity
document is refused, never expanded). A position event (type ``a-…``) of ``uid`` becomes a
:class:`Fix` of device ``cot:UID`` for :meth:`Ingest.position`; other types (pings, chat,
markers) are ignored. CoT has no reply: a refused or malformed document is dropped and
counted, the connection stays. A document is at most 64 KiB; a TCP client that sends more
without an ``</event>`` is cut off.

Out: TCP clients also get the district as CoT (:mod:`backend_stub.ingest.cot_out`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import re
import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from backend_stub.ingest import hardened_xml
from backend_stub.ingest.core import Fix, Refused
from backend_stub.ingest.cot_out import NOT_XML_CHARS, UNKNOWN, CotOut, Peer

if TYPE_CHECKING:
    from backend_stub.ingest.core import Ingest
    from backend_stub.server import Backend

UDP_RCVBUF = 8 << 20
log = logging.getLogger("backend.cot")

DOOR = "cot"
MAX_DOC_BYTES = 64 << 10
MAX_CLIENTS = 1000
READ_BYTES = 64 << 10
END = b"</event>"
MAX_UID = 124  # "cot:" + uid within the inventory's 128-character ids
OWN_PREFIX = "dispatch-"  # our own events relayed back to us are not devices
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})?"
)


# ------------------------------------------------------------------------------ in


@dataclass(frozen=True, slots=True)
class Parsed:
    """One document read: a position ``fix``, an ``error`` (malformed), or neither (ignored)."""

    fix: Fix | None = None
    error: str = ""


class Splitter:
    """Cut a TCP byte stream into documents, each ending with ``</event>``."""

    def __init__(self, limit: int = MAX_DOC_BYTES) -> None:
        self.limit = limit
        self.overflow = False  # more than ``limit`` bytes buffered without an ``</event>``
        self._buf = bytearray()
        self._scan = 0

    def feed(self, data: bytes) -> list[bytes]:
        """Add ``data``; returns the documents it completes (possibly several, possibly none)."""
        self._buf += data
        docs: list[bytes] = []
        start = 0
        while (i := self._buf.find(END, max(start, self._scan))) >= 0:
            cut = i + len(END)
            docs.append(bytes(self._buf[start:cut]))
            start = cut
        del self._buf[:start]
        self._scan = max(0, len(self._buf) - len(END) + 1)
        if len(self._buf) > self.limit:
            self.overflow = True
        return docs


def parse_time(text: str) -> float:
    """RFC 3339 (``2024-05-01T08:00:00.123Z``; no offset is taken as UTC) → epoch seconds."""
    if not _RFC3339.fullmatch(text):
        raise ValueError(f"time {text[:40]!r} is not RFC 3339")
    dt = datetime.fromisoformat(text.upper())
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _number(value: str | None, what: str) -> float | None:
    if value is None or value.strip() == "":
        return None
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{what} {value[:40]!r} is not a number") from None
    return number


def _known(value: float | None) -> float | None:
    # 9999999 (and anything not finite) means CoT does not know.
    if value is None or not math.isfinite(value) or abs(value) >= UNKNOWN:
        return None
    return value


@functools.cache
def _parser() -> Any:
    # One hardened parser for the door (reused: a parser's set-up costs more than a fix).
    return hardened_xml.make_parser()


def parse_event(data: bytes) -> Parsed:
    """Read one CoT document; never raises (everything wrong is an ``error``)."""
    try:
        return _parse(data)
    except Exception as exc:  # the door never fails on what a device sends
        return Parsed(error=f"malformed CoT: {str(exc)[:200]}")


def _parse(data: bytes) -> Parsed:
    data = data.strip()
    if not data:
        return Parsed()
    if len(data) > MAX_DOC_BYTES:
        return Parsed(error=f"CoT document over {MAX_DOC_BYTES} bytes")
    if data[:1] == b"\xbf":
        return Parsed(error="TAK protocol (protobuf) is not supported: send CoT XML")
    try:
        root = hardened_xml.parse(data, _parser())
    except hardened_xml.DtdRefused as exc:
        return Parsed(error=f"CoT refused: {exc} (no DTDs or entities)")
    except (hardened_xml.XMLSyntaxError, ValueError) as exc:
        return Parsed(error=f"CoT is not XML: {exc}")
    if root.tag != "event":
        return Parsed(error=f"CoT root is <{str(root.tag)[:40]}>, not <event>")
    kind = root.get("type") or ""
    if not kind:
        return Parsed(error="CoT event without a type")
    uid = root.get("uid") or ""
    if not kind.startswith("a-") or uid.startswith(OWN_PREFIX):
        return Parsed()  # not a position, or one of ours relayed back: nothing to move
    if not uid.strip() or len(uid) > MAX_UID or NOT_XML_CHARS.search(uid):
        return Parsed(error=f"CoT uid {uid[:40]!r} is empty, too long or not text")
    point = root.find("point")
    if point is None:
        return Parsed(error=f"CoT event of {uid} has no point")
    lat = _number(point.get("lat"), "lat")
    lon = _number(point.get("lon"), "lon")
    if lat is None or lon is None:
        return Parsed(error=f"CoT point of {uid} has no lat/lon")
    stamp = root.get("time")
    if not stamp:
        return Parsed(error=f"CoT event of {uid} has no time")
    track = root.find("detail/track")
    course = speed = None
    if track is not None:
        course = _known(_number(track.get("course"), "course"))
        speed = _known(_number(track.get("speed"), "speed"))
    return Parsed(
        Fix(
            device=f"cot:{uid}",
            lat=lat,
            lon=lon,
            fix_ts=parse_time(stamp.strip()),
            speed_kmh=None if speed is None or speed < 0 else speed * 3.6,
            heading_deg=course,
            alt_m=_known(_number(point.get("hae"), "hae")),
            accuracy_m=_known(_number(point.get("ce"), "ce")),
        )
    )


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, door: CotDoor) -> None:
        self.door = door

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.door.take(data, None)


class CotDoor:
    """The CoT listener of one backend: TCP and UDP on :attr:`port`, and CoT out over TCP."""

    def __init__(self, backend: Backend, ingest: Ingest, max_clients: int = MAX_CLIENTS) -> None:
        self.backend = backend
        self.ingest = ingest
        self.max_clients = max_clients
        self.port = 0
        self.out = CotOut(backend)
        self._server: asyncio.Server | None = None
        self._udp: asyncio.DatagramTransport | None = None
        self._handlers: set[asyncio.Task[Any]] = set()
        self._closing = False

    async def start(self, host: str, port: int) -> int:
        """Listen on TCP, then UDP on the port TCP got (``0`` picks one); returns it."""
        loop = asyncio.get_running_loop()
        for attempt in range(20):
            server = await asyncio.start_server(self._serve, host, port, limit=READ_BYTES)
            bound = int(next(iter(server.sockets)).getsockname()[1])
            try:
                self._udp, _ = await loop.create_datagram_endpoint(
                    lambda: _Datagrams(self), local_addr=(host, bound)
                )
                # The default buffer (~200 KB) overflows at thousands of datagrams a second.
                sock = self._udp.get_extra_info("socket")
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, UDP_RCVBUF)
            except OSError:
                server.close()
                if port != 0 or attempt == 19:  # a fixed port whose UDP side is taken
                    raise
                continue
            self._server, self.port = server, bound
            break
        self.out.start()
        log.info("CoT on %s:%d (TCP and UDP)", host, self.port)
        return self.port

    async def stop(self) -> None:
        """Close the listeners and every connection."""
        self._closing = True
        if self._udp is not None:
            self._udp.close()
        if self._server is not None:
            self._server.close()
        self.out.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    def take(self, data: bytes, peer: Peer | None) -> None:
        """One document from TCP (``peer``) or UDP: into the ingest path, or dropped and counted."""
        parsed = parse_event(data)
        if parsed.error:
            self.ingest.count(DOOR, error=parsed.error)
            return
        if parsed.fix is None:
            return
        if peer is not None and (unit_id := self.ingest.unit_of(parsed.fix.device)):
            peer.claim(unit_id)
        with contextlib.suppress(Refused):  # counted (and remembered) by the ingest path
            self.ingest.position(parsed.fix, DOOR)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._closing or len(self.out.peers) >= self.max_clients:
            self.ingest.count(DOOR, error=f"more than {self.max_clients} CoT connections")
            writer.close()
            return
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        peer = self.out.connect(writer)
        sender = asyncio.create_task(peer.run(), name="cot-out")
        splitter = Splitter()
        try:
            while chunk := await reader.read(READ_BYTES):
                for doc in splitter.feed(chunk):
                    self.take(doc, peer)
                if splitter.overflow:
                    self.ingest.count(DOOR, error=f"over {MAX_DOC_BYTES} bytes without </event>")
                    break
        except (ConnectionError, OSError):
            pass
        finally:
            self.out.disconnect(peer)
            self._handlers.discard(task)
            sender.cancel()
            writer.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await sender
