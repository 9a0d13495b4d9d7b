"""Seek leaves out the fixes a later fix overwrites: the trainer must still see exactly the
Store that applying every recorded event from the start gives, at any point."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from console.domain.store import Store
from console.protocol.codec import format_ts
from console.replay import ReplayEngine
from console.replay_tail import seek_tail
from console.services.recorder import Recorder
from tests import factories
from tests.recordings import alert, events, picture, unit

T0 = 3_000_000.0
UNITS = [f"U{i}" for i in range(6)]


def busy_session(path: Path) -> list[float]:
    """A 50 s session, keyframes 20 s apart, many fixes per unit between them, a unit retired
    and re-added, alerts raised and updated, radio calls and log entries; returns the times."""
    now = [T0]
    store = Store()
    rec = Recorder(
        path, store, clock=lambda: now[0], keyframe_every_s=20, keyframe_every_events=100_000
    )
    rng = random.Random(11)
    seq = 0
    times = []
    for step in range(200):
        now[0] = T0 + step * 0.25
        bodies: list[dict[str, Any]] = []
        if step == 0:
            bodies += [{"type": "unit.upsert", "unit": unit(u)} for u in UNITS]
        for _ in range(rng.randrange(2, 9)):
            bodies.append(
                {
                    "type": "unit.position",
                    "unit_id": rng.choice(UNITS),
                    "lat": 39.8 + rng.random() / 10,
                    "lon": 109.9 + rng.random() / 10,
                    "speed_kmh": rng.choice([None, 31.5]),
                    "fix_ts": format_ts(now[0]),
                }
            )
        if step % 23 == 5:  # U2 leaves between two of its fixes (its fix must go with it)
            bodies.insert(1, {"type": "unit.retired", "unit_id": "U2"})
        if step % 23 == 9:
            bodies.append({"type": "unit.upsert", "unit": unit("U2", "busy")})
        if step % 11 == 2:
            bodies.append({"type": "alert.new", "alert": alert(f"A{step}")})
        if step % 11 == 6:
            bodies.append(
                {"type": "alert.updated", "alert": alert(f"A{step - 4}", "acknowledged", 2)}
            )
        if step % 13 == 4:
            call = factories.radio_call_wire(step, t=now[0])
            bodies.append({"type": "radio.call", "call": call})
        if step % 19 == 7:
            entry = {"id": f"L{step}", "ts": format_ts(now[0]), "author": "wang", "text": "到场"}
            bodies.append({"type": "log.entry", "entry": entry})
        batch = events(seq + 1, bodies)
        seq += len(bodies)
        store.apply_many(batch)
        rec.on_events(batch)
        times.append(now[0])
    rec.flush()
    rec.close()
    return times


def replayed_from_start(engine: ReplayEngine, t: float) -> Store:
    """The naive seek: a fresh Store fed every recorded event up to ``t``, one by one."""
    store = Store()
    upto = engine.file.last_event_n(t)
    for chunk in engine.file.iter_events(0, upto):
        for row in chunk:
            store.apply(json.loads(row.body))
    return store


@pytest.fixture
def busy(tmp_path: Path) -> tuple[Path, list[float]]:
    path = tmp_path / "busy.sqlite3"
    return path, busy_session(path)


def test_seek_equals_applying_every_event_from_the_start(busy: Any) -> None:
    path, times = busy
    engine = ReplayEngine(path, Store())
    assert int(engine.meta["keyframe_count"]) >= 2  # the seeks below start from several
    rng = random.Random(2)
    points = [*rng.sample(times, 25), times[0], times[-1], T0 + 20.1, T0 + 5 * 0.25]
    dropped = 0
    for t in points:
        engine.seek(t)
        expected = replayed_from_start(engine, t)
        assert picture(engine.store) == picture(expected), t
        kf = engine.file.keyframe_at(t)
        after = kf.event_n if kf is not None else 0
        rows = engine.file.event_bodies(after, engine.file.last_event_n(t))
        dropped += len(rows) - len(seek_tail(rows)[0])
    assert dropped > 500  # the tails did have fixes to leave out
    engine.close()


def test_a_retired_unit_stays_gone_and_a_fix_after_its_return_shows() -> None:
    def row(body: dict[str, Any]) -> tuple[str, str]:
        return body["type"], json.dumps(body)

    fix = {"type": "unit.position", "unit_id": "U2", "lat": 39.8, "lon": 109.9}
    rows = [
        row({**fix, "seq": 5}),
        row({"type": "unit.retired", "unit_id": "U2", "seq": 6}),
        row({**fix, "seq": 7, "lat": 39.9}),
        row({"type": "unit.position", "unit_id": "U3", "lat": 1.0, "lon": 2.0, "seq": 8}),
        row({**fix, "seq": 9, "lat": 40.0}),
    ]
    kept, dropped_seq = seek_tail(rows)
    assert [e["seq"] for e in kept] == [6, 8, 9] and dropped_seq == 7
    kept, dropped_seq = seek_tail(rows[:2])
    assert [e["seq"] for e in kept] == [5, 6] and dropped_seq is None
