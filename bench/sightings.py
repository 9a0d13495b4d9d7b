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

The default size (``--sightings 500000``) runs in a few minutes; ``--full`` is the issue's
10,000,000. The map's 500-point trajectory is not measured here (see the report).
Prints figures and ONE JSON object on the last line.
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
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_ALNUM = _LETTERS + "0123456789"


def plate(rng: random.Random) -> str:
    return "蒙" + rng.choice(_LETTERS) + "".join(rng.choice(_ALNUM) for _ in range(5))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sightings", type=int, default=500_000)
    parser.add_argument("--full", action="store_true", help="10,000,000 sightings (the issue)")
    parser.add_argument("--plates", type=int, default=200_000, help="distinct plates")
    args = parser.parse_args(argv)
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
    print(json.dumps(fig, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
