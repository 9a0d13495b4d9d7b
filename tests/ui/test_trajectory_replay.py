"""A trajectory in replay: a commander's real session (real backend, real client, real
recorder) searches a plate; the trainer replaying that recording draws the route on the real map
page from the recording, and the route follows the replay clock on seeks and while playing."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from backend_stub import db, sources
from backend_stub.inventory.read import read_bytes
from backend_stub.inventory.store import import_files
from console.domain.store import Store
from console.protocol.codec import format_ts
from console.services.client import BackendClient, LinkState
from console.services.recorder import Recorder
from tests.live import post_sighting, start_backend
from tests.waiting import LoopRunner, until
from widgets.assembly import build_replay
from widgets.map.trajectory import open_trajectory

STREET = (
    "id,name,lat,lon,main\n"
    "R1,铁西路南口,39.805,109.970,rtsp://10.1.2.9/ch1\n"
    "R2,铁西路中段,39.812,109.975,rtsp://10.1.2.9/ch2\n"
    "R3,宝日陶亥街西口,39.830,109.992,rtsp://10.1.2.9/ch3\n"
).encode()
PLATE = "蒙K5T208"
# Seconds after the recording starts: two reads a minute apart, then one 13 minutes later.
READS = (("R1", 60.0), ("R2", 120.0), ("R3", 900.0))
SEARCHED_AT = 1000.0


def record_a_search(aloop: LoopRunner, tmp_path: Path, path: Path) -> float:
    """Record a live session in which the plate passes three cameras and a commander searches
    its route; the recording's start time."""
    db_url = f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    dbe = db.open_engine(db_url)
    token = db.add_operator(dbe, "zhao", "commander")
    key = sources.add_source(dbe, "anpr", "sightings")
    assert not import_files(dbe, [read_bytes("cameras.csv", STREET)]).errors
    dbe.dispose()
    t0 = time.time() - 1200.0  # sightings are in the past (the backend takes no future reads)
    now = [t0]

    async def session() -> None:
        backend, url = await start_backend(db_url, http_port=0, audio_dir=tmp_path / "audio")
        store = Store()
        client = BackendClient(url, token, store)
        client.recorder = Recorder(path, store, clock=lambda: now[0])
        try:
            client.start()
            await until(
                lambda: client.status.state is LinkState.LIVE and len(store.cameras) == 3,
                what="live with the cameras",
            )
            for i, (camera, after) in enumerate(READS):
                body = {
                    "ref": f"t{i}",
                    "camera_id": camera,
                    "ts": t0 + after,
                    "kind": "plate",
                    "value": PLATE,
                    "snapshot_url": f"http://10.1.2.9/snap/t{i}.jpg",
                }
                status, answer = await post_sighting(backend, key, body)
                assert status == 201, answer
            now[0] = t0 + SEARCHED_AT
            args = {
                "kind": "plate",
                "value": PLATE,
                "since": format_ts(t0),
                "until": format_ts(now[0]),
            }
            answer = await client.command("sighting.search", args)
            assert answer.ok and answer.data is not None and len(answer.data["sightings"]) == 3
        finally:
            await client.stop()
            client.recorder.flush()
            client.recorder.close()
            await backend.stop()
            backend.engine.dispose()

    aloop.run(session(), timeout=30)
    return t0


def test_the_route_plays_in_step_with_the_replay(aloop: LoopRunner, tmp_path: Path) -> None:
    path = tmp_path / "search.sqlite3"
    t0 = record_a_search(aloop, tmp_path, path)
    settings = QSettings(str(tmp_path / "trainer.ini"), QSettings.Format.IniFormat)

    async def scenario() -> None:
        console = build_replay(path, settings, panels=("map",), author="trainer")
        try:
            console.window.resize(1400, 900)
            console.window.show()
            panel, timeline = console.map, console.replay_panel
            assert panel is not None and timeline is not None
            await until(lambda: panel.is_ready, timeout=30, what="map page")

            async def seek(t: float) -> None:
                timeline.seek(t)
                await until(lambda: console.replay.position == t, what=f"replay at {t}")

            async def opacities() -> list[float]:
                got: list[Any] = []
                panel.run_js(
                    "JSON.stringify(ConsoleTrajectory.markers.map(m => m.options.opacity))",
                    got.append,
                )
                await until(lambda: got, what="opacities")
                return list(json.loads(got[0]))

            await seek(t0 + 90.0)  # after the first read, before the second
            dialog = open_trajectory(panel)
            assert dialog.isVisible()
            drawn: list[int] = []
            dialog.sig_drawn.connect(drawn.append)
            dialog.value.setText("蒙k 5t208")  # typed any way, as live
            dialog.run_search()
            await until(lambda: drawn, what="the route from the recording")
            # The whole route is drawn (the recording's search reached its end), the points the
            # replay has not reached yet faded, the slider on the last one it has.
            assert drawn == [3]
            assert await opacities() == [1, 0.25, 0.25]
            assert dialog.slider.value() == 0 and dialog.slider_label.text().startswith("1. ")

            await seek(t0 + 950.0)  # seeking forward past the last read
            await until(lambda: dialog.slider.value() == 2, what="slider follows the seek")
            assert await opacities() == [1, 1, 1]
            assert dialog.slider_label.text().startswith("3. ") and "宝日陶亥街西口" in (
                dialog.slider_label.text()
            )

            await seek(t0 + 10.0)  # back before the first read: nothing seen yet
            await until(lambda: "Not yet" in dialog.slider_label.text(), what="before the route")
            assert await opacities() == [0.25, 0.25, 0.25]

            # Playing: the second point lights up when the replay clock passes its time.
            await seek(t0 + 100.0)
            await until(lambda: dialog.slider_label.text().startswith("1. "), what="first")
            timeline.speed.setCurrentIndex(timeline.speed.findData(16.0))
            timeline.toggle_play()
            await until(lambda: dialog.slider.value() == 1, timeout=20, what="played on")
            assert console.replay.position >= t0 + 120.0
            assert (await opacities())[:2] == [1, 1]
        finally:
            await console.shutdown()
            console.window.close()

    aloop.run(scenario(), timeout=90)
