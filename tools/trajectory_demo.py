"""A commander's console showing a watched plate's trajectory across the demo district.

Starts a backend on a temporary database with the demo district, lets the demo's vehicles
drive for the last ``--minutes`` (their sightings go through the sightings ingest path, the
demo watch list raises the alerts), then opens a console (alerts and map) and searches the
watched plate in the trajectory dialog (the camera's snapshot of the last point shown as on
hover). ``--watch-list`` instead opens the watch-list window and selects the plate's alert
(its snapshot above the detail). For screenshots::

    ../shared/tools/screenshot --wait 25 docs/screenshots/trajectory-zh.png -- \\
        .venv/bin/python -m tools.trajectory_demo --lang zh_CN
    ../shared/tools/screenshot --wait 25 docs/screenshots/watch-list-en.png -- \\
        .venv/bin/python -m tools.trajectory_demo --lang en --watch-list
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from tools import demo_console


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="zh_CN")
    parser.add_argument("--minutes", type=float, default=40.0)
    parser.add_argument("--watch-list", action="store_true", help="the watch-list window")
    args = parser.parse_args(argv)
    return demo_console.run(
        args.lang, "trajectory-demo-", lambda folder: _run(folder, args.minutes, args.watch_list)
    )


async def _run(folder: Path, minutes: float, watch_list: bool) -> None:
    from backend_stub.district import build_district
    from backend_stub.sim.sightings import PLATES
    from widgets.map.trajectory import TrajectoryDialog

    district = build_district(1, n_units=60)
    _backend, url, token = await demo_console.sightings_backend(folder, district, minutes)
    console = await demo_console.live_console(url, token, folder, ("alerts", "map"))
    panel = console.map
    assert panel is not None
    if watch_list:
        await _show_watch_list(console, PLATES[0])
        await asyncio.sleep(3600)  # until the screenshot tool ends the process
    action = next(a for a in panel.toolbar.actions() if a.objectName() == "trajectoryAction")
    action.trigger()
    dialog = panel.findChild(TrajectoryDialog)
    assert dialog is not None
    dialog.move(console.window.x() + 1400, console.window.y() + 600)
    dialog.value.setText(PLATES[0])
    dialog.hours.setValue(max(1, round(minutes / 60 + 0.5)))
    drawn = asyncio.Event()
    dialog.sig_drawn.connect(lambda _n: drawn.set())
    dialog.run_search()
    await drawn.wait()
    # The last point's tooltip open, as on hover: its camera, time and snapshot.
    panel.run_js("ConsoleTrajectory.showTip(ConsoleTrajectory.markers.length - 1)")
    await asyncio.sleep(3600)  # until the screenshot tool ends the process


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
