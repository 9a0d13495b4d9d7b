"""From intake to close in the console against a real backend: 接警 → 派警 → 处警 → 反馈 → 结案."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest

from console.domain.model import AlertStatus
from console.services.client import LinkState
from tests import factories
from tests.ui.consoles import LiveConsoles
from tests.waiting import LoopRunner, until


def test_intake_dispatch_override_feedback_close(
    aloop: LoopRunner, live_console: LiveConsoles
) -> None:
    me = live_console.operator("wang")

    async def scenario() -> None:
        backend, url = await live_console.backend()
        await backend.append(
            [
                factories.patrol_car("U01", "P1001"),
                factories.patrol_car("U02", "P1002"),
                factories.position("U01", 39.83),
                factories.position("U02", 39.86),
            ]
        )
        console = await live_console.console(url, me, panels=())  # the queue alone
        window, store = console.window, console.store
        panel = window.alerts
        await until(lambda: len(store.positions) == 2, what="unit positions")

        # 接警: N opens the intake dialog; the new alert lands in the queue.
        def press(key: Qt.Key) -> None:
            window.activateWindow()
            panel.table.setFocus()
            QTest.keyClick(panel.table, key)

        press(Qt.Key.Key_N)
        dialog = await until(lambda: getattr(panel, "intake_dialog", None), what="intake")
        dialog.title.setText("110报警：打架斗殴")
        dialog.number.setText("13800000001")
        dialog.lat.setValue(39.82)
        dialog.lon.setValue(109.98)
        dialog._on_accept()
        alert = await until(lambda: next(iter(store.alerts.values()), None), what="created")
        assert alert.title == "110报警：打架斗殴" and "13800000001" in alert.description
        await until(lambda: panel.proxy.rowCount() == 1, what="row")
        panel.table.selectRow(0)
        press(Qt.Key.Key_A)
        await until(lambda: store.alerts[alert.id].status is AlertStatus.ACKNOWLEDGED)

        # 派警: D shows the ranked units; P1001 (1.1 km) is recommended over P1002 (4.4 km).
        press(Qt.Key.Key_D)
        dispatch = await until(lambda: getattr(panel, "dispatch_dialog", None), what="dispatch")
        assert [r.unit.callsign for r in dispatch.ranked] == ["P1001", "P1002"]
        dispatch.table.selectRow(1)  # an override needs a reason
        dispatch._on_accept()
        assert dispatch.isVisible() and "reason" in dispatch.note.text()
        dispatch.reason.setText("P1001 handling a traffic stop")
        dispatch._on_accept()
        await until(lambda: store.alerts[alert.id].status is AlertStatus.DISPATCHED)
        assert store.alerts[alert.id].unit_ids == ("U02",)
        await until(lambda: store.units["U02"].status.value == "dispatched", what="unit status")
        await until(lambda: any("overridden" in e.text for e in store.log), what="override log")

        # 处警 → 反馈 → 结案
        press(Qt.Key.Key_S)
        await until(lambda: store.alerts[alert.id].status is AlertStatus.ON_SCENE)
        press(Qt.Key.Key_F)
        feedback = await until(lambda: getattr(panel, "feedback_dialog", None), what="feedback")
        feedback.note.setPlainText("双方已劝离，无人受伤")
        feedback.accept()
        await until(lambda: store.alerts[alert.id].status is AlertStatus.RESOLVED)
        press(Qt.Key.Key_C)
        closing = await until(lambda: getattr(panel, "close_dialog", None), what="close")
        closing.accept()
        await until(lambda: store.alerts[alert.id].status is AlertStatus.CLOSED)
        actions = [h.action for h in store.alerts[alert.id].history]
        assert actions == [
            "created",
            "acknowledged",
            "dispatched",
            "on_scene",
            "resolved",
            "closed",
        ]
        assert panel.proxy.rowCount() == 0  # the open-queue filter hides it now

    aloop.run(scenario())


def test_command_line_dispatches_by_callsign(aloop: LoopRunner, live_console: LiveConsoles) -> None:
    me = live_console.operator("wang")

    async def scenario() -> None:
        backend, url = await live_console.backend()
        await backend.append(
            [factories.patrol_car("U01", "P1001"), factories.position("U01", 39.83)]
        )
        console = await live_console.console(url, me, panels=())
        panel, store = console.window.alerts, console.store
        answer = await console.client.command(
            "alert.create",
            {"kind": "call_110", "priority": 1, "title": "t", "lat": 39.82, "lon": 109.98},
        )
        alert_id = store.alerts and next(iter(store.alerts))
        assert answer.ok and alert_id
        panel.command_line.setText(f"D p1001 A-{int(alert_id.split('-')[1])}")
        QTest.keyClick(panel.command_line, Qt.Key.Key_Return)
        await until(
            lambda: store.alerts[alert_id].status is AlertStatus.DISPATCHED,
            what="dispatched from the command line",
        )
        assert store.alerts[alert_id].unit_ids == ("U01",)
        panel.command_line.setText("D P9999 A-1")
        QTest.keyClick(panel.command_line, Qt.Key.Key_Return)
        assert "unit" in panel.banner.text() and panel.command_line.text() == "D P9999 A-1"

    aloop.run(scenario())


def test_two_consoles_see_each_other_owner_and_who_was_first(
    aloop: LoopRunner, live_console: LiveConsoles, tmp_path: Path
) -> None:
    """Two real consoles (wang, li) on one backend: a change on one shows on the other, the
    owner column names who took it, and a stale edit is refused naming who acted first."""
    wang_token = live_console.operator("wang")
    li_token = live_console.operator("li")

    async def scenario() -> None:
        _, url = await live_console.backend()
        consoles = [
            await live_console.console(
                url,
                token,
                live=False,
                settings=QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat),
                panels=(),
            )
            for name, token in (("wang", wang_token), ("li", li_token))
        ]
        wang, li = consoles
        for console in consoles:
            await until(lambda c=console: c.client.status.state is LinkState.LIVE, what="live")

        answer = await wang.client.command(
            "alert.create",
            {"kind": "call_110", "priority": 1, "title": "两台席位", "lat": 39.82, "lon": 109.98},
        )
        assert answer.ok
        alert_id = await until(lambda: next(iter(li.store.alerts), None), what="li sees it")
        stale = li.store.alerts[alert_id]  # li is looking at version 1

        # wang acknowledges from his queue; li's queue shows it, owned by wang.
        await until(lambda: wang.window.alerts.proxy.rowCount() == 1, what="row on wang's")
        wang.window.alerts.table.selectRow(0)
        sent = time.perf_counter()
        wang.window.alerts.acknowledge_selected()
        await until(
            lambda: li.store.alerts[alert_id].status is AlertStatus.ACKNOWLEDGED,
            what="li sees the acknowledgement",
        )
        print(
            "acknowledged on wang's console → shown on li's:",
            f"{1000 * (time.perf_counter() - sent):.0f} ms",
        )
        li_panel = li.window.alerts
        row = li_panel.model.row_of(alert_id)
        assert row is not None
        owner_col = li_panel.model.columnCount() - 1
        assert li_panel.model.index(row, owner_col).data() == "wang"  # his name, not his id
        row = wang.window.alerts.model.row_of(alert_id)
        assert wang.window.alerts.model.index(row, owner_col).data() == "me"

        # li acts on what he saw (version 1): refused, and told wang changed it first.
        li.commands.run("alert.acknowledge", {"alert_id": alert_id, "version": stale.version}, "ok")
        await until(lambda: li_panel.banner.isVisible(), what="conflict banner")
        assert "by wang" in li_panel.banner.text() and "first" in li_panel.banner.text()

        # wang hands it to li: on li's console the owner column now says "me".
        wang.commands.run(
            "alert.transfer",
            {
                "alert_id": alert_id,
                "version": wang.store.alerts[alert_id].version,
                "to_operator": li.window.alerts.model.me,
            },
            "",
        )
        await until(lambda: li.store.alerts[alert_id].owner == li_panel.model.me, what="moved")
        row = li_panel.model.row_of(alert_id)
        assert li_panel.model.index(row, owner_col).data() == "me"

    aloop.run(scenario())
