"""The feeds end to end: real devices and platforms send, a real console shows it.

A trunk-recorder upload (real speech from espeak-ng) appears in the radio log with its
duration, alias and audio; a face-match alarm from a video platform's JSON feed appears in the
alert queue; a vehicle terminal speaking JT/T 808 moves its unit.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest
from PySide6.QtCore import QSettings, Qt

from backend_stub import db, sources
from backend_stub.inventory.read import read_bytes
from backend_stub.inventory.store import import_files
from tests.documents import trunk_recorder_form
from tests.jt808_terminal import TcpTerminal, Terminal
from tests.ui.consoles import LiveConsoles
from tests.waiting import LoopRunner, until

pytestmark = pytest.mark.skipif(
    not (shutil.which("ffprobe") and shutil.which("espeak-ng")),
    reason="needs ffprobe (ffmpeg) and espeak-ng",
)

UNITS = (
    b"id,callsign,kind,radio_id,talkgroup,device_ids\n"
    b"U-1,P1023,patrol_car,4600101,1101,jt808:013912345678\n"
)
TALKGROUPS = "id,name\n1101,东胜派出所\n".encode()


def test_a_call_an_alarm_and_a_terminal_reach_a_real_console(
    aloop: LoopRunner, live_console: LiveConsoles, tmp_path: Path
) -> None:
    wav = tmp_path / "call.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "P1023 on scene"], check=True)
    token = live_console.operator("wang")
    dbe = db.open_engine(live_console.db_url)
    rdio = sources.add_source(dbe, "trunk-recorder", "rdio")
    faces = sources.add_source(dbe, "face-platform", "alerts")
    report = import_files(
        dbe, [read_bytes("units.csv", UNITS), read_bytes("talkgroups.csv", TALKGROUPS)]
    )
    assert not report.errors
    dbe.dispose()

    async def scenario() -> None:
        backend, url = await live_console.backend(
            http_port=0, jt808_port=0, audio_dir=tmp_path / "audio"
        )
        assert backend.http is not None
        http = backend.http.base_url
        settings = QSettings(str(tmp_path / "wang.ini"), QSettings.Format.IniFormat)
        console = await live_console.console(
            url, token, start=False, settings=settings, panels=("radio",)
        )
        console.window.resize(1400, 900)
        await live_console.start(console)
        radio = console.radio
        assert radio is not None

        # The radio recorder uploads a call: a row in the radio log, with its audio.
        form = trunk_recorder_form(rdio, wav.read_bytes(), start=int(time.time()) - 20)
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{http}/api/call-upload", data=form) as answer:
                assert answer.status == 200, await answer.text()
                assert (await answer.text()).strip() == "Call imported successfully."
            alarm = {
                "ref": "FR-2026-0001",
                "kind": "face_match",
                "priority": 1,
                "title": "人脸比中：在逃人员",
                "lat": 39.8161,
                "lon": 109.9842,
                "address": "天骄路与鄂尔多斯大街",
            }
            headers = {"Authorization": f"Bearer {faces}"}
            async with session.post(f"{http}/api/alerts", json=alarm, headers=headers) as r:
                assert r.status == 201, await r.text()
                alert_id = (await r.json())["alert_id"]

        await until(lambda: radio.proxy.rowCount() == 1, what="the call in the radio log")
        call = console.store.radio_calls[-1]
        assert call.talkgroup == "1101" and call.source_radio_id == "4600101"
        assert call.audio_url and call.audio_url.startswith(f"{http}/audio/RU-")
        assert 0.5 < call.duration_s < 5
        shown = " ".join(
            str(radio.proxy.index(0, c).data()) for c in range(radio.proxy.columnCount())
        )
        assert "P1023 (4600101)" in shown  # the alias of the radio, from the unit
        async with aiohttp.ClientSession() as session, session.get(call.audio_url) as got:
            assert got.status == 200 and (await got.read())[:4] == b"RIFF"

        # The face-match alarm: a row in the alert queue.
        queue = console.window.alerts
        await until(lambda: queue.model.row_of(alert_id) is not None, what="the alarm row")
        row = queue.model.row_of(alert_id)
        assert row is not None
        cells = [
            str(queue.model.index(row, c).data(Qt.ItemDataRole.DisplayRole))
            for c in range(queue.model.columnCount())
        ]
        assert "人脸比中：在逃人员" in cells

        # A vehicle terminal registers, authenticates and reports: the unit moves.
        port = backend.doors["jt808"].port
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        terminal = TcpTerminal(Terminal("013912345678"), reader, writer)
        try:
            await terminal.sign_in()
            assert await terminal.locate(39.8201, 110.0012, time.time() - 1) == 0
        finally:
            await terminal.close()
        await until(lambda: "U-1" in console.store.positions, what="the unit moved")
        pos = console.store.positions["U-1"]
        assert (round(pos.lat, 4), round(pos.lon, 4), pos.source) == (
            39.8201,
            110.0012,
            "jt808",
        )

    aloop.run(scenario())
