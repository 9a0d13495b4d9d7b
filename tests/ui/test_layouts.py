"""Layouts survive a save/restore round trip and a file; Ctrl+K finds and acts."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtGui import QAction

from tests.live import ALERT_ARGS, open_client
from tests.ui.consoles import LiveConsoles
from tests.waiting import LoopRunner, until
from widgets.assembly import open_palette


def test_layout_round_trip_file_and_palette(
    aloop: LoopRunner, live_console: LiveConsoles, tmp_path: Path
) -> None:
    me = live_console.operator("wang")

    async def scenario() -> None:
        _backend, url = await live_console.backend()
        console = await live_console.console(url, me, panels=("dashboard",))
        window, layouts = console.window, console.layouts
        dashboard = window.docks["dashboardDock"]

        # Save a layout with the overview hidden; change it; loading brings it back.
        dashboard.hide()
        layouts.save("夜班")
        assert layouts.names() == ["夜班"]
        dashboard.show()
        assert dashboard.isVisible()
        assert layouts.load("夜班")
        await until(lambda: not dashboard.isVisible(), what="layout applied")

        # Export, reset, import: the file carries the layout.
        path = tmp_path / "night.layout.json"
        path.write_text(json.dumps(layouts.document("night")), "utf-8")
        layouts.reset()
        await until(lambda: dashboard.isVisible(), what="reset")
        assert layouts.import_file(str(path))
        await until(lambda: not dashboard.isVisible(), what="imported")
        assert "night" in layouts.names()
        bad = tmp_path / "bad.layout.json"
        bad.write_text('{"format": "something else"}', "utf-8")
        assert not layouts.import_file(str(bad))
        assert "Not a layout file" in window.alerts.banner.text()

        # A second overview (View → New overview): its own dock with a stable name, saved
        # in a layout, closed, and brought back when that layout is loaded.
        window.new_panel_actions["dashboard"].trigger()
        second = window.docks["dashboardDock2"]
        assert second.isFloating() and second.isVisible()
        assert second.windowTitle() == "Overview 2"
        assert len(console.extras) == 1
        layouts.save("two overviews")
        second.close()
        await until(lambda: "dashboardDock2" not in window.docks, what="closed for good")
        assert console.extras == []
        assert layouts.load("two overviews")
        again = window.docks["dashboardDock2"]
        await until(lambda: again.isVisible(), what="second overview restored")
        await until(lambda: again.widget().figures is not None, what="it shows figures")
        assert layouts.load("夜班")  # a layout without it closes it
        assert "dashboardDock2" not in window.docks

        # Ctrl+K: type an alert id, Enter selects it for every panel.
        other = await open_client(url, me)
        await other.run("alert.create", {**ALERT_ARGS, "title": "110报警：盗窃电动车"})
        alert_id = other.events[-1]["alert"]["id"]
        await until(lambda: alert_id in console.store.alerts, what="alert")
        open_palette(console)
        palette = console.palette
        assert palette is not None
        palette.query.setText(f"{alert_id} 电动车")
        assert palette.results.count() == 1
        palette.run_current()
        assert console.store.selected_alert_id == alert_id
        assert window.alerts.selected_alert().id == alert_id

        # The toolbar: every main action has its icon; 签收 acknowledges the selected alert.
        tools = [a for a in window.toolbar.actions() if a.objectName().startswith("tool_")]
        assert len(tools) == 8 and all(not a.icon().isNull() for a in tools)
        window.findChild(QAction, "tool_acknowledge").trigger()
        await until(
            lambda: console.store.alerts[alert_id].status.value == "acknowledged",
            what="acknowledged from the toolbar",
        )
        # Ctrl+K also finds "New overview"; an operator has no Wall menu.
        open_palette(console)
        assert console.palette is not None
        console.palette.query.setText("New overview")
        assert console.palette.results.count() == 1
        assert not window.wall_menu.menuAction().isVisible()
        await other.ws.close()

        # Extra panels survive a restart: the next window opens them again.
        window.new_panel("dashboard")
        await live_console.close_console(console)
        later = await live_console.console(url, me, start=False, panels=("dashboard",))
        assert "dashboardDock2" in later.window.docks

    aloop.run(scenario())
