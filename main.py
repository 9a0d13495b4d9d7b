"""The dispatch console's command line: parse it, then start the console.

Everything else (Qt, the event loop, the token, building and wiring the console) is in
``widgets/launch.py`` (the process) and ``widgets/assembly.py`` (the composition root).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from widgets.launch import has_display

__version__ = "0.1.0"
DEFAULT_BACKEND = "ws://127.0.0.1:8765/ws"

__all__ = ["has_display", "main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dispatch-console",
        description="Command-and-dispatch console: alert queue, units, video, radio.",
    )
    p.add_argument("--backend", default=None, help=f"backend URL (default {DEFAULT_BACKEND})")
    p.add_argument(
        "--token",
        default=os.environ.get("DISPATCH_CONSOLE_TOKEN"),
        help="operator token (default: $DISPATCH_CONSOLE_TOKEN, else the keyring, else sign-in)",
    )
    p.add_argument("--lang", choices=("zh_CN", "en"), default=None, help="UI language")
    p.add_argument(
        "--theme",
        choices=("dark", "light", "wall"),
        default=None,
        help="colour theme (default: settings; wall = high contrast for a video wall)",
    )
    p.add_argument(
        "--replay", metavar="FILE", default=None, help="replay a recording (no backend at all)"
    )
    p.add_argument(
        "--record",
        metavar="FILE",
        default=None,
        help="record this session to FILE (default: a new file in the recording folder)",
    )
    p.add_argument("--no-record", action="store_true", help="do not record this session")
    p.add_argument(
        "--wall",
        metavar="LAYOUT",
        default=None,
        help="wall mode: show a saved layout (or a layout file) full screen over every monitor,"
        " read-only, no menus; sign in with a wall-role token",
    )
    p.add_argument(
        "--wall-group",
        metavar="NAME",
        default="all",
        help="the wall group this wall console belongs to (pushes to it or to 'all' are shown)",
    )
    p.add_argument(
        "--smoke-exit",
        metavar="SECONDS",
        type=float,
        default=None,
        help="installation check: quit once the main window is shown, the backend's snapshot is"
        " loaded and the map page is ready, printing one JSON line; exit 3 if that takes longer"
        " than SECONDS",
    )
    p.add_argument("--version", action="version", version=f"dispatch-console {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``dispatch-console``."""
    args = _parser().parse_args(argv)
    from widgets.launch import start

    return start(args, version=__version__, script=Path(__file__).resolve())


if __name__ == "__main__":
    sys.exit(main())
