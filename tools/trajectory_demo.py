"""A commander's console showing a watched plate's trajectory across the demo district.

Starts a backend on a temporary database with the demo district, lets the demo's vehicles
drive for the last ``--minutes`` (their sightings go through the sightings ingest path, the
demo watch list raises the alerts), then opens a console (alerts and map) and searches the
watched plate in the trajectory dialog. For screenshots::

    ../shared/tools/screenshot --wait 25 docs/screenshots/trajectory-zh.png -- \\
        .venv/bin/python -m tools.trajectory_demo --lang zh_CN
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from tools import demo_console


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="zh_CN")
    parser.add_argument("--minutes", type=float, default=40.0)
    args = parser.parse_args(argv)
    return demo_console.run(
        args.lang, "trajectory-demo-", lambda folder: _run(folder, args.minutes)
    )


async def _run(folder: Path, minutes: float) -> None:
    from backend_stub.district import build_district
    from backend_stub.sim.sightings import PLATES
    from widgets.map.trajectory import TrajectoryDialog

    district = build_district(1, n_units=60)
    _backend, url, token = await demo_console.sightings_backend(folder, district, minutes)
    console = await demo_console.live_console(url, token, folder, ("alerts", "map"))
    panel = console.map
    assert panel is not None
    action = next(a for a in panel.toolbar.actions() if a.objectName() == "trajectoryAction")
    action.trigger()
    dialog = panel.findChild(TrajectoryDialog)
    assert dialog is not None
    dialog.move(console.window.x() + 1400, console.window.y() + 600)
    dialog.value.setText(PLATES[0])
    dialog.hours.setValue(max(1, round(minutes / 60 + 0.5)))
    dialog.run_search()
    await asyncio.sleep(3600)  # until the screenshot tool ends the process


if __name__ == "__main__":
    sys.exit(main())
