"""Emergency acknowledgement is shared: two real consoles on one real backend.

An emergency alarm arrives (a ``radio.call`` of kind emergency and its ``radio_emergency``
alert). Both consoles' radio logs show the row standing out. When one operator acknowledges
it in the radio log, the other console's row shows it acknowledged, by whom and when; an
emergency acknowledged elsewhere (a third client, from the alert queue) shows on both.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings, Qt

from console.protocol.codec import format_ts
from console.services.client import LinkState
from tests import factories
from tests.live import open_client
from tests.ui.consoles import LiveConsoles
from tests.waiting import LoopRunner, until
from widgets.media import VlcEngine
from widgets.radio import RadioLogPanel
from widgets.radio.model import COLUMNS
from widgets.theme import Theme

BG = Qt.ItemDataRole.BackgroundRole


@pytest.fixture(scope="module")
def engine() -> Iterator[VlcEngine]:
    eng = VlcEngine(("--aout=adummy", "--quiet", "--no-video", "--no-xlib"), workers=1)
    yield eng
    eng.shutdown()


def _unit(uid: str, callsign: str, radio: str) -> dict[str, Any]:
    return factories.unit_upsert(uid, callsign=callsign, kind="foot", radio_id=radio)


def _alarm(n: int, radio: str, callsign: str, t: float) -> list[dict[str, Any]]:
    """What the simulator sends for an emergency alarm: the call, then its alert."""
    ts = format_ts(t)
    call = {
        "id": f"R-{n:06d}",
        "talkgroup": "1101",
        "source_radio_id": radio,
        "target_radio_id": None,
        "kind": "emergency",
        "start_ts": ts,
        "duration_s": 6.0,
        "audio_url": None,
        "lat": 39.82,
        "lon": 109.98,
        "encrypted": False,
    }
    alert = {
        "id": f"A-{n:06d}",
        "kind": "radio_emergency",
        "priority": 1,
        "title": f"电台紧急告警：{callsign}",
        "description": f"{callsign}（PDT {radio}）触发紧急报警按钮。",
        "lat": 39.82,
        "lon": 109.98,
        "address": "",
        "grid_id": "",
        "status": "new",
        "created_ts": ts,
        "version": 1,
        "owner": None,
        "unit_ids": [],
        "camera_ids": [],
        "history": [{"ts": ts, "operator": None, "action": "created", "note": "PDT系统紧急告警"}],
    }
    return [{"type": "radio.call", "call": call}, {"type": "alert.new", "alert": alert}]


def _row(panel: RadioLogPanel, call_id: str) -> int | None:
    for row in range(panel.proxy.rowCount()):
        if panel.proxy.index(row, 0).data(Qt.ItemDataRole.ToolTipRole).startswith(call_id):
            return row
    return None


def _incident(panel: RadioLogPanel, call_id: str) -> str:
    row = _row(panel, call_id)
    return "" if row is None else str(panel.proxy.index(row, COLUMNS.index("incident")).data())


def _pending(panel: RadioLogPanel, call_id: str) -> bool:
    row = _row(panel, call_id)
    return row is not None and panel.proxy.index(row, 0).data(BG) is not None


def test_acknowledgement_shows_on_every_console(
    aloop: LoopRunner, live_console: LiveConsoles, tmp_path: Path, engine: VlcEngine
) -> None:
    wang = live_console.operator("wang")
    li = live_console.operator("li")
    zhao = live_console.operator("zhao")
    panels: list[RadioLogPanel] = []

    async def scenario() -> None:
        backend, url = await live_console.backend()
        await backend.append([_unit("U01", "P1023", "4600101"), _unit("U02", "P1024", "4600102")])
        consoles = []
        for name, token in (("a", wang), ("b", li)):
            settings = QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat)
            console = await live_console.console(
                url, token, start=False, settings=settings, panels=()
            )
            panel = RadioLogPanel(console.bridge, Theme("dark"), engine=engine)
            console.commands.attach(panel.sig_command_requested, panel)
            panel.resize(1200, 500)
            panel.show()
            console.client.start()
            consoles.append(console)
            panels.append(panel)
        a, b = panels
        for console in consoles:
            await until(lambda c=console: c.client.status.state is LinkState.LIVE, what="live")

        t0 = time.time()
        await backend.append(_alarm(1, "4600101", "P1023", t0))
        for panel in panels:
            await until(lambda p=panel: _pending(p, "R-000001"), what="emergency row")
            await until(lambda p=panel: _incident(p, "R-000001") == "A-000001", what="link")
            assert panel.emergency_box.isVisible()

        # Operator wang acknowledges it in console A's radio log.
        a.table.selectRow(_row(a, "R-000001"))
        a.ack_button.click()
        assert not _pending(a, "R-000001")  # at once, here
        # Console B (operator li) shows it acknowledged by wang, with the time.
        await until(lambda: not _pending(b, "R-000001"), what="acknowledged on console B")
        shown = _incident(b, "R-000001")
        assert shown.startswith("A-000001 · ✓ wang ")  # the name, not the id
        assert not b.emergency_box.isVisible()
        tip = b.proxy.index(_row(b, "R-000001"), 0).data(Qt.ItemDataRole.ToolTipRole)
        assert "Acknowledged by wang" in tip
        await until(lambda: "✓ wang" in _incident(a, "R-000001"), what="backend ack on A")
        assert consoles[1].store.alerts["A-000001"].status.value == "acknowledged"

        # A second alarm is acknowledged from somewhere else (zhao, from the alert queue).
        await backend.append(_alarm(2, "4600102", "P1024", time.time()))
        for panel in panels:
            await until(lambda p=panel: _incident(p, "R-000002") == "A-000002", what="link 2")
            assert _pending(panel, "R-000002") and panel.emergency_box.isVisible()
        other = await open_client(url, zhao)
        await other.run("alert.acknowledge", {"alert_id": "A-000002", "version": 1})
        for panel in panels:
            await until(lambda p=panel: not _pending(p, "R-000002"), what="zhao's ack")
            assert "✓ zhao " in _incident(panel, "R-000002")
            assert not panel.emergency_box.isVisible()
        await other.ws.close()

    try:
        aloop.run(scenario())
    finally:
        for panel in panels:
            panel.shutdown()
            panel.close()
