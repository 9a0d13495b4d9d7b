"""A failing recorder is visible: the status bar turns red with "Recording failed: …".

Real faults, no fakes: the recording file removed under a live console, and a file-size limit
(``RLIMIT_FSIZE``, what a full disk looks like to SQLite: writes fail with EFBIG) that is lifted
again, after which the recorder catches up with what it buffered. (Making the folder read-only
would be the obvious fault, but these tests run as root, for whom permissions do not apply.)
"""

from __future__ import annotations

import resource
import signal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from console.domain.store import Store
from console.protocol.codec import format_ts
from console.services.recorder import Recorder
from console.storage.recording import RecordingFile
from tests.waiting import LoopRunner, until
from widgets.assembly import build_console
from widgets.status import LinkStatusWidget
from widgets.theme import Theme

T0 = 1_900_000_000.0


def _entry(i: int, text: str = "") -> dict[str, Any]:
    ts = format_ts(T0 + i)
    entry = {"id": f"L{i}", "ts": ts, "author": "wang", "text": text or f"记录 {i}"}
    entry |= {"alert_id": None, "talkgroup": None}
    return {"type": "log.entry", "seq": i, "ts": ts, "entry": entry}


def test_removed_recording_file_turns_the_status_bar_red(aloop: LoopRunner, tmp_path: Path) -> None:
    path = tmp_path / "recordings" / "live.sqlite3"
    settings = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)

    async def scenario() -> None:
        console = build_console(
            "ws://127.0.0.1:9/ws", "wang.token", settings, panels=(), record_to=path
        )
        window, client = console.window, console.client
        assert client is not None and client.recorder is not None
        recorder = client.recorder
        window.show()
        recorder.on_events([_entry(1)])
        recorder.flush()
        assert not window.link.record_label.isVisible()

        for p in path.parent.iterdir():  # someone deletes the recording (and its WAL)
            p.unlink()
        recorder.on_events([_entry(2)])
        await until(lambda: window.link.record_label.isVisible(), what="red recording state")
        text = window.link.recording_text()
        assert text.startswith("Recording failed: ") and "removed" in text
        assert "live.sqlite3" in text
        await console.shutdown()
        window.close()

    aloop.run(scenario())


def test_file_size_limit_shows_failure_then_recovers_without_loss(
    qtbot: Any, tmp_path: Path
) -> None:
    path = tmp_path / "live.sqlite3"
    recorder = Recorder(path, Store(), flush_every=0.05)
    status = LinkStatusWidget(Theme("dark"), lambda: (None, 0.0))
    qtbot.addWidget(status)
    status.set_recording_source(lambda: recorder.error)
    status.show()
    recorder.on_events([_entry(1)])
    recorder.flush()
    wal = path.with_name(path.name + "-wal")
    size = max(path.stat().st_size, wal.stat().st_size if wal.exists() else 0)

    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size + 32 * 1024, hard))
    try:
        recorder.on_events([_entry(i, "长" * 20_000) for i in range(2, 12)])  # ~600 KB
        qtbot.waitUntil(status.record_label.isVisible, timeout=10_000)
        assert status.recording_text().startswith("Recording failed: ")
        assert recorder.error is not None
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)

    # Space again: the buffered batch is written, the red state goes away.
    recorder.on_events([_entry(12)])
    qtbot.waitUntil(lambda: not status.record_label.isVisible(), timeout=10_000)
    recorder.flush()
    recorder.close()
    rec = RecordingFile(path, create=False)
    assert [r.n for r in rec.events(0)] == list(range(1, 13))
    assert rec.meta()["event_count"] == 12
    rec.close()
