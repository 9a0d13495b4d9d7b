"""`make demo`: start the backend with the demo district and open a console connected to it.

The backend keeps its data in the default database (the user data directory), so the demo
district and its incidents survive between runs. Stop with Ctrl+C or by closing the console.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from main import has_display  # noqa: E402


def main() -> int:
    """Run the demo; returns the console's exit code."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--alert-rate", default="0.05")
    args = parser.parse_args()
    if not has_display():
        print(
            "make demo: no display here (DISPLAY is not set), so the console cannot open.\n"
            "On a desktop, run it from a terminal in your session. On a headless machine, run it\n"
            "on a virtual display:   xvfb-run -a make demo\n"
            "The backend alone:      .venv/bin/dispatch-backend serve --demo",
            file=sys.stderr,
        )
        return 2
    py = sys.executable
    issued = subprocess.run(
        [
            py,
            "-m",
            "backend_stub",
            "operator",
            "add",
            "demo-operator",
            "--role",
            "operator",
            "--reissue",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    token = issued.stdout.strip().splitlines()[-1]
    # The demo cameras come through the backend's own media gateway (its HTTP port); their
    # clips are made the first time each is watched, then cached.
    backend = _start(
        [
            *(py, "-m", "backend_stub", "serve", "--demo", "--port", str(args.port)),
            *("--alert-rate", args.alert_rate),
        ],
        "listening on",
    )
    if backend is None:
        print(
            f"make demo: the backend did not start; is port {args.port} in use? "
            "Try: make demo DEMO_PORT=8766",
            file=sys.stderr,
        )
        return 1
    env = {**os.environ, "DISPATCH_CONSOLE_TOKEN": token}
    try:
        console = subprocess.run(
            [py, str(ROOT / "main.py"), "--backend", f"ws://127.0.0.1:{args.port}/ws"],
            cwd=ROOT,
            env=env,
            check=False,
        )
        return console.returncode
    except KeyboardInterrupt:
        return 130
    finally:
        _stop(backend)


def _start(command: list[str], ready: str) -> subprocess.Popen[str] | None:
    """Start a helper process and wait for its ready line (None if it exits first)."""
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        print(line, end="")
        if line.startswith(ready):
            return proc
    proc.wait()
    return None


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


if __name__ == "__main__":
    sys.exit(main())
