"""Recording files: Store → wire round trip, batched writes, and SIGKILL survival."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from console.domain.store import Store
from console.replay import ReplayEngine, store_to_wire_state
from console.services.recorder import Recorder
from console.storage.recording import RecordingFile
from tests.recordings import TS, alert, events, picture, unit

ROOT = Path(__file__).resolve().parents[3]


def busy_store() -> Store:
    store = Store()
    store.load_snapshot(
        0,
        {
            "units": [],
            "alerts": [],
            "cameras": [
                {
                    "id": "C1",
                    "name": "东门",
                    "lat": 39.8,
                    "lon": 109.9,
                    "grid_id": None,
                    "streams": {"main": "rtsp://x/1", "sub": "rtsp://x/2"},
                    "ptz": True,
                    "status": "online",
                }
            ],
            "talkgroups": [{"id": "1101", "alias": "东胜指挥"}],
            "layers": [{"id": "G1", "kind": "grid", "name": "网格1", "geojson": {"a": 1}}],
            "log": [],
        },
    )
    store.apply_many(
        events(
            1,
            [
                {"type": "unit.upsert", "unit": unit("U1")},
                {"type": "unit.upsert", "unit": unit("U2")},
                {
                    "type": "unit.position",
                    "unit_id": "U1",
                    "lat": 39.81,
                    "lon": 109.9,
                    "fix_ts": TS,
                    "speed_kmh": 30.5,
                    "source": "gps",
                },
                {"type": "unit.status", "unit_id": "U2", "status": "dispatched"},
                {"type": "alert.new", "alert": alert("A1")},
                {
                    "type": "radio.call",
                    "call": {
                        "id": "R1",
                        "talkgroup": "1101",
                        "source_radio_id": "4601",
                        "target_radio_id": None,
                        "kind": "group",
                        "start_ts": TS,
                        "duration_s": 3.5,
                        "audio_url": None,
                        "encrypted": False,
                    },
                },
                {
                    "type": "log.entry",
                    "entry": {
                        "id": "L1",
                        "ts": TS,
                        "author": "wang",
                        "text": "到场",
                        "alert_id": "A1",
                    },
                },
            ],
        )
    )
    return store


def test_store_to_wire_state_rebuilds_an_equal_store() -> None:
    store = busy_store()
    state = json.loads(json.dumps(store_to_wire_state(store)))
    again = Store()
    again.load_snapshot(store.seq or 0, state)
    for key in ("units", "positions", "alerts", "cameras", "talkgroups", "layers", "log"):
        assert picture(again)[key] == picture(store)[key], key
    assert [c["id"] for c in state["radio"]] == ["R1"]


def test_recorder_writes_events_keyframes_commands_and_counts(tmp_path: Path) -> None:
    now = [1000.0]
    store = Store()
    rec = Recorder(tmp_path / "r.sqlite3", store, clock=lambda: now[0], keyframe_every_s=5)
    batch = events(1, [{"type": "unit.upsert", "unit": unit("U1")}])
    store.apply_many(batch)
    rec.on_events(batch)
    for i in range(10):
        now[0] += 1.0
        batch = events(
            2 + i,
            [
                {
                    "type": "unit.position",
                    "unit_id": "U1",
                    "lat": 39.8 + i / 100,
                    "lon": 109.9,
                    "fix_ts": TS,
                }
            ],
        )
        store.apply_many(batch)
        rec.on_events(batch)
    rec.on_command("log.write", {"text": "x"}, {"id": "c1", "ok": True, "seq": 11})
    rec.flush()
    rec.close()
    f = RecordingFile(tmp_path / "r.sqlite3", create=False)
    meta = f.meta()
    assert (meta["event_count"], meta["start_ts"], meta["end_ts"]) == (11, 1000.0, 1010.0)
    assert meta["keyframe_count"] == 2  # at 1005 and 1010
    assert f.density(1000.0, 1011.0, 11)["positions"] == [0] + [1] * 10
    assert f.commands()[0][1:3] == ("log.write", {"text": "x"})
    kf = f.keyframe_at(1007.0)
    assert kf is not None and (kf.ts, kf.event_n) == (1005.0, 6)
    f.close()


CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from console.domain.store import Store
from console.services.recorder import Recorder
store = Store()
rec = Recorder({path!r}, store, keyframe_every_s=0.5)
seq = 0
while True:
    seq += 1
    ev = {{"type": "unit.position", "seq": seq, "ts": "2026-11-28T16:40:54.123Z",
           "unit_id": "U1", "lat": 39.8, "lon": 109.9}}
    store.apply_many([ev])
    rec.on_events([ev])
    print(seq, time.time(), flush=True)
    time.sleep(0.002)
"""


def test_sigkill_loses_at_most_the_last_second(tmp_path: Path) -> None:
    path = tmp_path / "killed.sqlite3"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD.format(root=str(ROOT), path=str(path))],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    sent: list[tuple[int, float]] = []
    for line in child.stdout:
        seq, t = line.split()
        sent.append((int(seq), float(t)))
        if len(sent) >= 1500:
            break
    killed_at = time.time()
    child.send_signal(signal.SIGKILL)
    child.wait()
    sent += [(int(s), float(t)) for s, t in (ln.split() for ln in child.stdout.read().splitlines())]
    f = RecordingFile(path, create=False)  # it opens
    n = f.last_event_n(float("inf"))
    kept = {json.loads(r.body)["seq"] for chunk in f.iter_events(0, n) for r in chunk}
    f.close()
    must = {s for s, t in sent if t <= killed_at - 1.0}
    assert len(must) > 100
    assert must <= kept
    assert kept == set(range(1, len(kept) + 1))  # a prefix, nothing torn


def test_recorder_stores_radio_audio_in_the_background_and_retries(
    tmp_path: Path, monkeypatch: Any
) -> None:
    from console.services import recorder as recorder_module

    monkeypatch.setattr(recorder_module, "AUDIO_RETRY_S", (0.01, 0.01))
    attempts: list[str] = []

    def fetch(url: str) -> bytes | None:
        attempts.append(url)
        if url.endswith("flaky.wav") and attempts.count(url) == 1:
            return None  # the audio server hiccups once
        return None if url.endswith("gone.wav") else b"RIFF" + url.encode()

    store = Store()
    rec = Recorder(tmp_path / "r.sqlite3", store, clock=lambda: 1_900_000_000.0, fetch=fetch)
    calls = []
    for i, name in enumerate(("a.wav", "flaky.wav", "gone.wav", "a.wav")):
        call = {
            "id": f"R-{i}",
            "talkgroup": "1101",
            "source_radio_id": "4601",
            "target_radio_id": None,
            "kind": "group",
            "start_ts": TS,
            "duration_s": 4.0,
            "audio_url": f"http://127.0.0.1:1/radio/{name}",
            "encrypted": False,
        }
        calls.append({"type": "radio.call", "seq": i + 1, "ts": TS, "call": call})
    rec.on_events(calls)
    assert rec.wait_audio(10)
    rec.flush()
    rec.close()
    f = RecordingFile(tmp_path / "r.sqlite3", create=False)
    index = f.audio_index()
    assert sorted(u.rsplit("/", 1)[1] for u in index) == ["a.wav", "flaky.wav"]
    assert f.media(index["http://127.0.0.1:1/radio/a.wav"]) == (
        "audio/x-wav",
        b"RIFFhttp://127.0.0.1:1/radio/a.wav",
    )
    assert attempts.count("http://127.0.0.1:1/radio/a.wav") == 1  # fetched once per URL
    assert attempts.count("http://127.0.0.1:1/radio/gone.wav") == 3  # and given up after 3
    assert [r.call_id for r in f.radio_calls(0, 2e9)] == ["R-0", "R-1", "R-2", "R-3"]
    row = f.radio_call_at(1_900_000_002.0)
    assert row is not None and row.call_id == "R-3"  # the newest call still talking
    assert f.radio_call_at(1_900_000_004.5) is None  # every call has ended
    f.close()


def test_density_counts_the_last_second(tmp_path: Path) -> None:
    f = RecordingFile(tmp_path / "d.sqlite3")
    t0 = 1_900_000_000.0
    bodies = events(1, [{"type": "alert.new"}] * 3)
    f.write_batch([(t0 + s, e) for s, e in zip((0, 10, 30), bodies, strict=True)])
    assert sum(f.density(t0, t0 + 30, 30)["alerts"]) == 3
    f.close()


def fixes(start: int, unit_ids: list[str], lat: float) -> list[dict[str, Any]]:
    return events(
        start,
        [
            {"type": "unit.position", "unit_id": u, "lat": lat, "lon": 109.9, "fix_ts": TS}
            for u in unit_ids
        ],
    )


def test_a_large_district_is_keyframed_after_as_many_events_as_it_holds(tmp_path: Path) -> None:
    # 3,000 units with fixes: 6,000 items, so not every 5,000 events (each keyframe of them
    # would cost the recorder about as much as the events it saves a seek from replaying).
    now = [1000.0]
    store = Store()
    ids = [f"U{i:04d}" for i in range(3000)]
    store.apply_many(events(1, [{"type": "unit.upsert", "unit": unit(u)} for u in ids]))
    rec = Recorder(tmp_path / "r.sqlite3", store, clock=lambda: now[0], keyframe_every_s=1e6)
    seq = 3001
    for lat in (39.80, 39.81):  # 6,000 fixes: a keyframe only at the last of them
        batch = fixes(seq, ids, lat)
        seq += len(batch)
        store.apply_many(batch)
        rec.on_events(batch)
    live = picture(store)
    rec.flush()
    rec.close()
    f = RecordingFile(tmp_path / "r.sqlite3", create=False)
    assert f.meta()["keyframe_count"] == 2  # at the start, and after 6,000 events
    f.close()
    replayed = Store()
    engine = ReplayEngine(tmp_path / "r.sqlite3", replayed)
    engine.seek(engine.end_ts)
    assert picture(replayed)["positions"] == live["positions"]
    engine.close()


def test_keyframes_show_what_changed_between_them_and_what_did_not(tmp_path: Path) -> None:
    # The writer reuses a keyframe part whose items did not change (cameras, layers, ...):
    # a seek to either keyframe must still give that moment's state.
    now = [1000.0]
    store = busy_store()
    rec = Recorder(tmp_path / "r.sqlite3", store, clock=lambda: now[0], keyframe_every_s=1e6)
    before = picture(store)
    now[0] = 1010.0
    camera = {
        "id": "C1",
        "name": "东门",
        "lat": 39.8,
        "lon": 109.9,
        "grid_id": None,
        "streams": {"main": "rtsp://x/1"},
        "ptz": True,
        "status": "offline",
    }
    seq = (store.seq or 0) + 1
    batch = events(
        seq,
        [
            {"type": "camera.upsert", "camera": camera},
            {"type": "unit.status", "unit_id": "U1", "status": "en_route"},
        ],
    )
    store.apply_many(batch)
    rec.on_events(batch)
    rec.keyframe()
    after = picture(store)
    rec.flush()
    rec.close()
    replayed = Store()
    engine = ReplayEngine(tmp_path / "r.sqlite3", replayed)
    for t, want in ((1000.0, before), (1010.0, after)):
        engine.seek(t)
        got = picture(replayed)
        for key in ("units", "positions", "alerts", "cameras", "talkgroups", "layers", "log"):
            assert got[key] == want[key], (t, key)
    assert replayed.cameras["C1"].online is False
    engine.close()
