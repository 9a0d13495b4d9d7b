"""Console apply capacity: how many events a second the console applies before it falls behind.

First, in this process and on one thread: the CPU per event of each stage of the console's
path over the same frames (decode and schema checks; session and Store; bridge, map batcher
with its 5 Hz batch and the alert queue's model; the recorder's hooks and its writer,
keyframes included) against ``json.loads`` of those frames. Thread CPU moves little when
other work shares the machine; ``events_per_cpu_s`` (1 s / the sum) is what one core could
apply, and the console's GIL makes one core its limit.

Then, live: a feeder process (a real ``websockets`` server on 127.0.0.1, speaking protocol
2 like the backend: welcome, a snapshot of a demo district with 10,000 units, then
``positions`` frames of 1,000 fixes and ``batch`` frames of alerts, alert updates, unit
statuses, radio calls and log entries, 2 % of the events) sends events at rising rates,
each for a few seconds, and ends with a flood (as fast as the socket takes them). Every
event carries the time it was due (``ts``), so a client's lag is ``applied - ts``.

Two clients get the same schedule, one after the other, in this run:

* baseline: a bare ``websockets`` client that only ``json.loads`` each frame;
* console: the console's real path, on a qasync loop with Qt offscreen: ``BackendClient``
  (decode and schema checks, the sans-I/O session) -> ``Store`` -> ``StoreBridge`` -> the
  map panel (real Qt WebEngine page, its own 5 Hz flush), the alert queue panel, and the
  ``Recorder`` writing a recording file.

A client keeps up with a rate when it applied >= 97 % of that step's events and their lag p99
stays under 1 s; its capacity is the highest such rate. The flood figure is the rate it
applies when nothing waits for a schedule. Printed per step for both clients, then their
capacities, the console's share of the baseline, and the console's CPU (process time) per
event. A step ends early when the feeder's sending is 2 s behind its schedule (then only the
flood follows): the client's own keepalive would drop it past 20 s. The last line is the
same figures as one JSON object. Target: console >= 50,000/s.

    python bench/console_apply.py [--rates 10000,20000,...] [--step-s 5] [--units 10000]
        [--cpu-only]       # only the CPU per event (about a minute)
        [--profile FILE]   # py-spy (if installed; all threads) over the console's live run

The machine is shared: read the console against the baseline of the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")

from console.protocol.codec import format_ts, parse_ts  # noqa: E402

Wire = dict[str, Any]
FRAME = 1000  # fixes per positions frame (the backend's frames hold up to 1,000 events)
MIX = 20  # other events per 1,000 fixes
WARMUP = (5000, 4.0)  # (events/s, seconds): absorbs the snapshot and the map's first resync
KEEP_UP_SHARE = 0.97
KEEP_UP_LAG_S = 1.0
BEHIND_S = 2.0  # a step ends early when sending is this far behind its schedule
DEFAULT_RATES = "10000,25000,40000,55000,70000,90000,120000,160000"


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, nearest rank (NaN when empty)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# ---------------------------------------------------------------- the feeder (own process)


class Feeder:
    """Makes the frames of one connection: fixes of every unit in turn, and a mix of others."""

    def __init__(self, units: int, seed: int) -> None:
        from backend_stub.district import build_district

        self.rng = random.Random(seed)
        district = build_district(7, n_units=units, n_cameras=320)
        now = time.time()
        self.state: Wire = {
            "units": district.to_wire_units(),
            "positions": [],
            "alerts": [],
            "cameras": district.to_wire_cameras(),
            "talkgroups": district.to_wire_talkgroups(),
            "layers": district.to_wire_layers(),
            "log": [],
        }
        self.units = [u["id"] for u in self.state["units"]]
        self.radios = [u["radio_id"] for u in self.state["units"]]
        self.where: list[list[float]] = []
        for u in district.units:
            node = district.nodes[u.node]
            self.where.append([node.lat, node.lon])
            self.state["positions"].append(
                {"unit_id": u.id, "lat": node.lat, "lon": node.lon, "fix_ts": format_ts(now)}
            )
        self.seq = 0
        self.last_upto = 0
        self.next_unit = 0
        self.alerts: list[Wire] = []
        self.n = 0

    def fixes(self, count: int, ts: str) -> str:
        """A positions frame of ``count`` fixes stamped ``ts`` (fix time = ts)."""
        rnd = self.rng.random
        parts = []
        for _ in range(count):
            k = self.next_unit
            self.next_unit = (k + 1) % len(self.units)
            p = self.where[k]
            p[0] += (rnd() - 0.5) * 2e-4
            p[1] += (rnd() - 0.5) * 2e-4
            self.seq += 1
            parts.append(
                f'{{"type":"unit.position","seq":{self.seq},"ts":"{ts}",'
                f'"unit_id":"{self.units[k]}","lat":{p[0]:.6f},"lon":{p[1]:.6f},'
                f'"speed_kmh":{rnd() * 60:.1f},"heading_deg":{rnd() * 359:.1f},'
                f'"accuracy_m":5.0,"source":"gps","fix_ts":"{ts}"}}'
            )
        return '{"type":"positions","events":[' + ",".join(parts) + "]}"

    def others(self, count: int, ts: str) -> str:
        """A protocol-2 batch of ``count`` events that are not fixes (from..upto spans the
        fixes sent since the last batch)."""
        events: list[Wire] = []
        for _ in range(count):
            self.n += 1
            self.seq += 1
            roll = self.n % 10
            if roll < 2 or not self.alerts:
                alert = self._new_alert(ts)
                self.alerts.append(alert)
                events.append({"type": "alert.new", "seq": self.seq, "ts": ts, "alert": alert})
            elif roll < 6:
                i = len(self.alerts) - 1 - self.rng.randrange(min(200, len(self.alerts)))
                alert = dict(self.alerts[i])
                alert["version"] += 1
                alert["status"] = self.rng.choice(["acknowledged", "dispatched", "on_scene"])
                alert["owner"] = "op1"
                self.alerts[i] = alert
                events.append({"type": "alert.updated", "seq": self.seq, "ts": ts, "alert": alert})
            elif roll < 8:
                status = self.rng.choice(["available", "dispatched", "en_route", "on_scene"])
                events.append(
                    {
                        "type": "unit.status",
                        "seq": self.seq,
                        "ts": ts,
                        "unit_id": self.rng.choice(self.units),
                        "status": status,
                    }
                )
            elif roll < 9:
                k = self.rng.randrange(len(self.units))
                call = {
                    "id": f"C{self.n:08d}",
                    "talkgroup": "1101",
                    "source_radio_id": self.radios[k],
                    "target_radio_id": None,
                    "kind": "group",
                    "start_ts": ts,
                    "duration_s": 4.2,
                    "audio_url": None,
                }
                events.append({"type": "radio.call", "seq": self.seq, "ts": ts, "call": call})
            else:
                entry = {
                    "id": f"L{self.n:08d}",
                    "ts": ts,
                    "author": "op1",
                    "text": "现场处置完毕，民警返回",
                    "alert_id": self.alerts[-1]["id"],
                }
                events.append({"type": "log.entry", "seq": self.seq, "ts": ts, "entry": entry})
        frame = {"type": "batch", "from": self.last_upto + 1, "upto": self.seq, "events": events}
        self.last_upto = self.seq
        return json.dumps(frame, ensure_ascii=False, separators=(",", ":"))

    def _new_alert(self, ts: str) -> Wire:
        lat, lon = self.where[self.rng.randrange(len(self.where))]
        return {
            "id": f"A{self.n:08d}",
            "kind": "call_110",
            "priority": self.rng.choice([1, 2, 2, 3, 3, 4]),
            "title": self.rng.choice(["打架斗殴", "交通事故", "盗窃报警", "可疑人员"]),
            "description": "",
            "lat": lat,
            "lon": lon,
            "address": "",
            "grid_id": None,
            "status": "new",
            "created_ts": ts,
            "version": 1,
            "owner": None,
            "unit_ids": [],
            "camera_ids": [],
            "history": [],
        }


async def feed(ws: Any, args: argparse.Namespace, schedule: list[tuple[float, float]]) -> None:
    """One connection: handshake, snapshot, then every step of ``schedule`` (0 = flood)."""
    hello = json.loads(await ws.recv())
    assert hello["type"] == "hello", hello
    feeder = Feeder(args.units, seed=1)
    now = time.time()
    await ws.send(
        json.dumps(
            {
                "type": "welcome",
                "protocol": 2,
                "operator": {"id": "op1", "name": "bench", "role": "operator"},
                "head_seq": 0,
                "server_time": format_ts(now),
            }
        )
    )
    snap = {"type": "snapshot", "seq": 0, "ts": format_ts(now), "state": feeder.state}
    await ws.send(json.dumps(snap, ensure_ascii=False, separators=(",", ":")))
    await asyncio.sleep(0.5)  # the client's snapshot load is not the first step's business
    steps = []
    behind = False
    for rate, seconds in schedule:
        if behind and rate:
            continue  # fell behind a lower rate: only the flood is left to measure
        t0 = time.time()
        sent = 0
        k = 0
        while True:
            if rate:
                due = t0 + sent / rate
                if due >= t0 + seconds:
                    break
                if due > time.time():
                    await asyncio.sleep(due - time.time())
                elif time.time() - due > BEHIND_S:
                    behind = True  # the socket holds us back: the client cannot keep up
                    break
            else:
                due = time.time()
                if due >= t0 + seconds:
                    break
            ts = format_ts(due)
            n = min(FRAME, max(50, int(rate / 20))) if rate else FRAME
            await ws.send(feeder.fixes(n, ts))
            sent += n
            k += n
            if k >= 1000:  # MIX other events per 1,000 fixes
                await ws.send(feeder.others(MIX, ts))
                sent += MIX
                k = 0
        steps.append({"rate": rate, "t0": t0, "t1": time.time(), "sent": sent, "behind": behind})
    await ws.send(feeder.others(1, format_ts(time.time())))  # the end marker: last batch
    print(json.dumps({"steps": steps, "last_seq": feeder.seq}), flush=True)
    with contextlib.suppress(Exception):
        await ws.wait_closed()


def serve(args: argparse.Namespace) -> None:
    """The feeder process: prints ``listening on URL`` and serves connections one by one."""
    from websockets.asyncio.server import serve as ws_serve

    schedule = parse_schedule(args)

    async def run() -> None:
        async def handler(ws: Any) -> None:
            await feed(ws, args, schedule)

        async with ws_serve(
            handler, "127.0.0.1", 0, max_size=None, compression=None, ping_interval=None
        ) as server:
            port = next(iter(server.sockets)).getsockname()[1]
            print(f"listening on ws://127.0.0.1:{port}/ws", flush=True)
            await asyncio.Future()

    asyncio.run(run())


def parse_schedule(args: argparse.Namespace) -> list[tuple[float, float]]:
    """Warm-up, the rising rates, then the flood (rate 0)."""
    rates = [float(r) for r in args.rates.split(",") if r]
    return [WARMUP, *((r, args.step_s) for r in rates), (0.0, args.step_s)]


# ---------------------------------------------------------------- the clients


class Tally:
    """What a client applied: per frame (applied time, due time, events)."""

    def __init__(self) -> None:
        self.frames: list[tuple[float, float, int]] = []
        self.done = asyncio.Event()
        self.last_seq = -1

    def note(self, events: list[Wire]) -> None:
        if events:
            self.frames.append((time.time(), parse_ts(events[-1]["ts"]), len(events)))


async def bare_client(url: str) -> Tally:
    """The baseline: parse each frame with ``json.loads``, nothing else."""
    from websockets.asyncio.client import connect

    tally = Tally()
    async with connect(url, max_size=64 << 20, compression=None) as ws:
        await ws.send(json.dumps({"type": "hello", "protocol": 2, "token": "x"}))
        async for raw in ws:
            msg = json.loads(raw)
            if msg["type"] in ("positions", "batch"):
                tally.note(msg["events"])
                if msg["type"] == "batch" and len(msg["events"]) == 1:
                    break  # the end marker
    return tally


def console_client(url: str, tmp: str, limit_s: float) -> tuple[Tally, Wire]:
    """The console's path: BackendClient -> Store -> bridge -> map, queue; recorder."""
    import qasync
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    from console.domain.store import Store
    from console.services.client import BackendClient
    from console.services.recorder import Recorder
    from widgets.alerts.panel import AlertQueuePanel
    from widgets.bridge import StoreBridge
    from widgets.map import MapPanel, register_map_scheme
    from widgets.theme import Theme

    tally = Tally()

    class TallyStore(Store):
        def apply_many(self, events: Any) -> None:
            events = list(events)
            super().apply_many(events)
            tally.note(events)
            if len(events) == 1 and events[0]["type"] != "unit.position":
                tally.done.set()

        def apply_positions(self, events: Any) -> None:
            super().apply_positions(events)
            tally.note(events)

    register_map_scheme()
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    store = TallyStore()
    bridge = StoreBridge(store)
    theme = Theme("dark")
    map_panel = MapPanel(bridge, theme)
    map_panel.resize(1200, 800)
    map_panel.show()
    queue = AlertQueuePanel(bridge, theme)
    queue.resize(900, 600)
    queue.show()
    recorder = Recorder(Path(tmp) / "console.rec", store)
    client = BackendClient(url, "x", store, recorder=recorder)
    stalls: list[float] = []
    cpu: dict[str, float] = {}

    ready = asyncio.Event()
    map_panel.sig_page_ready.connect(ready.set)

    async def run() -> None:
        if not map_panel.is_ready:
            await ready.wait()
        cpu["t0"] = time.process_time()
        client.start()
        last = time.perf_counter()
        give_up = time.monotonic() + limit_s
        while not tally.done.is_set() and time.monotonic() < give_up:
            await asyncio.sleep(0.01)  # GUI-thread responsiveness: gaps between wake-ups
            now = time.perf_counter()
            stalls.append((now - last) * 1000 - 10)
            last = now
        cpu["t1"] = time.process_time()
        await client.stop()

    with loop:
        loop.run_until_complete(run())
    recorder.flush(60)
    extra = {
        "cpu_s": cpu["t1"] - cpu["t0"],
        "stalls_ms": stalls,
        "recorded": recorder.events_written,
        "map_units": len(store.positions),
        "queue_rows": queue.model.rowCount(),
    }
    recorder.close()
    map_panel.close()
    queue.close()
    app.processEvents()
    return tally, extra


# ---------------------------------------------------------------- CPU per event, in process


def cpu_per_event(units: int, seconds: float) -> Wire:
    """CPU (this thread's, so a loaded machine changes it little) per event of each stage of
    the console's path over the same frames (``seconds`` of 10,000 fixes a second plus the
    2 % mix), against ``json.loads`` of the same frames; ``events_per_cpu_s`` is what one
    core could apply if the console did nothing else (its GIL makes one core the limit)."""
    from PySide6.QtWidgets import QApplication

    from console.domain.store import Store
    from console.protocol.codec import decode
    from console.protocol.session import ClientSession, EventsReceived, PositionsReceived
    from console.services.recorder import Recorder
    from widgets.alerts.panel import AlertQueuePanel
    from widgets.bridge import StoreBridge
    from widgets.map.batch import MapBatcher, batch_json
    from widgets.theme import Theme

    app = QApplication.instance() or QApplication(sys.argv[:1])
    feeder = Feeder(units, seed=2)
    ts = format_ts(time.time())
    frames: list[str] = []
    for _ in range(int(seconds * 10)):
        frames.append(feeder.fixes(FRAME, ts))
        frames.append(feeder.others(MIX, ts))
    n = sum(len(json.loads(f)["events"]) for f in frames)

    def best(fn: Any, reps: int = 5) -> float:
        low = float("inf")
        for _ in range(reps):
            t0 = time.thread_time()
            fn()
            low = min(low, time.thread_time() - t0)
        return low * 1e6 / n

    out: Wire = {"events": n}
    out["json_loads_us"] = best(lambda: [json.loads(f) for f in frames])
    out["decode_us"] = best(lambda: [decode(f, 64 << 20) for f in frames])
    messages = [decode(f, 64 << 20) for f in frames]
    bare = Store()
    store = Store()  # with the views a console has on it
    bridge = StoreBridge(store)
    queue = AlertQueuePanel(bridge, Theme("dark"))
    batcher = MapBatcher(store, time.time, lambda age: f"{age:.0f} s")
    bridge.sig_units_moved.connect(batcher.add_positions)
    welcome = {
        "type": "welcome",
        "protocol": 2,
        "head_seq": 0,
        "operator": {"id": "o", "name": "o", "role": "operator"},
    }

    def apply(target: Store, views: bool) -> float:
        target.load_snapshot(0, feeder.state)
        batcher.take(dict)
        session = ClientSession()
        session.receive(welcome)
        session.last_seq = 0
        t0 = time.thread_time()
        for k, message in enumerate(messages):
            for outcome in session.receive(message):
                if isinstance(outcome, PositionsReceived):
                    target.apply_positions(outcome.events)
                elif isinstance(outcome, EventsReceived):
                    target.apply_many(outcome.events)
            if views and k % 20 == 19:  # the map's 5 Hz flush at 10,000 fixes a second
                batch_json(batcher.take(dict))
        return (time.thread_time() - t0) * 1e6 / n

    store_us = min(apply(bare, False) for _ in range(3))
    view_us = min(apply(store, True) for _ in range(3))
    out["session_store_us"] = store_us
    out["bridge_map_queue_us"] = max(0.0, view_us - store_us)
    with tempfile.TemporaryDirectory() as tmp:
        recorder = Recorder(Path(tmp) / "cpu.rec", bare, flush_every=3600)
        t0 = time.thread_time()
        for message in messages:
            recorder.on_events(message["events"])
        hooks = time.thread_time() - t0
        batch, recorder._buffer = recorder._buffer, type(recorder._buffer)()
        t0 = time.thread_time()
        # The writer thread's work, timed here: keyframes, then the events in the 200 ms
        # transactions it writes them in (2,000 events at 10,000 a second).
        from console.replay import store_to_wire_state

        # (before the part cache: each keyframe converted in full)
        to_parts = getattr(recorder, "_keyframe_parts", store_to_wire_state)
        keyframes = [
            (t, 0, to_parts(state), seq, reset) for t, _, state, seq, reset in batch.keyframes
        ]
        recorder.file.write_batch([], keyframes)
        for i in range(0, len(batch.events), 2000):
            recorder.file.write_batch(batch.events[i : i + 2000])
        write = time.thread_time() - t0
        out["recorder_keyframes"] = len(batch.keyframes)
        recorder.close()
    out["recorder_us"] = (hooks + write) * 1e6 / n
    total = out["decode_us"] + out["session_store_us"] + out["bridge_map_queue_us"]
    total += out["recorder_us"]
    out["console_total_us"] = total
    out["events_per_cpu_s"] = round(1e6 / total)
    out["json_loads_events_per_cpu_s"] = round(1e6 / out["json_loads_us"])
    queue.close()
    del app
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in out.items()}


# ---------------------------------------------------------------- figures


def step_figures(tally: Tally, steps: list[Wire]) -> list[Wire]:
    """Per step: offered and applied rates, lag p50/p99, and whether the client kept up."""
    out = []
    for step in steps:
        t0, t1 = step["t0"], step["t1"]
        mine = [(a, d, n) for a, d, n in tally.frames if t0 <= d < t1 + 1e-3]
        applied = sum(n for _, _, n in mine)
        lags = [a - d for a, d, _ in mine]
        offered = step["rate"] * (t1 - t0) if step["rate"] else step["sent"]
        span = (max(a for a, _, _ in mine) - t0) if mine else float("nan")
        row = {
            "rate": round(step["rate"]),
            "offered": round(offered),
            "sent": step["sent"],
            "applied": applied,
            "applied_per_s": round(applied / max(t1 - t0, span)) if mine else 0,
            "lag_p50_s": round(pct(lags, 0.5), 3),
            "lag_p99_s": round(pct(lags, 0.99), 3),
        }
        row["kept_up"] = bool(
            step["rate"]
            and not step["behind"]
            and applied >= KEEP_UP_SHARE * offered
            and row["lag_p99_s"] < KEEP_UP_LAG_S
        )
        out.append(row)
    return out


def capacity(rows: list[Wire]) -> int:
    """The highest scheduled rate kept up with (every lower one kept up too)."""
    best = 0
    for row in rows:
        if not row["rate"]:
            continue
        if not row["kept_up"]:
            break
        best = row["rate"]
    return best


def run_feeder(args: argparse.Namespace) -> tuple[subprocess.Popen[str], str]:
    cmd = [sys.executable, __file__, "--serve", "--units", str(args.units)]
    cmd += ["--rates", args.rates, "--step-s", str(args.step_s)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("listening on"):
        raise SystemExit(f"feeder did not start: {line!r}")
    return proc, line.split()[2]


def feeder_steps(proc: subprocess.Popen[str]) -> list[Wire]:
    assert proc.stdout is not None
    report = json.loads(proc.stdout.readline())
    return list(report["steps"][1:])  # the warm-up is not a step


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rates", default=DEFAULT_RATES)
    parser.add_argument("--step-s", type=float, default=5.0)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--profile", help="py-spy flame graph of the console run (SVG file)")
    parser.add_argument("--cpu-seconds", type=float, default=3.0, help="of 10,000 fixes/s")
    parser.add_argument("--cpu-only", action="store_true", help="only the CPU per event")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args)
        return 0
    cpu = cpu_per_event(args.units, args.cpu_seconds)
    print(
        f"CPU per event (us, best of 5, this thread): json.loads {cpu['json_loads_us']} (the"
        f" baseline) | console: decode {cpu['decode_us']}, session+Store"
        f" {cpu['session_store_us']}, bridge+map+queue {cpu['bridge_map_queue_us']}, recorder"
        f" {cpu['recorder_us']} ({cpu['recorder_keyframes']} keyframes) = {cpu['console_total_us']}"
    )
    print(
        f"events per CPU-second: console {cpu['events_per_cpu_s']}, bare json.loads"
        f" {cpu['json_loads_events_per_cpu_s']} (target >= 50,000 on one core)"
    )
    if args.cpu_only:
        print(json.dumps({"units": args.units, "cpu": cpu}))
        return 0
    proc, url = run_feeder(args)
    try:
        print(f"console apply bench: {args.units} units, rates {args.rates}, {os.cpu_count()} CPUs")
        base = asyncio.run(bare_client(url))
        base_rows = step_figures(base, feeder_steps(proc))
        spy = None
        if args.profile:
            spy = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "py-spy"),
                    "record",
                    "-o",
                    args.profile,
                    "-p",
                    str(os.getpid()),
                    "--threads",
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        with tempfile.TemporaryDirectory() as tmp:
            limit = sum(s for _, s in parse_schedule(args)) + 120
            tally, extra = console_client(url, tmp, limit)
        if spy is not None:
            spy.send_signal(2)
            spy.wait(60)
        rows = step_figures(tally, feeder_steps(proc))
    finally:
        proc.terminate()
        proc.wait(30)
    events = sum(n for _, _, n in tally.frames)
    stalls = sorted(extra["stalls_ms"])
    figures: Wire = {
        "units": args.units,
        "step_s": args.step_s,
        "baseline_capacity_per_s": capacity(base_rows),
        "baseline_flood_per_s": base_rows[-1]["applied_per_s"],
        "console_capacity_per_s": capacity(rows),
        "console_flood_per_s": rows[-1]["applied_per_s"],
        "console_cpu_us_per_event": round(extra["cpu_s"] / max(events, 1) * 1e6, 2),
        "console_gui_stall_max_ms": round(stalls[-1], 1) if stalls else None,
        "console_recorded_events": extra["recorded"],
        "console_queue_rows": extra["queue_rows"],
        "target_per_s": 50_000,
        "cpu": cpu,
        "baseline_steps": base_rows,
        "console_steps": rows,
    }
    figures["console_vs_baseline_flood"] = round(
        figures["console_flood_per_s"] / max(figures["baseline_flood_per_s"], 1), 3
    )
    print(
        f"{'rate/s':>8} | {'baseline applied/s':>18} {'lag p99':>8} ok | "
        f"{'console applied/s':>17} {'lag p99':>8} ok"
    )
    by_rate = {r["rate"]: r for r in rows}
    for b in base_rows:
        c = by_rate.get(b["rate"])
        mine = (
            f"{c['applied_per_s']:>17} {c['lag_p99_s']:>8} {'y' if c['kept_up'] else 'n':>2}"
            if c
            else f"{'(fell behind before)':>30}"
        )
        print(
            f"{b['rate'] or 'flood':>8} | {b['applied_per_s']:>18} {b['lag_p99_s']:>8} "
            f"{'y' if b['kept_up'] else 'n':>2} | {mine}"
        )
    print(
        f"capacity (kept up: >= {KEEP_UP_SHARE:.0%} applied, lag p99 < {KEEP_UP_LAG_S:g} s): "
        f"baseline {figures['baseline_capacity_per_s']}/s, console "
        f"{figures['console_capacity_per_s']}/s (target >= 50,000/s)"
    )
    print(
        f"flood: baseline {figures['baseline_flood_per_s']}/s, console "
        f"{figures['console_flood_per_s']}/s ({figures['console_vs_baseline_flood']}x);"
        f" console CPU {figures['console_cpu_us_per_event']} us/event;"
        f" longest GUI stall {figures['console_gui_stall_max_ms']} ms"
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
