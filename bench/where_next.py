"""Where next (``sighting.where_next``) on the demo district, next to a baseline in the same run.

* **plan** — ``backend_stub.where_next.plan`` for a plate seen at two cameras, on the demo
  district (its street graph, 320 cameras, ``--units`` available units with fixes): the cameras
  ahead within 15 minutes with their windows and paths, and the ranked units. It runs off the
  backend's event loop (an executor), so it stalls no one; the figure says how long a commander
  waits. Baseline: the same answer the obvious way — one ``shortest_path`` per camera and one per
  unit and intercept point (a Dijkstra each) instead of one shortest-path tree per origin.
* The answer's size on the wire (bytes of JSON), which the console draws in one call.

Prints figures and ONE JSON object on the last line.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from typing import Any

from backend_stub.district import District, build_district
from backend_stub.where_next import Seen, plan
from console.protocol.codec import format_ts

Wire = dict[str, Any]


def _inputs(
    district: District, rng: random.Random, now: float
) -> tuple[list[Seen], dict[str, Wire], dict[str, Wire], dict[str, Wire]]:
    cams = list(district.cameras)
    a, b = rng.sample(cams, 2)
    seen = [
        Seen(b.id, b.name, now - 5, (b.lat, b.lon)),
        Seen(a.id, a.name, now - 65, (a.lat, a.lon)),
    ]
    cameras: dict[str, Wire] = {
        c.id: {"id": c.id, "name": c.name, "lat": c.lat, "lon": c.lon} for c in cams
    }
    units: dict[str, Wire] = {
        u.id: {"id": u.id, "callsign": u.callsign, "kind": u.kind, "status": "available"}
        for u in district.units
    }
    positions: dict[str, Wire] = {
        u.id: {
            "lat": district.nodes[u.node].lat,
            "lon": district.nodes[u.node].lon,
            "fix_ts": format_ts(now),
        }
        for u in district.units
    }
    return seen, cameras, units, positions


def _baseline(
    district: District,
    seen: list[Seen],
    cameras: dict[str, Wire],
    units: dict[str, Wire],
    positions: dict[str, Wire],
) -> int:
    """The cameras ahead and the units' ETAs with a separate Dijkstra for every pair."""
    last = seen[0]
    origin = district.nearest_node(*last.point)
    found = []
    for cid, cam in cameras.items():
        node = district.nearest_node(float(cam["lat"]), float(cam["lon"]))
        path = district.shortest_path(origin, node)
        metres = district.path_length_m(path)
        if 30 < metres < 16.7 * 900:
            found.append((metres, cid, node))
    found.sort()
    intercepts = [n for _, _, n in found[:6]]
    best = 0
    for uid in units:
        fix = positions[uid]
        unode = district.nearest_node(float(fix["lat"]), float(fix["lon"]))
        for node in intercepts:
            best += len(district.shortest_path(unode, node))
    return len(found) + best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=220)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--baseline-runs", type=int, default=3)
    args = parser.parse_args(argv)
    district = build_district(7, n_units=args.units)
    rng = random.Random(19)
    now = time.time()
    times, sizes, cams_found, units_found = [], [], [], []
    for _ in range(args.runs):
        seen, cameras, units, positions = _inputs(district, rng, now)
        t0 = time.perf_counter()
        answer = plan(district, "plate", seen, cameras, units, positions, at=now)
        times.append((time.perf_counter() - t0) * 1000)
        sizes.append(len(json.dumps(answer, ensure_ascii=False).encode()))
        cams_found.append(len(answer["cameras"]))
        units_found.append(len(answer["units"]))
    base = []
    for _ in range(args.baseline_runs):
        seen, cameras, units, positions = _inputs(district, rng, now)
        t0 = time.perf_counter()
        _baseline(district, seen, cameras, units, positions)
        base.append((time.perf_counter() - t0) * 1000)
    p50 = statistics.median(times)
    p99 = sorted(times)[max(0, int(len(times) * 0.99) - 1)]
    base_p50 = statistics.median(base)
    fig = {
        "cameras": len(district.cameras),
        "junctions": len(district.nodes),
        "units": args.units,
        "plan_ms_p50": round(p50, 1),
        "plan_ms_p99": round(p99, 1),
        "baseline_ms_p50": round(base_p50, 1),
        "ratio_p50_vs_baseline": round(p50 / base_p50, 3),
        "answer_bytes_p50": int(statistics.median(sizes)),
        "cameras_ahead_p50": statistics.median(cams_found),
        "units_ranked_p50": statistics.median(units_found),
    }
    print(
        f"where next on the demo district ({fig['cameras']} cameras, {fig['junctions']} "
        f"junctions, {args.units} units): plan p50 {p50:.1f} ms, p99 {p99:.1f} ms; "
        f"baseline (one Dijkstra per pair) p50 {base_p50:.1f} ms "
        f"(ratio {fig['ratio_p50_vs_baseline']}); answer {fig['answer_bytes_p50']} bytes"
    )
    print(json.dumps(fig, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
