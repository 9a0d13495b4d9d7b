"""The watch list window and the alert snapshot on real consoles over a real backend.

A commander opens View → Watch list…, adds an entry (the table shows it), is refused a
pattern that matches nearly everything (the refusal is shown, the list unchanged), removes
the entry; an operator has no such menu item. A watched plate read by a camera whose platform
serves a real JPEG shows that picture above the alert's detail (fetched through the backend
with the camera's stream token); a picture the platform lost shows a placeholder saying so.
"""

from __future__ import annotations

import time
from pathlib import Path

from aiohttp import web
from PySide6.QtCore import QSettings

from backend_stub import sources
from backend_stub.inventory.read import read_bytes
from backend_stub.inventory.store import import_files
from backend_stub.sim.snapshots import render_snapshot
from console.services.client import LinkState
from tests.live import post_sighting
from tests.ui.consoles import LiveConsoles
from tests.waiting import LoopRunner, until
from widgets.watch import WatchListWindow

CAMERAS = (
    "id,name,lat,lon,main\n"
    "C1,伊金霍洛街交叉口,39.810,109.980,rtsp://10.1.2.3/ch1\n"
    "C2,鄂尔多斯大街东口,39.815,109.990,rtsp://10.1.2.3/ch2\n"
).encode()


def test_a_commander_keeps_the_watch_list_and_an_operator_has_none(
    aloop: LoopRunner, live_console: LiveConsoles, tmp_path: Path
) -> None:
    chief = live_console.operator("chief", "commander")
    clerk = live_console.operator("clerk")

    async def scenario() -> None:
        _, url = await live_console.backend()
        consoles = []
        for name, token in (("chief", chief), ("clerk", clerk)):
            settings = QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat)
            consoles.append(
                await live_console.console(
                    url, token, show=False, live=False, settings=settings, panels=()
                )
            )
        for console in consoles:
            await until(lambda c=console: c.client.status.state is LinkState.LIVE, what="live")
        commander, operator = consoles
        assert commander.window.watch_action.isVisible()
        assert not operator.window.watch_action.isVisible()

        commander.window.watch_action.trigger()
        window = commander.window.findChild(WatchListWindow)
        assert window is not None and window.isVisible()
        await until(lambda: "0 active entries" in window.status.text(), what="listed")

        window.value.setText("蒙 k7s521")
        window.reason.setText("盗抢车辆 案件 2026-118")
        window.priority.setValue(1)
        window.has_until.setChecked(True)
        window.add_entry()
        await until(lambda: window.model.rowCount() == 1, what="entry in the table")
        assert not window.error and "is on the watch list" in window.status.text()
        row = [window.model.index(0, c).data() for c in range(window.model.columnCount())]
        assert row[:4] == ["Plate", "蒙K7S521", "盗抢车辆 案件 2026-118", "P1"]
        assert row[4] != "—" and row[6] == "chief"
        assert window.value.text() == ""  # the form is ready for the next one

        # A pattern that matches nearly every plate: the backend's reason, nothing added.
        window.value.setText("*")
        window.reason.setText("all of them")
        window.add_entry()
        await until(lambda: window.error, what="refused")
        assert "Refused (invalid)" in window.status.text()
        assert "matches nearly every plate" in window.status.text()
        assert window.model.rowCount() == 1
        # No reason: said at once, nothing sent.
        window.value.setText("蒙A12345")
        window.reason.clear()
        window.add_entry()
        assert window.error and window.status.text() == "A watch entry needs a reason."

        window.table.selectRow(0)
        window.remove_selected()
        await until(lambda: window.model.rowCount() == 0, what="removed")
        assert "is off the watch list" in window.status.text()

    aloop.run(scenario())


def test_the_alert_detail_shows_the_cameras_snapshot_or_says_why_not(
    aloop: LoopRunner, live_console: LiveConsoles, tmp_path: Path
) -> None:
    chief = live_console.operator("chief", "commander")
    from backend_stub import db

    dbe = db.open_engine(live_console.db_url)
    key = sources.add_source(dbe, "anpr", "sightings")
    assert not import_files(dbe, [read_bytes("cameras.csv", CAMERAS)]).errors
    dbe.dispose()
    picture = render_snapshot(tmp_path / "platform", "C1", "伊金霍洛街交叉口", "plate", "蒙K7S521")
    assert picture is not None

    async def scenario() -> None:
        platform = web.Application()
        platform.router.add_static("/snap", picture.parent)
        runner = web.AppRunner(platform)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        snap = f"http://127.0.0.1:{runner.addresses[0][1]}/snap"
        try:
            backend, url = await live_console.backend(http_port=0, audio_dir=tmp_path / "a")
            assert backend.http is not None
            console = await live_console.console(url, chief, panels=("alerts",))
            console.window.resize(1400, 900)
            added = await console.commands.send(
                "watch.add", {"kind": "plate", "value": "蒙K7S521", "reason": "盗抢车辆"}
            )
            assert added.ok, added
            await until(lambda: "C1" in console.store.cameras, what="cameras")
            stream = dict(console.store.cameras["C1"].streams)["main"]
            await until(lambda: console.stream_urls.sign(stream) != stream, what="tokens")

            async def read(ref: str, camera: str, name: str) -> str:
                body = {
                    "ref": ref,
                    "camera_id": camera,
                    "ts": time.time() - 5,
                    "kind": "plate",
                    "value": "蒙K7S521",
                    "snapshot_url": f"{snap}/{name}",
                }
                status, answer = await post_sighting(backend, key, body)
                assert status == 201, answer
                ids: list[str] = answer["alert_ids"]
                return ids[0]

            alert_id = await read("r1", "C1", picture.name)
            queue = console.window.alerts
            await until(lambda: queue.model.row_of(alert_id) is not None, what="alert row")
            console.bridge.select_alert(alert_id)
            view = queue.snapshot
            await until(lambda: view.isVisible(), what="snapshot shown")
            await until(lambda: not view.pixmap().isNull(), what="the picture", timeout=15)
            pixmap = view.pixmap()
            assert (pixmap.width(), pixmap.height()) == (240, 135)  # scaled from 480x270
            assert view.height() >= 135  # laid out at the picture's size
            assert "/snapshots/" in (view.url or "")  # through the backend, not the platform
            # The next read's picture is gone from the platform: a placeholder says so.
            await read("r2", "C2", "gone.jpg")
            await until(lambda: console.store.alerts[alert_id].sightings == 2, what="updated")
            await until(lambda: "Snapshot unavailable" in view.text(), what="placeholder")
            assert "502" in view.text() and view.pixmap().isNull()
        finally:
            await runner.cleanup()

    aloop.run(scenario())
