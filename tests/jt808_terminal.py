"""A JT/T 808 terminal written from the standard (escaping, checksum, BCD time, bodies),
independent of backend_stub.ingest.jt808_codec, so the codec is checked against the text and not
against itself; ``TcpTerminal`` runs one over a real TCP connection to the door."""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

BEIJING = timezone(timedelta(hours=8))


def std_escape(data: bytes) -> bytes:
    """JT/T 808 §4.4.1: 0x7e → 0x7d 0x02, 0x7d → 0x7d 0x01."""
    out = bytearray()
    for b in data:
        if b == 0x7E:
            out += b"\x7d\x02"
        elif b == 0x7D:
            out += b"\x7d\x01"
        else:
            out.append(b)
    return bytes(out)


def std_unescape(data: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(data):
        if data[i] == 0x7D:
            out.append({1: 0x7D, 2: 0x7E}[data[i + 1]])
            i += 2
        else:
            out.append(data[i])
            i += 1
    return bytes(out)


def std_xor(data: bytes) -> int:
    x = 0
    for b in data:
        x ^= b
    return x


def std_bcd(digits: str, size: int) -> bytes:
    digits = digits.rjust(2 * size, "0")
    return bytes((int(digits[i]) << 4) | int(digits[i + 1]) for i in range(0, 2 * size, 2))


def std_time(ts: float) -> bytes:
    """BCD[6] YY-MM-DD-hh-mm-ss, GMT+8."""
    return std_bcd(datetime.fromtimestamp(int(ts), BEIJING).strftime("%y%m%d%H%M%S"), 6)


def location_body(
    lat: float,
    lon: float,
    ts: float,
    *,
    speed_kmh: float = 0.0,
    heading: int = 0,
    alt: int = 0,
    alarm: int = 0,
    status: int = 0b10,  # bit 1: positioned
    extras: bytes = b"",
) -> bytes:
    """A 0x0200 body: bits 2 and 3 of the status say south and west."""
    if lat < 0:
        status |= 1 << 2
    if lon < 0:
        status |= 1 << 3
    return (
        struct.pack(
            ">IIIIHHH",
            alarm,
            status,
            round(abs(lat) * 1e6),
            round(abs(lon) * 1e6),
            alt,
            round(speed_kmh * 10),
            heading,
        )
        + std_time(ts)
        + extras
    )


def batch_body(bodies: list[bytes], kind: int = 0) -> bytes:
    """A 0x0704 body: count, type, then length + 0x0200 body each."""
    out = struct.pack(">HB", len(bodies), kind)
    for body in bodies:
        out += struct.pack(">H", len(body)) + body
    return out


def register_body(edition: int, plate: str = "蒙K7S521") -> bytes:
    """A 0x0100 body: province, city, maker, model, terminal id, plate colour, plate."""
    if edition == 2013:
        fixed = struct.pack(">HH", 15, 602) + b"MAKER" + b"MODEL-X".ljust(20, b"\0")
        fixed += b"T000001"
    else:
        fixed = struct.pack(">HH", 15, 602) + b"MAKER-2019".ljust(11, b"\0")
        fixed += b"MODEL-X".ljust(30, b"\0") + b"T000001".ljust(30, b"\0")
    return fixed + b"\x01" + plate.encode("gbk")


def auth_body(edition: int, code: str, imei: str = "860123456789012") -> bytes:
    """A 0x0102 body: 2013 the code; 2019 length + code + IMEI[15] + software version[20]."""
    if edition == 2013:
        return code.encode()
    return bytes([len(code)]) + code.encode() + imei.encode() + b"1.0.3".ljust(20, b"\0")


@dataclass
class Terminal:
    """Builds the frames of one terminal (2019: protocol version 1, 10-byte phone)."""

    phone: str
    edition: int = 2013
    serial: int = 0
    version: int = 1

    def frame(
        self,
        msg_id: int,
        body: bytes = b"",
        *,
        packet: tuple[int, int] | None = None,
        encryption: int = 0,
        corrupt_checksum: bool = False,
    ) -> bytes:
        """0x7e + escaped(header + body + checksum) + 0x7e; each frame takes the next serial."""
        props = (len(body) & 0x3FF) | (encryption << 10)
        if packet:
            props |= 1 << 13
        if self.edition == 2019:
            props |= 1 << 14
            head = struct.pack(">HHB", msg_id, props, self.version) + std_bcd(self.phone, 10)
        else:
            head = struct.pack(">HH", msg_id, props) + std_bcd(self.phone, 6)
        head += struct.pack(">H", self.serial)
        self.serial = (self.serial + 1) & 0xFFFF
        if packet:
            head += struct.pack(">HH", *packet)
        check = std_xor(head + body) ^ (0x55 if corrupt_checksum else 0)
        return b"\x7e" + std_escape(head + body + bytes([check])) + b"\x7e"

    @property
    def last_serial(self) -> int:
        return (self.serial - 1) & 0xFFFF


@dataclass
class Reply:
    """A platform message as the standard lays it out."""

    msg_id: int
    phone: str
    serial: int
    body: bytes
    version: int | None
    fields: dict[str, Any] = field(default_factory=dict)


def parse_reply(frame: bytes) -> Reply:
    """One whole frame (with its 0x7e) from the platform; checks the checksum and length."""
    assert frame[0] == 0x7E and frame[-1] == 0x7E and 0x7E not in frame[1:-1]
    data = std_unescape(frame[1:-1])
    assert std_xor(data[:-1]) == data[-1], "bad checksum from the platform"
    msg_id, props = struct.unpack_from(">HH", data)
    if props & (1 << 14):
        version: int | None = data[4]
        phone, (serial,), at = data[5:15].hex(), struct.unpack_from(">H", data, 15), 17
    else:
        version = None
        phone, (serial,), at = data[4:10].hex(), struct.unpack_from(">H", data, 10), 12
    body = data[at:-1]
    assert len(body) == props & 0x3FF
    reply = Reply(msg_id, phone, serial, body, version)
    if msg_id == 0x8001:
        s, i, r = struct.unpack(">HHB", body)
        reply.fields = {"reply_serial": s, "reply_id": i, "result": r}
    elif msg_id == 0x8100:
        s, r = struct.unpack_from(">HB", body)
        reply.fields = {"reply_serial": s, "result": r, "code": body[3:].decode()}
    return reply


def split_frames(buffer: bytearray) -> list[bytes]:
    """Take the whole frames (``7e ... 7e``) off the front of ``buffer``."""
    frames: list[bytes] = []
    while True:
        start = buffer.find(b"\x7e")
        if start < 0:
            buffer.clear()
            return frames
        end = buffer.find(b"\x7e", start + 1)
        if end < 0:
            del buffer[:start]
            return frames
        if end == start + 1:  # 7e 7e: the end of one frame, then the start of the next
            del buffer[:end]
            continue
        frames.append(bytes(buffer[start : end + 1]))
        del buffer[: end + 1]


TIMEOUT = 10.0
"""How long a terminal waits for the platform."""


class HasDoor(Protocol):
    """Where the JT/T 808 door listens (on 127.0.0.1)."""

    jt808_port: int


class TcpTerminal:
    """A :class:`Terminal` on a real TCP connection to the door."""

    def __init__(self, term: Terminal, reader: asyncio.StreamReader, writer: Any) -> None:
        self.term = term
        self.reader = reader
        self.writer = writer
        self._buffer = bytearray()
        self._frames: list[bytes] = []

    @classmethod
    async def open(cls, env: HasDoor, phone: str, edition: int = 2013) -> TcpTerminal:
        reader, writer = await asyncio.open_connection("127.0.0.1", env.jt808_port)
        return cls(Terminal(phone, edition=edition), reader, writer)

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def reply(self) -> Reply:
        """The next platform message (its checksum and layout checked as the standard says)."""
        while not self._frames:
            data = await asyncio.wait_for(self.reader.read(4096), TIMEOUT)
            assert data, "the platform closed the connection"
            self._buffer += data
            self._frames += split_frames(self._buffer)
        return parse_reply(self._frames.pop(0))

    async def ask(self, msg_id: int, body: bytes = b"", **kwargs: Any) -> dict[str, Any]:
        """Send one message; the platform's answer to it (checked to answer that message)."""
        await self.send_raw(self.term.frame(msg_id, body, **kwargs))
        reply = await self.reply()
        assert reply.phone == self.term.phone.rjust(20 if self.term.edition == 2019 else 12, "0")
        assert reply.version == (1 if self.term.edition == 2019 else None)
        assert reply.fields["reply_serial"] == self.term.last_serial
        if reply.msg_id == 0x8001:
            assert reply.fields["reply_id"] == msg_id
        else:
            assert (msg_id, reply.msg_id) == (0x0100, 0x8100)
        return reply.fields

    async def register(self) -> dict[str, Any]:
        return await self.ask(0x0100, register_body(self.term.edition))

    async def sign_in(self) -> str:
        registered = await self.register()
        assert registered["result"] == 0 and registered["code"], registered
        authenticated = await self.authenticate(registered["code"])
        assert authenticated == 0
        return str(registered["code"])

    async def authenticate(self, code: str) -> int:
        return int((await self.ask(0x0102, auth_body(self.term.edition, code)))["result"])

    async def locate(self, lat: float, lon: float, ts: float, **kwargs: Any) -> int:
        return int((await self.ask(0x0200, location_body(lat, lon, ts, **kwargs)))["result"])

    async def closed(self) -> bool:
        """Whether the platform closes the connection (reading anything left first)."""
        while True:
            data = await asyncio.wait_for(self.reader.read(4096), TIMEOUT)
            if not data:
                return True

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()
