"""The Inventory and sources window on a real console over a real backend.

A commander imports a district's files from the console: the report says what changed, the
tables show the units (with their devices, "no fix yet" until a fix arrives) and cameras; a
file with errors changes nothing and the report lists every error as FILE:LINE; an operator
does not get the window at all.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

from backend_stub import db, sources
from console.services.client import LinkState
from tests.ui.consoles import LiveConsoles
from tests.waiting import LoopRunner, until
from widgets.assembly import open_inventory

UNITS = (
    "id,callsign,kind,radio_id,talkgroup,station,status,device_ids\n"
    "U-7,东胜巡逻7,patrol_car,4600907,1101,东胜派出所,available,jt808:013912345678\n"
    "U-8,东胜步巡8,foot,4600908,1101,东胜派出所,available,osmand:860123\n"
)
CAMERAS = (
    "id,name,lat,lon,main,ptz,username,password\n"
    "K-1,鄂尔多斯大街与天骄路口,39.8161,109.9842,rtsp://10.9.8.7/h264/ch1/main,true,admin,Pw-9x\n"
)
TALKGROUPS = "id,name\n1101,东胜派出所\n"


def _column(window: object, table: str, col: int) -> list[str]:
    model = getattr(window, table).model
    return [row[col] for row in model.rows]


def test_a_commander_imports_a_district_from_the_console(
    aloop: LoopRunner, live_console: LiveConsoles, tmp_path: Path
) -> None:
    chief = live_console.operator("chief", "commander")
    clerk = live_console.operator("clerk")
    dbe = db.open_engine(live_console.db_url)
    sources.add_source(dbe, "fleet-808", "jt808")
    dbe.dispose()
    for name, text in (
        ("units.csv", UNITS),
        ("cameras.csv", CAMERAS),
        ("talkgroups.csv", TALKGROUPS),
    ):
        (tmp_path / name).write_text(text, encoding="utf-8")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "units.csv").write_text(
        "id,callsign,kind,status\nU-9,P9,foot,asleep\nU-10,P10,foot,\nU-10,P10,car,\n",
        encoding="utf-8",
    )

    async def scenario() -> None:
        _, url = await live_console.backend()
        consoles = []
        for name, token in (("chief", chief), ("clerk", clerk)):
            settings = QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat)
            console = await live_console.console(
                url, token, show=False, live=False, settings=settings, panels=()
            )
            consoles.append(console)
        for console in consoles:
            await until(lambda c=console: c.client.status.state is LinkState.LIVE, what="live")
        commander, operator = consoles
        assert commander.window.inventory_action.isVisible()
        assert not operator.window.inventory_action.isVisible()

        open_inventory(commander, commander.client.command)
        window = commander.inventory
        assert window is not None and window.isVisible()
        await until(lambda: window.sources.model.rows, what="sources listed")
        assert window.sources.model.rows[0][:3] == ("fleet-808", "jt808", "active")

        window.import_files(
            [str(tmp_path / n) for n in ("talkgroups.csv", "units.csv", "cameras.csv")]
        )
        await until(
            lambda: window.import_button.isEnabled() and "Imported" in window.status.text(),
            what="imported",
        )
        report = window.report.toPlainText()
        assert "units: 2 new, 0 updated, 0 retired, 0 unchanged" in report
        assert "cameras: 1 new" in report
        await until(lambda: "U-8" in commander.store.units, what="units in the store")
        await until(
            lambda: "U-8" in _column(window, "units", 0), what="units in the table", timeout=5
        )
        fixes = dict(zip(_column(window, "units", 0), _column(window, "units", 8), strict=True))
        assert fixes["U-7"] == fixes["U-8"] == "no fix yet"
        devices = dict(zip(_column(window, "units", 0), _column(window, "units", 6), strict=True))
        assert devices["U-7"] == "jt808:013912345678"
        assert _column(window, "units", 5)[0] == "东胜派出所 (1101)"
        assert _column(window, "cameras", 1) == ["鄂尔多斯大街与天骄路口"]
        camera = commander.store.cameras["K-1"]
        assert "Pw-9x" not in str(camera) and "admin" not in str(camera)
        # The operator's console shows the imported units too (events, not a restart).
        await until(lambda: "U-7" in operator.store.units, what="units on the other console")

        # A file with errors: nothing changes, every error is listed with its line.
        window.import_files([str(bad / "units.csv")])
        await until(
            lambda: window.import_button.isEnabled() and "Nothing imported" in window.status.text(),
            what="refused",
        )
        lines = window.report.toPlainText().splitlines()
        assert any("units.csv:2: status: 'asleep' is not one of" in line for line in lines)
        assert any(
            "units.csv:4: duplicate id 'U-10' (first on line 3)" in line for line in lines
        ), lines
        assert "U-9" not in commander.store.units and "U-10" not in commander.store.units

    aloop.run(scenario())


def test_an_unknown_tracker_is_assigned_to_a_unit_and_moves_it(
    aloop: LoopRunner, live_console: LiveConsoles, tmp_path: Path
) -> None:
    """A phone running a tracker app (OsmAnd protocol) reports before anyone registered it:
    the commander sees it under Unregistered devices, gives it to a unit, and its next fix
    moves that unit on every console."""
    import time

    import aiohttp

    chief = live_console.operator("chief", "commander")
    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8")

    async def scenario() -> None:
        backend, url = await live_console.backend(http_port=0)
        assert backend.http is not None
        osmand = f"{backend.http.base_url}/osmand"
        settings = QSettings(str(tmp_path / "chief.ini"), QSettings.Format.IniFormat)
        console = await live_console.console(url, chief, show=False, settings=settings, panels=())
        open_inventory(console, console.client.command)
        window = console.inventory
        assert window is not None
        window.import_files([str(tmp_path / "units.csv")])
        await until(lambda: "U-8" in console.store.units, what="units imported")

        async with aiohttp.ClientSession() as http:
            fix = {"id": "PHONE-42", "lat": "39.8170", "lon": "109.9850"}
            for n in (1, 2):
                params = {**fix, "timestamp": str(int(time.time()) - 10 + n)}
                async with http.get(osmand, params=params) as answer:
                    assert answer.status == 400
                    assert "not assigned to a unit" in await answer.text()
            window.refresh_sources()
            await until(lambda: window.unregistered.model.rows, what="device listed")
            assert window.unregistered.model.rows[0][:3] == ("osmand:PHONE-42", "osmand", "2")
            assert "U-8" not in console.store.positions

            window.unregistered.view.selectRow(0)
            assert window.selected_device() == "osmand:PHONE-42"
            window.assign("osmand:PHONE-42", "U-8")
            await until(lambda: "now belongs to" in window.status.text(), what="assigned")
            await until(lambda: not window.unregistered.model.rows, what="list emptied")
            await until(
                lambda: "osmand:PHONE-42" in console.store.units["U-8"].device_ids,
                what="the unit has the device",
            )
            params = {**fix, "timestamp": str(int(time.time())), "speed": "10"}
            async with http.post(osmand, data=params) as answer:
                assert answer.status == 200, await answer.text()
        await until(lambda: "U-8" in console.store.positions, what="the unit moved")
        pos = console.store.positions["U-8"]
        assert (round(pos.lat, 4), round(pos.lon, 4)) == (39.817, 109.985)
        assert pos.source == "osmand"
        assert pos.speed_kmh == 18.5  # 10 knots

        def fix_shown() -> str:
            rows = zip(_column(window, "units", 0), _column(window, "units", 8), strict=True)
            return dict(rows).get("U-8", "")

        await until(lambda: "osmand" in fix_shown(), what="the table shows the fix", timeout=5)
        assert fix_shown().startswith("39.81700, 109.98500 · ")

    aloop.run(scenario())
