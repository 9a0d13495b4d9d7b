"""A commander's console putting a watched plate's where-next cameras on the video wall.

Starts a backend on a temporary database with the demo district and its street graph (its
cameras play the demo clips through the media gateway; the clips are made once, in the per-user
cache), puts the units on the streets, lets the demo's vehicles drive for the last
``--minutes`` (their sightings go through the sightings ingest path), then opens a console
(map, video wall, alerts), asks where the watched plate goes next and puts the cameras ahead
on the wall. For screenshots::

    ../shared/tools/screenshot --wait 60 docs/screenshots/where-next-zh.png -- \\
        .venv/bin/python -m tools.where_next_demo --lang zh_CN
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

from tools import demo_console


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", default="zh_CN")
    parser.add_argument("--minutes", type=float, default=20.0)
    args = parser.parse_args(argv)
    return demo_console.run(
        args.lang, "where-next-demo-", lambda folder: _run(folder, args.minutes)
    )


async def _run(folder: Path, minutes: float) -> None:
    from backend_stub.district import build_district
    from backend_stub.sim.sightings import PLATES
    from console.protocol.codec import format_ts
    from widgets.map.where_next import WhereNextDialog

    district = build_district(1, n_units=80)
    backend, url, token = await demo_console.sightings_backend(
        folder, district, minutes, clips=True
    )
    await backend.append(district.to_wire_positions(format_ts(time.time())))
    console = await demo_console.live_console(url, token, folder, ("alerts", "map", "video"))
    panel = console.map
    assert panel is not None
    action = next(a for a in panel.toolbar.actions() if a.objectName() == "whereNextAction")
    action.trigger()
    dialog = panel.findChild(WhereNextDialog)
    assert dialog is not None
    dialog.move(console.window.x() + 640, console.window.y() + 420)
    answered = asyncio.Event()
    dialog.sig_answered.connect(lambda _n: answered.set())
    dialog.value.setText(PLATES[0])
    dialog.horizon.setValue(30)
    dialog.run_query()
    await answered.wait()
    dialog.to_wall.click()
    await asyncio.sleep(3600)  # until the screenshot tool ends the process


if __name__ == "__main__":
    sys.exit(main())
