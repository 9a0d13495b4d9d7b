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
    backend = subprocess.Popen(
        [
            py,
            "-m",
            "backend_stub",
            "serve",
            "--demo",
            "--port",
            str(args.port),
            "--alert-rate",
            args.alert_rate,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert backend.stdout is not None
    for line in backend.stdout:
        print(line, end="")
        if line.startswith("listening on"):
            break
    else:
        code = backend.wait()
        print(
            f"make demo: the backend stopped (exit {code}); is port {args.port} in use? "
            f"Try: make demo DEMO_PORT=8766",
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
        backend.terminate()
        try:
            backend.wait(10)
        except subprocess.TimeoutExpired:
            backend.kill()


if __name__ == "__main__":
    sys.exit(main())
