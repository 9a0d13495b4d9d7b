"""Alert latency: backend emit → row in the console's alert table model.

Starts a real backend process simulating the demo district at 200 alerts/s plus 10,000 unit
positions/s (``--units 10000 --position-hz 1 --alert-rate 200``), then measures, for the same
backend in the same run:

* baseline: a bare ``websockets`` client that parses each frame and notes alert.new arrival;
* console: the console's real path (BackendClient → codec validation → Store → StoreBridge →
  AlertTableModel behind its filter proxy, on a qasync loop, Qt offscreen).

Latency is ``arrival - event ts`` (the ts the backend stamps when it appends the event; both
processes share this machine's clock). Prints p50/p99 for both and their ratio, and the
console's GUI thread: its longest stall (gaps between 10 ms wake-ups, from a second after
the snapshot loaded; target < 50 ms), the gap p99, the longest cycle-collector pause in that
time and the snapshot load itself. The clocks start with the first alert (a loaded machine's
demo backend may take a while to simulate). The last line is the same figures as one JSON
object. Target: console p99 < 100 ms.

    python bench/alert_latency.py [--seconds 20] [--units 10000] [--alert-rate 200]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from console.protocol.codec import parse_ts  # noqa: E402


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) of values, in the values' unit."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def start_backend(tmp: str, args: argparse.Namespace) -> tuple[subprocess.Popen[str], str, str]:
    db_url = f"sqlite:///{tmp}/bench.sqlite3"
    py = sys.executable
    out = subprocess.run(
        [
            py,
            "-m",
            "backend_stub",
            "operator",
            "add",
            "bench",
            "--role",
            "commander",
            "--db",
            db_url,
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    token = out.stdout.strip().splitlines()[-1]
    proc = subprocess.Popen(
        [
            py,
            "-m",
            "backend_stub",
            "serve",
            "--demo",
            "--port",
            "0",
            "--db",
            db_url,
            "--units",
            str(args.units),
            "--position-hz",
            "1",
            "--alert-rate",
            str(args.alert_rate),
            "--radio-rate",
            "0",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    while line.startswith("http on"):  # the HTTP port (feeds, media gateway) comes first
        line = proc.stdout.readline()
    if not line.startswith("listening on"):
        stop(proc)  # not left running (and loading the machine) after a failed start
        raise SystemExit(f"backend did not start: {line!r}")
    url = line.split()[2]
    return proc, url, token


def stop(proc: subprocess.Popen[str]) -> None:
    """End the backend: SIGTERM (it flushes), SIGKILL if it has not gone in 60 s."""
    proc.terminate()
    try:
        proc.wait(60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


async def baseline(url: str, token: str, seconds: float) -> tuple[list[float], int]:
    """A bare websockets client: parse frames, time alert.new arrivals."""
    from websockets.asyncio.client import connect

    lat: list[float] = []
    events = 0
    async with connect(url, max_size=64 << 20, open_timeout=60) as ws:  # a loaded machine
        await ws.send(json.dumps({"type": "hello", "protocol": 1, "token": token}))
        # The clock starts with the first alert: a loaded machine's demo backend may take
        # many seconds to start simulating.
        end = warm = float("inf")
        while time.time() < end:
            msg = json.loads(await ws.recv())
            now = time.time()
            batch = msg["events"] if msg["type"] == "batch" else [msg]
            if end == float("inf") and any(e.get("type") == "alert.new" for e in batch):
                end, warm = now + seconds, now + 3
            for e in batch:
                events += 1
                if e.get("type") == "alert.new" and now > warm:
                    lat.append((now - parse_ts(e["ts"])) * 1000)
    return lat, events


def console_run(url: str, token: str, seconds: float) -> tuple[list[float], int, dict[str, float]]:
    """The console's own path up to the alert table model; returns latencies (ms)."""
    import qasync
    from PySide6.QtWidgets import QApplication

    from console.domain.store import Store
    from console.services.client import BackendClient
    from widgets.alerts.panel import AlertQueuePanel
    from widgets.bridge import StoreBridge
    from widgets.gc_guard import GuiThreadCollector
    from widgets.theme import Theme

    class TimedStore(Store):
        def __init__(self) -> None:
            super().__init__()
            self.emitted: dict[str, float] = {}
            self.events = 0

        def load_snapshot(self, seq, state):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            super().load_snapshot(seq, state)
            snapshot_ms.append((time.perf_counter() - t) * 1000)
            loaded.append(time.time())

        def apply_many(self, events):  # type: ignore[no-untyped-def]
            events = list(events)
            self.events += len(events)
            for e in events:
                if e["type"] == "alert.new":
                    self.emitted[e["alert"]["id"]] = parse_ts(e["ts"])
            super().apply_many(events)

    snapshot_ms: list[float] = []
    loaded: list[float] = []
    gc_ms: list[float] = []
    gc_started = [0.0]

    def on_gc(phase: str, info: dict) -> None:  # type: ignore[type-arg]
        if phase == "start":
            gc_started[0] = time.perf_counter()
        elif loaded and time.time() > loaded[0] + 1:
            gc_ms.append((time.perf_counter() - gc_started[0]) * 1000)

    gc.callbacks.append(on_gc)
    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    store = TimedStore()
    bridge = StoreBridge(store)
    # Collection as the console does it (widgets/launch.py): on the GUI thread, each loaded
    # snapshot settled.
    collector = GuiThreadCollector(parent=app)
    bridge.sig_snapshot_loaded.connect(lambda _seq: collector.settle())
    panel = AlertQueuePanel(bridge, Theme("dark"))
    panel.resize(1200, 700)
    panel.show()
    lat: list[float] = []
    warm = time.time() + 3
    model = panel.model

    def on_rows(_parent, first, last):  # type: ignore[no-untyped-def]
        now = time.time()
        if now < warm:
            return
        for row in range(first, last + 1):
            ts = store.emitted.get(model.alert_at(row).id)
            if ts is not None:
                lat.append((now - ts) * 1000)

    model.rowsInserted.connect(on_rows)
    client = BackendClient(url, token, store)
    stalls: list[float] = []

    async def run() -> None:
        client.start()
        end = time.time() + seconds
        last = time.perf_counter()
        while time.time() < end:  # GUI-thread responsiveness: gaps between 10 ms wakeups
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            if loaded and time.time() > loaded[0] + 1:  # a second after the snapshot loaded
                stalls.append((now - last) * 1000 - 10)
            last = now
        await client.stop()

    with loop:
        loop.run_until_complete(run())
    panel.close()
    panel.deleteLater()
    bridge.deleteLater()
    app.processEvents()
    collector.stop()
    gc.callbacks.remove(on_gc)
    return (
        lat,
        store.events,
        {
            "max_gui_stall_ms": max(stalls) if stalls else 0.0,
            "gui_gap_p99_ms": pct(stalls, 99),
            "snapshot_load_ms": snapshot_ms[0] if snapshot_ms else float("nan"),
            "max_gc_pause_ms": max(gc_ms) if gc_ms else 0.0,
        },
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--alert-rate", type=float, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        proc, url, token = start_backend(tmp, args)
        try:
            base, base_events = asyncio.run(baseline(url, token, args.seconds))
            cons, cons_events, gui = console_run(url, token, args.seconds)
        finally:
            stop(proc)
    figures = {
        "units": args.units,
        "alert_rate": args.alert_rate,
        "seconds": args.seconds,
        "baseline_events_per_s": round(base_events / args.seconds),
        "console_events_per_s": round(cons_events / args.seconds),
        "baseline_alerts": len(base),
        "console_alerts": len(cons),
        "baseline_p50_ms": round(pct(base, 50), 1),
        "baseline_p99_ms": round(pct(base, 99), 1),
        "console_p50_ms": round(pct(cons, 50), 1),
        "console_p99_ms": round(pct(cons, 99), 1),
        "console_mean_ms": round(statistics.fmean(cons), 1) if cons else None,
        "console_max_gui_stall_ms": round(gui["max_gui_stall_ms"], 1),
        "console_gui_gap_p99_ms": round(gui["gui_gap_p99_ms"], 1),
        "console_max_gc_pause_ms": round(gui["max_gc_pause_ms"], 1),
        "console_snapshot_load_ms": round(gui["snapshot_load_ms"], 1),
        "target_max_gui_stall_ms": 50,
        "p99_ratio_console_vs_baseline": round(pct(cons, 99) / pct(base, 99), 2)
        if base and cons
        else None,
        "target_p99_ms": 100,
    }
    print(
        f"events/s received  baseline {figures['baseline_events_per_s']:>8}   "
        f"console {figures['console_events_per_s']:>8}"
    )
    print(
        f"alert latency p50  baseline {figures['baseline_p50_ms']:>8} ms  "
        f"console {figures['console_p50_ms']:>8} ms"
    )
    print(
        f"alert latency p99  baseline {figures['baseline_p99_ms']:>8} ms  "
        f"console {figures['console_p99_ms']:>8} ms  (target < 100 ms)"
    )
    print(
        f"longest GUI-thread stall {figures['console_max_gui_stall_ms']} ms (target < 50 ms;"
        f" from a second after the snapshot loaded), gap p99"
        f" {figures['console_gui_gap_p99_ms']} ms, longest gc pause"
        f" {figures['console_max_gc_pause_ms']} ms; the snapshot itself loaded in"
        f" {figures['console_snapshot_load_ms']} ms"
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
