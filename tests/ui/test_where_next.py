"""Where next end to end: a real backend with the demo district and its street graph, a plate
seen twice along a street, and a commander's real console (map page, video wall, alert queue):
the where-next dialog lists the cameras ahead with their windows, draws them on the map, puts
them on the video wall's tiles in one click, and dispatches the ranked unit to the plate's
watch-list alert with the ordinary dispatch command."""

from __future__ import annotations

import json
import time
from typing import Any

from PySide6.QtCore import Qt

from backend_stub.demo import import_district
from backend_stub.district import build_district
from backend_stub.sightings import Sighting
from console.domain.model import AlertStatus
from console.protocol.codec import format_ts
from tests.streets import cameras_in_a_row
from tests.ui.consoles import LiveConsoles
from tests.waiting import LoopRunner, until
from widgets.map.where_next import WhereNextDialog

PLATE = "蒙K7S521"


def test_where_next_cameras_go_onto_the_wall_tiles_and_a_unit_is_dispatched(
    aloop: LoopRunner, live_console: LiveConsoles
) -> None:
    token = live_console.operator("zhao", "commander")

    async def scenario() -> None:
        backend, url = await live_console.backend(http_port=0)
        district = build_district(7, n_units=30)
        await import_district(backend, district, "rtsp://127.0.0.1:8554")
        backend.streets = district
        now = time.time()
        await backend.append(district.to_wire_positions(format_ts(now)))
        store = backend.sightings
        await store.run_db(store.add_watch, "plate", PLATE, "盗抢车辆", 1, None, "zhao")
        # Seen at two cameras on one street a minute apart (the watch list raises an alert).
        cams = cameras_in_a_row(district, 2, (0, 1))
        assert backend.ingest is not None
        from backend_stub.ingest.doors.sightings import take_sighting

        for i, (camera, ago) in enumerate(zip(cams, (70, 10), strict=True)):
            status, _ = await take_sighting(
                backend,
                backend.ingest,
                Sighting("anpr", f"r{i}", camera, now - ago, "plate", PLATE),
            )
            assert status == 201

        console = await live_console.console(url, token, panels=("alerts", "map", "video"))
        console.window.resize(1600, 1000)
        panel, wall = console.map, console.video
        assert panel is not None and wall is not None
        await until(lambda: panel.is_ready, timeout=30, what="map page")
        await until(
            lambda: any(x.kind == "plate_match" for x in console.store.alerts.values()),
            what="the watch-list alert",
        )

        action = next(a for a in panel.toolbar.actions() if a.objectName() == "whereNextAction")
        action.trigger()
        dialog = panel.findChild(WhereNextDialog)
        assert dialog is not None and dialog.isVisible()
        answered: list[int] = []
        dialog.sig_answered.connect(answered.append)
        dialog.value.setText(PLATE.lower())
        dialog.run_query()
        await until(lambda: answered, timeout=20, what="the where-next answer")
        n = answered[0]
        assert n > 0 and dialog.cameras.topLevelItemCount() == n
        data = dialog.data
        ids = [c["id"] for c in data["cameras"]]
        assert cams[1] == data["from"]["camera_id"] and cams[0] not in ids
        # Each row says when the plate can be there: a window of clock times, earliest first.
        first = dialog.cameras.topLevelItem(0)
        assert first is not None and "–" in first.text(1) and first.text(2).endswith("km")
        drawn: list[Any] = []
        panel.run_js("JSON.stringify(window.ConsoleWhereNext.summary())", drawn.append)
        await until(lambda: drawn, what="the overlay")
        summary = json.loads(drawn[0])
        assert summary["cameras"] == n and summary["guesses"] == 0
        assert summary["units"] == dialog.units.topLevelItemCount() > 0

        # One click: the cameras ahead on the video wall's tiles, earliest first.
        dialog.to_wall.click()
        await until(lambda: [c for c in wall.assigned() if c] == ids, what="cameras on the wall")
        shown = [t.camera.id for t in wall.tiles[: len(ids)] if t.camera is not None]
        assert shown == ids
        assert wall.current_layout.size >= len(ids)

        # The first ranked unit is ticked; Dispatch sends it to the plate's watch-list alert.
        alert_id = dialog.incident.currentData()
        alert = console.store.alerts[alert_id]
        assert alert.kind == "plate_match"
        unit_id = data["units"][0]["id"]
        assert dialog.checked_units()[0] == unit_id
        dialog.dispatch.click()
        await until(
            lambda: unit_id in console.store.alerts[alert_id].unit_ids, what="unit dispatched"
        )
        assert console.store.alerts[alert_id].status is AlertStatus.DISPATCHED
        await until(lambda: "dispatched" in dialog.status.text(), what="the dispatch answer")

        # Push to the wall consoles of a group: the ordinary wall.show_cameras, answered here.
        dialog.wall_group.setEditText("north")
        dialog.push.click()
        await until(lambda: "pushed to wall north" in dialog.status.text(), what="the push")

        # A new incident at the last sighting: made with alert.create, then the next ticked
        # unit goes to it with alert.dispatch.
        before = set(console.store.alerts)
        dialog.show_answer(dialog.data)  # the list again, as after a new query
        second = dialog.units.topLevelItem(1)
        assert second is not None
        for i in range(dialog.units.topLevelItemCount()):
            item = dialog.units.topLevelItem(i)
            assert item is not None
            item.setCheckState(0, Qt.CheckState.Checked if i == 1 else Qt.CheckState.Unchecked)
        dialog.incident.setCurrentIndex(dialog.incident.findData(None))
        dialog.dispatch.click()
        await until(
            lambda: any(
                console.store.alerts[a].unit_ids for a in set(console.store.alerts) - before
            ),
            what="the new incident with its unit",
        )
        (new_id,) = set(console.store.alerts) - before
        made = console.store.alerts[new_id]
        assert made.unit_ids == (data["units"][1]["id"],) and made.priority == 1
        assert PLATE in made.title and made.kind == "plate_match"
        assert (made.lat, made.lon) == (data["from"]["lat"], data["from"]["lon"])

    aloop.run(scenario())
