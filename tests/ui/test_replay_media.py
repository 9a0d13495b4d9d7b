"""Recorded radio audio and evidence: recorded with the session, exported in one file, and
played in step by replay from the file alone once the backend (and its audio server) is gone.

Real parts: a clip spoken by espeak-ng served over HTTP by ``RadioAudioServer``, the real
Recorder fetching it in the background, the real export, the recording's own media server on
127.0.0.1 and real libVLC (dummy audio output) reporting that it plays.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import vlc
from PySide6.QtGui import QColor, QImage

from backend_stub.radio_audio import RadioAudioServer
from console.domain.store import Store
from console.protocol.codec import format_ts
from console.replay import ReplayEngine
from console.services.media_server import MediaServer
from console.services.recorder import Recorder
from console.storage.recording import RecordingFile
from console.video import write_evidence_sidecar
from tests import factories
from widgets.replay import ReplayPanel
from widgets.replay.audio import ReplayAudio
from widgets.theme import Theme

T0 = 1_900_000_000.0
CALL_AT = T0 + 5.0
TEST_VLC_ARGS = ("--aout=adummy", "--quiet", "--no-video", "--no-xlib")


@pytest.fixture(scope="module")
def audio_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadioAudioServer]:
    server = RadioAudioServer(tmp_path_factory.mktemp("clips"), pool_size=2)
    server.start()
    yield server
    server.stop()


def _evidence(folder: Path, name: str, taken_at: float) -> Path:
    folder.mkdir(exist_ok=True)
    image = QImage(64, 36, QImage.Format.Format_RGB32)
    image.fill(QColor("#c03030"))
    path = folder / f"{name}.png"
    assert image.save(str(path))
    write_evidence_sidecar(path, "C1", "东门", "wang", taken_at)
    return path


def _record(path: Path, audio_url: str) -> None:
    """A session: a snapshot, positions every second, and one radio call with real audio."""
    now = [T0]
    store = Store()
    recorder = Recorder(path, store, clock=lambda: now[0], keyframe_every_s=4)
    store.load_snapshot(1, factories.snapshot())
    recorder.on_snapshot(1, factories.snapshot())
    seq = 1
    for i in range(1, 21):
        now[0] = T0 + i
        seq += 1
        body: dict[str, Any] = {"type": "log.entry", "seq": seq, "ts": format_ts(now[0])}
        body["entry"] = {
            "id": f"L{i}",
            "ts": format_ts(now[0]),
            "author": "wang",
            "text": f"记录 {i}",
            "alert_id": None,
            "talkgroup": None,
        }
        events = [body]
        if now[0] == CALL_AT:
            call = {
                "id": "R-000001",
                "talkgroup": "1101",
                "source_radio_id": "4601",
                "target_radio_id": None,
                "kind": "group",
                "start_ts": format_ts(now[0]),
                "duration_s": 8.0,
                "audio_url": audio_url,
                "encrypted": False,
            }
            seq += 1
            events.append({"type": "radio.call", "seq": seq, "ts": format_ts(now[0]), "call": call})
        store.apply_many(events)
        recorder.on_events(events)
    assert recorder.wait_audio(20)
    recorder.flush()
    recorder.close()


def test_export_carries_audio_and_evidence_and_replay_plays_it_in_step(
    qtbot: Any, tmp_path: Path, audio_server: RadioAudioServer
) -> None:
    url = audio_server.url_for("R-000001")
    clip = audio_server.path_for("R-000001").read_bytes()
    session = tmp_path / "session.sqlite3"
    _record(session, url)

    # The recorder fetched the clip while recording.
    rec = RecordingFile(session, create=False)
    assert rec.media(rec.audio_index()[url]) == ("audio/x-wav", clip)
    rec.close()

    evidence = tmp_path / "evidence"
    inside = _evidence(evidence, "C1_in", T0 + 6)
    _evidence(evidence, "C1_out", T0 + 60)  # after the exported range
    engine = ReplayEngine(session, Store())
    export = tmp_path / "debrief.sqlite3"
    written = engine.export(export, T0 + 2, T0 + 12, evidence_dir=evidence)
    engine.close()
    assert written == 11  # after the start keyframe: ten log entries and the radio call

    # The backend, its audio server, the session file and the evidence folder are gone.
    audio_server.stop()
    session.unlink()
    for f in evidence.iterdir():
        f.unlink()

    out = RecordingFile(export, create=False)
    assert [e.name for e in out.evidence()] == [inside.name]
    stored = out.evidence()[0]
    assert json.loads(stored.sidecar)["camera_name"] == "东门"
    media = out.media(stored.hash)
    assert media is not None and media[1].startswith(b"\x89PNG")
    out.close()

    store = Store()
    clock = [0.0]
    replay = ReplayEngine(export, store, clock=lambda: clock[0])
    server = MediaServer(replay.file).start()
    replay.audio_source = server.local_url
    audio = ReplayAudio(replay, server.local_url, TEST_VLC_ARGS)
    panel = ReplayPanel(replay, Theme("dark"), author="trainer", audio=audio)
    qtbot.addWidget(panel)
    panel.show()
    try:
        # The radio log's copy of the call plays from the recording too.
        replay.seek(T0 + 6.0)
        assert store.radio_calls[-1].audio_url == server.local_url(url)
        with urllib.request.urlopen(store.radio_calls[-1].audio_url, timeout=5) as resp:
            assert resp.read() == clip
        ranged = urllib.request.Request(
            server.local_url(url) or "", headers={"Range": "bytes=100-199"}
        )
        with urllib.request.urlopen(ranged, timeout=5) as resp:  # libVLC seeks this way
            assert resp.status == 206 and resp.read() == clip[100:200]

        panel.toggle_play()  # 1x, one second into the call
        qtbot.waitUntil(lambda: audio.vlc_state() == vlc.State.Playing, timeout=10_000)
        assert audio.current is not None and audio.current.call_id == "R-000001"
        assert audio.current_url is not None and audio.current_url.startswith(server.base_url)
        # Started at the call's offset (1 s in), not at its beginning.
        qtbot.waitUntil(lambda: audio.time_ms() > 0, timeout=5_000)
        assert 800 <= audio.time_ms() < 3000

        panel.change_speed(+1)  # 2x: no audio
        qtbot.waitUntil(lambda: audio.vlc_state() != vlc.State.Playing, timeout=10_000)
        assert audio.current is None
        panel.change_speed(-1)  # back to 1x: in step again
        qtbot.waitUntil(lambda: audio.vlc_state() == vlc.State.Playing, timeout=10_000)

        panel.toggle_play()  # paused: silent
        qtbot.waitUntil(lambda: audio.vlc_state() != vlc.State.Playing, timeout=10_000)
        assert audio.current is None

        replay.seek(T0 + 2.0)  # before the call, playing at 1x: nothing to hear
        panel.toggle_play()
        assert audio.current is None
        clock[0] += 3.5  # the clock reaches the call
        qtbot.waitUntil(lambda: audio.current is not None, timeout=5_000)
        qtbot.waitUntil(lambda: audio.vlc_state() == vlc.State.Playing, timeout=10_000)
        clock[0] += 9.0  # past the call's end
        qtbot.waitUntil(lambda: audio.current is None, timeout=5_000)
    finally:
        panel.shutdown()
        server.stop()
        replay.close()
