"""The side paths of an incident in the queue against a real backend: merge a duplicate,
cancel with a reason, release a unit, reassign a busy one (confirmed, naming its incident),
transfer to another operator, the owner filter, history search and the records."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import fastjsonschema
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from console.domain.model import AlertStatus
from console.records import EIDO_SCHEMA
from tests import factories
from tests.ui.consoles import LiveConsoles
from tests.waiting import LoopRunner, until
from widgets.alerts.history import HistorySearchDialog
from widgets.alerts.lifecycle import (
    CancelDialog,
    MergeDialog,
    ReleaseDialog,
    TransferDialog,
)
from widgets.alerts.model import AlertFilterProxy


def test_merge_cancel_release_reassign_transfer_history_records(
    aloop: LoopRunner, live_console: LiveConsoles, tmp_path: Path
) -> None:
    me = live_console.operator("wang")
    li = live_console.operator("li").split(".", 1)[0]

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
        console = await live_console.console(url, me, panels=())
        window, store, client = console.window, console.store, console.client
        panel, side = window.alerts, window.alerts.side_paths

        async def create(title: str, description: str, lat: float) -> str:
            args = {"kind": "call_110", "priority": 1, "title": title, "lat": lat, "lon": 109.98}
            answer = await client.command("alert.create", {**args, "description": description})
            assert answer.ok
            return next(a.id for a in store.alerts.values() if a.title == title)

        main = await create("打架斗殴", "报警人 13800000001", 39.82)
        dup = await create("又报打架", "报警人 13800000001 再次来电", 39.9)
        other = await create("噪音扰民", "", 39.95)
        await until(lambda: panel.proxy.rowCount() == 3, what="three rows")

        def select(alert_id: str) -> None:
            row = panel.model.row_of(alert_id)
            assert row is not None
            panel.table.selectRow(panel.proxy.mapFromSource(panel.model.index(row, 0)).row())
            panel.table.setFocus()

        def press(key: Qt.Key) -> None:
            window.activateWindow()
            panel.table.setFocus()
            QTest.keyClick(panel.table, key)

        # 合并: the duplicate (same caller) is flagged; M merges it into the main incident.
        select(dup)
        assert f"merge:{main}" in panel.detail.toHtml()
        press(Qt.Key.Key_M)
        merge = side.dialog
        assert isinstance(merge, MergeDialog)
        assert merge.target.currentData() == main  # the oldest duplicate is the main one
        merge.note.setPlainText("同一报警人")
        merge._on_accept()
        await until(lambda: not store.alerts[dup].is_open, what="merged")
        assert store.alerts[dup].disposition == "merged"
        assert store.alerts[dup].merged_into == main
        await until(lambda: store.alerts[main].merged_ids == (dup,), what="merged_ids")
        assert "merged" in panel.banner.text()

        # 撤销: a reason is required; the dialog says so and stays open.
        select(other)
        press(Qt.Key.Key_X)
        cancel = side.dialog
        assert isinstance(cancel, CancelDialog)
        cancel._on_accept()
        assert cancel.isVisible() and "reason" in cancel.error.text()
        cancel.reason.setPlainText("报警人来电撤销")
        cancel._on_accept()
        await until(lambda: store.alerts[other].disposition == "cancelled", what="cancelled")
        assert store.alerts[other].history[-1].action == "cancelled"

        # 派警 two units from the command line, then 释放 one with R.
        panel.command_line.setText(f"D P1001 P1002 {main}")
        QTest.keyClick(panel.command_line, Qt.Key.Key_Return)
        await until(lambda: store.alerts[main].unit_ids == ("U01", "U02"), what="two units")
        select(main)
        assert panel.release_button.isEnabled()
        press(Qt.Key.Key_R)
        release = side.dialog
        assert isinstance(release, ReleaseDialog)
        release.unit.setCurrentIndex(release.unit.findData("U02"))
        release.accept()
        await until(lambda: store.alerts[main].unit_ids == ("U01",), what="released")
        await until(lambda: store.units["U02"].status.value == "available", what="U02 free")

        # 改派: a new P1 takes U01, busy on the main incident; the box names that incident.
        urgent = await create("持刀伤人", "", 39.83)
        select(urgent)
        press(Qt.Key.Key_D)
        dispatch = await until(lambda: getattr(panel, "dispatch_dialog", None), what="dispatch")
        assert [b.unit.id for b in dispatch.busy] == ["U01"]
        assert dispatch.busy[0].other.id == main
        dispatch.table.selectRow(len(dispatch.ranked))  # the busy row
        dispatch.reason.setText("最近的警力")
        dispatch._on_accept()
        box = side.dialog
        assert isinstance(box, QMessageBox) and main in box.text() and "P1001" in box.text()
        box.button(QMessageBox.StandardButton.Yes).click()
        await until(lambda: store.alerts[urgent].unit_ids == ("U01",), what="reassigned")
        await until(lambda: "U01" not in store.alerts[main].unit_ids, what="main lost U01")
        assert store.alerts[main].history[-1].action == "reassigned"
        assert store.alerts[main].status is AlertStatus.ACKNOWLEDGED  # no unit left

        # 移交 to li: the list comes from the backend; the owner column shows it.
        select(main)
        press(Qt.Key.Key_T)
        transfer = side.dialog
        assert isinstance(transfer, TransferDialog)
        await until(lambda: transfer.operator.findData(li) >= 0, what="operator list")
        transfer.operator.setCurrentIndex(transfer.operator.findData(li))
        transfer._on_accept()
        await until(lambda: store.alerts[main].owner == li, what="transferred")
        row = panel.model.row_of(main)
        assert row is not None
        assert panel.model.index(row, panel.model.columnCount() - 1).data() == "li"  # the name
        # Owner filter: "Mine" hides li's alert, "Unowned" shows only alerts nobody took.
        panel.owner_filter.setCurrentIndex(panel.owner_filter.findData(AlertFilterProxy.MINE))
        shown = {
            panel.proxy.index(r, 1).data() for r in range(panel.proxy.rowCount())
        }  # the id column
        assert main not in shown and urgent in shown
        panel.owner_filter.setCurrentIndex(panel.owner_filter.findData(AlertFilterProxy.UNOWNED))
        assert panel.proxy.rowCount() == 0
        panel.owner_filter.setCurrentIndex(0)

        # 记录: the PDF report and the EIDO export of the main incident.
        pdf, eido = tmp_path / "report.pdf", tmp_path / "eido.json"
        written: list[tuple[str, str]] = []
        side.writer.sig_written.connect(lambda p, e: written.append((p, e)))
        side.report(store.alerts[main], str(pdf))
        side.export_eido(store.alerts[main], str(eido))
        await until(lambda: len(written) == 2, what="records written")
        assert all(error == "" for _, error in written)
        assert pdf.read_bytes().startswith(b"%PDF")
        html = panel.renderer.render(side.record(store.alerts[main]), report=True)
        assert main in html and "P1002" in html and "reassigned" in html
        if shutil.which("gs"):
            text = subprocess.run(  # noqa: ASYNC221 (a short gs run in a test)
                ["gs", "-q", "-sDEVICE=txtwrite", "-o", "-", str(pdf)],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            assert main in text and "P1002" in text
        doc = json.loads(eido.read_text("utf-8"))
        fastjsonschema.compile(EIDO_SCHEMA)(doc)
        calls = [d["dispatchedUnitCallSign"] for d in doc["dispatchComponent"]]
        assert calls == ["P1001", "P1002"]

        # 历史: H searches closed incidents; a result opens its detail.
        press(Qt.Key.Key_H)
        history = side.history_dialog
        assert isinstance(history, HistorySearchDialog)
        await until(lambda: len(history.results) == 2, what="history results")
        assert [a.id for a in history.results] == [other, dup]  # newest first
        history.text.setText("又报")
        history.search()
        await until(lambda: [a.id for a in history.results] == [dup], what="text search")
        assert dup in history.detail.toHtml() and main in history.detail.toHtml()
        history.close()

    aloop.run(scenario(), timeout=120)
