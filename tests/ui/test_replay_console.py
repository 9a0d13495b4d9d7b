"""The whole console in replay mode: same panels, driven by a recording, and nothing is sent."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from console.domain.store import Store
from console.protocol.codec import format_ts
from console.services.recorder import Recorder
from tests.ui.conftest import LoopRunner, until
from tests.unit.test_kpi import EMPTY, _alert
from widgets.assembly import build_replay
from widgets.replay import ReplayBanner

T0 = 1_900_000_000.0


def _record(path: Path) -> None:
    now = [T0]
    store = Store()
    recorder = Recorder(path, store, clock=lambda: now[0])
    store.load_snapshot(1, dict(EMPTY))
    recorder.on_snapshot(1, dict(EMPTY))
    for i in range(3):
        now[0] += 10
        event = {
            "type": "alert.new",
            "seq": 2 + i,
            "ts": format_ts(now[0]),
            "alert": _alert(f"A-{i + 1}", "call_110", now[0], [], "new"),
        }
        store.apply(event)
        recorder.on_events([event])
    recorder.flush()
    recorder.close()


def test_replay_console_shows_the_recording_and_sends_nothing(
    aloop: LoopRunner, tmp_path: Path
) -> None:
    path = tmp_path / "night.sqlite3"
    _record(path)
    settings = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)

    async def scenario() -> None:
        console = build_replay(path, settings, panels=("dashboard",), author="trainer")
        window = console.window
        window.show()
        assert console.client is None
        assert "night.sqlite3" in window.windowTitle()
        assert window.findChild(ReplayBanner) is not None
        assert console.replay is not None and console.replay_panel is not None
        console.replay.seek(console.replay.end_ts)
        await until(lambda: window.alerts.model.rowCount() == 3, what="recorded alerts")

        # Acknowledge in replay: refused locally, plainly; nothing can reach a backend.
        window.alerts.table.selectRow(0)
        window.alerts.acknowledge_selected()
        await until(lambda: "replay" in window.alerts.banner.text(), what="refusal")
        assert window.alerts.banner.objectName() == "bannerError"
        assert all(a.status.value == "new" for a in console.store.alerts.values())

        console.replay.seek(console.replay.start_ts)
        await until(lambda: window.alerts.model.rowCount() == 0, what="back to the start")
        await console.shutdown()
        window.close()

    aloop.run(scenario())
