"""Sightings end to end: an ANPR platform posts plate reads to a real backend; a commander's real
console gets the watch-list alert (with the entry and snapshot in its detail) and draws the
plate's route on the real map page from the trajectory dialog."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from backend_stub import db, sources
from backend_stub.inventory.read import read_bytes
from backend_stub.inventory.store import import_files
from console.services.client import LinkState
from tests.live import post_sighting, start_backend
from tests.waiting import LoopRunner, until
from widgets.assembly import build_console
from widgets.map.trajectory import open_trajectory

CAMERAS = (
    "id,name,lat,lon,main\n"
    "C1,伊金霍洛街交叉口,39.810,109.980,rtsp://10.1.2.3/ch1\n"
    "C2,鄂尔多斯大街东口,39.815,109.990,rtsp://10.1.2.3/ch2\n"
    "C3,天骄路北口,39.825,110.000,rtsp://10.1.2.3/ch3\n"
).encode()


def test_a_watched_plate_alerts_and_its_route_is_drawn(aloop: LoopRunner, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    dbe = db.open_engine(db_url)
    token = db.add_operator(dbe, "zhao", "commander")
    key = sources.add_source(dbe, "anpr", "sightings")
    assert not import_files(dbe, [read_bytes("cameras.csv", CAMERAS)]).errors
    dbe.dispose()

    async def scenario() -> None:
        backend, url = await start_backend(db_url, http_port=0, audio_dir=tmp_path / "audio")
        console = None
        try:
            assert backend.http is not None
            settings = QSettings(str(tmp_path / "zhao.ini"), QSettings.Format.IniFormat)
            console = build_console(url, token, settings, panels=("alerts", "map"))
            console.window.resize(1400, 900)
            console.window.show()
            console.client.start()
            await until(lambda: console.client.status.state is LinkState.LIVE, what="live")
            panel = console.map
            assert panel is not None
            await until(lambda: panel.is_ready, timeout=30, what="map page")
            added = await console.commands.send(
                "watch.add", {"kind": "plate", "value": "蒙K7S521", "reason": "盗抢车辆"}
            )
            assert added.ok, added

            now = time.time()
            reads = [("C1", 900), ("C2", 840), ("C3", 60)]  # the last leg is a 13-minute gap
            alert_ids: list[str] = []
            for i, (camera, ago) in enumerate(reads):
                body = {
                    "ref": f"r{i}",
                    "camera_id": camera,
                    "ts": now - ago,
                    "kind": "plate",
                    "value": "蒙K7S521",
                    "snapshot_url": f"http://10.1.2.3/snap/r{i}.jpg",
                }
                status, answer = await post_sighting(backend, key, body)
                assert status == 201, answer
                alert_ids += answer["alert_ids"]
            assert len(alert_ids) == 3 and len(set(alert_ids)) == 1  # one alert, updated

            # The match is one alert in the queue, at the newest camera; its detail names the
            # entry and counts the sightings.
            queue = console.window.alerts
            await until(lambda: queue.model.row_of(alert_ids[0]) is not None, what="alert row")
            await until(lambda: console.store.alerts[alert_ids[0]].sightings == 3, what="3 seen")
            alert = console.store.alerts[alert_ids[0]]
            assert alert.kind == "plate_match" and alert.camera_ids == ("C3",)
            assert alert.snapshot_url == "http://10.1.2.3/snap/r2.jpg"
            html = queue.renderer.render(queue.side_paths.record(alert))
            assert "盗抢车辆" in html and "Sightings: 3" in html and "天骄路北口" in html

            # The trajectory dialog draws the route: 3 numbered points, one solid leg, one dashed.
            dialog = open_trajectory(panel)
            assert dialog.isVisible()
            drawn: list[int] = []
            dialog.sig_drawn.connect(drawn.append)
            dialog.value.setText("蒙k7s521")
            dialog.run_search()
            await until(lambda: drawn, what="the route")
            assert drawn == [3]
            got: list[Any] = []
            panel.run_js("JSON.stringify(window.ConsoleTrajectory.summary())", got.append)
            await until(lambda: got and json.loads(got[-1])["points"] == 3, what="points drawn")
            assert json.loads(got[-1]) == {"points": 3, "guesses": 1, "solid": 1}
            dialog.slider.setValue(0)
            faded: list[Any] = []
            panel.run_js(
                "JSON.stringify(ConsoleTrajectory.markers.map(m => m.options.opacity))",
                faded.append,
            )
            await until(lambda: faded, what="opacities")
            assert json.loads(faded[0]) == [1, 0.25, 0.25]
            assert dialog.slider_label.text().startswith("1. ")
            # Hovering the last point shows its camera, time and snapshot above the labels.
            tip: list[Any] = []
            panel.run_js(
                "ConsoleTrajectory.showTip(2); (() => { const t = document.querySelector("
                "'.traj-tip'); return JSON.stringify([getComputedStyle(t).display,"
                " getComputedStyle(t).zIndex, t.textContent, t.querySelector('img').src]); })()",
                tip.append,
            )
            await until(lambda: tip, what="tooltip")
            display, z, text, src = json.loads(tip[0])
            assert display == "block" and int(z) > 450  # over the label canvas
            assert "3. 天骄路北口" in text and src == "http://10.1.2.3/snap/r2.jpg"
        finally:
            if console is not None:
                await console.shutdown()
                console.window.close()
            await backend.stop()
            backend.engine.dispose()

    aloop.run(scenario())
