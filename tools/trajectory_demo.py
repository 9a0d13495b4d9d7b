"""A commander's console showing a watched plate's trajectory across the demo district.

Starts a backend on a temporary database with the demo district, lets the demo's vehicles
drive for the last ``--minutes`` (their sightings go through the sightings ingest path, the
demo watch list raises the alerts), then opens a console (alerts and map) and searches the
watched plate in the trajectory dialog (the camera's snapshot of the last point shown as on
hover). ``--watch-list`` instead opens the watch-list window and selects the plate's alert
(its snapshot above the detail). ``--replay`` records that session (a real client and recorder,
the recording's clock starting ``--minutes`` ago, the commander's search at the end), then
replays it, seeks to the middle of the route and searches it there: the points the replay has
not reached yet are faded. For screenshots::

    ../shared/tools/screenshot --wait 25 docs/screenshots/trajectory-zh.png -- \\
        .venv/bin/python -m tools.trajectory_demo --lang zh_CN
    ../shared/tools/screenshot --wait 25 docs/screenshots/watch-list-en.png -- \\
        .venv/bin/python -m tools.trajectory_demo --lang en --watch-list
    ../shared/tools/screenshot --wait 30 docs/screenshots/trajectory-replay-en.png -- \\
        .venv/bin/python -m tools.trajectory_demo --lang en --replay
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from tools import demo_console


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="zh_CN")
    parser.add_argument("--minutes", type=float, default=40.0)
    parser.add_argument("--watch-list", action="store_true", help="the watch-list window")
    parser.add_argument("--replay", action="store_true", help="the route in a replay")
    args = parser.parse_args(argv)
    if args.replay:
        return demo_console.run(
            args.lang, "trajectory-demo-", lambda folder: _replay(folder, args.minutes)
        )
    return demo_console.run(
        args.lang, "trajectory-demo-", lambda folder: _run(folder, args.minutes, args.watch_list)
    )


async def _run(folder: Path, minutes: float, watch_list: bool) -> None:
    from backend_stub.district import build_district
    from backend_stub.sim.sightings import PLATES

    district = build_district(1, n_units=60)
    _backend, url, token = await demo_console.sightings_backend(folder, district, minutes)
    console = await demo_console.live_console(url, token, folder, ("alerts", "map"))
    panel = console.map
    assert panel is not None
    if watch_list:
        await _show_watch_list(console, PLATES[0])
        await asyncio.sleep(3600)  # until the screenshot tool ends the process
    dialog = _dialog(console, panel, PLATES[0], minutes)
    drawn = asyncio.Event()
    dialog.sig_drawn.connect(lambda _n: drawn.set())
    dialog.run_search()
    await drawn.wait()
    # The last point's tooltip open, as on hover: its camera, time and snapshot.
    panel.run_js("ConsoleTrajectory.showTip(ConsoleTrajectory.markers.length - 1)")
    await asyncio.sleep(3600)  # until the screenshot tool ends the process


async def _replay(folder: Path, minutes: float) -> None:
    import time

    from backend_stub.district import build_district
    from backend_stub.sim.sightings import PLATES
    from console.domain.store import Store
    from console.protocol.codec import format_ts, parse_ts
    from console.services.client import BackendClient, LinkState
    from console.services.recorder import Recorder
    from widgets.assembly import build_replay

    district = build_district(1, n_units=60)
    backend, url, token = await demo_console.sightings_backend(folder, district, minutes)
    path = folder / "recording.sqlite3"
    now = time.time()
    clock = [now - minutes * 60]
    store = Store()
    client = BackendClient(url, token, store)
    client.recorder = Recorder(path, store, clock=lambda: clock[0])
    client.start()
    # Live and the snapshot in (recorded at the recording's start, before the search).
    while client.status.state is not LinkState.LIVE or not store.cameras:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    clock[0] = now
    args = {"kind": "plate", "value": PLATES[0], "since": format_ts(now - minutes * 60 - 60)}
    answer = await client.command("sighting.search", {**args, "until": format_ts(now)})
    await client.stop()
    client.recorder.flush()
    client.recorder.close()
    await backend.stop()
    sightings = (answer.data or {}).get("sightings", [])
    middle = parse_ts(sightings[len(sightings) // 2]["ts"]) if sightings else now

    settings = QSettings(str(folder / "trainer.ini"), QSettings.Format.IniFormat)
    console = build_replay(path, settings, panels=("map",), author="trainer")
    console.window.resize(1900, 1050)
    console.window.show()
    panel, timeline = console.map, console.replay_panel
    assert panel is not None and timeline is not None
    ready = asyncio.Event()
    panel.sig_page_ready.connect(ready.set)
    if not panel.is_ready:
        await ready.wait()
    timeline.seek(middle)
    _dialog(console, panel, PLATES[0], minutes).run_search()
    await asyncio.sleep(3600)  # until the screenshot tool ends the process


def _dialog(console: Any, panel: Any, plate: str, minutes: float) -> Any:
    """The trajectory dialog beside the map, the plate and hours filled in."""
    from widgets.map.trajectory import open_trajectory

    dialog = open_trajectory(panel)
    dialog.move(console.window.x() + 1400, console.window.y() + 580)
    dialog.value.setText(plate)
    dialog.hours.setValue(max(1, round(minutes / 60 + 0.5)))
    return dialog


async def _show_watch_list(console: Any, plate: str) -> None:
    """The watch-list window beside the queue, the plate's alert selected."""
    from widgets.watch import WatchListWindow

    queue = console.window.alerts
    for _ in range(200):  # the rows come with the snapshot: look now and then (a demo tool)
        alerts = [a for a in console.store.alerts.values() if plate in a.title]
        if alerts and queue.model.row_of(alerts[-1].id) is not None:
            console.bridge.select_alert(alerts[-1].id)
            break
        await asyncio.sleep(0.05)
    console.window.watch_action.trigger()
    window = console.window.findChild(WatchListWindow)
    assert window is not None
    window.resize(900, 430)
    window.move(console.window.x() + 20, console.window.y() + 90)


if __name__ == "__main__":
    sys.exit(main())
