"""Debrief: annotate and capture moments while replaying a real recording in the replay console,
then write the report as HTML and PDF through the panel's own actions."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from console.storage.recording import RecordingFile
from tests.recordings import SHIFT_T0, record_three_alerts
from tests.waiting import LoopRunner, until
from widgets.assembly import build_replay


def test_debrief_report_has_the_timeline_annotations_and_screenshots(
    aloop: LoopRunner, tmp_path: Path
) -> None:
    path = tmp_path / "night.sqlite3"
    record_three_alerts(path)  # a Recorder-made file: three alerts, one every 10 s
    settings = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)
    done: list[tuple[str, bool]] = []

    async def scenario() -> None:
        console = build_replay(path, settings, panels=("dashboard",), author="trainer")
        window, panel, replay = console.window, console.replay_panel, console.replay
        assert panel is not None and replay is not None
        panel.sig_job_done.connect(lambda m, failed: done.append((m, failed)))
        window.resize(1280, 800)
        window.show()
        replay.seek(SHIFT_T0 + 20)
        await until(lambda: window.alerts.model.rowCount() == 2, what="two alerts")

        # An annotation typed at this moment: a bookmark and a screenshot of the console.
        panel.note.setText("A-2 等待派警 40 秒")
        QTest.keyClick(panel.note, Qt.Key.Key_Return)
        await until(lambda: done, what="capture")
        assert done[-1] == ("Moment captured.", False)
        assert [c.note for c in replay.file.captures()] == ["A-2 等待派警 40 秒"]

        for name in ("debrief.html", "debrief.pdf"):
            n = len(done)
            panel.ask_report()
            assert panel.dialog is not None
            panel.dialog.fileSelected.emit(str(tmp_path / name))
            await until(lambda n=n: len(done) > n, what=name)
            assert not done[-1][1], done[-1]
        # Export through the panel: one portable file with the bookmark and the screenshot.
        n = len(done)
        panel.ask_export()
        assert panel.dialog is not None
        panel.dialog.fileSelected.emit(str(tmp_path / "export.sqlite3"))
        await until(lambda: len(done) > n, what="export")
        assert done[-1] == ("Exported 3 events to export.sqlite3.", False)
        await console.shutdown()
        window.close()

    aloop.run(scenario())

    page = (tmp_path / "debrief.html").read_text("utf-8")
    assert "A-2 等待派警 40 秒" in page and "trainer" in page  # the annotation and its author
    for aid in ("A-1", "A-2", "A-3"):  # the incident timeline
        assert aid in page
    images = re.findall(r"src='data:image/png;base64,([A-Za-z0-9+/=]+)'", page)
    assert len(images) == 1
    shot = QImage.fromData(base64.b64decode(images[0]))
    assert shot.width() >= 640 and not shot.isNull()  # the console window, not an icon

    exported = RecordingFile(tmp_path / "export.sqlite3", create=False)
    assert [b[2] for b in exported.bookmarks()] == ["A-2 等待派警 40 秒"]
    assert len(exported.captures()) == 1
    exported.close()

    pdf = (tmp_path / "debrief.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert b"/Subtype /Image" in pdf or b"/Subtype/Image" in pdf
