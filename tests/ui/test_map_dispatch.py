"""Right-click an alert on the map → "dispatch nearest available unit" → the backend agrees."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from backend_stub import db
from console.domain.model import AlertStatus
from console.services.client import LinkState
from tests.integration.conftest import ALERT_ARGS, open_client, start_backend
from tests.ui.conftest import LoopRunner, until
from tests.ui.test_dispatch_flow import _pos, _unit
from widgets.assembly import build_console


def test_dispatch_nearest_from_the_map(aloop: LoopRunner, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    engine = db.open_engine(db_url)
    me = db.add_operator(engine, "wang", "operator")
    engine.dispose()
    settings = QSettings(str(tmp_path / "console.ini"), QSettings.Format.IniFormat)

    async def scenario() -> None:
        backend, url = await start_backend(db_url)
        await backend.append(
            [_unit("U01", "P1001"), _unit("U02", "P1002"), _pos("U01", 39.86), _pos("U02", 39.83)]
        )
        console = build_console(url, me, settings, panels=("map",))
        window, store, panel = console.window, console.store, console.map
        assert panel is not None
        window.show()
        console.client.start()
        await until(lambda: console.client.status.state is LinkState.LIVE, what="live")
        await until(lambda: panel.is_ready, timeout=30, what="map page")
        other = await open_client(url, me)
        await other.run("alert.create", ALERT_ARGS)
        alert_id = other.events[-1]["alert"]["id"]
        await until(lambda: alert_id in store.alerts, what="alert")
        panel.flush()
        drawn: list[object] = []
        panel.run_js(f"window.ConsoleMap.alerts.has({alert_id!r})", drawn.append)
        await until(lambda: drawn == [True], what="alert on the map")

        # The page's right-click handler (what Leaflet's contextmenu calls).
        panel.run_js(f"window.ConsoleMap.contextAlert({alert_id!r})")
        menu = await until(lambda: getattr(panel, "context_menu", None), what="menu")
        assert store.selected_alert_id == alert_id
        menu.actions()[0].trigger()
        await until(
            lambda: store.alerts[alert_id].status is AlertStatus.DISPATCHED, what="dispatched"
        )
        assert store.alerts[alert_id].unit_ids == ("U02",)  # 1.1 km beats 4.4 km
        await other.ws.close()
        await console.shutdown()
        window.close()
        await backend.stop()
        backend.engine.dispose()

    aloop.run(scenario())
