"""The console against a real backend: an alert appears, is acknowledged, survives a restart."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from console.services.client import LinkState
from tests.live import ALERT_ARGS, open_client
from tests.ui.consoles import LiveConsoles
from tests.waiting import LoopRunner, until
from widgets.alerts.model import COLUMNS


def _cell(console, row: int, column: str) -> str:  # type: ignore[no-untyped-def]
    proxy = console.window.alerts.proxy
    return str(proxy.index(row, COLUMNS.index(column)).data())


def _row_of(console, alert_id: str) -> int | None:  # type: ignore[no-untyped-def]
    proxy = console.window.alerts.proxy
    for row in range(proxy.rowCount()):
        if _cell(console, row, "id") == alert_id:
            return row
    return None


def test_alert_appears_is_acknowledged_and_survives_backend_restart(
    aloop: LoopRunner, live_console: LiveConsoles
) -> None:
    me = live_console.operator("wang")
    colleague = live_console.operator("li")

    async def scenario() -> None:
        backend, url = await live_console.backend()
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        console = await live_console.console(url, me)
        window, client, store = console.window, console.client, console.store
        assert "wang" in window.link.state_text()

        other = await open_client(url, colleague)
        await other.run("alert.create", {**ALERT_ARGS, "title": "110报警：入室盗窃"})
        alert_id = other.events[-1]["alert"]["id"]
        row = await until(
            lambda: _row_of(console, alert_id) is not None and _row_of(console, alert_id) + 1,
            what="row",
        )
        row -= 1
        assert _cell(console, row, "title") == "110报警：入室盗窃"
        assert _cell(console, row, "status") == "New"

        # The operator selects the row and presses A: the backend acknowledges it.
        table = window.alerts.table
        table.setFocus()
        table.selectRow(row)
        QTest.keyClick(table, Qt.Key.Key_A)
        await until(
            lambda: _cell(console, _row_of(console, alert_id), "status") == "Acknowledged",
            what="acknowledged row",
        )
        assert store.alerts[alert_id].owner == me.split(".")[0]
        assert _cell(console, _row_of(console, alert_id), "owner") == "me"
        # The result may come a moment after the event that changed the row.
        await until(
            lambda: "acknowledged" in window.alerts.banner.text(), what="acknowledged banner"
        )

        # A stale click (the colleague changed it first) shows a plain conflict message.
        await other.run("alert.create", {**ALERT_ARGS, "title": "电子围栏越界告警"})
        second = other.events[-1]["alert"]["id"]
        await until(lambda: second in store.alerts, what="second alert")
        await other.run("alert.acknowledge", {"alert_id": second, "version": 1})
        await until(lambda: store.alerts[second].version == 2, what="colleague's change")
        window.alerts.sig_acknowledge_requested.emit(second, 1)
        await until(
            lambda: "someone else changed" in window.alerts.banner.text(), what="conflict banner"
        )
        assert window.alerts.banner.objectName() == "bannerError"
        assert _cell(console, _row_of(console, second), "status") == "Acknowledged"
        await other.ws.close()

        # The backend goes away: the status bar says so, the queue keeps what it had.
        await live_console.stop_backend(backend)
        await until(lambda: client.status.state is LinkState.RECONNECTING, what="reconnecting")
        assert "retry in" in window.link.state_text()
        assert window.alerts.model.rowCount() == 2

        # It comes back on the same port: live again, nothing lost, new alerts still flow.
        backend, url = await live_console.backend(port=port)
        await until(lambda: client.status.state is LinkState.LIVE, timeout=30, what="live again")
        other = await open_client(url, colleague)
        await other.run("alert.create", {**ALERT_ARGS, "title": "车牌布控命中"})
        third = other.events[-1]["alert"]["id"]
        await until(lambda: _row_of(console, third) is not None, what="alert after restart")
        assert window.alerts.model.rowCount() == 3
        assert _cell(console, _row_of(console, alert_id), "status") == "Acknowledged"
        assert client.session.last_seq == backend.committed_seq
        await other.ws.close()

    aloop.run(scenario())
