"""Replay: seek = keyframe + events, equal to the live Store and to playing through."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from console.domain.store import Store
from console.replay import ReplayEngine, store_to_wire_state
from console.services.recorder import Recorder
from tests.recordings import TS, alert, events, picture, unit

T0 = 2_000_000.0


def record(path: Path) -> dict[float, dict[str, Any]]:
    """A 60 s session (with a backend snapshot at 30 s); returns the live picture by time."""
    now = [T0]
    store = Store()
    rec = Recorder(path, store, clock=lambda: now[0], keyframe_every_s=4, keyframe_every_events=25)
    rng = random.Random(3)
    seen: dict[float, dict[str, Any]] = {}
    seq = 0

    def send(bodies: list[dict[str, Any]]) -> None:
        nonlocal seq
        batch = events(seq + 1, bodies)
        seq += len(bodies)
        store.apply_many(batch)
        rec.on_events(batch)
        seen[now[0]] = picture(store)

    send([{"type": "unit.upsert", "unit": unit(f"U{i}")} for i in range(5)])
    for step in range(1, 120):
        now[0] = T0 + step * 0.5
        if step == 60:  # a reconnect that got a snapshot: the state is replaced
            state = store_to_wire_state(store)
            state["units"] = state["units"][:3]
            store.load_snapshot(seq, state)
            rec.on_snapshot(seq, state)
            seen[now[0]] = picture(store)
            continue
        bodies: list[dict[str, Any]] = [
            {
                "type": "unit.position",
                "unit_id": f"U{rng.randrange(3)}",
                "lat": 39.8 + rng.random(),
                "lon": 109.9,
                "fix_ts": TS,
            }
            for _ in range(rng.randrange(1, 6))
        ]
        if step % 15 == 0:
            bodies.append({"type": "alert.new", "alert": alert(f"A{step}")})
        if step % 15 == 7:
            bodies.append(
                {"type": "alert.updated", "alert": alert(f"A{step - 7}", "acknowledged", 2)}
            )
        if step % 10 == 3:
            bodies.append({"type": "unit.status", "unit_id": "U1", "status": "busy"})
        send(bodies)
    rec.flush()
    rec.close()
    return seen


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Path, dict[float, dict[str, Any]]]:
    path = tmp_path / "session.sqlite3"
    return path, record(path)


def same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("alerts", "units", "positions", "log", "radio", "seq")
    return all(a[k] == b[k] for k in keys)


def test_seek_anywhere_in_any_order_equals_the_live_store(recorded: Any) -> None:
    path, live = recorded
    store = Store()
    engine = ReplayEngine(path, store)
    times = list(live)
    random.Random(5).shuffle(times)
    for t in times:  # backward and forward jumps
        engine.seek(t)
        assert same(picture(store), live[t]), t
    engine.seek(T0 + 30.25)  # between two arrivals: the state of the last one before
    assert same(picture(store), live[T0 + 30.0])
    engine.close()


def test_playing_through_equals_seeking(recorded: Any) -> None:
    path, live = recorded
    now = [0.0]
    store = Store()
    engine = ReplayEngine(path, store, clock=lambda: now[0])
    engine.seek(engine.start_ts)
    engine.set_speed(4.0)
    engine.play()
    check = Store()
    other = ReplayEngine(path, check)
    while engine.playing:
        now[0] += 0.1  # 0.4 s of recording per tick
        engine.tick()
        other.seek(engine.position)
        assert same(picture(store), picture(check)), engine.position
    assert engine.position == engine.end_ts
    assert same(picture(store), live[max(live)])


def test_step_loop_next_alert_and_bookmarks(recorded: Any) -> None:
    path, live = recorded
    now = [0.0]
    store = Store()
    engine = ReplayEngine(path, store, clock=lambda: now[0])
    engine.seek(T0 + 10.0)
    engine.step()
    assert engine.position == T0 + 10.5 and same(picture(store), live[T0 + 10.5])
    engine.step_back()
    assert same(picture(store), live[T0 + 10.0])
    assert engine.next_alert() == T0 + 11.0  # A15 raised at step 15... after its update at 3.5 s
    engine.add_bookmark("trainer", "dispatch too slow", T0 + 40.0)
    assert engine.next_bookmark() == T0 + 40.0 and same(picture(store), live[T0 + 40.0])
    engine.set_loop(T0 + 40.0, T0 + 42.0)
    engine.play()
    for _ in range(50):
        now[0] += 0.3
        engine.tick()
        assert T0 + 40.0 <= engine.position <= T0 + 42.0
    assert engine.playing
    with pytest.raises(ValueError):
        engine.set_speed(64.0)  # a one-minute recording offers up to 16x
    assert engine.events_per_second > 0


def test_export_one_incident_is_a_self_contained_recording(recorded: Any, tmp_path: Path) -> None:
    path, live = recorded
    engine = ReplayEngine(path, Store())
    out = tmp_path / "incident.sqlite3"
    written = engine.export_alert(out, "A45", margin_s=2.0)
    assert written > 0
    store = Store()
    part = ReplayEngine(out, store)
    assert (part.start_ts, part.end_ts) == (T0 + 20.5, T0 + 28.0)
    for t in (T0 + 20.5, T0 + 24.0, T0 + 28.0):
        part.seek(t)
        assert same(picture(store), live[max(x for x in live if x <= t)]), t
