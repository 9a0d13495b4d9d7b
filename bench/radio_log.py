"""Radio log: search a million calls by radio id + time range, and the live feed's GUI stalls.

Two parts, in one run:

* search: 1,000,000 calls (2,000 radios, 50 talkgroups, one call every 0.5 s over ~6 days)
  go into ``console.radio.CallIndex``; random queries "this radio, this 1-24 h window" are
  timed (p50/p99) next to the baseline, a linear scan of the same list (``console.radio.scan``)
  on a subset of the same queries. Both must give the same answer. Target: index p99 < 100 ms.
* live feed: 50 calls/s (1 % emergencies) go through Store.apply → StoreBridge → the real
  ``RadioLogPanel`` (Qt offscreen, 5,000 calls of history), while a 1 ms QTimer measures the
  longest gap the GUI thread left between two ticks. Target: longest stall < 50 ms.

    python bench/radio_log.py [--calls 1000000] [--queries 300] [--feed-seconds 20]

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from console.domain.model import RadioCall  # noqa: E402
from console.radio import CallIndex, scan  # noqa: E402

T0 = 1_795_000_000.0


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0..100)."""
    s = sorted(values)
    return s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))]


def make_calls(n: int, radios: list[str], rng: random.Random) -> list[RadioCall]:
    """``n`` calls, one every 0.5 s, random radios and talkgroups."""
    kinds = ("group",) * 15 + ("individual", "status", "data")
    tgs = [str(1001 + i) for i in range(50)]
    out = []
    for i in range(n):
        kind = kinds[rng.randrange(len(kinds))]
        target = radios[rng.randrange(len(radios))] if kind == "individual" else None
        out.append(
            RadioCall(
                f"R-{i:07d}",
                tgs[rng.randrange(50)],
                radios[rng.randrange(len(radios))],
                target,
                kind,
                T0 + i * 0.5,
                round(2 + 20 * rng.random(), 1),
                None,
                False,
            )
        )
    return out


def bench_search(n_calls: int, n_queries: int, rng: random.Random) -> dict[str, float]:
    radios = [f"46{i:05d}" for i in range(2000)]
    t = time.perf_counter()
    calls = make_calls(n_calls, radios, rng)
    made_s = time.perf_counter() - t
    t = time.perf_counter()
    index = CallIndex()
    index.extend(calls)
    build_s = time.perf_counter() - t
    span = n_calls * 0.5
    queries = []
    for _ in range(n_queries):
        width = rng.uniform(3600, 86400)
        start = T0 + rng.uniform(0, max(1.0, span - width))
        queries.append((radios[rng.randrange(len(radios))], start, start + width))
    idx_ms, hits = [], []
    for rid, a, b in queries:
        t = time.perf_counter()
        got = index.search(rid, a, b)
        idx_ms.append((time.perf_counter() - t) * 1000)
        hits.append(len(got))
    base_ms = []
    n_base = max(5, n_queries // 15)
    for rid, a, b in queries[:n_base]:
        t = time.perf_counter()
        want = scan(calls, rid, a, b)
        base_ms.append((time.perf_counter() - t) * 1000)
        assert [c.id for c in want] == [c.id for c in index.search(rid, a, b)]
    print(f"made {n_calls:,} calls in {made_s:.1f} s; index built in {build_s:.2f} s")
    print(
        f"search by radio id + time range, {n_queries} queries "
        f"({statistics.mean(hits):.1f} hits each on average):"
    )
    print(f"  index      p50 {pct(idx_ms, 50):8.3f} ms   p99 {pct(idx_ms, 99):8.3f} ms")
    print(
        f"  linear scan p50 {pct(base_ms, 50):8.1f} ms   p99 {pct(base_ms, 99):8.1f} ms "
        f"({n_base} queries)"
    )
    print(f"  speed-up at p50: {pct(base_ms, 50) / max(pct(idx_ms, 50), 1e-6):,.0f}×")
    return {
        "calls": n_calls,
        "index_build_s": round(build_s, 2),
        "search_p50_ms": round(pct(idx_ms, 50), 4),
        "search_p99_ms": round(pct(idx_ms, 99), 4),
        "scan_p50_ms": round(pct(base_ms, 50), 1),
        "scan_p99_ms": round(pct(base_ms, 99), 1),
    }


def bench_feed(seconds: float, rate: float) -> dict[str, float]:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    from console.domain.store import Store
    from console.protocol.codec import format_ts
    from widgets.bridge import StoreBridge
    from widgets.media import VlcEngine
    from widgets.radio import RadioLogPanel
    from widgets.theme import Theme

    app = QApplication.instance() or QApplication([])
    rng = random.Random(5)
    units = [
        {
            "id": f"U{i:04d}",
            "callsign": f"P{1000 + i}",
            "kind": "patrol_car",
            "radio_id": f"46{i:05d}",
            "talkgroup": str(1101 + i % 12),
            "grid_id": None,
            "status": "available",
        }
        for i in range(2000)
    ]
    store = Store()
    store.load_snapshot(
        0,
        {
            "units": units,
            "positions": [
                {"unit_id": u["id"], "lat": 39.8, "lon": 109.9, "fix_ts": format_ts(T0)}
                for u in units
            ],
            "alerts": [],
            "cameras": [],
            "talkgroups": [{"id": str(1101 + i), "alias": f"派出所{i}"} for i in range(12)],
            "layers": [],
            "log": [],
        },
    )
    seq = [0]
    counter = [0]

    def event() -> dict[str, object]:
        counter[0] += 1
        seq[0] += 1
        u = units[rng.randrange(len(units))]
        return {
            "type": "radio.call",
            "seq": seq[0],
            "ts": format_ts(time.time()),
            "call": {
                "id": f"R-{counter[0]:07d}",
                "talkgroup": u["talkgroup"],
                "source_radio_id": u["radio_id"],
                "target_radio_id": None,
                "kind": "emergency" if rng.random() < 0.01 else "group",
                "start_ts": format_ts(time.time()),
                "duration_s": 5.0,
                "audio_url": None,
                "encrypted": False,
            },
        }

    store.apply_many([event() for _ in range(5000)])  # history before the panel opens
    bridge = StoreBridge(store)
    engine = VlcEngine(("--aout=adummy", "--quiet", "--no-video"), workers=1)
    window = QMainWindow()
    panel = RadioLogPanel(bridge, Theme("dark"), engine=engine)
    window.setCentralWidget(panel)
    window.resize(1400, 800)
    window.show()

    gaps: list[float] = []
    last = [time.perf_counter()]
    apply_ms: list[float] = []

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    due = [time.perf_counter()]

    def feed() -> None:
        # Events due by now (50/s), applied as the client applies them: one Store call each.
        now = time.perf_counter()
        while due[0] <= now:
            t = time.perf_counter()
            store.apply(event())
            apply_ms.append((time.perf_counter() - t) * 1000)
            due[0] += 1 / rate

    probe = QTimer(interval=1)
    probe.timeout.connect(tick)
    feeder = QTimer(interval=5)
    feeder.timeout.connect(feed)
    # Warm up (first paint, fonts) before measuring.
    end = time.perf_counter() + 1.0
    while time.perf_counter() < end:
        app.processEvents()
    before = counter[0]
    last[0] = due[0] = time.perf_counter()
    probe.start()
    feeder.start()
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
    probe.stop()
    feeder.stop()
    fed = counter[0] - before
    panel._flush()
    rows = panel.model.rowCount()
    panel.shutdown()
    engine.shutdown()
    window.close()
    stall = max(gaps) if gaps else 0.0
    print(
        f"live feed {fed / seconds:.0f} calls/s for {seconds:.0f} s into the panel "
        f"({rows} rows at the end):"
    )
    print(
        f"  longest GUI-thread stall {stall:.1f} ms; ticks p99 {pct(gaps, 99):.1f} ms; "
        f"Store.apply per call p99 {pct(apply_ms, 99):.2f} ms"
    )
    return {
        "feed_calls_per_s": round(fed / seconds, 1),
        "feed_max_stall_ms": round(stall, 1),
        "feed_tick_p99_ms": round(pct(gaps, 99), 2),
        "feed_rows": rows,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--calls", type=int, default=1_000_000)
    p.add_argument("--queries", type=int, default=300)
    p.add_argument("--feed-seconds", type=float, default=20.0)
    p.add_argument("--rate", type=float, default=50.0)
    args = p.parse_args()
    rng = random.Random(1)
    out = bench_search(args.calls, args.queries, rng)
    out |= bench_feed(args.feed_seconds, args.rate)
    out["search_target_met"] = out["search_p99_ms"] < 100
    out["feed_target_met"] = out["feed_max_stall_ms"] < 50
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
