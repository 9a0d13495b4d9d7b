"""The JT/T 808 door: vehicle terminals (2013 and 2019 editions) over TCP.

``serve --jt808-port N`` opens it (``shared/integration.md`` §3). A terminal registers
(``0x0100`` → ``0x8100`` with an authentication code, or result 4 when no unit's
``device_ids`` names it), authenticates on each connection (``0x0102``), then sends heartbeats
(``0x0002``), location reports (``0x0200``) and batches of them (``0x0704``), each answered by a
general response (``0x8001``): 0 accepted, 1 refused (not authenticated, stale, from the future,
too fast), 2 malformed, 3 not supported. Every position goes through :class:`Ingest`.

Identity: the terminal phone is the device, ``jt808:`` + its digits (see
:func:`~backend_stub.ingest.jt808_codec.device_id`); an inventory that names the phone
without its leading zeros (``jt808:13912345678`` for the BCD ``013912345678``) matches too.

A frame with a bad checksum, escaping or length is counted and answered with result 2 when
its header could be read, else dropped; the connection stays open. A frame over 2 KiB, or
64 KiB without a ``0x7e``, closes it. Authentication codes are HMACs under a secret of this
process: a re-register gets a fresh code, and after a restart terminals register again (which
the standard has them do when authentication fails).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import secrets
import time
from typing import TYPE_CHECKING, cast

from backend_stub.ingest.core import Fix, Refused
from backend_stub.ingest.jt808_codec import (
    AUTHENTICATE,
    BATCH_LOCATION,
    FAILURE,
    HEARTBEAT,
    LOCATION,
    LOGOUT,
    MESSAGE_ERROR,
    NO_SUCH_TERMINAL,
    NOT_SUPPORTED,
    OK,
    REGISTER,
    TERMINAL_RESPONSE,
    Bad,
    Decoder,
    Frame,
    Header,
    Location,
    MessageError,
    Reassembler,
    device_id,
    general_response,
    parse_auth,
    parse_batch,
    parse_location,
    register_response,
)

if TYPE_CHECKING:
    from backend_stub.ingest.core import Ingest

log = logging.getLogger("backend.jt808")

DOOR = "jt808"
#: A connection that sends nothing this long is closed (terminals heartbeat every minute or so).
IDLE_TIMEOUT_S = 600.0


class Jt808Door:
    """The JT/T 808 TCP listener of one backend process.

    Args:
        ingest: the ingest path the positions go to.
        idle_timeout: seconds of silence after which a connection is closed.
    """

    def __init__(self, ingest: Ingest, *, idle_timeout: float = IDLE_TIMEOUT_S) -> None:
        self.ingest = ingest
        self.idle_timeout = idle_timeout
        self.host = "127.0.0.1"
        self.port = 0
        self._secret = secrets.token_bytes(32)
        self._issued = 0
        self._codes: dict[str, str] = {}  # device → the code its last register got
        self._server: asyncio.Server | None = None
        self._sweeper: asyncio.Task[None] | None = None
        self._connections: set[Jt808Connection] = set()

    # ---------------------------------------------------------------- lifecycle

    async def start(self, host: str, port: int) -> int:
        """Listen on ``host:port`` (``0`` picks a free port); returns and sets :attr:`port`."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: Jt808Connection(self), host, port)
        self.host = host
        self.port = int(self._server.sockets[0].getsockname()[1])
        self._sweeper = loop.create_task(self._sweep(), name="jt808-idle")
        log.debug("jt808 on %s:%d", host, self.port)
        return self.port

    async def stop(self) -> None:
        """Stop listening and close every connection."""
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
            self._sweeper = None
        if self._server is not None:
            self._server.close()
        for conn in list(self._connections):
            conn.close()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1)
            self._server = None

    async def _sweep(self) -> None:
        # One timer for every connection, not one per read: a terminal silent (or not reading
        # its replies) for ``idle_timeout`` is closed within a tenth of it (a second at most)
        # more. A pass over 2,000 connections costs about a millisecond.
        while True:
            await asyncio.sleep(min(1.0, max(0.05, self.idle_timeout / 10)))
            now = time.monotonic()
            for conn in list(self._connections):
                conn.check_idle(now, self.idle_timeout)

    @property
    def connections(self) -> int:
        """Terminals connected now."""
        return len(self._connections)

    # ---------------------------------------------------------------- identity, codes

    def inventory_id(self, device: str) -> str:
        """The device id the inventory uses for ``device`` (with or without leading zeros)."""
        if self.ingest.unit_of(device) is None:
            digits = device.removeprefix("jt808:").lstrip("0")
            if digits and self.ingest.unit_of(f"jt808:{digits}") is not None:
                return f"jt808:{digits}"
        return device

    def known(self, device: str) -> bool:
        """Whether some unit's ``device_ids`` names the terminal."""
        return self.ingest.unit_of(self.inventory_id(device)) is not None

    def issue_code(self, device: str) -> str:
        """A fresh authentication code for ``device`` (the previous one stops working)."""
        self._issued += 1
        mac = hmac.new(self._secret, f"{device}:{self._issued}".encode(), hashlib.sha256)
        code = mac.hexdigest()[:16]
        self._codes[device] = code
        return code

    def check_code(self, device: str, code: str) -> bool:
        """Whether ``code`` is the one ``device`` was last given."""
        issued = self._codes.get(device)
        return issued is not None and hmac.compare_digest(issued.encode(), code.encode())

    def revoke_code(self, device: str) -> None:
        """Forget ``device``'s code (it logged out)."""
        self._codes.pop(device, None)


class Jt808Connection(asyncio.Protocol):
    """One terminal's TCP connection: bytes to its :class:`Jt808Session`, replies back.

    A protocol rather than a stream reader task: a read costs one call, with no task wake-up
    and no timer of its own (the door's sweep closes idle connections), which is what lets
    2,000 terminals a second through one event loop. A terminal that stops reading its replies
    is paused (nothing more is read from it) and closed by the sweep once it stays so.
    """

    def __init__(self, door: Jt808Door) -> None:
        self.door = door
        self.session = Jt808Session(door)
        self.transport: asyncio.Transport | None = None
        self.peer: object = None
        self.last_active = time.monotonic()
        self.paused_since: float | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods.
        self.transport = cast(asyncio.Transport, transport)
        self.peer = transport.get_extra_info("peername")
        self.door._connections.add(self)
        log.debug("jt808 connection from %s", self.peer)

    def connection_lost(self, exc: Exception | None) -> None:
        self.door._connections.discard(self)
        self.transport = None

    def data_received(self, data: bytes) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        self.last_active = time.monotonic()
        replies = self.session.feed(data)
        if replies:
            transport.write(b"".join(replies) if len(replies) > 1 else replies[0])
        if self.session.closed:
            log.warning("jt808 %s closed: %s", self.peer, self.session.close_reason)
            transport.close()

    def eof_received(self) -> bool:
        return False  # the terminal is done: close our side too

    def pause_writing(self) -> None:
        if self.transport is not None:
            self.transport.pause_reading()
        self.paused_since = time.monotonic()

    def resume_writing(self) -> None:
        self.paused_since = None
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    def check_idle(self, now: float, timeout: float) -> None:
        """Close the connection if it has been silent, or not reading, for ``timeout``."""
        if self.transport is None:
            return
        # Not reading first: a paused connection is silent too (its reads are paused), and a
        # close() would wait for replies it never reads, so it has to be cut off.
        if self.paused_since is not None and now - self.paused_since >= timeout:
            log.debug("jt808 %s does not read its replies: closed", self.peer)
            self.transport.abort()
        elif now - self.last_active >= timeout:
            log.debug("jt808 %s idle for %.0f s: closed", self.peer, timeout)
            self.close()

    def close(self) -> None:
        """Close the connection (what was written still goes out)."""
        if self.transport is not None:
            self.transport.close()


class Jt808Session:
    """The protocol state of one connection, without I/O: bytes in, replies out.

    Args:
        door: the door (its ingest path and authentication codes).
    """

    def __init__(self, door: Jt808Door) -> None:
        self.door = door
        self.ingest = door.ingest
        self.decoder = Decoder()
        self.reassembler = Reassembler()
        #: The devices authenticated on this connection.
        self.authenticated: set[str] = set()
        self.close_reason = ""
        self._serial = 0

    @property
    def closed(self) -> bool:
        """The stream broke a limit: the connection must close (after the replies)."""
        return self.decoder.closed

    def feed(self, data: bytes) -> list[bytes]:
        """The replies (whole frames) to what ``data`` completes; never raises."""
        replies: list[bytes] = []
        for item in self.decoder.feed(data):
            if isinstance(item, Bad):
                self._refuse(item.error)
                if item.fatal:
                    self.close_reason = item.error
                elif item.header is not None:
                    replies.append(self._general(item.header, MESSAGE_ERROR))
                continue
            try:
                reply = self._frame(item)
            except Exception:
                log.exception("jt808 message %#06x failed", item.header.msg_id)
                self._refuse("internal error")
                reply = self._general(item.header, FAILURE)
            if reply is not None:
                replies.append(reply)
        return replies

    # ---------------------------------------------------------------- messages

    def _next_serial(self) -> int:
        serial = self._serial
        self._serial = (self._serial + 1) & 0xFFFF
        return serial

    def _general(self, header: Header, result: int) -> bytes:
        return general_response(header, self._next_serial(), result)

    def _refuse(self, error: str) -> None:
        self.ingest.count(DOOR, error=error)

    def _frame(self, frame: Frame) -> bytes | None:
        h = frame.header
        if not h.phone.isdigit():
            self._refuse(f"terminal phone {h.phone} is not BCD")
            return self._general(h, MESSAGE_ERROR)
        if h.encryption:
            self._refuse(f"message {h.msg_id:#06x} is encrypted ({h.encryption:#x})")
            return self._general(h, NOT_SUPPORTED)
        try:
            whole = self.reassembler.add(frame)
        except MessageError as exc:
            self._refuse(str(exc))
            return self._general(h, MESSAGE_ERROR)
        if whole is None:  # a subpackage: acknowledged, the message waits for the rest
            return self._general(h, OK)
        return self._message(whole)

    def _message(self, frame: Frame) -> bytes | None:
        h = frame.header
        device = device_id(h.phone)
        if h.msg_id == TERMINAL_RESPONSE:
            return None  # answers a platform command; never answered itself
        if h.msg_id == REGISTER:
            return self._register(h, device)
        if h.msg_id == AUTHENTICATE:
            return self._authenticate(frame, device)
        if h.msg_id == HEARTBEAT:
            return self._general(h, OK)
        if h.msg_id == LOGOUT:
            self.door.revoke_code(device)
            self.authenticated.discard(device)
            return self._general(h, OK)
        if h.msg_id in (LOCATION, BATCH_LOCATION):
            try:
                if h.msg_id == LOCATION:
                    reports = [parse_location(frame.body)]
                else:
                    reports = parse_batch(frame.body)[1]
            except MessageError as exc:
                self._refuse(f"terminal {device}: {exc}")
                return self._general(h, MESSAGE_ERROR)
            return self._general(h, self._locations(device, reports, h.msg_id == LOCATION))
        self._refuse(f"message {h.msg_id:#06x} is not supported")
        return self._general(h, NOT_SUPPORTED)

    def _register(self, h: Header, device: str) -> bytes:
        self.authenticated.discard(device)  # the new code must be presented
        if not self.door.known(device):
            log.info("jt808: unregistered terminal %s tried to register", device)
            self.ingest.refuse_device(device, DOOR, f"terminal {device} is not in the inventory")
            return register_response(h, self._next_serial(), NO_SUCH_TERMINAL)
        code = self.door.issue_code(device)
        return register_response(h, self._next_serial(), OK, code)

    def _authenticate(self, frame: Frame, device: str) -> bytes:
        h = frame.header
        try:
            auth = parse_auth(frame.body, h.edition)
        except MessageError as exc:
            self._refuse(f"terminal {device}: {exc}")
            return self._general(h, MESSAGE_ERROR)
        if not self.door.known(device):
            self.authenticated.discard(device)
            self.ingest.refuse_device(device, DOOR, f"terminal {device} is not in the inventory")
            return self._general(h, FAILURE)
        if not self.door.check_code(device, auth.code):
            self.authenticated.discard(device)
            self._refuse(f"terminal {device}: wrong authentication code")
            return self._general(h, FAILURE)
        self.authenticated.add(device)
        return self._general(h, OK)

    def _locations(self, device: str, reports: list[Location], single: bool) -> int:
        """Apply reports (oldest first); the result for the general response.

        A single report answers 1 when refused (2 when out of range). A batch answers 0 when
        every report was applied or older than what the unit already has (sending it again
        cannot help), else the worst refusal.
        """
        if device not in self.authenticated:
            if self.door.known(device):
                self._refuse(f"terminal {device} sent a location before authenticating")
            else:
                self.ingest.refuse_device(device, DOOR, f"terminal {device} is not authenticated")
            return FAILURE
        target = self.door.inventory_id(device)
        result = OK
        for report in sorted(reports, key=lambda r: r.fix_ts):
            if not report.positioned:
                self._refuse(f"terminal {device}: no position fix (status bit 1 clear)")
                continue
            fix = Fix(
                target,
                report.lat,
                report.lon,
                report.fix_ts,
                report.speed_kmh,
                report.heading_deg,
                report.alt_m,
            )
            try:
                self.ingest.position(fix, DOOR)
            except Refused as exc:
                code = MESSAGE_ERROR if exc.code == "invalid" else FAILURE
                if single:
                    return code
                if exc.code != "stale":
                    result = max(result, code)
        return result
