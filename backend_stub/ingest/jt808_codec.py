"""JT/T 808 (2013 and 2019 editions) without I/O: bytes in, frames and messages out.

A frame on the wire is ``0x7e`` + escaped(header + body + checksum) + ``0x7e``, where escaping
turns ``0x7e`` into ``0x7d 0x02`` and ``0x7d`` into ``0x7d 0x01``, and the checksum is the XOR
of every header and body byte. The header (all integers big-endian):

========================  ======================================================
message id                2 B
body properties           2 B: body length (bits 0-9), encryption (10-12),
                          subpackage (13), version flag (14, 2019 only)
protocol version          1 B (2019 only)
terminal phone            BCD, 6 B (2013) or 10 B (2019)
serial number             2 B
subpackage info           total 2 B + index 2 B, when bit 13 is set
========================  ======================================================

:class:`Decoder` splits a byte stream into :class:`Frame` objects, or :class:`Bad` ones for
what cannot be a frame (it never raises on any input). The ``parse_*`` functions read message
bodies (raising :class:`MessageError`); :func:`general_response` and
:func:`register_response` build the platform's replies as bytes ready to send.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from types import MappingProxyType
from typing import NamedTuple

FLAG = 0x7E
ESC = 0x7D

# Terminal messages.
TERMINAL_RESPONSE = 0x0001
HEARTBEAT = 0x0002
LOGOUT = 0x0003
REGISTER = 0x0100
AUTHENTICATE = 0x0102
LOCATION = 0x0200
BATCH_LOCATION = 0x0704
# Platform messages.
GENERAL_RESPONSE = 0x8001
REGISTER_RESPONSE = 0x8100

# 0x8001 results.
OK = 0
FAILURE = 1
MESSAGE_ERROR = 2
NOT_SUPPORTED = 3
# 0x8100 results (0 is OK).
NO_SUCH_TERMINAL = 4

#: Bigger than any frame the standard allows (1023 B of body, 21 B of header, 1 B checksum).
MAX_FRAME = 2048
#: Bytes buffered without a ``0x7e`` before the stream is given up on.
MAX_BUFFER = 64 * 1024
#: Subpackaged messages: packets per message, and the bytes held while they arrive.
MAX_PACKETS = 64
MAX_ASSEMBLING = 64 * 1024

#: The standard's time zone (BCD times are Beijing time).
UTC8 = timezone(timedelta(hours=8))
_LENGTH_MASK = 0x03FF
_ENCRYPTION_MASK = 0x1C00
_SUBPACKAGE = 1 << 13
_VERSION_FLAG = 1 << 14
_SOUTH = 1 << 2
_WEST = 1 << 3
_POSITIONED = 1 << 1
_LOCATION_FIXED = struct.Struct(">IIIIhHH6s")  # 28 bytes before the additional items


class FrameError(ValueError):
    """A frame that cannot be read (escaping, checksum, length, header)."""


class MessageError(ValueError):
    """A frame that was read, whose body is not the message its id says."""


class Header(NamedTuple):
    """The header of one frame (a named tuple: one is made per frame, and a frozen dataclass
    costs several times as much to make).

    Attributes:
        msg_id: the message id (``0x0200`` ...).
        body_length: the body length the properties give.
        encryption: the encryption bits (0: none; bit 0 of these: RSA).
        phone: the terminal phone as the hex digits of its BCD bytes (12 or 20 characters;
            all decimal for a well-formed terminal), echoed as is in replies.
        serial: the terminal's serial number of this message.
        version: the protocol version (2019 edition), or None (2013).
        packet: ``(total, index)`` of a subpackaged message, else None.
    """

    msg_id: int
    body_length: int
    encryption: int
    phone: str
    serial: int
    version: int | None = None
    packet: tuple[int, int] | None = None

    @property
    def edition(self) -> int:
        """2019 when the version flag is set, else 2013."""
        return 2013 if self.version is None else 2019


class Frame(NamedTuple):
    """A frame whose escaping, checksum and header were right."""

    header: Header
    body: bytes


@dataclass(frozen=True, slots=True)
class Bad:
    """Bytes between two ``0x7e`` that are not a frame.

    Attributes:
        error: what is wrong, for the counts.
        header: the header, when it could be read (the sender gets a result 2).
        fatal: the stream cannot go on (a frame too large, too much without a ``0x7e``).
    """

    error: str
    header: Header | None = None
    fatal: bool = False


class Location(NamedTuple):
    """A location report (the body of ``0x0200``, and each item of ``0x0704``)."""

    alarm: int
    status: int
    lat: float
    lon: float
    alt_m: float
    speed_kmh: float
    heading_deg: float
    fix_ts: float
    extras: Mapping[int, bytes] = MappingProxyType({})

    @property
    def positioned(self) -> bool:
        """Status bit 1: the terminal had a position fix."""
        return bool(self.status & _POSITIONED)


@dataclass(frozen=True, slots=True)
class Auth:
    """The body of ``0x0102`` (IMEI and software version: 2019 only)."""

    code: str
    imei: str = ""
    software: str = ""


# ---------------------------------------------------------------- escaping, checksum, BCD


def escape(data: bytes) -> bytes:
    """``0x7d`` → ``0x7d 0x01`` and ``0x7e`` → ``0x7d 0x02`` (without the delimiters)."""
    return data.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def unescape(data: bytes) -> bytes:
    """The inverse of :func:`escape`.

    Raises:
        FrameError: ``0x7d`` followed by anything but 0x01 or 0x02, or at the end.
    """
    if ESC not in data:
        return data
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        byte = data[i]
        if byte == ESC:
            if i + 1 >= n or data[i + 1] not in (1, 2):
                raise FrameError(f"0x7d at byte {i} is not followed by 0x01 or 0x02")
            out.append(ESC if data[i + 1] == 1 else FLAG)
            i += 2
        else:
            out.append(byte)
            i += 1
    return bytes(out)


def checksum(data: bytes) -> int:
    """The XOR of all bytes."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def bcd(digits: str, size: int) -> bytes:
    """``digits`` as ``size`` BCD bytes, zero-padded on the left.

    Raises:
        ValueError: not decimal digits, or too many for ``size``.
    """
    if not digits.isdigit() or not digits.isascii() or len(digits) > 2 * size:
        raise ValueError(f"{digits!r} does not fit {size} BCD bytes")
    return bytes.fromhex(digits.rjust(2 * size, "0"))


def bcd_digits(data: bytes) -> str:
    """The decimal digits of BCD bytes.

    Raises:
        ValueError: a nibble is not a decimal digit.
    """
    digits = data.hex()
    if not digits.isdigit():
        raise ValueError(f"{digits} is not BCD")
    return digits


def decode_time(data: bytes) -> float:
    """Epoch seconds of a BCD ``YYMMDDhhmmss`` in UTC+8 (years 2000-2099).

    Raises:
        ValueError: not BCD, or not a date.
    """
    return _decode_time(bytes(data))


@functools.lru_cache(maxsize=4096)
def _decode_time(data: bytes) -> float:
    # Thousands of terminals report the same few seconds: one datetime per second, not per fix
    # (a refusal, ValueError, is not cached).
    d = bcd_digits(data)
    if len(d) != 12:
        raise ValueError("a time is 6 BCD bytes")
    yy, mo, dd, hh, mi, ss = (int(d[i : i + 2]) for i in range(0, 12, 2))
    return datetime(2000 + yy, mo, dd, hh, mi, ss, tzinfo=UTC8).timestamp()


def encode_time(ts: float) -> bytes:
    """A BCD ``YYMMDDhhmmss`` in UTC+8 of epoch seconds (whole seconds)."""
    return bytes.fromhex(datetime.fromtimestamp(int(ts), UTC8).strftime("%y%m%d%H%M%S"))


def device_id(phone: str) -> str:
    """The inventory id of a terminal phone: ``jt808:`` + its digits.

    The 2013 edition's 12 digits stay as they are (``jt808:013912345678``); the 2019
    edition's 20 lose leading zeros down to 12.
    """
    digits = phone
    while len(digits) > 12 and digits[0] == "0":
        digits = digits[1:]
    return f"jt808:{digits}"


# ---------------------------------------------------------------- frames


def read_header(data: bytes) -> tuple[Header, int]:
    """The header at the start of an unescaped frame and its size.

    Raises:
        FrameError: too short for the header its properties announce.
    """
    if len(data) < 4:
        raise FrameError("shorter than a header")
    msg_id, props = struct.unpack_from(">HH", data)
    version: int | None = None
    if props & _VERSION_FLAG:
        size = 17
        if len(data) < size:
            raise FrameError("shorter than a 2019 header")
        version = data[4]
        phone, serial = data[5:15].hex(), struct.unpack_from(">H", data, 15)[0]
    else:
        size = 12
        if len(data) < size:
            raise FrameError("shorter than a 2013 header")
        phone, serial = data[4:10].hex(), struct.unpack_from(">H", data, 10)[0]
    packet = None
    if props & _SUBPACKAGE:
        if len(data) < size + 4:
            raise FrameError("shorter than its subpackage information")
        packet = struct.unpack_from(">HH", data, size)
        size += 4
    header = Header(
        msg_id,
        props & _LENGTH_MASK,
        (props & _ENCRYPTION_MASK) >> 10,
        phone,
        serial,
        version,
        packet,
    )
    return header, size


def decode_frame(content: bytes, max_frame: int = MAX_FRAME) -> Frame | Bad:
    """One frame from the bytes between two ``0x7e`` (still escaped); never raises.

    Over ``max_frame`` bytes once unescaped, it is a fatal :class:`Bad`.
    """
    if len(content) > 2 * max_frame + 1:  # unescaped, it is at least half as long
        return Bad(f"a frame of {len(content)} escaped bytes is over {max_frame}", fatal=True)
    lenient, error = False, ""
    try:
        data = unescape(content)
    except FrameError as exc:
        error = f"mis-escaped frame: {exc}"
        data, lenient = content, True
    if len(data) > max_frame:
        return Bad(f"a frame of {len(data)} bytes is over {max_frame}", fatal=True)
    try:
        header, size = read_header(data)
    except FrameError as exc:
        return Bad(error if lenient else f"truncated frame: {exc}")
    if lenient:
        return Bad(error, header)
    if len(data) < size + 1:
        return Bad("truncated frame: no checksum", header)
    if checksum(data[:-1]) != data[-1]:
        return Bad(f"bad checksum {data[-1]:#04x} (computed {checksum(data[:-1]):#04x})", header)
    body = data[size:-1]
    if len(body) != header.body_length:
        return Bad(f"body of {len(body)} bytes, its header says {header.body_length}", header)
    return Frame(header, body)


def encode_frame(
    msg_id: int,
    phone: str,
    serial: int,
    body: bytes,
    version: int | None = None,
    packet: tuple[int, int] | None = None,
) -> bytes:
    """A whole frame, escaped and delimited (``version`` given: the 2019 header).

    Args:
        msg_id: the message id.
        phone: the terminal phone as hex digits (a :attr:`Header.phone`).
        serial: the sender's serial number.
        body: the message body (at most 1023 bytes).
        version: the protocol version of a 2019 header; None for 2013.
        packet: ``(total, index)`` for a subpackage.
    """
    if len(body) > _LENGTH_MASK:
        raise ValueError("a body is at most 1023 bytes")
    props = len(body) | (_VERSION_FLAG if version is not None else 0)
    props |= _SUBPACKAGE if packet else 0
    size = 6 if version is None else 10
    phone_bytes = bytes.fromhex(phone.rjust(2 * size, "0")[-2 * size :])
    head = struct.pack(">HH", msg_id, props)
    if version is not None:
        head += bytes([version & 0xFF])
    head += phone_bytes + struct.pack(">H", serial & 0xFFFF)
    if packet:
        head += struct.pack(">HH", *packet)
    data = head + body
    return b"\x7e" + escape(data + bytes([checksum(data)])) + b"\x7e"


class Decoder:
    """Splits a TCP byte stream into frames.

    Whatever lies between two ``0x7e`` (or before the first) is one frame candidate; empty
    ones (the ``7e 7e`` between frames) are skipped. After a fatal :class:`Bad`, the stream
    is over: :attr:`closed` is set and further input is ignored.
    """

    def __init__(self, max_frame: int = MAX_FRAME, max_buffer: int = MAX_BUFFER) -> None:
        self.max_frame = max_frame
        self.max_buffer = max_buffer
        self.closed = False
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[Frame | Bad]:
        """The frames (and bad candidates) ``data`` completes; never raises."""
        if self.closed:
            return []
        out: list[Frame | Bad] = []
        self._buffer += data
        start = 0
        while True:
            end = self._buffer.find(FLAG, start)
            if end < 0:
                break
            content = bytes(self._buffer[start:end])
            start = end + 1
            if not content:
                continue
            item = decode_frame(content, self.max_frame)
            out.append(item)
            if isinstance(item, Bad) and item.fatal:
                self.closed = True
                self._buffer.clear()
                return out
        del self._buffer[:start]
        if len(self._buffer) > self.max_buffer:
            self.closed = True
            out.append(Bad(f"over {self.max_buffer} bytes without 0x7e", fatal=True))
            self._buffer.clear()
        return out


class Reassembler:
    """Joins subpackaged messages (each packet a :class:`Frame` with ``header.packet``)."""

    def __init__(self, max_packets: int = MAX_PACKETS, max_bytes: int = MAX_ASSEMBLING) -> None:
        self.max_packets = max_packets
        self.max_bytes = max_bytes
        self._parts: dict[tuple[str, int, int, int], dict[int, bytes]] = {}
        self._held = 0

    def add(self, frame: Frame) -> Frame | None:
        """The whole message once ``frame`` completes it (its header: the last packet's,
        without ``packet``), else None.

        Raises:
            MessageError: subpackage information out of range.
        """
        h = frame.header
        if h.packet is None:
            return frame
        total, index = h.packet
        if not (1 <= index <= total <= self.max_packets):
            raise MessageError(f"subpackage {index} of {total} (at most {self.max_packets})")
        key = (h.phone, h.msg_id, total, (h.serial - index + 1) & 0xFFFF)
        parts = self._parts.pop(key, {})
        self._held -= sum(map(len, parts.values()))
        parts[index] = frame.body
        if len(parts) == total:
            body = b"".join(parts[i] for i in range(1, total + 1))
            return Frame(h._replace(packet=None, body_length=len(body)), body)
        self._parts[key] = parts  # the newest last
        self._held += sum(map(len, parts.values()))
        while self._held > self.max_bytes:  # the oldest messages give way
            oldest = self._parts.pop(next(iter(self._parts)))
            self._held -= sum(map(len, oldest.values()))
        return None


# ---------------------------------------------------------------- bodies


def parse_location(body: bytes) -> Location:
    """A ``0x0200`` body (additional items kept as ``extras``, read leniently).

    Raises:
        MessageError: shorter than 28 bytes, or a time that is not a BCD date.
    """
    if len(body) < _LOCATION_FIXED.size:
        raise MessageError(f"a location of {len(body)} bytes (at least {_LOCATION_FIXED.size})")
    alarm, status, lat, lon, alt, speed, heading, when = _LOCATION_FIXED.unpack_from(body)
    try:
        fix_ts = decode_time(when)
    except ValueError as exc:
        raise MessageError(f"bad time {when.hex()}: {exc}") from exc
    extras: dict[int, bytes] = {}
    i = _LOCATION_FIXED.size
    while i + 2 <= len(body) and i + 2 + body[i + 1] <= len(body):
        extras[body[i]] = body[i + 2 : i + 2 + body[i + 1]]
        i += 2 + body[i + 1]
    return Location(
        alarm=alarm,
        status=status,
        lat=-lat / 1e6 if status & _SOUTH else lat / 1e6,
        lon=-lon / 1e6 if status & _WEST else lon / 1e6,
        alt_m=float(alt),
        speed_kmh=speed / 10.0,
        heading_deg=float(heading),
        fix_ts=fix_ts,
        extras=extras,
    )


def parse_batch(body: bytes) -> tuple[int, list[Location]]:
    """A ``0x0704`` body: its type (0 normal, 1 blind-area backfill) and its reports.

    Raises:
        MessageError: counts and lengths that do not add up, or a bad report.
    """
    if len(body) < 3:
        raise MessageError("a batch is at least 3 bytes")
    count, kind = struct.unpack_from(">HB", body)
    reports, i = [], 3
    for n in range(count):
        if i + 2 > len(body):
            raise MessageError(f"the batch ends before report {n + 1} of {count}")
        (size,) = struct.unpack_from(">H", body, i)
        item = body[i + 2 : i + 2 + size]
        if len(item) != size:
            raise MessageError(f"report {n + 1} of {count} is truncated")
        reports.append(parse_location(item))
        i += 2 + size
    if i != len(body):
        raise MessageError(f"{len(body) - i} bytes after the last report")
    return kind, reports


def _text(data: bytes) -> str:
    text = data.rstrip(b"\x00 ")
    try:
        return text.decode("ascii")
    except UnicodeDecodeError:
        return text.decode("gb18030", "replace")


def parse_auth(body: bytes, edition: int) -> Auth:
    """A ``0x0102`` body: 2013 the code; 2019 its length, the code, IMEI 15 B, software 20 B.

    Raises:
        MessageError: a 2019 body shorter than the code length it gives.
    """
    if edition == 2013:
        return Auth(_text(body))
    if not body or len(body) < 1 + body[0]:
        raise MessageError("the authentication code is shorter than its length")
    n = body[0]
    rest = body[1 + n :]
    return Auth(_text(body[1 : 1 + n]), _text(rest[:15]), _text(rest[15:35]))


def general_response(header: Header, serial: int, result: int) -> bytes:
    """``0x8001`` answering ``header``'s message with ``result``, in the terminal's edition."""
    body = struct.pack(">HHB", header.serial, header.msg_id, result)
    return encode_frame(GENERAL_RESPONSE, header.phone, serial, body, header.version)


def register_response(header: Header, serial: int, result: int, code: str = "") -> bytes:
    """``0x8100`` answering a register: ``result`` and, when 0, the authentication code."""
    body = struct.pack(">HB", header.serial, result) + (code.encode() if result == OK else b"")
    return encode_frame(REGISTER_RESPONSE, header.phone, serial, body, header.version)
