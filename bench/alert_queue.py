"""Alert queue at 100,000 alerts: filter and sort times, and GUI stalls under 200 new alerts/s.

Two parts, in one run (Qt offscreen):

* filter/sort: 100,000 alerts (all statuses, kinds, priorities, owners) in the queue's real
  ``AlertTableModel`` → ``AlertFilterProxy`` → ``QTableView``. Each operation an operator does
  (type a search, change the status/kind/priority/owner filter, click a column header to
  sort) is timed until the view's model is updated; p50/p99 per kind of operation. Baseline,
  same run, same data: a naive ``QStandardItemModel`` (one item per cell, text only) under a
  stock ``QSortFilterProxyModel`` (fixed-string filter on a column, C++ sort). Target: the
  queue's p99 < 100 ms.
* live feed: the 100,000 alerts arrive as a snapshot through the Store and the real
  ``AlertQueuePanel``; then 200 ``alert.new``/s (plus 50 ``alert.updated``/s of the newest
  ones) go through Store.apply → StoreBridge → panel while a 1 ms QTimer measures the longest
  gap the GUI thread left between two ticks. Target: longest stall < 50 ms. Also printed: the
  longest single turn of the event loop and the longest pause of Python's cycle collector in
  the window (a full collection walks every object, 100,000 alerts included).

    python bench/alert_queue.py [--alerts 100000] [--repeats 15] [--feed-seconds 15]

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import os
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QStandardItem, QStandardItemModel  # noqa: E402
from PySide6.QtWidgets import QApplication, QHeaderView, QMainWindow, QTableView  # noqa: E402

from console.domain.store import Store  # noqa: E402
from console.protocol.codec import format_ts  # noqa: E402

KINDS = ("call_110",) * 6 + ("efence", "face_match", "plate_match", "video_analytics", "manual")
STATUSES = ("closed",) * 6 + ("new", "acknowledged", "dispatched", "on_scene", "resolved")
WORDS = ("打架", "盗窃", "噪音", "交通事故", "火情", "纠纷", "走失", "诈骗", "抢劫", "求助")
STREETS = ("鄂托克西街", "天骄路", "伊金霍洛西街", "达拉特南路", "准格尔北路", "林荫路")
OPERATORS = ("wang", "li", "zhao", "chen", None, None)


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0..100)."""
    s = sorted(values)
    return s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))]


def wire_alert(i: int, now: float, rng: random.Random, status: str | None = None) -> dict:
    """One alert as the backend sends it."""
    created = now - rng.uniform(0, 7 * 86400)
    st = status or STATUSES[rng.randrange(len(STATUSES))]
    return {
        "id": f"A-{i:06d}",
        "kind": KINDS[rng.randrange(len(KINDS))],
        "priority": rng.choice((1, 2, 2, 3, 3, 3, 4)),
        "title": f"{WORDS[rng.randrange(len(WORDS))]} {i}",
        "description": f"报警人 138{rng.randrange(10**8):08d}",
        "lat": 39.8 + rng.random() * 0.1,
        "lon": 109.9 + rng.random() * 0.2,
        "address": f"东胜区{STREETS[rng.randrange(len(STREETS))]}{rng.randrange(1, 300)}号",
        "grid_id": f"G{rng.randrange(800):04d}",
        "status": st,
        "created_ts": format_ts(created),
        "version": 1,
        "owner": OPERATORS[rng.randrange(len(OPERATORS))] if st != "new" else None,
        "unit_ids": [],
        "camera_ids": [],
        "history": [{"ts": format_ts(created), "operator": None, "action": "created", "note": ""}],
    }


def timed(fn: Callable[[], object], app: QApplication) -> float:
    """Milliseconds until ``fn`` is done and the events it posted are processed."""
    t = time.perf_counter()
    fn()
    app.processEvents()
    return (time.perf_counter() - t) * 1000


def operations(repeats: int, rng: random.Random) -> list[tuple[str, str]]:
    """What an operator does to the queue, in a random order: (operation, value)."""
    ops: list[tuple[str, str]] = []
    for _ in range(repeats):
        ops += [
            ("text", WORDS[rng.randrange(len(WORDS))]),
            ("text", ""),
            ("status", rng.choice(("open", "all", "dispatched", "closed"))),
            ("kind", rng.choice(("call_110", "efence", ""))),
            ("priority", str(rng.choice((4, 2, 1)))),
            ("owner", rng.choice(("anyone", "mine", "unowned"))),
            ("sort", rng.choice(("priority", "age", "timer", "title", "status", "id"))),
        ]
    rng.shuffle(ops)
    return ops


def bench_queue(wires: list[dict], repeats: int, app: QApplication) -> dict[str, float]:
    """The real model/proxy: p50/p99 per operation."""
    from console.domain.model import Alert
    from widgets.alerts.model import COLUMNS, AlertFilterProxy, AlertTableModel
    from widgets.theme import Theme

    alerts = [Alert.from_wire(w) for w in wires]
    model = AlertTableModel(Theme("dark"))
    proxy = AlertFilterProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.verticalHeader().hide()  # as the queue panel sets its table up
    view.verticalHeader().setDefaultSectionSize(26)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.resize(1200, 600)
    view.show()
    load = timed(lambda: model.reset_alerts(alerts), app)
    proxy.set_status(AlertFilterProxy.ALL)
    view.sortByColumn(COLUMNS.index("priority"), Qt.SortOrder.AscendingOrder)
    app.processEvents()
    times: dict[str, list[float]] = {}
    rng = random.Random(7)
    for op, value in operations(repeats, rng):
        if op == "text":
            fn: Callable[[], object] = lambda v=value: proxy.set_text(v)  # noqa: E731
        elif op == "status":
            fn = lambda v=value: proxy.set_status(v)  # noqa: E731
        elif op == "kind":
            fn = lambda v=value: proxy.set_kind(v or None)  # noqa: E731
        elif op == "priority":
            fn = lambda v=value: proxy.set_max_priority(int(v))  # noqa: E731
        elif op == "owner":
            fn = lambda v=value: proxy.set_owner(v, "wang")  # noqa: E731
        else:
            order = rng.choice((Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder))
            fn = lambda v=value, o=order: view.sortByColumn(COLUMNS.index(v), o)  # noqa: E731
        times.setdefault("sort" if op == "sort" else "filter", []).append(timed(fn, app))
    view.close()
    out = {"queue_load_ms": round(load, 1)}
    for k, v in times.items():
        out[f"queue_{k}_p50_ms"] = round(statistics.median(v), 1)
        out[f"queue_{k}_p99_ms"] = round(pct(v, 99), 1)
    every = [x for v in times.values() for x in v]
    out["queue_p99_ms"] = round(pct(every, 99), 1)
    return out


def bench_baseline(wires: list[dict], repeats: int, app: QApplication) -> dict[str, float]:
    """A naive QStandardItemModel + stock QSortFilterProxyModel over the same alerts."""
    model = QStandardItemModel(0, 9)
    t = time.perf_counter()
    for w in wires:
        row = [
            QStandardItem(str(w["priority"])),
            QStandardItem(w["id"]),
            QStandardItem(w["kind"]),
            QStandardItem(w["title"]),
            QStandardItem(w["address"]),
            QStandardItem(w["status"]),
            QStandardItem(""),
            QStandardItem(w["created_ts"]),
            QStandardItem(w["owner"] or ""),
        ]
        model.appendRow(row)
    load = (time.perf_counter() - t) * 1000
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setDynamicSortFilter(True)
    view = QTableView()
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.verticalHeader().hide()  # the same view set-up as the queue's
    view.verticalHeader().setDefaultSectionSize(26)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.resize(1200, 600)
    view.show()
    app.processEvents()
    columns = {"text": 3, "status": 5, "kind": 2, "priority": 0, "owner": 8}
    sort_cols = {"priority": 0, "age": 7, "timer": 6, "title": 3, "status": 5, "id": 1}
    times: dict[str, list[float]] = {}
    rng = random.Random(7)
    for op, value in operations(repeats, rng):
        if op == "sort":
            order = rng.choice((Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder))
            fn: Callable[[], object] = lambda v=value, o=order: view.sortByColumn(  # noqa: E731
                sort_cols[v], o
            )
        else:
            text = "" if value in ("open", "all", "anyone", "4") else value

            def fn(col: int = columns[op], text: str = text) -> None:
                proxy.setFilterKeyColumn(col)
                proxy.setFilterFixedString(text)

        times.setdefault("sort" if op == "sort" else "filter", []).append(timed(fn, app))
    view.close()
    out = {"baseline_load_ms": round(load, 1)}
    for k, v in times.items():
        out[f"baseline_{k}_p50_ms"] = round(statistics.median(v), 1)
        out[f"baseline_{k}_p99_ms"] = round(pct(v, 99), 1)
    every = [x for v in times.values() for x in v]
    out["baseline_p99_ms"] = round(pct(every, 99), 1)
    return out


def bench_feed(wires: list[dict], seconds: float, rate: float, app: QApplication) -> dict:
    """200 new alerts/s into the real panel holding the 100,000: the longest GUI stall."""
    from widgets.alerts.panel import AlertQueuePanel
    from widgets.bridge import StoreBridge
    from widgets.theme import Theme

    store = Store()
    state = {"units": [], "alerts": wires, "cameras": [], "talkgroups": [], "layers": []}
    t = time.perf_counter()
    store.load_snapshot(1, {**state, "log": []})
    snapshot_ms = (time.perf_counter() - t) * 1000
    bridge = StoreBridge(store)
    window = QMainWindow()
    panel = AlertQueuePanel(bridge, Theme("dark"))
    panel.set_operator("wang")
    window.setCentralWidget(panel)
    window.resize(1400, 800)
    window.show()
    panel.table.selectRow(0)
    rng = random.Random(3)
    seq = [1]
    next_id = [len(wires) + 1]
    recent: list[dict] = []

    def new_event() -> dict:
        seq[0] += 1
        wire = wire_alert(next_id[0], time.time(), rng, status="new")
        wire["created_ts"] = format_ts(time.time())
        wire["history"][0]["ts"] = wire["created_ts"]
        next_id[0] += 1
        recent.append(wire)
        return {"type": "alert.new", "seq": seq[0], "ts": wire["created_ts"], "alert": wire}

    def update_event() -> dict:
        seq[0] += 1
        wire = dict(recent[rng.randrange(max(1, len(recent) - 200), len(recent))])
        wire["status"] = "acknowledged"
        wire["owner"] = "li"
        wire["version"] += 1
        return {"type": "alert.updated", "seq": seq[0], "ts": format_ts(time.time()), "alert": wire}

    gaps: list[float] = []
    apply_ms: list[float] = []
    last = [time.perf_counter()]

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now

    due = [time.perf_counter()]
    fed = [0]

    def feed() -> None:
        # Events due by now, applied as the client applies them: one Store call per event.
        now = time.perf_counter()
        while due[0] <= now:
            t = time.perf_counter()
            store.apply(new_event())
            if fed[0] % 4 == 3:
                store.apply(update_event())
            apply_ms.append((time.perf_counter() - t) * 1000)
            fed[0] += 1
            due[0] += 1 / rate

    probe = QTimer(interval=1)
    probe.timeout.connect(tick)
    feeder = QTimer(interval=5)
    feeder.timeout.connect(feed)
    end = time.perf_counter() + 1.0
    while time.perf_counter() < end:  # warm up: first paint, fonts
        app.processEvents()
    last[0] = due[0] = time.perf_counter()
    profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
    if profile is not None:
        profile.enable()
    probe.start()
    feeder.start()
    loops: list[float] = []
    collections: list[float] = []
    started = [0.0]

    def on_gc(phase: str, _info: dict[str, int]) -> None:
        # Python's cycle collector runs on the GUI thread too: report its longest pause.
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            collections.append((time.perf_counter() - started[0]) * 1000)

    gc.callbacks.append(on_gc)
    cpu0, fed0 = time.process_time(), fed[0]
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        app.processEvents()
        loops.append((time.perf_counter() - t) * 1000)
    probe.stop()
    feeder.stop()
    gc.callbacks.remove(on_gc)
    cpu_ms = (time.process_time() - cpu0) * 1000
    if profile is not None:
        profile.disable()
        pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(20)
    rows = panel.model.rowCount()
    window.close()
    stall = max(gaps) if gaps else 0.0
    return {
        # The longest single turn of the event loop: how long the GUI could not respond.
        "feed_max_loop_ms": round(max(loops), 1),
        "feed_loop_p99_ms": round(pct(loops, 99), 2),
        "feed_probe_ticks": len(gaps),
        "feed_max_gc_ms": round(max(collections, default=0.0), 1),
        # CPU time the whole process spent per new alert (GUI thread and all): independent of
        # how busy the machine is; x rate = the share of a core the feed needs.
        "feed_cpu_ms_per_alert": round(cpu_ms / max(1, fed[0] - fed0), 3),
        "feed_alerts_per_s": round(fed[0] / seconds, 1),
        "feed_max_stall_ms": round(stall, 1),
        "feed_tick_p99_ms": round(pct(gaps, 99), 2),
        "feed_apply_p99_ms": round(pct(apply_ms, 99), 2),
        "feed_rows": rows,
        "snapshot_load_ms": round(snapshot_ms, 1),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--alerts", type=int, default=100_000)
    p.add_argument("--repeats", type=int, default=15)
    p.add_argument("--baseline-repeats", type=int, default=1, help="the baseline is slow")
    p.add_argument("--feed-seconds", type=float, default=15.0)
    p.add_argument("--rate", type=float, default=200.0)
    p.add_argument("--parts", default="queue,baseline,feed")
    args = p.parse_args()
    parts = set(args.parts.split(","))
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    rng = random.Random(1)
    now = time.time()
    wires = [wire_alert(i + 1, now, rng) for i in range(args.alerts)]
    out: dict[str, float] = {"alerts": args.alerts}
    if "queue" in parts:
        out |= bench_queue(wires, args.repeats, app)
        print(
            f"queue ({args.alerts} alerts): filter p50 {out['queue_filter_p50_ms']} ms, "
            f"p99 {out['queue_filter_p99_ms']} ms; sort p50 {out['queue_sort_p50_ms']} ms, "
            f"p99 {out['queue_sort_p99_ms']} ms"
        )
    if "baseline" in parts:
        out |= bench_baseline(wires, args.baseline_repeats, app)
        print(
            f"baseline QStandardItemModel: filter p99 {out['baseline_filter_p99_ms']} ms, "
            f"sort p99 {out['baseline_sort_p99_ms']} ms"
        )
    if "queue" in parts and "baseline" in parts:
        ratio = out["queue_p99_ms"] / max(0.1, out["baseline_p99_ms"])
        out["ratio_p99_vs_baseline"] = round(ratio, 3)
        print(f"queue p99 / baseline p99 = {ratio:.3f}")
    if "feed" in parts:
        out |= bench_feed(wires, args.feed_seconds, args.rate, app)
        print(
            f"live feed {out['feed_alerts_per_s']} new alerts/s into {args.alerts}: longest "
            f"GUI-thread stall {out['feed_max_stall_ms']} ms, "
            f"tick p99 {out['feed_tick_p99_ms']} ms; longest event-loop turn "
            f"{out['feed_max_loop_ms']} ms, longest cycle collection {out['feed_max_gc_ms']} ms; "
            f"CPU {out['feed_cpu_ms_per_alert']} ms per alert"
        )
    result: dict[str, object] = dict(out)
    if "queue" in parts:
        result["queue_target_met"] = out["queue_p99_ms"] < 100
    if "feed" in parts:
        result["feed_target_met"] = out["feed_max_stall_ms"] < 50
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
