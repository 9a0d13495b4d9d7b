"""PTZ from the wall against a real backend: hold an arrow → move, let go → stop; others see it."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from backend_stub import db
from console.domain.store import CameraPtzMoved, DomainEvent
from console.services.client import LinkState
from tests.ui.consoles import LiveConsoles
from tests.waiting import LoopRunner, until


def _camera(cid: str, name: str, ptz: bool) -> dict[str, object]:
    return {
        "type": "camera.upsert",
        "camera": {
            "id": cid,
            "name": name,
            "lat": 39.82,
            "lon": 109.98,
            "grid_id": None,
            # Offline: this test is about the command path, not decoding (no stream needed).
            "streams": {"main": "http://127.0.0.1:9/none"},
            "ptz": ptz,
            "status": "offline",
        },
    }


def test_ptz_pad_moves_the_camera_and_others_see_who(
    aloop: LoopRunner, live_console: LiveConsoles, tmp_path: Path
) -> None:
    wang = live_console.operator("wang")
    li = live_console.operator("li")
    wang_id, li_id = wang.split(".", 1)[0], li.split(".", 1)[0]

    async def scenario() -> None:
        backend, url = await live_console.backend()
        await backend.append(
            [_camera("C1", "西环路口球机", True), _camera("C2", "长青路口", False)]
        )
        a = await live_console.console(
            url, wang, start=False,
            settings=QSettings(str(tmp_path / "a.ini"), QSettings.Format.IniFormat),
            panels=("video",), evidence_dir=tmp_path / "ev-a",
        )  # fmt: skip
        b = await live_console.console(
            url, li, start=False,
            settings=QSettings(str(tmp_path / "b.ini"), QSettings.Format.IniFormat),
            panels=("video",), evidence_dir=tmp_path / "ev-b",
        )  # fmt: skip
        seen: list[CameraPtzMoved] = []

        def collect(events: list[DomainEvent]) -> None:
            seen.extend(e for e in events if isinstance(e, CameraPtzMoved))

        b.store.subscribe(collect)
        for c in (a, b):
            c.window.resize(1200, 800)
            await live_console.start(c, live=False)
        for c in (a, b):
            await until(lambda c=c: c.client.status.state is LinkState.LIVE, what="live")
            await until(lambda c=c: len(c.store.cameras) == 2, what="cameras")
        wall_a, wall_b = a.video, b.video
        assert wall_a is not None and wall_b is not None
        wall_a.open_camera("C2", 1)  # selected: a non-PTZ camera shows no pad
        tile2 = wall_a.tiles[1]
        assert tile2.selected and tile2.isVisible() and not tile2.ptz_pad.isVisible()
        wall_a.open_camera("C1", 0)
        tile = wall_a.tiles[0]
        assert tile.ptz_pad.isVisible() and not tile2.ptz_pad.isVisible()
        wall_b.open_camera("C1", 2)
        other = wall_b.tiles[2]
        assert other.ptz_notice() == ""

        left = tile.ptz_pad.buttons["left"]
        QTest.mousePress(left, Qt.MouseButton.LeftButton)
        await until(lambda: [e.action for e in seen] == ["left"], what="left recorded")
        assert seen[0] == CameraPtzMoved("C1", wang_id, "left")
        await until(lambda: other.ptz_notice() == f"PTZ: {wang_id}", what="notice on b")
        QTest.mouseRelease(left, Qt.MouseButton.LeftButton)
        await until(lambda: [e.action for e in seen] == ["left", "stop"], what="stop")

        tile.ptz_pad.preset_menu.actions()[2].trigger()  # "Preset 3"
        await until(lambda: len(seen) == 3, what="preset recorded")
        assert seen[2].action == "preset"
        # The mover's own wall shows no "PTZ: someone" notice about itself.
        assert tile.ptz_notice() == ""
        # The event is in the backend's durable log with speed and preset.
        logged = [
            json.loads(raw)
            for chunk in db.read_events(backend.engine, 0, db.head_seq(backend.engine))
            for raw in chunk
        ]
        assert [
            (e["action"], e["speed"], e["preset"], e["operator"])
            for e in logged
            if e["type"] == "camera.ptz"
        ] == [
            ("left", 5, None, wang_id),
            ("stop", None, None, wang_id),
            ("preset", 5, 3, wang_id),
        ]

        # b moving the camera shows the notice on a's tile, not on b's.
        wall_b.select_tile(2)
        QTest.mousePress(other.ptz_pad.buttons["zoom_in"], Qt.MouseButton.LeftButton)
        QTest.mouseRelease(other.ptz_pad.buttons["zoom_in"], Qt.MouseButton.LeftButton)
        await until(lambda: tile.ptz_notice() == f"PTZ: {li_id}", what="notice on a")
        await until(lambda: [e.action for e in seen][-2:] == ["zoom_in", "stop"])

        # View → Evidence… opens the wall's evidence list in a window.
        action = a.window.evidence_action
        assert action.isVisible()
        action.trigger()
        assert wall_a.evidence_window is not None and wall_a.evidence_window.isVisible()
        wall_a.evidence_window.close()

    aloop.run(scenario())
