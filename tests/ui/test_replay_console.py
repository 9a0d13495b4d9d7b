"""The whole console in replay mode: same panels, driven by a recording, and nothing is sent."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from tests.recordings import record_three_alerts
from tests.waiting import LoopRunner, until
from widgets.assembly import build_replay
from widgets.replay import ReplayBanner


def test_replay_console_shows_the_recording_and_sends_nothing(
    aloop: LoopRunner, tmp_path: Path
) -> None:
    path = tmp_path / "night.sqlite3"
    record_three_alerts(path)
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
