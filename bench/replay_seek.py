"""Seek and playback figures of replay over a generated 24-hour recording.

Generates a recording like a busy district's day (220 units reporting positions, radio calls,
alerts going through their lifecycle), then measures: open time, random seek p50/p99 (keyframe
+ events after it, into a real Store; worker-thread and GUI-thread parts apart), events applied
per second when playing at 16x, file size, and, in the same run, two baselines: the seek that
applies every event after the keyframe (json.loads each; the seek before it dropped overwritten
fixes) on the same targets, and naive seek (replay every event from the start) on a sample.

    .venv/bin/python bench/replay_seek.py                # 10,000,000 events over 24 h (~8 min)
    .venv/bin/python bench/replay_seek.py --events 2000000    # quicker (~3 min)
    .venv/bin/python bench/replay_seek.py --path /tmp/r.sqlite3 --reuse   # measure again

The generated file (about 3.3 GB at 10 million events) stays at --path for --reuse.

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from console.domain.store import Store
from console.protocol.codec import format_ts
from console.replay import EMPTY_STATE, Frame, ReplayEngine
from console.storage.recording import RecordingFile

T0 = 1_795_000_000.0
UNITS = 220
STATUSES = ("new", "acknowledged", "dispatched", "on_scene", "resolved", "closed")


def _alert(n: int, t: float, status: str, version: int, rng: random.Random) -> dict:
    return {
        "id": f"A{n:06d}",
        "kind": "call_110",
        "priority": rng.randint(1, 4),
        "title": f"110报警 #{n}",
        "description": "",
        "lat": 39.8 + rng.random() / 10,
        "lon": 109.9 + rng.random() / 10,
        "address": "东胜区",
        "grid_id": None,
        "status": status,
        "created_ts": format_ts(t),
        "version": version,
        "owner": None,
        "unit_ids": [],
        "camera_ids": [],
        "history": [
            {"ts": format_ts(t), "operator": None, "action": s, "note": ""}
            for s in STATUSES[: STATUSES.index(status) + 1]
        ],
    }


def generate(path: Path, n_events: int, hours: float, seed: int = 7) -> None:
    """Write a synthetic recording of ``n_events`` events spread over ``hours``."""
    rng = random.Random(seed)
    rec = RecordingFile(path)
    rate = n_events / (hours * 3600)
    units = {
        f"U{i:03d}": {
            "id": f"U{i:03d}",
            "callsign": f"P{1000 + i}",
            "kind": "patrol_car",
            "radio_id": f"46{i:05d}",
            "talkgroup": "1101",
            "grid_id": None,
            "status": "available",
        }
        for i in range(UNITS)
    }
    positions: dict[str, dict] = {}
    alerts: dict[str, dict] = {}
    radio: list[dict] = []
    seq, alert_n, t, written = 0, 0, T0, 0
    unit_ids = list(units)

    def state() -> dict:
        return {
            "units": list(units.values()),
            "positions": list(positions.values()),
            "alerts": list(alerts.values())[-400:],
            "cameras": [],
            "talkgroups": [{"id": "1101", "alias": "东胜指挥"}],
            "layers": [],
            "log": [],
            "radio": radio[-200:],
        }

    first = [
        {"type": "unit.upsert", "seq": i + 1, "ts": format_ts(t), "unit": u}
        for i, u in enumerate(units.values())
    ]
    seq = len(first)
    rec.write_batch([(t, e) for e in first], [(t, len(first), state(), seq, True)])
    written = len(first)
    next_kf = t + 10.0
    step = 0.2  # one batch per 200 ms, like the recorder
    pending: list[tuple[float, dict]] = []
    while written < n_events:
        t += step
        batch = pending
        n = max(1, round(rate * step * (0.5 + rng.random())))
        ts = format_ts(t)
        n = min(n, n_events - written)
        for _ in range(n):
            seq += 1
            r = rng.random()
            if r < 0.004:
                alert_n += 1
                a = _alert(alert_n, t, "new", 1, rng)
                alerts[a["id"]] = a
                ev = {"type": "alert.new", "seq": seq, "ts": ts, "alert": a}
            elif r < 0.012 and alerts:
                old = alerts[rng.choice(list(alerts)[-30:])]
                i = STATUSES.index(old["status"])
                status = STATUSES[min(i + 1, 5)]
                a = _alert(int(old["id"][1:]), t, status, old["version"] + 1, rng)
                alerts[a["id"]] = a
                ev = {"type": "alert.updated", "seq": seq, "ts": ts, "alert": a}
            elif r < 0.02:
                call = {
                    "id": f"R{seq}",
                    "talkgroup": "1101",
                    "source_radio_id": "4600001",
                    "target_radio_id": None,
                    "kind": "group",
                    "start_ts": ts,
                    "duration_s": 4.5,
                    "audio_url": None,
                    "encrypted": False,
                }
                radio.append(call)
                ev = {"type": "radio.call", "seq": seq, "ts": ts, "call": call}
            else:
                uid = rng.choice(unit_ids)
                body = {
                    "unit_id": uid,
                    "lat": 39.8 + rng.random() / 10,
                    "lon": 109.9 + rng.random() / 10,
                    "speed_kmh": 32.0,
                    "heading_deg": 90.0,
                    "source": "gps",
                    "fix_ts": ts,
                }
                positions[uid] = body
                ev = {"type": "unit.position", "seq": seq, "ts": ts, **body}
            batch.append((t, ev))
        written += n
        if len(radio) > 400:
            del radio[:200]
        if len(alerts) > 600:
            for key in list(alerts)[:200]:
                del alerts[key]
        if t >= next_kf or written >= n_events:
            # One transaction per 10 s of recording (the recorder writes every 200 ms; the
            # file is the same, generation is just faster).
            rec.write_batch(batch, [(t, len(batch), state(), seq, False)])
            pending = []
            next_kf = t + 10.0
    rec.close()


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def _prepare_every_event(engine: ReplayEngine, t: float) -> Frame:
    """The seek before the tail lost its overwritten fixes: keyframe + every event after it,
    each parsed with json.loads (the same-run baseline of the seek figures)."""
    t = min(max(t, engine.start_ts), engine.end_ts)
    kf = engine.file.keyframe_at(t)
    upto = engine.file.last_event_n(t)
    after = kf.event_n if kf is not None else 0
    rows = [r for chunk in engine.file.iter_events(after, upto) for r in chunk]
    state = engine._state(kf) if kf is not None else EMPTY_STATE
    seq = (kf.seq or 0) if kf is not None else 0
    events = [json.loads(r.body) for r in rows]
    return Frame(t, max(upto, after), seq, state, events, None, len(rows))


def _seeks(
    engine: ReplayEngine, targets: list[float], prepare: Callable[[float], Frame], out: dict
) -> None:
    """Add the total, prepare (worker thread) and apply (GUI thread) ms of each seek to out."""
    for target in targets:
        t = time.perf_counter()
        frame = prepare(target)
        t1 = time.perf_counter()
        engine.apply(frame)
        t2 = time.perf_counter()
        out["total"].append((t2 - t) * 1000)
        out["prepare"].append((t1 - t) * 1000)
        out["apply"].append((t2 - t1) * 1000)


def measure(path: Path, seeks: int, naive_samples: int, naive_span_s: float) -> dict:
    """Open, seek, play and naive-seek figures (milliseconds unless named otherwise)."""
    t = time.perf_counter()
    store = Store()
    engine = ReplayEngine(path, store)
    open_ms = (time.perf_counter() - t) * 1000
    rng = random.Random(1)
    targets = [rng.uniform(engine.start_ts, engine.end_ts) for _ in range(seeks)]
    # Warm the file's pages for both (the first pass would pay the disk for the second), then
    # alternate halves so neither gets a quieter moment of the machine.
    new: dict[str, list] = {"total": [], "prepare": [], "apply": []}
    old: dict[str, list] = {"total": [], "prepare": [], "apply": []}
    _seeks(engine, targets, engine.prepare, {"total": [], "prepare": [], "apply": []})
    half = max(1, len(targets) // 2)
    for chunk in (targets[:half], targets[half:]):
        _seeks(engine, chunk, engine.prepare, new)
        _seeks(engine, chunk, functools.partial(_prepare_every_event, engine), old)
    times = new["total"]
    # Playing at 16x: one tick per 33 ms of wall time for 20 s of wall time, on a fake clock.
    clock = [0.0]
    engine.clock = lambda: clock[0]
    engine.seek(engine.start_ts + engine.duration / 2)
    engine.set_speed(16.0)
    engine.play()
    applied, busy = 0, 0.0
    for _ in range(600):
        clock[0] += 0.033
        t = time.perf_counter()
        applied += engine.tick()
        busy += time.perf_counter() - t
    play = {"wall_s": 600 * 0.033, "applied": applied, "busy_s": busy}
    # Naive seek: a fresh Store fed every event from the start, on a sample of targets.
    naive = []
    for _ in range(naive_samples):
        target = engine.start_ts + rng.uniform(0.5, 1.0) * naive_span_s
        t = time.perf_counter()
        fresh = Store()
        upto = engine.file.last_event_n(target)
        for chunk in engine.file.iter_events(0, upto):
            fresh.apply_many([json.loads(r.body) for r in chunk])
        naive.append(((time.perf_counter() - t) * 1000, upto))
    engine.close()
    return {
        "open_ms": open_ms,
        "seek_p50_ms": statistics.median(times),
        "seek_p99_ms": _pct(times, 0.99),
        "seek_max_ms": max(times),
        "prepare_p99_ms": _pct(new["prepare"], 0.99),
        "apply_p99_ms": _pct(new["apply"], 0.99),
        "every_event_p50_ms": statistics.median(old["total"]),
        "every_event_p99_ms": _pct(old["total"], 0.99),
        "every_event_prepare_p99_ms": _pct(old["prepare"], 0.99),
        "every_event_apply_p99_ms": _pct(old["apply"], 0.99),
        "play": play,
        "naive": naive,
    }


def main() -> None:
    """Generate (unless the file exists with --reuse) and measure."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--events",
        type=int,
        default=10_000_000,
        help="events to generate (default 10,000,000, the target size: generating it takes"
        " about 6.5 min on a quiet 2-core box, the whole run about 8)",
    )
    p.add_argument("--hours", type=float, default=24.0)
    p.add_argument("--path", default="/tmp/replay_bench.sqlite3")
    p.add_argument("--reuse", action="store_true", help="measure an existing file")
    p.add_argument("--seeks", type=int, default=300)
    p.add_argument("--naive-samples", type=int, default=3)
    p.add_argument(
        "--naive-span-s",
        type=float,
        default=3600.0,
        help="naive seeks target the first N seconds (it replays everything before)",
    )
    a = p.parse_args()
    path = Path(a.path)
    gen_s = 0.0
    if not (a.reuse and path.exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        t = time.perf_counter()
        generate(path, a.events, a.hours)
        gen_s = time.perf_counter() - t
    size = os.path.getsize(path)
    print(f"recording: {a.events:,} events over {a.hours:g} h -> {path} ({size / 1e9:.2f} GB)")
    print(f"generation: {gen_s:.0f} s")
    r = measure(path, a.seeks, a.naive_samples, a.naive_span_s)
    play = r["play"]
    rate_16x = play["applied"] / play["wall_s"]
    max_rate = play["applied"] / play["busy_s"] if play["busy_s"] else 0.0
    naive_ms = [ms for ms, _ in r["naive"]]
    naive_eps = sum(n for _, n in r["naive"]) / (sum(naive_ms) / 1000) if naive_ms else 0.0
    full_naive_ms = a.events / 2 / naive_eps * 1000 if naive_eps else 0.0
    print(f"open: {r['open_ms']:.1f} ms")
    print(
        f"seek ({a.seeks} random): p50 {r['seek_p50_ms']:.1f} ms, p99 {r['seek_p99_ms']:.1f} ms,"
        f" max {r['seek_max_ms']:.1f} ms (target p99 < 50 ms); worker p99"
        f" {r['prepare_p99_ms']:.1f} ms, GUI thread p99 {r['apply_p99_ms']:.1f} ms"
    )
    print(
        f"seek applying every event after the keyframe (same targets, same run): p50"
        f" {r['every_event_p50_ms']:.1f} ms, p99 {r['every_event_p99_ms']:.1f} ms; worker p99"
        f" {r['every_event_prepare_p99_ms']:.1f} ms, GUI thread p99"
        f" {r['every_event_apply_p99_ms']:.1f} ms -> p99 ratio"
        f" {r['seek_p99_ms'] / r['every_event_p99_ms']:.2f}x"
    )
    print(
        f"play 16x: {rate_16x:,.0f} events/s applied, GUI-thread busy"
        f" {100 * play['busy_s'] / play['wall_s']:.0f}% (capacity {max_rate:,.0f} events/s)"
    )
    for ms, n in r["naive"]:
        print(f"naive seek (replay from start): {n:,} events in {ms:,.0f} ms")
    print(
        f"naive seek to a random time of the whole recording, estimated: {full_naive_ms:,.0f} ms"
        f" ({full_naive_ms / max(r['seek_p50_ms'], 1e-9):,.0f}x the keyframe seek p50)"
    )
    print(
        json.dumps(
            {
                "events": a.events,
                "hours": a.hours,
                "file_bytes": size,
                "generation_s": round(gen_s, 1),
                "open_ms": round(r["open_ms"], 2),
                "seek_p50_ms": round(r["seek_p50_ms"], 2),
                "seek_p99_ms": round(r["seek_p99_ms"], 2),
                "seek_worker_p99_ms": round(r["prepare_p99_ms"], 2),
                "seek_gui_p99_ms": round(r["apply_p99_ms"], 2),
                "every_event_seek_p50_ms": round(r["every_event_p50_ms"], 2),
                "every_event_seek_p99_ms": round(r["every_event_p99_ms"], 2),
                "every_event_seek_gui_p99_ms": round(r["every_event_apply_p99_ms"], 2),
                "seek_p99_ratio_vs_every_event": round(
                    r["seek_p99_ms"] / r["every_event_p99_ms"], 3
                ),
                "events_per_s_16x": round(rate_16x),
                "apply_capacity_events_per_s": round(max_rate),
                "naive_seek_ms_sample": [round(ms) for ms in naive_ms],
                "naive_seek_events_sample": [n for _, n in r["naive"]],
                "naive_seek_full_estimate_ms": round(full_naive_ms),
            }
        )
    )


if __name__ == "__main__":
    main()
