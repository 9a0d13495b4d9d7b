"""Ingest: 10,000 fixes/s from real device protocols into 10 consoles, next to the simulator.

Run 1 (devices) starts ``dispatch-backend serve --http-port 0 --cot-port 0 --jt808-port 0`` on
a fresh SQLite database whose inventory (``units.csv``, ``talkgroups.csv``, imported with the
CLI) names every device, connects 10 bare websocket clients (protocol 1: hello, welcome,
snapshot, batch frames) and then, from load generators in processes of their own:

* 2,000 JT/T 808 terminals, one TCP connection each (a quarter in the 2019 edition): register
  ``0x0100`` → ``0x8100``, authenticate ``0x0102``, then a location ``0x0200`` every second
  (frames built here: struct, BCD, escaping, checksum; BCD time in UTC+8, whole seconds);
* 4,000 Cursor-on-Target devices, three quarters streamed over a few TCP connections (which also
  read the CoT the backend sends back) and a quarter as one UDP datagram per event;
* 4,000 OsmAnd/Traccar trackers over HTTP/1.1 keep-alive (a small raw client: one request in
  flight per connection);

each device reporting once a second at its own phase, for ``--seconds`` (after a warm-up).
Latency is device send time → the ``unit.position`` at a client: CoT and OsmAnd carry the send
time (ms) as their fix time; a JT/T 808 fix is whole seconds, so the generator keeps
(terminal, fix second) → send time and the clients (unit, fix second) → arrival, joined here.
Accepted = positions the clients received (and what the doors answered: 0x8001 result 0,
HTTP 200). CPU: ``/proc/PID/stat`` utime+stime of the backend, of every load generator and of
the client processes, and the machine's busy share from ``/proc/stat`` (what is busy beyond the
processes of the bench is printed as "outside the bench": on a shared machine, other work; each
run first waits up to ``--wait-quiet`` seconds for the machine to go quiet). The kernel's UDP
receive-buffer drops (``/proc/net/snmp``) tell lost CoT datagrams apart.

Then 200 rdio-scanner call uploads/s (multipart as trunk-recorder sends it, with a real WAV
spoken once by espeak-ng; one in 20 repeats the call before it, as a retry or a second recorder
does) and 100 CAP 1.2 alerts/s for ``--alarm-seconds``, open loop: accepted rate and the
answer's p50/p99 (from the request's start, and from its schedule).

Run 2 (simulator) starts ``serve --demo --units 10000 --position-hz 1`` (alerts and radio off)
with the same 10 clients: its CPU and fix_ts → arrival latency (its fixes are stamped in 0.1 s
ticks, so they carry up to 100 ms of batching the devices do not).

Targets: every fix offered accepted, p99 < 500 ms, backend CPU per accepted fix within 1.5x of
the simulator's (a backend that falls behind uses less CPU than its load needs; the ratio of
cores is printed too). The last line printed is one JSON object with every figure.

    .venv/bin/python bench/ingest.py [--seconds 60] [--quick] [--skip-sim] [--skip-alarms]
        [--jt808 2000 --cot 4000 --osmand 4000 --cot-tcp 4] [--profile devices.prof]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import multiprocessing as mp
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import wave
from array import array
from collections import deque
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TCK = os.sysconf("SC_CLK_TCK")
UTC8 = timezone(timedelta(hours=8))
LAT0, LAT1, LON0, LON1 = 39.66, 39.99, 109.16, 110.39  # Dongsheng district, roughly
N_TALKGROUPS = 20
DUP_EVERY = 20  # every 20th rdio upload repeats the one before (retries, two recorders)
TARGET_P99_MS = 500.0
TARGET_CPU_RATIO = 1.5
SATURATED = 0.9  # of all cores busy
DRAIN_S = 5.0  # clients keep reading this long after the window
QUIET_CORES = 0.3  # a machine busier than this before a run is shared with something else

# ---------------------------------------------------------------- small shared helpers


def hist_add(hist: dict[int, int], ms: float) -> None:
    """Count one latency (1 ms bins; negative clock rounding counts as 0)."""
    b = int(ms) if ms > 0 else 0
    hist[b] = hist.get(b, 0) + 1


def hist_merge(into: dict[int, int], other: dict[int, int]) -> dict[int, int]:
    for b, n in other.items():
        into[b] = into.get(b, 0) + n
    return into


def hist_pct(hist: dict[int, int], q: float) -> float | None:
    """The q-th percentile (ms, the bin's lower edge), or None without samples."""
    total = sum(hist.values())
    if not total:
        return None
    want = max(1, math.ceil(total * q / 100))
    seen = 0
    for b in sorted(hist):
        seen += hist[b]
        if seen >= want:
            return float(b)
    return float(max(hist))


def hist_summary(hist: dict[int, int]) -> dict[str, Any]:
    n = sum(hist.values())
    mean = sum(b * c for b, c in hist.items()) / n + 0.5 if n else None
    return {
        "n": n,
        "p50_ms": hist_pct(hist, 50),
        "p99_ms": hist_pct(hist, 99),
        "max_ms": float(max(hist)) if hist else None,
        "mean_ms": round(mean, 1) if mean is not None else None,
    }


def iso_ms(ts: float) -> str:
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def proc_ticks(pid: int) -> tuple[int, int]:
    """utime+stime and cutime+cstime (waited-for children) of ``pid``, in clock ticks."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0, 0
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def udp_drops() -> int:
    """The kernel's UDP receive-buffer overflows (datagrams dropped), machine-wide."""
    lines = [line.split() for line in Path("/proc/net/snmp").read_text().splitlines()]
    udp = [parts for parts in lines if parts and parts[0] == "Udp:"]
    if len(udp) < 2 or "RcvbufErrors" not in udp[0]:
        return 0
    return int(udp[1][udp[0].index("RcvbufErrors")])


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all cores since boot."""
    parts = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + (parts[4] if len(parts) > 4 else 0)
    total = sum(parts[:8])
    return total - idle, total


class Control:
    """A worker's end of the pipe to the parent, read inside the worker's event loop."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        asyncio.get_running_loop().add_reader(conn.fileno(), self._readable)

    def _readable(self) -> None:
        try:
            while self.conn.poll():
                self.queue.put_nowait(self.conn.recv())
        except (EOFError, OSError):
            asyncio.get_running_loop().remove_reader(self.conn.fileno())
            self.queue.put_nowait({"cmd": "stop"})

    async def get(self, cmd: str) -> dict[str, Any]:
        while True:
            msg = await self.queue.get()
            if msg["cmd"] == cmd or msg["cmd"] == "stop":
                return msg

    def send(self, msg: dict[str, Any]) -> None:
        self.conn.send(msg)


class Walker:
    """A device moving about the district (a few m/s, turning now and then)."""

    __slots__ = ("heading", "lat", "lon", "rng", "speed")

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.lat = self.rng.uniform(LAT0, LAT1)
        self.lon = self.rng.uniform(LON0, LON1)
        self.heading = self.rng.uniform(0, 360)
        self.speed = self.rng.uniform(0, 16)  # m/s

    def step(self) -> None:
        self.heading = (self.heading + self.rng.uniform(-20, 20)) % 360
        self.speed = min(25.0, max(0.0, self.speed + self.rng.uniform(-1.5, 1.5)))
        rad = math.radians(self.heading)
        self.lat += self.speed * math.cos(rad) / 111_320
        self.lon += self.speed * math.sin(rad) / (111_320 * 0.767)
        if not LAT0 < self.lat < LAT1:
            self.lat = min(LAT1, max(LAT0, self.lat))
            self.heading = (180 - self.heading) % 360
        if not LON0 < self.lon < LON1:
            self.lon = min(LON1, max(LON0, self.lon))
            self.heading = (360 - self.heading) % 360


async def paced(n: int, t0: float, slots: int, send: Any) -> None:
    """Call ``send(i, k, due)`` for device i's k-th report, due at t0 + k + i/n, in time order."""
    total = n * slots
    j = 0
    while j < total:
        now = time.time()
        while j < total:
            k, i = divmod(j, n)
            due = t0 + k + i / n
            if due > now:
                break
            send(i, k, due)
            j += 1
        if j < total:
            await asyncio.sleep(min(0.004, max(0.0, due - time.time())))


def run_worker(target: Any, conn: Any, *args: Any) -> None:
    """A worker process: ``target(conn, *args)`` in its own event loop."""
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(target(conn, *args))


# ---------------------------------------------------------------- JT/T 808 terminals


def jt_escape(data: bytes) -> bytes:
    return data.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def jt_unescape(data: bytes) -> bytes:
    return data.replace(b"\x7d\x02", b"\x7e").replace(b"\x7d\x01", b"\x7d")


def xor_sum(data: bytes) -> int:
    value = 0
    for byte in data:
        value ^= byte
    return value


def bcd(digits: str, size: int) -> bytes:
    return bytes.fromhex(digits.rjust(2 * size, "0"))


def bcd_time(sec: int) -> bytes:
    """YYMMDDhhmmss in UTC+8 as 6 BCD bytes."""
    return bytes.fromhex(datetime.fromtimestamp(sec, UTC8).strftime("%y%m%d%H%M%S"))


def jt_frame(msg_id: int, phone: bytes, serial: int, body: bytes, v2019: bool) -> bytes:
    props = len(body) | ((1 << 14) if v2019 else 0)
    head = struct.pack(">HH", msg_id, props) + (b"\x01" if v2019 else b"")
    data = head + phone + struct.pack(">H", serial & 0xFFFF) + body
    return b"\x7e" + jt_escape(data + bytes([xor_sum(data)])) + b"\x7e"


JT_LOCATION = struct.Struct(">IIIIhHH6s")


def jt_phone(i: int) -> str:
    return f"0139{i:08d}"


class Terminal(asyncio.Protocol):
    """One JT/T 808 terminal on its own TCP connection."""

    def __init__(self, gen: Jt808Gen, i: int) -> None:
        self.gen = gen
        self.i = i
        self.v2019 = i % 4 == 3
        digits = jt_phone(i)
        self.phone = bcd(digits, 10) if self.v2019 else bcd(digits, 6)
        self.serial = 0
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.pending: dict[int, float] = {}
        self.walker = Walker(1_000_000 + i)
        self.mileage = random.Random(i).randrange(10_000, 900_000)
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self.gen.closing:
            self.gen.disconnects += 1
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("closed"))

    def next_serial(self) -> int:
        self.serial = (self.serial + 1) & 0xFFFF
        return self.serial

    def send(self, msg_id: int, body: bytes) -> int:
        serial = self.next_serial()
        assert self.transport is not None
        self.transport.write(jt_frame(msg_id, self.phone, serial, body, self.v2019))
        return serial

    def data_received(self, data: bytes) -> None:
        buf = self.buf
        buf += data
        while True:
            s = buf.find(b"\x7e")
            if s < 0:
                buf.clear()
                return
            e = buf.find(b"\x7e", s + 1)
            if e < 0:
                del buf[:s]
                return
            if e == s + 1:
                del buf[: s + 1]
                continue
            content = jt_unescape(bytes(buf[s + 1 : e]))
            del buf[: e + 1]
            self.frame(content)

    def frame(self, data: bytes) -> None:
        if len(data) < 13 or xor_sum(data[:-1]) != data[-1]:
            self.gen.bad_frames += 1
            return
        msg_id, props = struct.unpack_from(">HH", data)
        size = 17 if props & (1 << 14) else 12
        body = data[size:-1]
        if msg_id == 0x8100:
            _serial, result = struct.unpack_from(">HB", body)
            if self.waiter is not None and not self.waiter.done():
                self.waiter.set_result((result, body[3:]))
        elif msg_id == 0x8001:
            serial, answered, result = struct.unpack_from(">HHB", body)
            if answered == 0x0200:
                sent = self.pending.pop(serial, None)
                gen = self.gen
                gen.acks[result] = gen.acks.get(result, 0) + 1
                if sent is not None:
                    hist_add(gen.ack_hist, (time.time() - sent) * 1000)
            elif self.waiter is not None and not self.waiter.done():
                self.waiter.set_result((result, b""))

    async def ask(self, msg_id: int, body: bytes) -> tuple[int, bytes]:
        self.waiter = asyncio.get_running_loop().create_future()
        self.send(msg_id, body)
        try:
            return await asyncio.wait_for(self.waiter, 60)
        finally:
            self.waiter = None

    async def sign_on(self) -> bool:
        i = self.i
        plate = f"蒙K{i:05d}".encode("gbk")
        if self.v2019:
            body = struct.pack(">HH", 15, 602) + b"BENCH".ljust(11, b"\0")
            body += b"JT808-BENCH-2019".ljust(30, b"\0") + f"T{i:07d}".encode().ljust(30, b"\0")
        else:
            body = struct.pack(">HH", 15, 602) + b"BENCH" + b"JT808-BENCH".ljust(20, b"\0")
            body += f"T{i:06d}".encode()
        result, code = await self.ask(0x0100, body + b"\x01" + plate)
        if result != 0:
            self.gen.register_refused += 1
            return False
        if self.v2019:
            auth = bytes([len(code)]) + code + f"86{i:013d}".encode()
            auth += b"BENCH-1.0".ljust(20, b"\0")
        else:
            auth = code
        result, _ = await self.ask(0x0102, auth)
        if result != 0:
            self.gen.auth_refused += 1
            return False
        return True

    def location(self, fix_sec: int, time_bcd: bytes) -> int:
        w = self.walker
        w.step()
        self.mileage += int(w.speed / 100)
        status = 0b11  # ACC on, positioned (north, east)
        body = JT_LOCATION.pack(
            0,
            status,
            round(w.lat * 1e6),
            round(w.lon * 1e6),
            1050 + (self.i % 200),
            round(w.speed * 36),  # 1/10 km/h
            int(w.heading) % 360,
            time_bcd,
        )
        body += b"\x01\x04" + struct.pack(">I", self.mileage)  # mileage, 1/10 km
        body += b"\x30\x01" + bytes([20 + self.i % 11]) + b"\x31\x01" + bytes([8 + self.i % 9])
        return self.send(0x0200, body)


class Jt808Gen:
    def __init__(self) -> None:
        self.disconnects = 0
        self.closing = False
        self.bad_frames = 0
        self.register_refused = 0
        self.auth_refused = 0
        self.acks: dict[int, int] = {}
        self.ack_hist: dict[int, int] = {}


async def jt808_worker(conn: Any, host: str, port: int, n: int) -> None:
    ctl = Control(conn)
    gen = Jt808Gen()
    loop = asyncio.get_running_loop()
    terminals = [Terminal(gen, i) for i in range(n)]
    gate = asyncio.Semaphore(100)
    setup_t0 = time.perf_counter()

    async def open_one(t: Terminal) -> bool:
        async with gate:
            for _attempt in range(5):
                try:
                    await loop.create_connection(lambda: t, host, port)
                    return await t.sign_on()
                except (OSError, ConnectionError, TimeoutError):
                    await asyncio.sleep(0.5)
            return False

    signed = await asyncio.gather(*(open_one(t) for t in terminals))
    ctl.send(
        {
            "ready": True,
            "signed_on": sum(signed),
            "setup_s": round(time.perf_counter() - setup_t0, 2),
            "register_refused": gen.register_refused,
            "auth_refused": gen.auth_refused,
        }
    )
    go = await ctl.get("go")
    if go["cmd"] == "stop":
        return
    t0, slots, w0, w1 = go["t0"], go["slots"], go["w0"], go["w1"]
    send_times = array("d", [math.nan]) * (n * slots)
    lag: dict[int, int] = {}
    counts = {"sent": 0, "sent_in_window": 0, "skipped_closed": 0}
    times: dict[int, bytes] = {}

    def send(i: int, k: int, due: float) -> None:
        t = terminals[i]
        if t.lost or t.transport is None:
            counts["skipped_closed"] += 1
            return
        sec = int(t0) + k
        tb = times.get(sec)
        if tb is None:
            tb = times[sec] = bcd_time(sec)
        now = time.time()
        serial = t.location(sec, tb)
        t.pending[serial] = now
        send_times[i * slots + k] = now
        hist_add(lag, (now - due) * 1000)
        counts["sent"] += 1
        if w0 <= now <= w1:
            counts["sent_in_window"] += 1

    await asyncio.sleep(max(0.0, t0 - time.time()))
    await paced(n, t0, slots, send)
    await asyncio.sleep(3.0)  # the last answers
    gen.closing = True
    for t in terminals:
        if t.transport is not None:
            t.transport.close()
    ctl.send(
        {
            **counts,
            "send_times": send_times,
            "acks": gen.acks,
            "ack_hist": gen.ack_hist,
            "lag": hist_summary(lag),
            "disconnects": gen.disconnects,
            "bad_frames": gen.bad_frames,
            "unanswered": sum(len(t.pending) for t in terminals),
        }
    )


# ---------------------------------------------------------------- Cursor-on-Target


def cot_uid(i: int) -> str:
    return f"ANDROID-bench{i:05d}"


def cot_event(i: int, w: Walker, now: float) -> bytes:
    t = iso_ms(now)
    stale = iso_ms(now + 75)
    cs = f"BENCH-{i:05d}"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<event version="2.0" uid="{cot_uid(i)}" type="a-f-G-U-C" how="m-g" time="{t}" '
        f'start="{t}" stale="{stale}"><point lat="{w.lat:.7f}" lon="{w.lon:.7f}" '
        f'hae="{1050 + i % 200:.1f}" ce="{4 + i % 9:.1f}" le="9999999.0"/><detail>'
        '<takv os="34" version="4.10.0.8" device="SAMSUNG SM-G998B" platform="ATAK-CIV"/>'
        f'<contact endpoint="*:-1:stcp" callsign="{cs}"/><uid Droid="{cs}"/>'
        '<precisionlocation altsrc="GPS" geopointsrc="GPS"/>'
        '<__group role="Team Member" name="Cyan"/>'
        f'<status battery="{40 + i % 60}"/>'
        f'<track course="{w.heading:.1f}" speed="{w.speed:.2f}"/></detail></event>'
    ).encode()


class CotTcp(asyncio.Protocol):
    """A TAK client's stream: writes its devices' events, reads (and drops) the district."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.bytes_in = 0
        self.events_in = 0
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.bytes_in += len(data)
        self.events_in += data.count(b"</event>")

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True


class CotUdp(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.errors = 0

    def error_received(self, exc: Exception) -> None:
        self.errors += 1


async def cot_worker(conn: Any, host: str, port: int, n: int, n_tcp: int, n_conns: int) -> None:
    ctl = Control(conn)
    loop = asyncio.get_running_loop()
    streams = []
    for _ in range(n_conns if n_tcp else 0):
        _t, proto = await loop.create_connection(CotTcp, host, port)
        streams.append(proto)
    udp_t, udp = await loop.create_datagram_endpoint(CotUdp, remote_addr=(host, port))
    walkers = [Walker(2_000_000 + i) for i in range(n)]
    ctl.send({"ready": True, "tcp_connections": len(streams)})
    go = await ctl.get("go")
    if go["cmd"] == "stop":
        return
    t0, slots, w0, w1 = go["t0"], go["slots"], go["w0"], go["w1"]
    lag: dict[int, int] = {}
    counts = {"sent_tcp": 0, "sent_udp": 0, "in_window_tcp": 0, "in_window_udp": 0}
    counts["skipped_closed"] = 0
    bytes_out = 0

    def send(i: int, k: int, due: float) -> None:
        nonlocal bytes_out
        w = walkers[i]
        w.step()
        now = time.time()
        data = cot_event(i, w, now)
        bytes_out += len(data)
        if i < n_tcp:
            s = streams[i % len(streams)]
            if s.lost or s.transport is None:
                counts["skipped_closed"] += 1
                return
            s.transport.write(data)
            kind = "tcp"
        else:
            udp_t.sendto(data)
            kind = "udp"
        counts[f"sent_{kind}"] += 1
        if w0 <= now <= w1:
            counts[f"in_window_{kind}"] += 1
        hist_add(lag, (now - due) * 1000)

    await asyncio.sleep(max(0.0, t0 - time.time()))
    await paced(n, t0, slots, send)
    await asyncio.sleep(1.0)
    for s in streams:
        if s.transport is not None:
            s.transport.close()
    udp_t.close()
    ctl.send(
        {
            **counts,
            "lag": hist_summary(lag),
            "bytes_out": bytes_out,
            "cot_out_bytes_in": sum(s.bytes_in for s in streams),
            "cot_out_events_in": sum(s.events_in for s in streams),
            "tcp_lost": sum(1 for s in streams if s.lost),
            "udp_errors": udp.errors,
        }
    )


# ---------------------------------------------------------------- OsmAnd over HTTP keep-alive


class HttpConn(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request in flight."""

    def __init__(self, gen: OsmandGen) -> None:
        self.gen = gen
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.sent_at = 0.0
        self.busy = False
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        self.gen.lost += 1

    def request(self, data: bytes, now: float) -> None:
        self.busy = True
        self.sent_at = now
        assert self.transport is not None
        self.transport.write(data)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if len(self.buf) < end + 4 + length:
                return
            body = bytes(self.buf[end + 4 : end + 4 + length])
            del self.buf[: end + 4 + length]
            status = int(head.split(" ", 2)[1])
            self.busy = False
            self.gen.answered(self, status, body)


class OsmandGen:
    def __init__(self, host: str, port: int, n: int, w0: float, w1: float) -> None:
        self.host = f"{host}:{port}"
        self.walkers = [Walker(3_000_000 + i) for i in range(n)]
        self.queue: deque[tuple[int, float]] = deque()
        self.idle: list[HttpConn] = []
        self.w0, self.w1 = w0, w1
        self.lost = 0
        self.statuses: dict[int, int] = {}
        self.reasons: dict[str, int] = {}
        self.answer_hist: dict[int, int] = {}
        self.lag: dict[int, int] = {}
        self.sent = 0
        self.sent_in_window = 0
        self.max_queue = 0

    def due(self, i: int, k: int, due: float) -> None:
        self.queue.append((i, due))
        if len(self.queue) > self.max_queue:
            self.max_queue = len(self.queue)
        while self.idle and self.queue:
            self.dispatch(self.idle.pop())

    def dispatch(self, c: HttpConn) -> None:
        if c.lost:
            return
        i, due = self.queue.popleft()
        w = self.walkers[i]
        w.step()
        now = time.time()
        query = (
            f"id=86{i:010d}&timestamp={int(now * 1000)}&lat={w.lat:.6f}&lon={w.lon:.6f}"
            f"&speed={w.speed / 0.514444:.1f}&bearing={w.heading:.1f}&altitude={1050 + i % 200}"
            f"&accuracy={4 + i % 9}&batt={40 + i % 60}"
        )
        c.request(
            (
                f"POST /osmand?{query} HTTP/1.1\r\nHost: {self.host}\r\n"
                "User-Agent: Traccar Client/8.2\r\nContent-Length: 0\r\n"
                "Connection: keep-alive\r\n\r\n"
            ).encode(),
            now,
        )
        hist_add(self.lag, (now - due) * 1000)
        self.sent += 1
        if self.w0 <= now <= self.w1:
            self.sent_in_window += 1

    def answered(self, c: HttpConn, status: int, body: bytes) -> None:
        hist_add(self.answer_hist, (time.time() - c.sent_at) * 1000)
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status != 200:
            reason = body.decode("utf-8", "replace").strip()[:60]
            self.reasons[reason] = self.reasons.get(reason, 0) + 1
        if self.queue:
            self.dispatch(c)
        else:
            self.idle.append(c)


async def osmand_worker(conn: Any, host: str, port: int, n: int, n_conns: int) -> None:
    ctl = Control(conn)
    loop = asyncio.get_running_loop()
    gen = OsmandGen(host, port, n, 0.0, 0.0)
    for _ in range(n_conns):
        _t, c = await loop.create_connection(lambda: HttpConn(gen), host, port)
        gen.idle.append(c)
    ctl.send({"ready": True})
    go = await ctl.get("go")
    if go["cmd"] == "stop":
        return
    t0, slots = go["t0"], go["slots"]
    gen.w0, gen.w1 = go["w0"], go["w1"]
    await asyncio.sleep(max(0.0, t0 - time.time()))
    await paced(n, t0, slots, gen.due)
    for _ in range(100):  # the last answers (and what was still queued)
        if not gen.queue and len(gen.idle) >= n_conns - gen.lost:
            break
        await asyncio.sleep(0.05)
    ctl.send(
        {
            "sent": gen.sent,
            "sent_in_window": gen.sent_in_window,
            "not_sent": len(gen.queue),
            "max_client_queue": gen.max_queue,
            "statuses": gen.statuses,
            "reasons": gen.reasons,
            "answer": hist_summary(gen.answer_hist),
            "lag": hist_summary(gen.lag),
            "connections_lost": gen.lost,
        }
    )


# ---------------------------------------------------------------- rdio-scanner and CAP


async def _open_loop(
    rate: float, seconds: float, t0: float, in_flight: int, one: Any
) -> dict[str, Any]:
    """Start ``one(n)`` at ``rate``/s from t0 for ``seconds``, at most ``in_flight`` at once.

    ``one`` returns (status, text); latency from its start, and from its schedule (client wait
    included) are kept.
    """
    gate = asyncio.Semaphore(in_flight)
    answer: dict[int, int] = {}
    from_schedule: dict[int, int] = {}
    statuses: dict[int, int] = {}
    reasons: dict[str, int] = {}
    tasks: set[asyncio.Task[None]] = set()
    total = int(rate * seconds)
    started = 0
    ok_in_window = 0

    async def run(n: int, due: float) -> None:
        nonlocal started, ok_in_window
        async with gate:
            t = time.time()
            started += 1
            try:
                status, text = await one(n)
            except Exception as exc:  # a failed request is a figure too
                status, text = 0, type(exc).__name__
            done = time.time()
        hist_add(answer, (done - t) * 1000)
        hist_add(from_schedule, (done - due) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
        if status in (200, 201) and done <= t0 + seconds:
            ok_in_window += 1
        if status not in (200, 201):
            key = text.strip()[:80]
            reasons[key] = reasons.get(key, 0) + 1

    await asyncio.sleep(max(0.0, t0 - time.time()))
    for n in range(total):
        due = t0 + n / rate
        await asyncio.sleep(max(0.0, due - time.time()))
        task = asyncio.create_task(run(n, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    offered_end = time.time()
    if tasks:
        await asyncio.wait(tasks, timeout=max(30.0, 2 * seconds))
    unfinished = len(tasks)
    for task in list(tasks):  # still waiting for the backend: not answered in time
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "offered": total,
        "offered_s": round(offered_end - t0, 2),
        "started": started,
        "accepted_in_window": ok_in_window,
        "unfinished": unfinished,
        "statuses": statuses,
        "reasons": reasons,
        "answer": hist_summary(answer),
        "answer_from_schedule": hist_summary(from_schedule),
        "last_answer_after_s": round(time.time() - t0, 2),
    }


def read_wav(path: str) -> tuple[bytes, float]:
    with wave.open(path) as w:
        duration = w.getnframes() / w.getframerate()
    return Path(path).read_bytes(), duration


async def rdio_worker(
    conn: Any, http: str, key: str, wav_path: str, radios: list[str], rate: float, in_flight: int
) -> None:
    import aiohttp

    ctl = Control(conn)
    wav, duration = read_wav(wav_path)
    connector = aiohttp.TCPConnector(limit=in_flight, force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        ctl.send({"ready": True})
        go = await ctl.get("go")
        if go["cmd"] == "stop":
            return
        t0, seconds = go["t0"], go["seconds"]

        calls: dict[int, tuple[int, str, str]] = {}

        async def one(n: int) -> tuple[int, str]:
            if n % DUP_EVERY == DUP_EVERY - 1 and n - 1 in calls:
                start, tg, radio = calls[n - 1]  # the same call again (a second recorder)
            else:
                start = int(time.time() - duration - 1)
                tg = str(1101 + n % N_TALKGROUPS)
                radio = radios[n % len(radios)]
            calls[n] = (start, tg, radio)
            freq = 851_162_500 + 12_500 * (n % 40)
            name = f"{tg}-{start}_{freq}.0-call_{n}.wav"
            form = aiohttp.FormData()
            form.add_field("audio", wav, filename=name, content_type="audio/wav")
            form.add_field("audioName", name)
            form.add_field("audioType", "audio/wav")
            form.add_field("dateTime", str(start))
            spans = [{"freq": freq, "time": start, "pos": 0.0, "len": duration}]
            spans[0] |= {"errorCount": 0, "spikeCount": 0}
            form.add_field("frequencies", json.dumps(spans))
            form.add_field("frequency", str(freq))
            form.add_field("key", key)
            form.add_field("patches", "[]")
            form.add_field("source", radio)
            form.add_field("sources", json.dumps([{"pos": 0.0, "src": int(radio)}]))
            form.add_field("system", "1")
            form.add_field("systemLabel", "ordos")
            form.add_field("talkgroup", tg)
            form.add_field("talkgroupGroup", "Police")
            form.add_field("talkgroupLabel", f"东胜区{tg}")
            form.add_field("talkgroupTag", "Dispatch")
            async with session.post(f"{http}/api/call-upload", data=form) as resp:
                return resp.status, await resp.text()

        result = await _open_loop(rate, seconds, t0, in_flight, one)
    result["audio_bytes"] = len(wav)
    result["audio_s"] = round(duration, 2)
    ctl.send(result)


def cap_alert(n: int, pid: int, sent: str, rng: random.Random, ref: str | None) -> bytes:
    lat, lon = rng.uniform(LAT0, LAT1), rng.uniform(LON0, LON1)
    kind = "Update" if ref else "Alert"
    refs = f"<references>{ref}</references>" if ref else ""
    severity = ("Extreme", "Severe", "Moderate", "Minor")[n % 4]
    urgency = ("Immediate", "Expected", "Future")[n % 3]
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">'
        f"<identifier>BENCH-{pid}-{n:06d}</identifier><sender>cap@bench.ordos.example</sender>"
        f"<sent>{sent}</sent><status>Actual</status><msgType>{kind}</msgType>"
        f"<scope>Public</scope>{refs}<info><language>zh-CN</language><category>Safety</category>"
        f"<event>危化品泄漏 {n}</event><urgency>{urgency}</urgency>"
        f"<severity>{severity}</severity><certainty>Observed</certainty>"
        "<senderName>鄂尔多斯市应急管理局</senderName><headline>泄漏</headline>"
        "<description>储罐泄漏，周边三百米疏散。</description>"
        "<instruction>远离现场，听从指挥。</instruction>"
        f"<area><areaDesc>东胜区第{n % 50}网格</areaDesc>"
        f"<circle>{lat:.4f},{lon:.4f} 0.3</circle></area></info></alert>"
    ).encode()


async def cap_worker(conn: Any, http: str, key: str, rate: float, in_flight: int) -> None:
    import aiohttp

    ctl = Control(conn)
    rng = random.Random(11)
    pid = os.getpid()
    taken: list[str] = []
    connector = aiohttp.TCPConnector(limit=in_flight)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/cap+xml"}
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        ctl.send({"ready": True})
        go = await ctl.get("go")
        if go["cmd"] == "stop":
            return
        t0, seconds = go["t0"], go["seconds"]

        async def one(n: int) -> tuple[int, str]:
            sent = datetime.now(UTC8).strftime("%Y-%m-%dT%H:%M:%S+08:00")
            ref = taken[rng.randrange(len(taken))] if n % 10 == 9 and taken else None
            doc = cap_alert(n, pid, sent, rng, ref)
            async with session.post(f"{http}/api/cap", data=doc) as resp:
                text = await resp.text()
                if resp.status == 201 and ref is None:
                    taken.append(f"cap@bench.ordos.example,BENCH-{pid}-{n:06d},{sent}")
                return resp.status, text

        result = await _open_loop(rate, seconds, t0, in_flight, one)
    ctl.send(result)


# ---------------------------------------------------------------- websocket clients


class Watcher:
    """One bare protocol 1 client: positions timed, seq checked, everything else counted."""

    def __init__(self, url: str, token: str, mode: str) -> None:
        self.url = url
        self.token = token
        self.mode = mode
        self.ready = asyncio.Event()
        self.last_seq: int | None = None
        self.gaps = 0
        self.drops: list[str] = []
        self.counts: dict[str, int] = {}
        self.frames = 0
        self.bytes = 0
        self.hists: dict[str, dict[int, int]] = {}
        self.in_window: dict[str, int] = {}
        self.window: dict[str, Any] | None = None
        self.jt_arrivals: array[float] | None = None
        self.snapshot_units = 0

    def set_window(self, window: dict[str, Any]) -> None:
        self.window = window
        if self.mode == "devices" and window["n_jt"]:
            self.jt_arrivals = array("d", [math.nan]) * (window["n_jt"] * window["slots"])

    async def run(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed

        while True:
            try:
                async with connect(
                    self.url, max_size=None, compression=None, ping_interval=None, open_timeout=60
                ) as ws:
                    hello = {"type": "hello", "protocol": 1, "token": self.token}
                    hello |= {"client": "bench-ingest/1", "resume_from": self.last_seq}
                    await ws.send(json.dumps(hello))
                    welcome = json.loads(await ws.recv())
                    if welcome.get("type") != "welcome":
                        raise SystemExit(f"no welcome: {welcome}")
                    async for raw in ws:
                        now = time.time()
                        self.frames += 1
                        self.bytes += len(raw)
                        self.take(json.loads(raw), now)
            except ConnectionClosed as exc:
                self.drops.append(f"{exc.rcvd.code if exc.rcvd else '?'} {exc.rcvd}")
                await asyncio.sleep(0.2)

    def take(self, msg: dict[str, Any], now: float) -> None:
        kind = msg["type"]
        if kind == "snapshot":
            self.last_seq = msg["seq"]
            self.snapshot_units = len(msg.get("state", {}).get("units") or [])
            self.ready.set()
            return
        if kind != "batch" and "seq" not in msg:
            return
        events = msg["events"] if kind == "batch" else [msg]
        counts = self.counts
        window = self.window
        for e in events:
            seq = e.get("seq")
            if seq is not None:
                if self.last_seq is not None and seq != self.last_seq + 1:
                    self.gaps += 1
                self.last_seq = seq
            t = e["type"]
            counts[t] = counts.get(t, 0) + 1
            if t != "unit.position" or window is None:
                continue
            ts = datetime.fromisoformat(e["fix_ts"]).timestamp()
            if self.mode == "sim":
                door = "sim"
            else:
                uid = e["unit_id"]
                prefix = uid[0]
                if prefix == "J":
                    k = round(ts) - window["t0"]
                    arr = self.jt_arrivals
                    if arr is not None and 0 <= k < window["slots"]:
                        idx = int(uid[1:]) * window["slots"] + k
                        if 0 <= idx < len(arr) and arr[idx] != arr[idx]:  # first arrival
                            arr[idx] = now
                    continue
                if prefix == "C":
                    door = "cot_tcp" if int(uid[1:]) < window["n_cot_tcp"] else "cot_udp"
                elif prefix == "O":
                    door = "osmand"
                else:
                    door = "other"
            if window["w0"] <= ts <= window["w1"]:
                hist = self.hists.get(door)
                if hist is None:
                    hist = self.hists[door] = {}
                hist_add(hist, (now - ts) * 1000)
                self.in_window[door] = self.in_window.get(door, 0) + 1

    def result(self) -> dict[str, Any]:
        return {
            "gaps": self.gaps,
            "drops": self.drops,
            "counts": self.counts,
            "frames": self.frames,
            "mib": round(self.bytes / (1 << 20), 1),
            "hists": self.hists,
            "in_window": self.in_window,
            "jt_arrivals": self.jt_arrivals,
            "snapshot_units": self.snapshot_units,
        }


async def clients_worker(conn: Any, url: str, token: str, n: int, mode: str) -> None:
    ctl = Control(conn)
    watchers = [Watcher(url, token, mode) for _ in range(n)]
    tasks = [asyncio.create_task(w.run()) for w in watchers]
    await asyncio.wait_for(asyncio.gather(*(w.ready.wait() for w in watchers)), 300)
    ctl.send({"ready": True, "snapshot_units": watchers[0].snapshot_units})
    msg = await ctl.get("window")
    if msg["cmd"] == "window":
        for w in watchers:
            w.set_window(msg)
        await ctl.get("stop")
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    ctl.send({"clients": [w.result() for w in watchers]})


# ---------------------------------------------------------------- the parent


class Worker:
    """A load generator or client process and its pipe."""

    def __init__(self, name: str, target: Any, *args: Any) -> None:
        ctx = mp.get_context("spawn")
        self.name = name
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=run_worker, args=(target, child, *args), daemon=True)
        self.proc.start()
        child.close()
        self.ready: dict[str, Any] = {}
        self.result: dict[str, Any] = {}

    @property
    def pid(self) -> int:
        assert self.proc.pid is not None
        return self.proc.pid

    def recv(self, timeout: float) -> dict[str, Any]:
        if not self.conn.poll(timeout):
            raise SystemExit(f"{self.name}: nothing within {timeout:.0f} s")
        try:
            return self.conn.recv()  # type: ignore[no-any-return]
        except EOFError:
            raise SystemExit(f"{self.name}: the worker died (exit {self.proc.exitcode})") from None

    def wait_ready(self, timeout: float = 300) -> dict[str, Any]:
        self.ready = self.recv(timeout)
        return self.ready

    def send(self, msg: dict[str, Any]) -> None:
        self.conn.send(msg)

    def finish(self, timeout: float = 180) -> dict[str, Any]:
        self.result = self.recv(timeout)
        self.proc.join(10)
        if self.proc.is_alive():
            self.proc.kill()
        return self.result

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)


def cli(*args: str) -> str:
    """Run ``python -m backend_stub ARGS``; its stdout."""
    out = subprocess.run(
        [sys.executable, "-m", "backend_stub", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise SystemExit(f"backend_stub {' '.join(args[:2])} failed:\n{out.stderr[-2000:]}")
    return out.stdout


class Backend:
    """``serve`` in a subprocess: its listeners (from stdout), its log in a file."""

    def __init__(self, args: list[str], log_path: Path, profile: str | None = None) -> None:
        self.log_path = log_path
        self.log = log_path.open("w")
        prefix = ["-m", "cProfile", "-o", profile] if profile else []
        self.proc = subprocess.Popen(
            [sys.executable, *prefix, "-m", "backend_stub", "serve", *args],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        assert self.proc.stdout is not None
        self.listeners: dict[str, tuple[str, int]] = {}
        self.url = ""
        t0 = time.perf_counter()
        while True:
            line = self.proc.stdout.readline()
            if not line:
                tail = log_path.read_text()[-3000:]
                raise SystemExit(f"the backend did not start:\n{tail}")
            if line.startswith("listening on"):
                self.url = line.split()[2]
                break
            name, _, where = line.strip().partition(" on ")
            host, _, port = where.rpartition(":")
            self.listeners[name] = (host, int(port))
        self.start_s = round(time.perf_counter() - t0, 1)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
        return math.nan

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def log_summary(self) -> dict[str, Any]:
        warnings = errors = 0
        first: list[str] = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            level = line.split(" ", 3)[2] if line.count(" ") >= 3 else ""
            if level in ("WARNING", "ERROR", "CRITICAL"):
                warnings += level == "WARNING"
                errors += level != "WARNING"
                if len(first) < 5 and line[24:] not in (f[24:] for f in first):
                    first.append(line[:240])
        return {"warnings": warnings, "errors": errors, "first": first}


class CpuWindow:
    """CPU of some processes (and of the machine) between :meth:`begin` and :meth:`end`."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.start: dict[str, tuple[int, int]] = {}
        self.machine0 = (0, 0)
        self.t0 = 0.0
        self.samples: list[float] = []  # the backend's per-second CPU
        self._last: tuple[float, int] | None = None

    def begin(self) -> None:
        self.t0 = time.monotonic()
        self.start = {k: proc_ticks(p) for k, p in self.pids.items()}
        self.machine0 = machine_ticks()
        self._last = (self.t0, self.start["backend"][0])

    def tick(self) -> None:
        now = time.monotonic()
        ticks = proc_ticks(self.pids["backend"])[0]
        if self._last is not None and now - self._last[0] > 0.5:
            self.samples.append((ticks - self._last[1]) / TCK / (now - self._last[0]))
        self._last = (now, ticks)

    def end(self) -> dict[str, Any]:
        dt = time.monotonic() - self.t0
        out: dict[str, Any] = {}
        for k, p in self.pids.items():
            a, b = proc_ticks(p), self.start[k]
            out[k] = round((a[0] - b[0]) / TCK / dt, 3)
            if k == "backend" and a[1] != b[1]:
                out["backend_children"] = round((a[1] - b[1]) / TCK / dt, 3)
        busy0, total0 = self.machine0
        busy1, total1 = machine_ticks()
        cores = os.cpu_count() or 1
        share = (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0
        out["machine_busy_share"] = round(share, 3)
        out["machine_busy_cores"] = round(share * cores, 2)
        tracked = sum(v for k, v in out.items() if k in self.pids or k == "backend_children")
        # Whatever else ran meanwhile (other sessions on a shared machine, the kernel's own work).
        out["untracked_cores"] = round(share * cores - tracked, 2)
        out["saturated"] = share >= SATURATED
        if self.samples:
            out["backend_per_s_max"] = round(max(self.samples), 3)
            out["backend_per_s_min"] = round(min(self.samples), 3)
        out["seconds"] = round(dt, 1)
        return out


def background_cores(seconds: float = 3.0) -> float:
    """Cores busy on the machine before a run starts (other sessions, leftovers)."""
    busy0, total0 = machine_ticks()
    time.sleep(seconds)
    busy1, total1 = machine_ticks()
    share = (busy1 - busy0) / (total1 - total0) if total1 > total0 else 0.0
    return round(share * (os.cpu_count() or 1), 2)


def wait_quiet(limit_s: float, below: float = QUIET_CORES) -> float:
    """Wait (at most ``limit_s``) for the machine to be nearly idle; the cores busy last seen."""
    end = time.monotonic() + limit_s
    while True:
        busy = background_cores()
        if busy < below or time.monotonic() >= end:
            return busy


def sleep_until(t: float, cpu: CpuWindow | None = None) -> None:
    while (left := t - time.time()) > 0:
        time.sleep(min(left, 1.0))
        if cpu is not None:
            cpu.tick()


def start_clients(url: str, token: str, n: int, mode: str) -> list[Worker]:
    procs = min(n, 2)
    shares = [n // procs + (1 if i < n % procs else 0) for i in range(procs)]
    workers = [
        Worker(f"clients-{i}", clients_worker, url, token, share, mode)
        for i, share in enumerate(shares)
    ]
    for w in workers:
        w.wait_ready()
    return workers


def stop_clients(workers: list[Worker]) -> list[dict[str, Any]]:
    for w in workers:
        w.send({"cmd": "stop"})
    out: list[dict[str, Any]] = []
    for w in workers:
        out.extend(w.finish()["clients"])
    return out


def client_figures(clients: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """Latency per door over every client, and what each client received in the window."""
    doors: dict[str, dict[int, int]] = {}
    per_client: dict[str, list[int]] = {}
    for c in clients:
        for door, hist in c["hists"].items():
            hist_merge(doors.setdefault(door, {}), hist)
        for door, n in c["in_window"].items():
            per_client.setdefault(door, []).append(n)
    out: dict[str, Any] = {}
    for door, hist in sorted(doors.items()):
        s = hist_summary(hist)
        counts = per_client.get(door, [])
        s["received_per_client_per_s_mean"] = round(sum(counts) / len(clients) / seconds, 1)
        s["received_per_client_per_s_min"] = round(
            (min(counts) if len(counts) == len(clients) else 0) / seconds, 1
        )
        out[door] = s
    return out


def clients_health(clients: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "clients": len(clients),
        "gaps": sum(c["gaps"] for c in clients),
        "drops": [d for c in clients for d in c["drops"]],
        "mib_per_client": max(c["mib"] for c in clients) if clients else 0,
        "frames_per_client": max(c["frames"] for c in clients) if clients else 0,
        "events_by_type_client0": clients[0]["counts"] if clients else {},
    }


def jt_figures(
    send_times: Any, clients: list[dict[str, Any]], w0: float, w1: float, seconds: float
) -> dict[str, Any]:
    hist: dict[int, int] = {}
    received: list[int] = []
    in_window = [i for i, s in enumerate(send_times) if w0 <= s <= w1]
    for c in clients:
        arr = c["jt_arrivals"]
        got = 0
        if arr is not None:
            for i in in_window:
                a = arr[i]
                if a == a:
                    got += 1
                    hist_add(hist, (a - send_times[i]) * 1000)
        received.append(got)
    s = hist_summary(hist)
    s["received_per_client_per_s_mean"] = round(sum(received) / max(1, len(clients)) / seconds, 1)
    s["received_per_client_per_s_min"] = round(min(received, default=0) / seconds, 1)
    s["sent_in_window"] = len(in_window)
    return s


def write_inventory(folder: Path, n_jt: int, n_cot: int, n_osm: int) -> tuple[Path, Path]:
    units = folder / "units.csv"
    lines = ["id,callsign,kind,radio_id,talkgroup,station,status,device_ids"]
    k = 0
    for prefix, n, kind, device in (
        ("J", n_jt, "patrol_car", lambda i: f"jt808:{jt_phone(i)}"),
        ("C", n_cot, "foot", lambda i: f"cot:{cot_uid(i)}"),
        ("O", n_osm, "motorcycle", lambda i: f"osmand:86{i:010d}"),
    ):
        for i in range(n):
            k += 1
            tg = 1101 + k % N_TALKGROUPS
            lines.append(
                f"{prefix}{i:05d},东胜{prefix}{i:05d},{kind},{46_000_000 + k},{tg},"
                f"东胜派出所,available,{device(i)}"
            )
    units.write_text("\n".join(lines) + "\n", encoding="utf-8")
    talkgroups = folder / "talkgroups.csv"
    rows = ["id,name,system,kind"]
    rows += [f"{1101 + i},东胜区调度{i + 1},1,group" for i in range(N_TALKGROUPS)]
    talkgroups.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return units, talkgroups


def make_wav(path: Path) -> Path:
    if shutil.which("espeak-ng") is None:
        raise SystemExit("espeak-ng is needed for the rdio uploads (apt-get install espeak-ng)")
    subprocess.run(
        ["espeak-ng", "-w", str(path), "Unit one one zero one, on scene"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return path


def run_devices(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    fig: dict[str, Any] = {"background_cores_before": wait_quiet(args.wait_quiet)}
    db_url = f"sqlite:///{tmp}/devices.sqlite3"
    token = cli("operator", "add", "bench", "--role", "commander", "--db", db_url).split()[-1]
    keys = {}
    for kind in ("jt808", "cot", "osmand", "rdio", "cap"):
        keys[kind] = cli("source", "add", f"bench-{kind}", "--kind", kind, "--db", db_url).split()[
            -1
        ]
    units, talkgroups = write_inventory(tmp, args.jt808, args.cot, args.osmand)
    t = time.perf_counter()
    summary = cli("import", "--db", db_url, str(units), str(talkgroups)).strip().splitlines()
    fig["import_s"] = round(time.perf_counter() - t, 1)
    fig["import_summary"] = summary[-1] if summary else ""
    backend = Backend(
        [
            *("--port", "0", "--db", db_url, "--http-port", "0", "--cot-port", "0"),
            *("--jt808-port", "0", "--audio-dir", str(tmp / "audio")),
        ],
        tmp / "devices-backend.log",
        args.profile,
    )
    workers: list[Worker] = []
    try:
        fig["backend_start_s"] = backend.start_s
        fig["listeners"] = {k: f"{h}:{p}" for k, (h, p) in backend.listeners.items()}
        clients = start_clients(backend.url, token, args.clients, "devices")
        workers += clients
        fig["snapshot_units"] = clients[0].ready.get("snapshot_units")
        gens: dict[str, Worker] = {}
        n_cot_tcp = round(args.cot * args.cot_tcp_share) if args.cot_tcp else 0
        if args.jt808:
            host, port = backend.listeners["jt808"]
            gens["jt808"] = Worker("jt808", jt808_worker, host, port, args.jt808)
        if args.cot:
            host, port = backend.listeners["cot"]
            gens["cot"] = Worker(
                "cot", cot_worker, host, port, args.cot, n_cot_tcp, max(1, args.cot_tcp)
            )
        if args.osmand:
            host, port = backend.listeners["http"]
            gens["osmand"] = Worker(
                "osmand", osmand_worker, host, port, args.osmand, args.osmand_conns
            )
        workers += gens.values()
        for g in gens.values():
            g.wait_ready(600)
        if "jt808" in gens:
            fig["jt808_setup"] = {k: v for k, v in gens["jt808"].ready.items() if k != "ready"}
        t0 = int(time.time()) + 3
        slots = int(args.warmup + args.seconds + 1)
        w0 = t0 + args.warmup
        w1 = w0 + args.seconds
        go = {"cmd": "go", "t0": t0, "slots": slots, "w0": w0, "w1": w1}
        for g in gens.values():
            g.send(go)
        window = {"cmd": "window", "t0": t0, "slots": slots, "w0": w0, "w1": w1}
        window |= {"n_jt": args.jt808, "n_cot_tcp": n_cot_tcp}
        for c in clients:
            c.send(window)
        pids = {"backend": backend.pid} | {f"gen_{k}": g.pid for k, g in gens.items()}
        pids |= {c.name: c.pid for c in clients}
        cpu = CpuWindow(pids)
        sleep_until(w0)
        cpu.begin()
        drops0 = udp_drops()
        sleep_until(w1, cpu)
        fig["cpu"] = cpu.end()
        fig["udp_rcvbuf_drops_per_s"] = round((udp_drops() - drops0) / args.seconds, 1)
        fig["backend_rss_mib"] = backend.rss_mib()
        results = {k: g.finish(120) for k, g in gens.items()}
        sleep_until(w1 + DRAIN_S)

        alarms: dict[str, Any] = {}
        if not args.skip_alarms:
            alarms = run_alarms(args, tmp, backend, keys, clients)
        client_results = stop_clients(clients)
        time.sleep(2.5)  # the feeds' counts reach the sources table every 2 s
        fig["sources"] = [
            line
            for line in cli("source", "list", "--db", db_url).splitlines()
            if line.startswith("bench-")
        ]
        fig["backend_log"] = backend.log_summary()
        audio = tmp / "audio"
        fig["audio_files"] = len(list(audio.iterdir())) if audio.exists() else 0
    finally:
        for w in workers:
            w.kill()
        backend.stop()

    seconds = args.seconds
    doors = client_figures(client_results, seconds)
    if "jt808" in results:
        jt = results["jt808"]
        doors["jt808"] = jt_figures(jt.pop("send_times"), client_results, w0, w1, seconds)
        doors["jt808"]["sent_per_s"] = round(jt["sent_in_window"] / seconds, 1)
        jt["ack"] = hist_summary(jt.pop("ack_hist"))
    for c in client_results:
        c.pop("jt_arrivals", None)
    offered = {"jt808": args.jt808, "cot_tcp": n_cot_tcp, "cot_udp": args.cot - n_cot_tcp}
    offered["osmand"] = args.osmand
    for door, n in offered.items():
        if n and door not in doors:
            doors[door] = {"n": 0, "received_per_client_per_s_mean": 0.0, "p99_ms": None}
            doors[door]["received_per_client_per_s_min"] = 0.0
        if n:
            doors[door]["offered_per_s"] = n
    if "cot" in results:
        cot = results["cot"]
        for kind in ("tcp", "udp"):
            if f"cot_{kind}" in doors:
                doors[f"cot_{kind}"]["sent_per_s"] = round(cot[f"in_window_{kind}"] / seconds, 1)
    if "osmand" in results:
        doors["osmand"]["sent_per_s"] = round(results["osmand"]["sent_in_window"] / seconds, 1)
    fig["doors"] = doors
    fig["generators"] = results
    fig["clients"] = clients_health(client_results)
    fig["overall"] = overall(doors)
    fig["alarms"] = alarms
    return fig


def overall(doors: dict[str, Any]) -> dict[str, Any]:
    received = sum(d.get("received_per_client_per_s_mean", 0.0) for d in doors.values())
    worst_min = sum(d.get("received_per_client_per_s_min", 0.0) for d in doors.values())
    offered = sum(d.get("offered_per_s", 0) for d in doors.values())
    p99s = [d["p99_ms"] for d in doors.values() if d.get("p99_ms") is not None]
    return {
        "offered_per_s": offered,
        "accepted_per_s": round(received, 1),
        "accepted_per_s_worst_client": round(worst_min, 1),
        "accepted_share": round(received / offered, 4) if offered else None,
        "worst_door_p99_ms": max(p99s) if p99s else None,
    }


def run_alarms(
    args: argparse.Namespace,
    tmp: Path,
    backend: Backend,
    keys: dict[str, str],
    clients: list[Worker],
) -> dict[str, Any]:
    http = "http://{}:{}".format(*backend.listeners["http"])
    wav = make_wav(tmp / "call.wav")
    radios = [str(46_000_000 + k) for k in range(1, args.jt808 + args.cot + args.osmand + 1)]
    gens: dict[str, Worker] = {}
    if args.rdio_rate > 0:
        gens["rdio"] = Worker(
            "rdio", rdio_worker, http, keys["rdio"], str(wav), radios, args.rdio_rate, 256
        )
    if args.cap_rate > 0:
        gens["cap"] = Worker("cap", cap_worker, http, keys["cap"], args.cap_rate, 256)
    for g in gens.values():
        g.wait_ready()
    a0 = time.time() + 2
    for g in gens.values():
        g.send({"cmd": "go", "t0": a0, "seconds": args.alarm_seconds})
    pids = {"backend": backend.pid} | {f"gen_{k}": g.pid for k, g in gens.items()}
    pids |= {c.name: c.pid for c in clients}
    cpu = CpuWindow(pids)
    sleep_until(a0)
    cpu.begin()
    sleep_until(a0 + args.alarm_seconds, cpu)
    out: dict[str, Any] = {"cpu": cpu.end(), "seconds": args.alarm_seconds}
    for name, g in gens.items():
        r = g.finish(300)
        ok = r["statuses"].get(200 if name == "rdio" else 201, 0)
        r["offered_per_s"] = args.rdio_rate if name == "rdio" else args.cap_rate
        r["accepted"] = ok
        r["accepted_per_s"] = round(r["accepted_in_window"] / args.alarm_seconds, 1)
        r["accepted_per_s_until_last_answer"] = round(ok / max(1e-9, r["last_answer_after_s"]), 1)
        if name == "rdio":
            r["repeats_offered"] = r["offered"] // DUP_EVERY
        out[name] = r
    time.sleep(2)
    return out


def run_sim(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    fig: dict[str, Any] = {"background_cores_before": wait_quiet(args.wait_quiet)}
    db_url = f"sqlite:///{tmp}/sim.sqlite3"
    token = cli("operator", "add", "bench", "--role", "commander", "--db", db_url).split()[-1]
    units = args.jt808 + args.cot + args.osmand
    backend = Backend(
        [
            *("--demo", "--port", "0", "--db", db_url, "--units", str(units)),
            *("--position-hz", "1", "--alert-rate", "0", "--radio-rate", "0"),
            *("--audio-dir", str(tmp / "sim-audio")),
        ],
        tmp / "sim-backend.log",
    )
    clients: list[Worker] = []
    try:
        fig["backend_start_s"] = backend.start_s
        clients = start_clients(backend.url, token, args.clients, "sim")
        fig["snapshot_units"] = clients[0].ready.get("snapshot_units")
        w0 = time.time() + args.warmup
        w1 = w0 + args.seconds
        window = {"cmd": "window", "t0": 0, "slots": 0, "w0": w0, "w1": w1, "n_jt": 0}
        window["n_cot_tcp"] = 0
        for c in clients:
            c.send(window)
        cpu = CpuWindow({"backend": backend.pid} | {c.name: c.pid for c in clients})
        sleep_until(w0)
        cpu.begin()
        sleep_until(w1, cpu)
        fig["cpu"] = cpu.end()
        fig["backend_rss_mib"] = backend.rss_mib()
        sleep_until(w1 + DRAIN_S)
        results = stop_clients(clients)
        fig["backend_log"] = backend.log_summary()
    finally:
        for c in clients:
            c.kill()
        backend.stop()
    fig["doors"] = client_figures(results, args.seconds)
    fig["clients"] = clients_health(results)
    for c in results:
        c.pop("jt_arrivals", None)
    return fig


# ---------------------------------------------------------------- report


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f} ms"


def report(fig: dict[str, Any]) -> None:
    def ok(flag: bool | None) -> str:
        return "ok" if flag else "MISSED"

    dev = fig.get("devices")
    sim = fig.get("sim")
    cores = fig["cores"]
    print(f"machine      {cores} cores; load generators and clients in processes of their own")
    if dev:
        print(
            f"devices run  {fig['jt808']} JT/T 808 + {fig['cot']} CoT "
            f"({dev['cot_tcp_devices']} over {fig['cot_tcp']} TCP, the rest UDP) + "
            f"{fig['osmand']} OsmAnd over "
            f"{fig['osmand_conns']} keep-alive connections, 1 fix/s each; {fig['clients']} "
            f"clients; {fig['seconds']} s after {fig['warmup']} s warm-up"
        )
        print(f"             {dev['import_summary']} (import {dev['import_s']} s)")
        if "jt808_setup" in dev:
            s = dev["jt808_setup"]
            print(
                f"             JT/T 808: {s['signed_on']}/{fig['jt808']} registered and "
                f"authenticated in {s['setup_s']} s"
            )
        print("  door        offered/s  sent/s  at clients/s (mean, worst)   p50      p99      max")
        for door, d in dev["doors"].items():
            print(
                f"  {door:<10} {d.get('offered_per_s', '-'):>9} {d.get('sent_per_s', '-'):>7} "
                f"{d.get('received_per_client_per_s_mean', 0):>13} "
                f"{d.get('received_per_client_per_s_min', 0):>8}        "
                f"{_ms(d.get('p50_ms')):>8} {_ms(d.get('p99_ms')):>8} {_ms(d.get('max_ms')):>8}"
            )
        o = dev["overall"]
        print(
            f"  all        {o['offered_per_s']:>9}         {o['accepted_per_s']:>13} "
            f"{o['accepted_per_s_worst_client']:>8}        worst door p99 "
            f"{_ms(o['worst_door_p99_ms'])}"
        )
        g = dev["generators"]
        if "jt808" in g:
            j = g["jt808"]
            print(
                f"  jt808 door answers {j['acks']} (0 = accepted), 0x8001 after "
                f"p50 {_ms(j['ack']['p50_ms'])} p99 {_ms(j['ack']['p99_ms'])}; unanswered "
                f"{j['unanswered']}, disconnects {j['disconnects']}, bad frames {j['bad_frames']}"
            )
        if "osmand" in g:
            h = g["osmand"]
            print(
                f"  osmand answers {h['statuses']} p50 {_ms(h['answer']['p50_ms'])} p99 "
                f"{_ms(h['answer']['p99_ms'])}; queued in the generator at most "
                f"{h['max_client_queue']}, never sent {h['not_sent']}; refusals {h['reasons']}"
            )
        if "cot" in g:
            c = g["cot"]
            print(
                f"  cot out to the {fig['cot_tcp']} TCP clients: "
                f"{c['cot_out_events_in'] / (fig['seconds'] + fig['warmup']):.0f} events/s "
                f"({c['cot_out_bytes_in'] / (1 << 20):.0f} MiB in all); UDP errors "
                f"{c['udp_errors']}, TCP lost {c['tcp_lost']}; datagrams the kernel dropped "
                f"(receive buffer full) {dev['udp_rcvbuf_drops_per_s']}/s"
            )
        lags = {k: v["lag"]["p99_ms"] for k, v in g.items()}
        print(f"  generator lag behind schedule, p99: {lags}")
        cpu = dev["cpu"]
        gens = {k: v for k, v in cpu.items() if k.startswith("gen_")}
        cl = {k: v for k, v in cpu.items() if k.startswith("clients-")}
        print(
            f"  CPU        backend {cpu['backend']:.2f} cores (per second "
            f"{cpu.get('backend_per_s_min')}..{cpu.get('backend_per_s_max')}); generators "
            f"{gens}; clients {cl}; machine "
            f"{cpu['machine_busy_cores']}/{cores} cores busy, {cpu['untracked_cores']} of them "
            f"outside the bench (background before the run {dev['background_cores_before']})"
            + ("  SATURATED" if cpu["saturated"] else "")
        )
        h = dev["clients"]
        print(
            f"  clients    gaps {h['gaps']}, drops {h['drops'] or 'none'}; "
            f"{h['mib_per_client']} MiB in {h['frames_per_client']} frames each; backend RSS "
            f"{dev['backend_rss_mib']} MiB"
        )
        for line in dev.get("sources", []):
            print(f"  source     {line}")
        bl = dev["backend_log"]
        print(f"  log        {bl['warnings']} warnings, {bl['errors']} errors {bl['first'] or ''}")
        al = dev.get("alarms") or {}
        for name in ("rdio", "cap"):
            if name not in al:
                continue
            r = al[name]
            print(
                f"  {name:<5} offered {r['offered_per_s']}/s for {al['seconds']} s: accepted "
                f"{r['accepted_per_s']}/s within it; {r['accepted']} in all "
                f"({r['accepted_per_s_until_last_answer']}/s until the last answer at "
                f"{r['last_answer_after_s']} s, {r['unfinished']} unanswered); answer p50 "
                f"{_ms(r['answer']['p50_ms'])} p99 {_ms(r['answer']['p99_ms'])} (from schedule "
                f"p99 {_ms(r['answer_from_schedule']['p99_ms'])}); statuses {r['statuses']}"
                + (f" {r['reasons']}" if r["reasons"] else "")
            )
        if "rdio" in al:
            r = al["rdio"]
            calls = dev["clients"]["events_by_type_client0"].get("radio.call", 0)
            print(
                f"  rdio  {r['repeats_offered']} of the uploads repeat the call before; "
                f"radio.call events at a client {calls} (one per distinct call taken)"
            )
        if al:
            c = al["cpu"]
            print(
                f"  alarms CPU backend {c['backend']:.2f} cores + children (ffprobe) "
                f"{c.get('backend_children', 0):.2f}; generators "
                f"{ {k: v for k, v in c.items() if k.startswith('gen_')} }; machine "
                f"{c['machine_busy_cores']}/{cores} ({c['untracked_cores']} outside the bench)"
                + ("  SATURATED" if c["saturated"] else "")
            )
    if sim:
        d = sim["doors"].get("sim", {})
        cpu = sim["cpu"]
        cl = {k: v for k, v in cpu.items() if k.startswith("clients-")}
        print(
            f"simulator    serve --demo --units {fig['sim_units']} --position-hz 1: at clients "
            f"{d.get('received_per_client_per_s_mean')}/s (worst "
            f"{d.get('received_per_client_per_s_min')}), fix_ts → client p50 "
            f"{_ms(d.get('p50_ms'))} p99 {_ms(d.get('p99_ms'))} max {_ms(d.get('max_ms'))}"
        )
        print(
            f"  CPU        backend {cpu['backend']:.2f} cores (per second "
            f"{cpu.get('backend_per_s_min')}..{cpu.get('backend_per_s_max')}); clients {cl}; "
            f"machine {cpu['machine_busy_cores']}/{cores} ({cpu['untracked_cores']} outside the "
            f"bench, {sim['background_cores_before']} before the run)"
            + ("  SATURATED" if cpu["saturated"] else "")
            + f"; gaps {sim['clients']['gaps']}, drops {sim['clients']['drops'] or 'none'}"
        )
    t = fig["targets"]
    print(
        f"targets      all {t['offered_per_s']}/s accepted: {ok(t['accepted_ok'])} "
        f"({t['accepted_per_s']}/s) | p99 < {TARGET_P99_MS:.0f} ms: {ok(t['p99_ok'])} "
        f"({_ms(t['p99_ms'])}) | CPU within {TARGET_CPU_RATIO}x of the simulator: "
        f"{ok(t['cpu_ok'])} (per accepted fix {t['cpu_ratio_per_fix']}x; cores {t['cpu_ratio']}x)"
    )
    print(f"bench        {fig['bench_s']} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=None, help="measured window (60)")
    parser.add_argument("--warmup", type=float, default=None, help="seconds before it (5)")
    parser.add_argument("--quick", action="store_true", help="1/10 of the devices, 15 s windows")
    parser.add_argument("--jt808", type=int, default=None, help="JT/T 808 terminals (2000)")
    parser.add_argument("--cot", type=int, default=None, help="CoT devices (4000)")
    parser.add_argument("--osmand", type=int, default=None, help="OsmAnd trackers (4000)")
    parser.add_argument("--clients", type=int, default=10, help="websocket clients (10)")
    parser.add_argument("--cot-tcp", type=int, default=4, help="CoT TCP connections (4; 0: UDP)")
    parser.add_argument(
        "--cot-tcp-share", type=float, default=0.75, help="CoT devices on TCP (0.75)"
    )
    parser.add_argument("--osmand-conns", type=int, default=None, help="HTTP connections (200)")
    parser.add_argument("--alarm-seconds", type=float, default=None, help="rdio + CAP phase (30)")
    parser.add_argument("--rdio-rate", type=float, default=None, help="uploads/s (200)")
    parser.add_argument("--cap-rate", type=float, default=None, help="CAP alerts/s (100)")
    parser.add_argument("--skip-sim", action="store_true", help="no simulator run")
    parser.add_argument("--skip-alarms", action="store_true", help="no rdio/CAP phase")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=60.0,
        help="seconds to wait at most for other load to stop before each run (60)",
    )
    parser.add_argument("--keep-logs", metavar="DIR", default=None, help="copy backend logs")
    parser.add_argument(
        "--profile",
        metavar="FILE",
        default=None,
        help="run the devices backend under cProfile, stats to FILE (its CPU figures inflate)",
    )
    args = parser.parse_args()
    scale = 10 if args.quick else 1

    def pick(value: Any, full: Any, quick: Any) -> Any:
        return value if value is not None else (quick if args.quick else full)

    args.seconds = pick(args.seconds, 60.0, 15.0)
    args.warmup = pick(args.warmup, 5.0, 3.0)
    args.jt808 = pick(args.jt808, 2000, 2000 // scale)
    args.cot = pick(args.cot, 4000, 4000 // scale)
    args.osmand = pick(args.osmand, 4000, 4000 // scale)
    args.osmand_conns = pick(args.osmand_conns, 200, 20)
    args.alarm_seconds = pick(args.alarm_seconds, 30.0, 10.0)
    args.rdio_rate = pick(args.rdio_rate, 200.0, 20.0)
    args.cap_rate = pick(args.cap_rate, 100.0, 10.0)
    if args.profile:
        args.profile = str(Path(args.profile).resolve())
    if args.jt808 + args.cot + args.osmand < 1:
        raise SystemExit("no devices")
    bench_t0 = time.perf_counter()
    fig: dict[str, Any] = {
        k: getattr(args, k)
        for k in (
            *("seconds", "warmup", "jt808", "cot", "osmand", "clients", "cot_tcp"),
            *("cot_tcp_share", "osmand_conns", "alarm_seconds", "rdio_rate", "cap_rate"),
        )
    }
    fig["quick"] = args.quick
    fig["profile"] = args.profile
    fig["cores"] = os.cpu_count()
    fig["sim_units"] = args.jt808 + args.cot + args.osmand
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as name:
        tmp = Path(name)
        fig["devices"] = run_devices(args, tmp)
        fig["devices"]["cot_tcp_devices"] = (
            round(args.cot * args.cot_tcp_share) if args.cot_tcp else 0
        )
        if not args.skip_sim:
            fig["sim"] = run_sim(args, tmp)
        if args.keep_logs:
            keep = Path(args.keep_logs)
            keep.mkdir(parents=True, exist_ok=True)
            for log in tmp.glob("*-backend.log"):
                shutil.copy(log, keep / log.name)
    dev, sim = fig["devices"], fig.get("sim")
    o = dev["overall"]
    dev_cpu = dev["cpu"]["backend"]
    sim_cpu = sim["cpu"]["backend"] if sim else None
    sim_rate = sim["doors"].get("sim", {}).get("received_per_client_per_s_mean") if sim else None
    ratio = round(dev_cpu / sim_cpu, 2) if sim_cpu else None
    per_fix = None
    if sim_cpu and sim_rate and o["accepted_per_s"]:
        per_fix = round((dev_cpu / o["accepted_per_s"]) / (sim_cpu / sim_rate), 2)
    fig["targets"] = {
        "offered_per_s": o["offered_per_s"],
        "accepted_per_s": o["accepted_per_s"],
        "accepted_ok": o["accepted_per_s_worst_client"] >= 0.995 * o["offered_per_s"],
        "p99_ms": o["worst_door_p99_ms"],
        "p99_ok": o["worst_door_p99_ms"] is not None and o["worst_door_p99_ms"] < TARGET_P99_MS,
        "cpu_ratio": ratio,
        "cpu_ratio_per_fix": per_fix,
        # Per accepted fix: a backend that keeps up with less than it is offered uses less CPU.
        "cpu_ok": per_fix is not None and per_fix <= TARGET_CPU_RATIO,
        "target_p99_ms": TARGET_P99_MS,
        "target_cpu_ratio": TARGET_CPU_RATIO,
    }
    fig["bench_s"] = round(time.perf_counter() - bench_t0, 1)
    report(fig)
    print(json.dumps(fig, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
