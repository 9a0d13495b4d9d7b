"""Sightings at district scale (issue 19): store rate, one plate's 7-day search, watch-list match
cost, each next to a baseline measured in the same run.

* **ingest** — sightings over 30 days from 2,000 cameras written through
  ``SightingStore.write`` (batches of 500, one transaction each, the composite index and the
  idempotency constraint kept) into a real SQLite file; baseline: the same rows with
  ``executemany`` into a bare table (no index, no constraint). Target >= 5,000/s.
* **search** — ``SightingStore.search`` of one plate over 7 days, 200 plates, p50/p99; baseline:
  the same query against the bare table (a full scan), 5 plates. Target p99 < 100 ms.
* **match** — ``WatchIndex.match`` per sighting with 100,000 active entries (90,000 exact
  plates, 10,000 ``*``/``?`` patterns); baseline: a linear ``fnmatch`` scan of the patterns for
  200 sightings. Target < 0.1 ms.

* **map** — the trajectory of 500 sightings (``console.trajectory.build_route`` over the demo
  district's cameras) drawn by ``ConsoleTrajectory.show`` on the real map page in Qt WebEngine
  (offscreen): the page's time in ``show`` (``performance.now()``) and until the next frame
  is painted, p50/p99 of 10 draws with the route in view (the first draw, which also fits the
  map to it, is printed apart); baseline in the same page: one plain Leaflet polyline through
  the same 500 points. Target page time < 50 ms. ``--no-map`` leaves it out.

The default size (``--sightings 500000``) runs in a few minutes; ``--full`` is the issue's
10,000,000. Prints figures and ONE JSON object on the last line.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from backend_stub.db import open_engine
from backend_stub.sightings import Sighting, SightingStore, WatchEntry, WatchIndex

CAMERAS = 2000
DAYS = 30
TARGET_INGEST = 5000.0
TARGET_SEARCH_P99_MS = 100.0
TARGET_MATCH_MS = 0.1
TARGET_MAP_MS = 50.0
MAP_POINTS = 500
MAP_DRAWS = 10
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_ALNUM = _LETTERS + "0123456789"


def plate(rng: random.Random) -> str:
    return "蒙" + rng.choice(_LETTERS) + "".join(rng.choice(_ALNUM) for _ in range(5))


# Times a draw until the frame after it is painted (runJavaScript does not wait for promises,
# so the frame time is left in a global and read back).
_DRAW_JS = """(() => {
  const t0 = performance.now();
  window.__drawn = null;
  const took = %s;
  requestAnimationFrame(() => requestAnimationFrame(() => {
    window.__drawn = performance.now() - t0;
  }));
  return took;
})()"""
_BASELINE_JS = """(() => {
  const t0 = performance.now();
  if (window.__base) window.__base.remove();
  const r = %s;
  window.__base = L.polyline(r.points.map((p) => [p.lat, p.lon]), {color: "#ff9f1a"})
    .addTo(window.ConsoleMap.map);
  return performance.now() - t0;
})()"""
_FRAME_JS = "typeof window.__drawn === 'number' ? window.__drawn : -1"


def map_figures(points: int = MAP_POINTS, draws: int = MAP_DRAWS) -> dict[str, object]:
    """The map page drawing a ``points``-sighting trajectory, and the plain-polyline baseline."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
    from map_updates import demo_state, js, pct, wait_for
    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    from backend_stub.district import build_district
    from console.domain.store import Store
    from console.protocol.codec import format_ts
    from console.trajectory import build_route
    from widgets.bridge import StoreBridge
    from widgets.map import MapPanel, register_map_scheme
    from widgets.theme import Theme

    register_map_scheme()
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    district = build_district(7, n_units=220, n_cameras=320)
    store = Store()
    panel = MapPanel(StoreBridge(store), Theme("dark"))
    panel.resize(1600, 900)
    panel.show()
    now = time.time()
    store.load_snapshot(0, demo_state(district, now))
    wait_for(lambda: panel.is_ready, 120)
    rng = random.Random(500)
    cameras = district.cameras
    camera = rng.choice(cameras)
    sightings = []
    for i in range(points):  # a vehicle hopping between nearby cameras, 30-900 s apart
        near = sorted(cameras, key=lambda c: (c.lat - camera.lat) ** 2 + (c.lon - camera.lon) ** 2)
        camera = rng.choice(near[1:6])
        sightings.append(
            {
                "id": i,
                "camera_id": camera.id,
                "camera_name": camera.name,
                "lat": camera.lat,
                "lon": camera.lon,
                "ts": format_ts(now - (points - i) * rng.uniform(30, 900)),
                "kind": "plate",
                "value": "蒙K7S521",
                "snapshot_url": f"http://127.0.0.1:9/snapshots/files/s{i}.jpg",
            }
        )
    sightings.sort(key=lambda s: str(s["ts"]))
    route = json.dumps(build_route(sightings))
    # The first draw fits the map to the route (a redraw of the whole map); the next ones
    # find it in view, as a commander redrawing or re-searching does.
    first = float(js(panel, f"window.ConsoleTrajectory.show({route})"))
    shown, painted, base = [], [], []
    for _ in range(draws):
        shown.append(float(js(panel, _DRAW_JS % f"window.ConsoleTrajectory.show({route})")))
        wait_for(lambda: float(js(panel, _FRAME_JS)) >= 0)
        painted.append(float(js(panel, _FRAME_JS)))
        js(panel, "window.ConsoleTrajectory.clear(), 0")
        base.append(float(js(panel, _BASELINE_JS % route)))
    js(panel, f"window.ConsoleTrajectory.show({route}), 0")
    drawn = json.loads(js(panel, "JSON.stringify(ConsoleTrajectory.summary())"))
    panel.close()
    app.processEvents()
    return {
        "map_points": points,
        "map_points_drawn": drawn["points"],
        "map_first_show_with_fit_ms": round(first, 2),
        "map_show_p50_ms": round(statistics.median(shown), 2),
        "map_show_p99_ms": round(pct(shown, 0.99), 2),
        "map_to_frame_p50_ms": round(statistics.median(painted), 2),
        "map_to_frame_p99_ms": round(pct(painted, 0.99), 2),
        "map_baseline_polyline_p50_ms": round(statistics.median(base), 2),
        "map_ratio_to_polyline": round(statistics.median(shown) / statistics.median(base), 2),
        "map_ok": pct(shown, 0.99) < TARGET_MAP_MS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sightings", type=int, default=500_000)
    parser.add_argument("--full", action="store_true", help="10,000,000 sightings (the issue)")
    parser.add_argument("--plates", type=int, default=200_000, help="distinct plates")
    parser.add_argument("--no-map", action="store_true", help="leave out the map's trajectory")
    parser.add_argument("--map-only", action="store_true", help="only the map's trajectory")
    args = parser.parse_args(argv)
    if args.map_only:
        fig_map = map_figures()
        _print_map(fig_map)
        print(json.dumps(fig_map, ensure_ascii=False))
        return 0
    n = 10_000_000 if args.full else args.sightings
    t_bench = time.perf_counter()
    rng = random.Random(19)
    now = time.time()
    plates = [plate(rng) for _ in range(args.plates)]
    fig: dict[str, object] = {"sightings": n, "cameras": CAMERAS, "days": DAYS}

    with tempfile.TemporaryDirectory(prefix="bench-sightings-") as folder:
        engine = open_engine(f"sqlite:///{Path(folder) / 'backend.sqlite3'}")
        store = SightingStore(engine, retention_days=DAYS + 1, batch=500)

        def rows(count: int, seed: int) -> list[Sighting]:
            r = random.Random(seed)
            return [
                Sighting(
                    "bench",
                    f"{seed}-{i}",
                    f"C{r.randrange(CAMERAS):04d}",
                    now - r.random() * DAYS * 86400,
                    "plate",
                    r.choice(plates),
                    0.9,
                    None,
                    None,
                )
                for i in range(count)
            ]

        # ---- ingest
        chunk = 100_000
        written, spent = 0, 0.0
        seed = 0
        while written < n:
            group = rows(min(chunk, n - written), seed)
            seed += 1
            t0 = time.perf_counter()
            for i in range(0, len(group), 500):
                store.write(group[i : i + 500])
            spent += time.perf_counter() - t0
            written += len(group)
        ingest = written / spent
        bare = sqlite3.connect(str(Path(folder) / "bare.sqlite3"))
        bare.execute(
            "CREATE TABLE s (source TEXT, ref TEXT, camera_id TEXT, ts REAL, kind TEXT, "
            "value TEXT, confidence REAL, snapshot_url TEXT, vehicle TEXT)"
        )
        base_n = min(n, 200_000)
        base_rows = [
            (s.source, s.ref, s.camera_id, s.ts, s.kind, s.value, s.confidence, None, None)
            for s in rows(base_n, 10_000)
        ]
        t0 = time.perf_counter()
        for i in range(0, base_n, 500):
            bare.executemany("INSERT INTO s VALUES (?,?,?,?,?,?,?,?,?)", base_rows[i : i + 500])
            bare.commit()
        base_ingest = base_n / (time.perf_counter() - t0)
        fig["ingest_per_s"] = round(ingest)
        fig["ingest_baseline_bare_per_s"] = round(base_ingest)
        fig["ingest_ratio_to_bare"] = round(ingest / base_ingest, 3)
        fig["ingest_ok"] = ingest >= TARGET_INGEST

        # ---- search: one plate over 7 days
        times = []
        for p in rng.sample(plates, 200):
            t0 = time.perf_counter()
            store.search("plate", p, now - 7 * 86400, now)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        p99 = times[int(0.99 * (len(times) - 1))]
        base_times = []
        for p in rng.sample(plates, 5):
            t0 = time.perf_counter()
            bare.execute(
                "SELECT * FROM s WHERE kind='plate' AND value=? AND ts BETWEEN ? AND ? ORDER BY ts",
                (p, now - 7 * 86400, now),
            ).fetchall()
            base_times.append((time.perf_counter() - t0) * 1000)
        bare.close()
        fig["search_p50_ms"] = round(statistics.median(times), 3)
        fig["search_p99_ms"] = round(p99, 3)
        fig["search_baseline_scan_ms"] = round(statistics.median(base_times), 3)
        fig["search_baseline_rows"] = base_n
        fig["search_ok"] = p99 < TARGET_SEARCH_P99_MS
        store.close()
        engine.dispose()

    # ---- watch-list match
    index = WatchIndex()
    patterns: list[str] = []
    for i in range(100_000):
        if i % 10 == 0:
            value = plate(rng)
            cut = rng.randrange(4, 7)  # 蒙K7S* .. 蒙K7S52?: a fixed prefix
            value = value[:cut] + ("*" if i % 20 == 0 else "?" * (len(value) - cut))
            patterns.append(value)
        else:
            value = plate(rng)
        index.add(WatchEntry(f"w{i}", "plate", value, "bench", 2, None, now, "bench"))
    probes = [plate(rng) for _ in range(100_000)]
    t0 = time.perf_counter()
    hits = sum(len(index.match("plate", p, now)) for p in probes)
    match_ms = (time.perf_counter() - t0) * 1000 / len(probes)
    t0 = time.perf_counter()
    for p in probes[:200]:
        [q for q in patterns if fnmatch.fnmatchcase(p, q)]
    scan_ms = (time.perf_counter() - t0) * 1000 / 200
    fig["match_ms_per_sighting"] = round(match_ms, 5)
    fig["match_baseline_linear_scan_ms"] = round(scan_ms, 3)
    fig["match_speedup"] = round(scan_ms / match_ms, 1)
    fig["match_hits"] = hits
    fig["match_ok"] = match_ms < TARGET_MATCH_MS
    if not args.no_map:
        fig.update(map_figures())
    fig["bench_s"] = round(time.perf_counter() - t_bench, 1)

    print(f"ingest: {fig['ingest_per_s']}/s (bare table {fig['ingest_baseline_bare_per_s']}/s)")
    print(
        f"search one plate over 7 days in {n:,}: p50 {fig['search_p50_ms']} ms, "
        f"p99 {fig['search_p99_ms']} ms (scan of {base_n:,}: {fig['search_baseline_scan_ms']} ms)"
    )
    print(
        f"watch match, 100,000 entries: {fig['match_ms_per_sighting']} ms a sighting "
        f"(linear fnmatch of 10,000 patterns: {fig['match_baseline_linear_scan_ms']} ms)"
    )
    if not args.no_map:
        _print_map(fig)
    print(json.dumps(fig, ensure_ascii=False))
    return 0


def _print_map(fig: dict[str, object]) -> None:
    print(
        f"map, {fig['map_points']}-point trajectory: show p50 {fig['map_show_p50_ms']} ms, "
        f"p99 {fig['map_show_p99_ms']} ms; to the painted frame p50 "
        f"{fig['map_to_frame_p50_ms']} ms, p99 {fig['map_to_frame_p99_ms']} ms "
        f"(one plain polyline: {fig['map_baseline_polyline_p50_ms']} ms; the first draw, "
        f"fitting the map: {fig['map_first_show_with_fit_ms']} ms)"
    )


if __name__ == "__main__":
    sys.exit(main())
