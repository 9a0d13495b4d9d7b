"""Map update throughput: 10,000 units at 1 Hz through Store → StoreBridge → MapPanel.

Run: ``.venv/bin/python bench/map_updates.py [--units 10000] [--ticks 20]`` (offscreen).

Per 1 Hz tick every unit reports a new position; the events go through a real Store and
StoreBridge into a real MapPanel whose page runs in Qt WebEngine. Printed:

- page apply time per tick (``performance.now()`` around ``ConsoleMap.apply``), p50/p99;
- GUI-thread time per tick spent by the map panel (its handler of the fixes, i.e.
  ``MapBatcher.add_positions``, plus ``flush``: batch building, JSON and the one
  ``runJavaScript`` submit), p50/p99, and the Store+bridge time (shared by every panel) for
  context; for the burst run also where the flush goes (p50 of
  the handler, ``MapBatcher.take``, ``batch_json`` and the ``runJavaScript`` submit);
- the baseline in the same run: one ``runJavaScript`` per marker. It is measured on a sample
  of markers and extrapolated linearly to the full unit count (the full baseline would take
  minutes per tick); the output says so;
- frames the page painted during the run, and the renderer processes' memory (RSS/PSS from
  /proc of the QtWebEngineProcess children);
- trails: the label-canvas paint time (names, heading arrows, trails) per frame at zoom 13 and
  14 over the urban core, with the trail layer off and then on with every unit carrying a full
  10-minute trail (60 points), the page apply time meanwhile, and the renderer memory then.

The last line is one JSON object with every figure.
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
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer
from PySide6.QtWidgets import QApplication

from console.domain.store import Store
from console.protocol.codec import format_ts

Wire = dict[str, Any]


# ---- demo state (also used by the screenshot script of the docs)


def demo_state(district: Any, now: float, seed: int = 1, n_alerts: int = 14) -> Wire:
    """A snapshot ``state`` from a demo district: units placed with fixes, some stale.

    Args:
        district: ``backend_stub.district.District``.
        now: Epoch seconds of the snapshot.
        seed: Seed for statuses, stale fixes and alerts.
        n_alerts: Alerts to raise at random junctions.
    """
    rng = random.Random(seed)
    statuses = ["available"] * 6 + ["dispatched", "en_route", "on_scene", "busy", "off_duty"]
    units = district.to_wire_units()
    for u in units:
        u["status"] = rng.choice(statuses)
    positions = []
    for seed_unit in district.units:
        node = district.nodes[seed_unit.node]
        age = rng.uniform(240, 1500) if rng.random() < 0.04 else rng.uniform(0, 20)
        positions.append(
            {
                "unit_id": seed_unit.id,
                "lat": node.lat + rng.uniform(-0.0004, 0.0004),
                "lon": node.lon + rng.uniform(-0.0004, 0.0004),
                "heading_deg": rng.choice([0.0, 90.0, 180.0, 270.0]),
                "fix_ts": format_ts(now - age),
            }
        )
    titles = ["打架斗殴", "交通事故", "盗窃报警", "可疑人员", "噪音扰民", "电子围栏越界", "火情"]
    alerts = []
    node_ids = sorted(district.nodes)
    for k in range(n_alerts):
        n = district.nodes[rng.choice(node_ids)]
        grid = district.grid_at(n.lat, n.lon)
        alerts.append(
            {
                "id": f"A{k + 1:05d}",
                "kind": "call_110",
                "priority": rng.choice([1, 2, 2, 3, 3, 4]),
                "title": rng.choice(titles),
                "description": "",
                "lat": n.lat,
                "lon": n.lon,
                "address": district.address_near(n.lat, n.lon),
                "grid_id": grid.id if grid else None,
                "status": rng.choice(["new", "new", "acknowledged", "dispatched"]),
                "created_ts": format_ts(now - rng.uniform(10, 900)),
                "version": 1,
                "owner": None,
                "unit_ids": [],
                "camera_ids": [],
                "history": [],
            }
        )
    layers = district.to_wire_layers()
    for fid, name, (lat, lon), r in (
        ("F001", "万达广场电子围栏", (39.829, 109.982), 0.004),
        ("F002", "第一中学周界", (39.806, 109.955), 0.003),
    ):
        ring = [[lon - r * 1.3, lat - r], [lon + r * 1.3, lat - r], [lon + r * 1.3, lat + r]]
        ring += [[lon - r * 1.3, lat + r], [lon - r * 1.3, lat - r]]
        geometry = {"type": "Polygon", "coordinates": [ring]}
        layers.append(
            {
                "id": fid,
                "kind": "efence",
                "name": name,
                "geojson": {"type": "Feature", "geometry": geometry, "properties": {"name": name}},
            }
        )
    return {
        "units": units,
        "positions": positions,
        "alerts": alerts,
        "cameras": district.to_wire_cameras(),
        "talkgroups": district.to_wire_talkgroups(),
        "layers": layers,
        "log": [],
    }


# ---- helpers


def wait_for(pred: Any, timeout: float = 60.0) -> None:
    """Run the Qt event loop until ``pred()`` is true (no sleeping)."""
    deadline = time.monotonic() + timeout
    loop = QEventLoop()
    while not pred():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        loop.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 20)


def js(panel: Any, script: str, timeout: float = 60.0) -> Any:
    """Evaluate a script in the page and return its result."""
    box: list[Any] = []
    panel.run_js(script, box.append)
    wait_for(lambda: box, timeout)
    return box[0]


def renderer_memory_mb() -> dict[str, float]:
    """RSS and PSS (MiB) summed over this process's QtWebEngineProcess descendants."""
    me = os.getpid()
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        names[int(entry)] = name
        children.setdefault(ppid, []).append(int(entry))
    todo, found = [me], []
    while todo:
        pid = todo.pop()
        for c in children.get(pid, []):
            todo.append(c)
            if "QtWebEngine" in names.get(c, ""):
                found.append(c)
    rss = pss = 0.0
    for pid in found:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1]) / 1024
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1]) / 1024
        except OSError:
            continue
    return {"processes": float(len(found)), "rss_mb": round(rss, 1), "pss_mb": round(pss, 1)}


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# ---- trails


FILL_TRAILS_JS = """(() => {
  const CM = window.ConsoleMap, now = CM.now || Date.now() / 1000;
  let n = 0;
  for (const [id, e] of CM.units) {
    if (!e.m) continue;
    const ll = e.m.getLatLng(), t = [];
    let lat = ll.lat, lon = ll.lng;
    for (let i = 60; i > 0; i--) {
      lat += (Math.random() - 0.5) * 4e-4; lon += (Math.random() - 0.5) * 4e-4;
      t.push(lat, lon, now - i * 10);
    }
    CM.trails.set(id, t); n += 60;
  }
  window.__paint = [];
  const draw = CM.labels.draw;
  CM.labels.draw = function () {
    const t0 = performance.now();
    draw.call(this);
    window.__paint.push(performance.now() - t0);
  };
  return n;
})()"""


def run_trails(panel: Any, run: Any, n_units: int, seconds: int) -> dict[str, Any]:
    """Label-canvas paint time with the trail layer off and on, at zoom 13 and 14."""
    points = js(panel, FILL_TRAILS_JS)
    out: dict[str, Any] = {"trail_points": points}
    for zoom in (13, 14):
        for on in (False, True):
            panel.set_layer_visible("trails", on)
            panel.centre_on(39.82, 109.98, zoom)
            panel.flush()
            js(panel, "window.__paint = []")
            r = run(seconds, 1)
            paint = json.loads(js(panel, "JSON.stringify(window.__paint)")) or [0.0]
            in_view = js(
                panel,
                "(() => { const b = ConsoleMap.map.getBounds(); let n = 0;"
                " for (const e of ConsoleMap.units.values())"
                " if (e.m && b.contains(e.m.getLatLng())) n++;"
                " return n; })()",
            )
            out[f"z{zoom}_{'on' if on else 'off'}"] = {
                "paint_ms_p50": round(statistics.median(paint), 2),
                "paint_ms_p99": round(pct(paint, 0.99), 2),
                "frames_painted": len(paint),
                "apply_ms_p99": r["apply_ms_p99"],
                "units_in_view": in_view,
            }
    panel.set_layer_visible("trails", False)
    out["renderer_rss_mb"] = renderer_memory_mb()["rss_mb"]
    return out


# ---- the run


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--units", type=int, default=10_000)
    ap.add_argument("--ticks", type=int, default=20)
    ap.add_argument("--baseline-sample", type=int, default=1000)
    ap.add_argument("--baseline-ticks", type=int, default=3)
    args = ap.parse_args()

    from backend_stub.district import build_district
    from widgets.bridge import StoreBridge
    from widgets.map import MapPanel, register_map_scheme
    from widgets.theme import Theme

    register_map_scheme()
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    district = build_district(7, n_units=args.units, n_cameras=320)
    now = time.time()
    store = Store()
    bridge = StoreBridge(store)
    # The bench drives flushes itself (one per 1 Hz tick), so the panel's own timer is slowed.
    panel = MapPanel(bridge, Theme("dark"), flush_hz=0.01)
    # The panel's share of applying fixes: its handler records them in the batcher.
    handler_s = [0.0]
    add_positions = panel._batch.add_positions

    def timed_add_positions(positions: Any) -> None:
        t = time.perf_counter()
        add_positions(positions)
        handler_s[0] += time.perf_counter() - t

    panel._batch.add_positions = timed_add_positions  # type: ignore[method-assign]
    panel.resize(1600, 900)
    panel.show()
    store.load_snapshot(0, demo_state(district, now, n_alerts=20))
    wait_for(lambda: panel.is_ready)
    panel.flush()
    wait_for(lambda: js(panel, "ConsoleMap.unitMarkerCount()") == args.units, 120)
    js(
        panel,
        "window.__frames = 0; (function f(){ window.__frames++; requestAnimationFrame(f); })()",
    )
    print(f"map bench: {args.units} units at 1 Hz, Qt WebEngine offscreen, {os.cpu_count()} CPUs")

    rng = random.Random(3)
    pos = {p.unit_id: [p.lat, p.lon] for p in store.positions.values()}
    ids = list(pos)
    seq = 0
    applied: list[float] = []
    panel.sig_batch_applied.connect(applied.append)

    def events_for(chunk: list[str]) -> list[Wire]:
        nonlocal seq
        events = []
        ts = format_ts(time.time())
        for uid in chunk:
            p = pos[uid]
            p[0] += rng.uniform(-0.0001, 0.0001)
            p[1] += rng.uniform(-0.0001, 0.0001)
            seq += 1
            events.append(
                {
                    "type": "unit.position",
                    "seq": seq,
                    "ts": ts,
                    "unit_id": uid,
                    "lat": p[0],
                    "lon": p[1],
                    "heading_deg": 90.0,
                    "fix_ts": ts,
                }
            )
        return events

    import widgets.map.panel

    # Patched in place to time the pieces of flush (Any: instance and module attributes).
    panel_module: Any = widgets.map.panel
    batcher: Any = panel._batch
    page: Any = panel.page
    encode = panel_module.batch_json
    parts: dict[str, float] = {}
    part_ms: dict[str, list[float]] = {"handler": [], "take": [], "encode": [], "submit": []}

    def timed(name: str, fn: Any) -> Any:
        def wrapper(*a: Any, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                parts[name] = parts.get(name, 0.0) + (time.perf_counter() - t) * 1000

        return wrapper

    def time_parts(on: bool) -> None:
        """Time the pieces of ``flush`` (instance/module patches; off for the baseline)."""
        if on:
            batcher.take = timed("take", batcher.take)
            panel_module.batch_json = timed("encode", encode)
            page.runJavaScript = timed("submit", page.runJavaScript)
        else:
            del batcher.take
            del page.runJavaScript
            panel_module.batch_json = encode

    def run(seconds: int, slices: int) -> dict[str, Any]:
        """Every unit reports once a second, in ``slices`` groups spread over the second;
        the panel flushes once after each group (one map tick per group)."""
        apply_ms: list[float] = []
        gui_ms: list[float] = []
        store_ms: list[float] = []
        wall_ms: list[float] = []
        chunks = [ids[i::slices] for i in range(slices)]
        frames0 = js(panel, "window.__frames")
        t_start = time.monotonic()
        for k in range(seconds * slices):
            at = t_start + k / slices
            wait_for(lambda at=at: time.monotonic() >= at, 5)  # type: ignore[misc]
            events = events_for(chunks[k % slices])
            handler_s[0] = 0.0
            t0 = time.perf_counter()
            store.apply_many(events)  # -> bridge and panel listeners (panel records fixes)
            t1 = time.perf_counter()
            n_before = len(applied)
            parts.clear()
            panel.flush()
            t2 = time.perf_counter()
            for name in ("take", "encode", "submit"):
                part_ms[name].append(parts.get(name, 0.0))
            wait_for(lambda n=n_before: len(applied) > n, 30)  # type: ignore[misc]
            t3 = time.perf_counter()
            handler = handler_s[0]
            gui_ms.append((handler + (t2 - t1)) * 1000)
            part_ms["handler"].append(handler * 1000)
            store_ms.append((t1 - t0 - handler) * 1000)
            apply_ms.append(applied[-1])
            wall_ms.append((t3 - t1) * 1000)
        elapsed = time.monotonic() - t_start
        frames = js(panel, "window.__frames") - frames0
        return {
            "ticks": len(apply_ms),
            "units_per_tick": len(chunks[0]),
            "apply_ms_p50": round(statistics.median(apply_ms), 2),
            "apply_ms_p99": round(pct(apply_ms, 0.99), 2),
            "gui_ms_p50": round(statistics.median(gui_ms), 2),
            "gui_ms_p99": round(pct(gui_ms, 0.99), 2),
            "store_bridge_ms_p50": round(statistics.median(store_ms), 2),
            "tick_wall_ms_p50": round(statistics.median(wall_ms), 2),
            "wall_ms_per_s": round(statistics.median(wall_ms) * slices, 2),
            "gui_ms_per_s": round(statistics.median(gui_ms) * slices, 2),
            "page_fps": round(frames / elapsed, 1),
        }

    def run_free(seconds: int, slices: int) -> dict[str, Any]:
        """Free-running like the console: a feed timer delivers a slice of the units every
        1/slices s and the flush timer ticks at the same rate; nothing waits for the page."""
        gui_ms: list[float] = []
        store_ms: list[float] = []
        n_applied = len(applied)
        chunks = [ids[i::slices] for i in range(slices)]
        count = [0]

        def feed() -> None:
            events = events_for(chunks[count[0] % slices])
            count[0] += 1
            handler_s[0] = 0.0
            t0 = time.perf_counter()
            store.apply_many(events)
            t1 = time.perf_counter()
            handler = handler_s[0]
            store_ms.append((t1 - t0 - handler) * 1000)
            gui_ms.append(handler * 1000)

        def tick() -> None:
            t0 = time.perf_counter()
            panel.flush()
            if gui_ms:
                gui_ms[-1] += (time.perf_counter() - t0) * 1000

        feeder, flusher = QTimer(), QTimer()
        feeder.setInterval(round(1000 / slices))
        flusher.setInterval(round(1000 / slices))
        feeder.timeout.connect(feed)
        flusher.timeout.connect(tick)
        frames0 = js(panel, "window.__frames")
        t_start = time.monotonic()
        feeder.start()
        QTimer.singleShot(round(500 / slices), flusher.start)
        wait_for(lambda: time.monotonic() - t_start >= seconds, seconds + 10)
        feeder.stop()
        flusher.stop()
        elapsed = time.monotonic() - t_start
        frames = js(panel, "window.__frames") - frames0
        apply_ms = applied[n_applied:]
        return {
            "ticks": len(apply_ms),
            "units_per_tick": len(chunks[0]),
            "apply_ms_p50": round(statistics.median(apply_ms), 2),
            "apply_ms_p99": round(pct(apply_ms, 0.99), 2),
            "gui_ms_p50": round(statistics.median(gui_ms), 2),
            "gui_ms_p99": round(pct(gui_ms, 0.99), 2),
            "store_bridge_ms_p50": round(statistics.median(store_ms), 2),
            "tick_wall_ms_p50": None,
            "wall_ms_per_s": None,
            "gui_ms_per_s": round(statistics.median(gui_ms) * slices, 2),
            "page_fps": round(frames / elapsed, 1),
        }

    time_parts(True)
    burst = run(args.ticks, 1)
    time_parts(False)
    burst["gui_parts_ms_p50"] = {k: round(statistics.median(v), 2) for k, v in part_ms.items()}
    spread = run_free(max(2, args.ticks // 2), 5)
    trails = run_trails(panel, run, args.units, max(2, args.ticks // 4))

    # Baseline: one runJavaScript per marker, on a sample, extrapolated to all units.
    sample = min(args.baseline_sample, args.units)
    base_gui: list[float] = []
    base_wall: list[float] = []
    for _ in range(args.baseline_ticks):
        done: list[Any] = []
        t0 = time.perf_counter()
        for uid in ids[:sample]:
            p = pos[uid]
            p[0] += rng.uniform(-0.0001, 0.0001)
            # The same page code and encoding as the batches, one marker per call.
            key, lat, lon = panel._batch.page_key(uid), int(p[0] * 1e6), int(p[1] * 1e6)
            panel.run_js(f'ConsoleMap.apply({{"pos":[{key},{lat},{lon},90]}})', done.append)
        t1 = time.perf_counter()
        wait_for(lambda done=done: len(done) >= sample, 300)  # type: ignore[misc]
        t2 = time.perf_counter()
        scale = args.units / sample
        base_gui.append((t1 - t0) * 1000 * scale)
        base_wall.append((t2 - t0) * 1000 * scale)
    memory = renderer_memory_mb()

    res: dict[str, Any] = {
        "units": args.units,
        "burst": burst,
        "spread": spread,
        "baseline_sample": sample,
        "baseline_extrapolated": sample < args.units,
        "baseline_gui_ms_per_s": round(statistics.median(base_gui), 1),
        "baseline_wall_ms_per_s": round(statistics.median(base_wall), 1),
        "renderer": memory,
        "trails": trails,
    }
    res["speedup_wall"] = round(res["baseline_wall_ms_per_s"] / burst["wall_ms_per_s"], 1)
    res["speedup_gui"] = round(res["baseline_gui_ms_per_s"] / burst["gui_ms_per_s"], 1)
    for name, r, how in (
        ("burst", burst, "all units report at once, one map tick per second"),
        ("spread", spread, "a fifth of the units every 200 ms, free-running 5 Hz flush"),
    ):
        print(f"{name}: {r['units_per_tick']} fixes per tick ({how}), {r['ticks']} ticks")
        print(
            f"  page apply per tick:      p50 {r['apply_ms_p50']} ms  p99 {r['apply_ms_p99']} ms"
            "  (target p99 < 50 ms per 10,000-unit tick)"
        )
        print(
            f"  GUI thread, map panel:    p50 {r['gui_ms_p50']} ms  p99 {r['gui_ms_p99']} ms"
            "  (target < 10 ms)"
        )
        if "gui_parts_ms_p50" in r:
            print(
                "    of which (p50 ms): "
                + ", ".join(f"{k} {v}" for k, v in r["gui_parts_ms_p50"].items())
            )
        print(f"  GUI thread, Store+bridge: p50 {r['store_bridge_ms_p50']} ms (shared by panels)")
        wall = r["tick_wall_ms_p50"]
        wall_text = f"tick wall flush->applied: p50 {wall} ms; " if wall is not None else ""
        print(f"  {wall_text}page painted {r['page_fps']} frames/s")
    extra = (
        f"extrapolated from {sample} markers x {args.baseline_ticks} rounds"
        if (res["baseline_extrapolated"])
        else "measured in full"
    )
    print(f"baseline, one runJavaScript per marker, per second of 10,000 fixes ({extra}):")
    print(
        f"  GUI thread {res['baseline_gui_ms_per_s']} ms, wall {res['baseline_wall_ms_per_s']} ms"
        f"  vs batched (burst): GUI {burst['gui_ms_per_s']} ms, wall {burst['wall_ms_per_s']} ms"
    )
    print(
        f"speed-up vs baseline: wall {res['speedup_wall']}x, GUI thread {res['speedup_gui']}x"
        "  (target >= 10x)"
    )
    print(
        f"renderer memory: {memory['rss_mb']} MiB RSS, {memory['pss_mb']} MiB PSS"
        f" over {int(memory['processes'])} QtWebEngineProcess"
    )
    print(f"trails ({trails['trail_points']} points, label canvas paint per frame, p50/p99 ms):")
    for z in (13, 14):
        off, on = trails[f"z{z}_off"], trails[f"z{z}_on"]
        print(
            f"  zoom {z}: off {off['paint_ms_p50']}/{off['paint_ms_p99']}"
            f"  on {on['paint_ms_p50']}/{on['paint_ms_p99']} ({on['units_in_view']} units in view)"
            f"  apply p99 off {off['apply_ms_p99']} on {on['apply_ms_p99']}"
        )
    print(f"  renderer memory with trails: {trails['renderer_rss_mb']} MiB RSS")
    panel.close()
    del app
    print(json.dumps(res))


if __name__ == "__main__":
    main()
