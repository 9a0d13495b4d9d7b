"""Wall mode over two monitors (Xvfb with two X screens, the xcb platform, a real backend):
each panel lands on the screen its layout names, without chrome, and a commander's pushes
(layout, cameras) switch the wall console.

The wall console runs in a subprocess (``python -m tests.ui.test_wall URL TOKEN LAYOUT INI``)
because this test process is on the offscreen platform with one screen. It prints one JSON
line per state worth checking (live, each push applied).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QRect, QSettings

from backend_stub import db
from console.services.client import LinkState
from tests.waiting import LoopRunner, until
from widgets.wall import MAIN, plan_screens, split

ROOT = Path(__file__).resolve().parents[2]
SCREENS = ((1920, 1080), (1280, 1024))  # different sizes tell the screens apart


def test_plan_screens_missing_monitors_come_to_the_remaining_ones() -> None:
    placement = {MAIN: 0, "videoDock": 1, "mapDock2": 2}
    assert plan_screens(placement, ["videoDock", "mapDock2"], 3) == {
        MAIN: 0,
        "videoDock": 1,
        "mapDock2": 2,
    }
    # Two monitors: the third monitor's map docks back into the main window.
    assert plan_screens(placement, ["videoDock", "mapDock2"], 2) == {
        MAIN: 0,
        "videoDock": 1,
        "mapDock2": None,
    }
    # The main window's monitor is gone: it takes a screen no floating panel uses.
    assert plan_screens({MAIN: 2, "videoDock": 0}, ["videoDock"], 2) == {
        MAIN: 1,
        "videoDock": 0,
    }
    # A floating panel with no recorded screen goes where the main window is.
    assert plan_screens({MAIN: 1}, ["radioDock"], 2) == {MAIN: 1, "radioDock": 1}
    assert split(QRect(0, 0, 1920, 1080), 2) == [QRect(0, 0, 960, 1080), QRect(960, 0, 960, 1080)]


def _camera(cid: str) -> dict[str, object]:
    return {
        "type": "camera.upsert",
        "camera": {
            "id": cid,
            "name": f"路口 {cid}",
            "lat": 39.82,
            "lon": 109.98,
            "grid_id": None,
            "streams": {"main": "http://127.0.0.1:9/none"},  # not about decoding
            "ptz": False,
            "status": "offline",
        },
    }


def _start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    screens: list[str] = []
    for i, (w, h) in enumerate(SCREENS):
        screens += ["-screen", str(i), f"{w}x{h}x24"]
    # -displayfd: Xvfb picks a free display number and writes it when it is ready.
    xvfb = subprocess.Popen(
        ["Xvfb", "-displayfd", "1", *screens, "-nolisten", "tcp"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert xvfb.stdout is not None
    number = xvfb.stdout.readline().decode().strip()
    assert number.isdigit(), "Xvfb did not start"
    return xvfb, f":{number}"


def _spawn_wall_console(display: str, args: list[str], folder: Path) -> subprocess.Popen[bytes]:
    """The wall console on ``display``; its reports go to ``wall.out``, errors to ``wall.err``."""
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb"}
    with (folder / "wall.out").open("wb") as out, (folder / "wall.err").open("wb") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.ui.test_wall", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=err,
        )


def test_wall_mode_two_screens_and_commander_pushes(aloop: LoopRunner, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    engine = db.open_engine(db_url)
    chief = db.add_operator(engine, "zhao", "commander")
    wall_token = db.add_operator(engine, "wall-north", "wall")
    engine.dispose()
    settings = QSettings(str(tmp_path / "commander.ini"), QSettings.Format.IniFormat)
    out_path = tmp_path / "wall.out"
    xvfb, display = _start_xvfb()
    proc: subprocess.Popen[bytes] | None = None

    def reports() -> list[dict[str, Any]]:
        text = out_path.read_text("utf-8") if out_path.exists() else ""
        return [json.loads(line) for line in text.splitlines() if line.startswith("{")]

    async def next_report(seen: int, what: str) -> dict[str, Any]:
        got = await until(
            lambda: len(reports()) > seen or (proc is not None and proc.poll() is not None),
            timeout=60,
            what=what,
        )
        assert got and len(reports()) > seen, (
            f"wall console exited: {(tmp_path / 'wall.err').read_text()}"
        )
        return reports()[seen]

    async def scenario() -> None:
        nonlocal proc
        from tests.live import start_backend
        from widgets.assembly import build_console

        backend, url = await start_backend(db_url)
        await backend.append([_camera(f"C{i}") for i in range(1, 7)])
        commander = build_console(url, chief, settings, panels=("video", "dashboard"))
        window = commander.window
        try:
            window.resize(1200, 800)
            window.show()
            assert commander.client is not None
            commander.client.start()
            await until(lambda: commander.client.status.state is LinkState.LIVE, what="live")
            await until(lambda: len(commander.store.cameras) == 6, what="cameras")
            # Only a commander sees the Wall menu.
            assert window.wall_menu.menuAction().isVisible()

            # Layout "两屏": the video wall floats onto the second monitor, the overview stays
            # docked in the main window on the first. (This test process has one screen, so
            # the placement the author's second monitor would record is written in.)
            window.docks["videoDock"].setFloating(True)
            doc = commander.layouts.document("两屏")
            assert doc["placement"] == {MAIN: 0, "videoDock": 0}
            doc["placement"] = {MAIN: 0, "videoDock": 1}
            layout_file = tmp_path / "two.layout.json"
            layout_file.write_text(json.dumps(doc), "utf-8")

            proc = _spawn_wall_console(
                display, [url, wall_token, str(layout_file), str(tmp_path / "wall.ini")], tmp_path
            )
            live = await next_report(0, "the wall console is live")
            assert live["event"] == "live" and live["layout"] == "两屏"
            assert live["screens"] == {MAIN: 0, "videoDock": 1, "dashboardDock": 0}
            assert live["screen_sizes"] == [list(s) for s in SCREENS]
            # Each window fills its monitor: the main window the first, the video wall the
            # second; no menus, status bar, toolbar, title bars or command buttons.
            assert live["geometry"][MAIN] == [0, 0, *SCREENS[0]]
            assert live["geometry"]["videoDock"] == [0, 0, *SCREENS[1]]
            assert live["chrome"] == {
                "menu": False,
                "status": False,
                "toolbar": False,
                "titles": False,
                "ack_button": False,
                "camera_tree": False,
            }
            # Large type (the wall theme): 1.6 × the platform's font.
            assert live["point_size"] >= 1.5 * live["base_point_size"]
            # The video wall on the second screen shows its four tiles (moving a window to
            # another X screen recreates it; its native video surfaces must come back).
            assert live["tiles_shown"] == 4
            # Its own layout document records the same screens again.
            assert live["recorded"] == {MAIN: 0, "videoDock": 1}

            # Layout "三屏" for three monitors: overview on the second, video wall on a third
            # that this wall does not have. Pushed to another wall group first: ignored.
            window.docks["dashboardDock"].setFloating(True)
            commander.layouts.save("三屏")
            three = commander.layouts.saved("三屏")
            assert three is not None
            three["placement"] = {MAIN: 0, "dashboardDock": 1, "videoDock": 2}
            settings.setValue("layouts/" + chief.split(".")[0] + "/三屏", json.dumps(three))
            wall_push = commander.wall_push
            assert wall_push is not None
            wall_push.sig_push_layout.emit("south", "南区", {**three, "name": "南区"})
            window.push_layout_action.trigger()
            dialog = wall_push.dialog
            assert dialog is not None
            dialog.group_box.setEditText("north")
            assert dialog.layout_box is not None
            dialog.layout_box.setCurrentIndex(dialog.layout_box.findText("三屏"))
            dialog.accept()
            pushed = await next_report(1, "pushed layout")
            assert pushed["event"] == "layout" and pushed["layout"] == "三屏"  # not 南区
            # The missing third monitor's video wall came back into the main window.
            assert pushed["screens"] == {MAIN: 0, "dashboardDock": 1, "videoDock": 0}
            assert pushed["floating"] == ["dashboardDock"]
            assert pushed["geometry"]["dashboardDock"] == [0, 0, *SCREENS[1]]
            assert pushed["chrome"]["titles"] is False
            assert "north" in wall_push.groups()

            # Cameras: what the commander's video wall shows goes onto the wall's tiles.
            assert commander.video is not None
            commander.video.open_cameras(["C3", "C1", "C5"])
            window.push_cameras_action.trigger()
            assert wall_push.dialog is not None
            wall_push.dialog.group_box.setEditText("all")
            wall_push.dialog.accept()
            cams = await next_report(2, "pushed cameras")
            assert cams["event"] == "cameras"
            assert cams["cameras"] == ["C3", "C1", "C5", None]
            assert cams["video_layout"] == "4"
            assert cams["tiles_shown"] == 4
        finally:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                await until(lambda: proc.poll() is not None, timeout=30, what="wall exits")
            await commander.shutdown()
            window.close()
            await backend.stop()
            backend.engine.dispose()

    try:
        aloop.run(scenario(), timeout=180)
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
        xvfb.terminate()
        xvfb.wait(10)
    assert proc is not None and proc.returncode == 0, (tmp_path / "wall.err").read_text()


# ---- the wall console (subprocess, on the two-screen display)

BASE_POINT_SIZE = [0.0]  # the platform's font size before the wall theme


def _report(console: Any, event: str) -> dict[str, Any]:
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from widgets.layout_store import screen_index

    window, wall = console.window, console.wall
    geometry = {MAIN: list(window.geometry().getRect())}
    floating = []
    for name, dock in sorted(window.docks.items()):
        if dock.isFloating() and dock.isVisible():
            floating.append(name)
            geometry[name] = list(dock.geometry().getRect())
    video = console.video
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    return {
        "event": event,
        "layout": wall.layout_name,
        "screens": {
            name: screen_index(window.docks[name] if name in floating else window)
            for name in [MAIN, *sorted(window.docks)]
        },
        "screen_sizes": [[s.size().width(), s.size().height()] for s in QGuiApplication.screens()],
        "floating": floating,
        "geometry": geometry,
        "chrome": {
            "menu": window.menuBar().isVisible(),
            "status": window.statusBar().isVisible(),
            "toolbar": window.toolbar.isVisible(),
            "titles": any(
                d.titleBarWidget() is None or d.titleBarWidget().height() > 0
                for d in window.docks.values()
                if d.isVisible()
            ),
            "ack_button": window.alerts.ack_button.isVisible(),
            "camera_tree": video.camera_tree.isVisible(),
        },
        "point_size": app.font().pointSizeF(),
        "base_point_size": BASE_POINT_SIZE[0],
        "recorded": console.layouts.document("x")["placement"],
        "cameras": video.assigned()[: video.current_layout.size],
        "video_layout": video.layout_name,
        "tiles_shown": sum(1 for t in video.visible_tiles() if t.isVisible()),
    }


def _wall_console(url: str, token: str, layout: str, ini: str) -> int:
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from console.domain.store import DomainEvent, WallCamerasPushed, WallLayoutPushed
    from widgets.assembly import build_console
    from widgets.gc_guard import GuiThreadCollector
    from widgets.theme import Theme

    app = QApplication([])
    app.setQuitOnLastWindowClosed(False)
    BASE_POINT_SIZE[0] = app.font().pointSizeF()
    Theme("wall").apply(app)
    collector = GuiThreadCollector(parent=app)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    closed = asyncio.Event()
    signal.signal(signal.SIGTERM, lambda *_: loop.call_soon_threadsafe(closed.set))
    wake = QTimer(interval=200)  # lets Python run its signal handler while Qt idles
    wake.timeout.connect(lambda: None)
    wake.start()

    doc = json.loads(Path(layout).read_text("utf-8"))

    def say(console: Any, event: str) -> None:
        print(json.dumps(_report(console, event), ensure_ascii=False), flush=True)

    async def run() -> None:
        settings = QSettings(ini, QSettings.Format.IniFormat)
        console = build_console(
            url, token, settings, "wall", panels=("video", "dashboard"), wall_group="north"
        )
        assert console.wall is not None and console.client is not None
        assert console.wall.show_layout(doc)

        def on_events(events: list[DomainEvent]) -> None:
            # Queued after the wall's own handler, so this reports the applied push.
            for e in events:
                if isinstance(e, WallLayoutPushed | WallCamerasPushed) and console.wall.wants(
                    e.wall
                ):
                    kind = "layout" if isinstance(e, WallLayoutPushed) else "cameras"
                    QTimer.singleShot(0, console.window, lambda k=kind: say(console, k))

        console.store.subscribe(on_events)
        console.bridge.sig_snapshot_loaded.connect(lambda _seq: say(console, "live"))
        console.client.start()
        await closed.wait()
        await console.shutdown()
        console.window.close()

    with loop:
        loop.run_until_complete(run())
    collector.stop()
    return 0


if __name__ == "__main__":
    sys.exit(_wall_console(*sys.argv[1:5]))
