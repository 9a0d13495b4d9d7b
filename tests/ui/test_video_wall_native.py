"""The native X11 output path of the wall, in a real X server (Xvfb) in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_native_output_plays_and_a_minimised_window_stops_decoding() -> None:
    xvfb_run = shutil.which("xvfb-run")
    assert xvfb_run, "xvfb-run is missing: run `make test` (it installs xvfb)"
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    env.pop("DISPATCH_VIDEO_OUTPUT", None)
    env.pop("DISPLAY", None)
    proc = subprocess.run(
        [xvfb_run, "-a", "-s", "-screen 0 1280x1024x24",
         sys.executable, "-m", "tests.ui.native_wall_check"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    lines = proc.stdout.strip().splitlines()
    assert lines, f"no output; stderr:\n{proc.stderr[-3000:]}"
    seen = json.loads(lines[-1])
    assert seen["platform"] == "xcb" and seen["native"], seen
    assert seen["live"] and seen["clock_advances"], seen  # libVLC reports playing, time moves
    assert min(seen["frames"]) > 10, seen
    assert seen["colours"] > 20, seen  # the X window really shows a picture
    assert seen["ptz_pad_native"], seen  # the PTZ pad sits above the video window
    assert seen["minimized_seen"] and seen["stopped_when_minimized"], seen
    assert seen["restored_live"] and seen["clock_advances_after_restore"], seen
    assert proc.returncode == 0, proc.stderr[-3000:]
