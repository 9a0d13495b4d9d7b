"""Show the video wall alone on live demo streams: ``python -m tools.video_wall_demo``.

Starts a ``DemoStreamServer`` for the demo district's cameras, fills a Store with them and
opens a ``VideoWallPanel`` in a window (layout 9 by default). Used for screenshots and to
try the wall without a backend. A developer tool (it uses the backend's demo district and
stream server), so it lives outside the shipped packages.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

from backend_stub.district import build_district
from backend_stub.streams import DemoStreamServer, default_folder
from console.domain.store import Store
from widgets.bridge import StoreBridge
from widgets.theme import Theme
from widgets.video_wall.panel import VideoWallPanel


def main(argv: list[str] | None = None) -> int:
    """Run the wall demo; returns the exit code."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--layout", default="9")
    p.add_argument("--seconds", type=float, default=0, help="quit after this long (0: never)")
    p.add_argument("--theme", default="dark")
    args = p.parse_args(argv)

    district = build_district()
    cams = [(c.id, c.name) for c in district.cameras]
    server = DemoStreamServer(default_folder(), cams)
    n = int(args.layout.split("+")[0]) if "+" not in args.layout else 1 + int(args.layout[2:])
    server.prepare([c for c, _ in cams[:n]])
    server.start()
    store = Store()
    wire = district.to_wire_cameras(server.base_url)
    wire[n - 1]["status"] = "offline"  # show what an offline camera looks like
    store.load_snapshot(
        1,
        {
            "units": [],
            "alerts": [],
            "cameras": wire,
            "talkgroups": [],
            "layers": [],
            "log": [],
        },
    )

    app = QApplication(sys.argv[:1])
    theme = Theme(args.theme)
    theme.apply(app)
    bridge = StoreBridge(store)
    panel = VideoWallPanel(
        bridge,
        theme,
        evidence_dir=Path(tempfile.gettempdir()) / "wall-evidence",
        operator="demo",
    )
    window = QMainWindow()
    window.setCentralWidget(panel)
    window.setWindowTitle(panel.tr("Video wall"))
    window.resize(1600, 960)
    panel.set_layout(args.layout)
    panel.open_cameras([c for c, _ in cams[:n]])
    panel.select_tile(0)
    window.show()
    signal.signal(signal.SIGTERM, lambda *_: app.quit())
    signal.signal(signal.SIGINT, lambda *_: app.quit())
    wake = QTimer(interval=200)  # let Python see signals while Qt runs
    wake.timeout.connect(lambda: None)
    wake.start()
    if args.seconds:
        QTimer.singleShot(int(args.seconds * 1000), app.quit)
    code = app.exec()
    panel.shutdown()
    server.stop()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
