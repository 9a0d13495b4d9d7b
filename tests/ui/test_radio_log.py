"""The radio log panel over a real Store: emergencies, filters, "N new", append-only log, audio.

Real audio: a clip made with espeak-ng is served over HTTP by ``RadioAudioServer`` and played
by libVLC (audio output ``adummy``): the test waits for libVLC to report Playing and for the
play time to advance. Every player is released before the module ends.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import vlc
from PySide6.QtCore import QDateTime, Qt
from pytestqt.qtbot import QtBot

from backend_stub.district import build_district
from backend_stub.radio_audio import RadioAudioServer
from backend_stub.simulator import DistrictSimulator
from console.domain.store import Store
from console.protocol.codec import format_ts
from tests import factories
from widgets.bridge import StoreBridge
from widgets.media import VlcEngine
from widgets.radio import RadioLogPanel
from widgets.radio.model import CALL_ROLE, COLUMNS
from widgets.theme import Theme

T0 = 1_795_000_000.0  # a fixed "now"
BG = Qt.ItemDataRole.BackgroundRole
_seq = iter(range(1, 1_000_000))


def _ev(kind: str, **body: Any) -> dict[str, Any]:
    return {"type": kind, "seq": next(_seq), "ts": format_ts(T0), **body}


def _unit(uid: str, callsign: str, radio: str, tg: str = "1101") -> dict[str, Any]:
    unit = factories.unit_wire(uid, callsign=callsign, radio_id=radio, talkgroup=tg)
    return _ev("unit.upsert", unit=unit)


def _call(n: int, **over: Any) -> dict[str, Any]:
    over.setdefault("src", "4600101")
    call = factories.radio_call_wire(n, t0=T0, lat=39.82, lon=109.98, **over)
    return _ev("radio.call", call=call)


def _snapshot_store() -> Store:
    store = Store()
    state = factories.snapshot(
        units=[
            _unit("U01", "P1023", "4600101")["unit"],
            _unit("U02", "P1024", "4600102", "1102")["unit"],
        ],
        positions=[
            {"unit_id": "U01", "lat": 39.8231, "lon": 109.9801, "fix_ts": format_ts(T0)},
        ],
        talkgroups=[
            {"id": "1001", "alias": "指挥中心"},
            {"id": "1101", "alias": "东胜派出所"},
            {"id": "1102", "alias": "交警大队"},
        ],
    )
    store.load_snapshot(0, state)
    return store


@pytest.fixture(scope="module")
def engine() -> Iterator[VlcEngine]:
    eng = VlcEngine(("--aout=adummy", "--quiet", "--no-video", "--no-xlib"), workers=2)
    yield eng
    eng.shutdown()


@pytest.fixture(scope="module")
def audio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RadioAudioServer]:
    server = RadioAudioServer(tmp_path_factory.mktemp("clips"), pool_size=3)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def panel(qtbot: QtBot, engine: VlcEngine) -> Iterator[tuple[RadioLogPanel, Store, list]]:
    store = _snapshot_store()
    bridge = StoreBridge(store)
    p = RadioLogPanel(bridge, Theme("dark"), engine=engine, clock=lambda: T0)
    commands: list[tuple[str, dict, str]] = []
    p.sig_command_requested.connect(lambda n, a, d: commands.append((n, a, d)))
    qtbot.addWidget(p)
    p.resize(1200, 700)
    p.show()
    yield p, store, commands
    p.shutdown()


def _cell(p: RadioLogPanel, row: int, col: str) -> str:
    return p.proxy.index(row, COLUMNS.index(col)).data()


def test_feed_newest_first_with_aliases_and_location(qtbot: QtBot, panel) -> None:
    p, store, _ = panel
    store.apply_many(
        [_call(1), _call(2, src="4600102", tg="1102", kind="individual", target="4600101")]
    )
    qtbot.waitUntil(lambda: p.proxy.rowCount() == 2)
    assert _cell(p, 0, "talkgroup") == "交警大队 (1102)"
    assert _cell(p, 0, "source") == "P1024 (4600102)"
    assert _cell(p, 0, "target") == "P1023 (4600101)"
    # Where the call was made (its own position), not where the unit is now.
    assert _cell(p, 1, "location") == "39.82000, 109.98000"
    assert _cell(p, 1, "duration") == "5.0 s"


def test_emergency_row_stands_out_until_acknowledged(qtbot: QtBot, panel) -> None:
    p, store, commands = panel
    theme = Theme("dark")
    alert = {
        "id": "A-000007",
        "kind": "radio_emergency",
        "priority": 1,
        "title": "电台紧急告警：P1023",
        "description": "P1023（PDT 4600101）触发紧急报警按钮。",
        "lat": 39.82,
        "lon": 109.98,
        "address": "",
        "grid_id": "",
        "status": "new",
        "created_ts": format_ts(T0 + 3),
        "version": 1,
        "owner": None,
        "unit_ids": [],
        "camera_ids": [],
        "history": [],
    }
    store.apply_many([_call(1), _call(3, kind="emergency", dur=8), _ev("alert.new", alert=alert)])
    qtbot.waitUntil(lambda: p.proxy.rowCount() == 2)
    qtbot.waitUntil(lambda: _cell(p, 0, "incident") == "A-000007")
    idx = p.proxy.index(0, 0)
    assert idx.data(BG) == theme.color("banner_error_bg")
    assert p.proxy.index(1, 0).data(BG) is None
    assert p.emergency_box.isVisible() and "P1023 (4600101)" in p.emergency_banner.text()

    p.table.selectRow(0)
    p.ack_button.click()
    assert p.proxy.index(0, 0).data(BG) is None
    assert not p.emergency_box.isVisible()
    names = [c[0] for c in commands]
    assert names == ["log.write", "alert.acknowledge"]
    assert commands[0][1]["alert_id"] == "A-000007" and "R-000003" in commands[0][1]["text"]
    assert commands[1][1] == {"alert_id": "A-000007", "version": 1}


def test_filters(qtbot: QtBot, panel) -> None:
    p, store, _ = panel
    store.apply_many(
        [
            _call(1, dur=2.0),
            _call(2, src="4600102", tg="1102", dur=12.0),
            _call(3, kind="status", dur=0.0),
            _call(4, src="4600102", tg="1001", kind="individual", target="4600101", dur=7.0),
            _call(5, t=T0 - 7200, dur=9.0),
        ]
    )
    qtbot.waitUntil(lambda: p.proxy.rowCount() == 5)

    def ids() -> list[str]:
        return [c.id for c in p.visible_calls()]

    p.talkgroup_filter.setCurrentIndex(p.talkgroup_filter.findData("1102"))
    assert ids() == ["R-000002"]
    p.favourite_button.click()  # 1102 becomes a favourite
    p.talkgroup_filter.setCurrentIndex(p.talkgroup_filter.findData("1001"))
    p.favourite_button.click()
    p.talkgroup_filter.setCurrentIndex(p.talkgroup_filter.findData("__favourites__"))
    assert ids() == ["R-000002", "R-000004"]
    p.talkgroup_filter.setCurrentIndex(0)
    p.radio_filter.setText("4600101")  # as source or target
    assert ids() == ["R-000005", "R-000001", "R-000003", "R-000004"]
    p.radio_filter.clear()
    p.kind_filter.setCurrentIndex(p.kind_filter.findData("status"))
    assert ids() == ["R-000003"]
    p.kind_filter.setCurrentIndex(0)
    p.min_duration.setValue(8)
    assert ids() == ["R-000005", "R-000002"]
    p.min_duration.setValue(0)
    p.search.setText("交警")
    assert ids() == ["R-000002"]
    p.search.clear()
    p.range_from.setDateTime(QDateTime.fromSecsSinceEpoch(int(T0 - 3600)))
    p.range_to.setDateTime(QDateTime.fromSecsSinceEpoch(int(T0 + 3600)))
    p.range_check.setChecked(True)
    assert ids() == ["R-000001", "R-000002", "R-000003", "R-000004"]
    assert p.count_label.text().startswith("4 ")


def test_new_counter_when_scrolled_away(qtbot: QtBot, panel) -> None:
    p, store, _ = panel
    store.apply_many([_call(n) for n in range(1, 101)])
    qtbot.waitUntil(lambda: p.proxy.rowCount() == 100)
    assert not p.new_badge.isVisible()
    bar = p.table.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    bar.setValue(bar.maximum() // 2)
    reading = p.table.indexAt(p.table.viewport().rect().topLeft()).data(CALL_ROLE)
    store.apply_many([_call(n) for n in range(101, 108)])
    qtbot.waitUntil(lambda: p.new_badge.isVisible())
    assert p.new_badge.text() == "▲ 7 new"
    # The row the operator was reading stays in place.
    assert p.table.indexAt(p.table.viewport().rect().topLeft()).data(CALL_ROLE) == reading
    p.new_badge.click()
    assert bar.value() == 0 and not p.new_badge.isVisible()
    store.apply_many([_call(200)])
    qtbot.waitUntil(lambda: _cell(p, 0, "time") != "" and p.visible_calls()[-1].id == "R-000200")
    assert not p.new_badge.isVisible() and bar.value() == 0


def test_log_is_append_only_and_corrections_supersede(qtbot: QtBot, panel) -> None:
    p, store, commands = panel
    entry = {"id": "L-000012", "ts": format_ts(T0), "author": "wang", "text": "P1023 到达现场"}
    store.apply_many([_ev("log.entry", entry=entry)])
    qtbot.waitUntil(lambda: p.log_model.rowCount() == 1)
    index = p.log_model.index(0, p.log_model.columnCount() - 1)
    assert not p.log_model.flags(index) & Qt.ItemFlag.ItemIsEditable
    p.log_table.setCurrentIndex(index)
    p.log_table.edit(index)  # what a double click or F2 would do: no editor opens
    assert p.log_table.state() != p.log_table.State.EditingState
    assert p.log_model.setData(index, "changed") is False
    assert index.data() == "P1023 到达现场"
    p.log_table.selectRow(0)
    p.correct_button.click()
    assert p.log_input.text() == "更正 L-000012: "
    p.log_input.setText(p.log_input.text() + "P1024 到达现场")
    p.write_button.click()
    assert commands[-1][0] == "log.write"
    assert commands[-1][1]["text"] == "更正 L-000012: P1024 到达现场"
    fix = {
        "id": "L-000013",
        "ts": format_ts(T0 + 5),
        "author": "wang",
        "text": commands[-1][1]["text"],
    }
    store.apply_many([_ev("log.entry", entry=fix), _ev("log.entry", entry=entry | {"text": "x"})])
    qtbot.waitUntil(lambda: p.log_model.rowCount() == 2)
    assert p.log_model.index(0, 5).data() == "P1023 到达现场"  # the old text is kept
    assert p.log_model.index(0, 5).data(Qt.ItemDataRole.FontRole).strikeOut()
    assert "L-000013" in p.log_model.index(0, 5).data(Qt.ItemDataRole.ToolTipRole)


def test_link_calls_to_incident(qtbot: QtBot, panel) -> None:
    p, store, commands = panel
    store.apply_many([_call(1), _call(2)])
    qtbot.waitUntil(lambda: p.proxy.rowCount() == 2)
    p.table.selectAll()
    p._bridge.select_alert("A-000009")
    p.link_button.click()
    assert commands[-1][0] == "log.write"
    assert commands[-1][1] == {"text": "关联通话 R-000001, R-000002", "alert_id": "A-000009"}
    entry = {"id": "L-1", "ts": format_ts(T0), "author": "wang", **commands[-1][1]}
    store.apply_many([_ev("log.entry", entry=entry)])
    qtbot.waitUntil(lambda: _cell(p, 0, "incident") == "A-000009")


def test_real_audio_plays_and_exports(
    qtbot: QtBot, panel, audio: RadioAudioServer, tmp_path: Path
) -> None:
    p, store, _ = panel
    store.apply_many(
        [
            _call(1, url=audio.url_for("R-000001")),
            _call(2, kind="emergency", url=audio.url_for("R-000002", "emergency")),
            _call(3, kind="status", dur=0),
        ]
    )
    qtbot.waitUntil(lambda: p.proxy.rowCount() == 3)
    p.speed.setCurrentIndex(p.speed.findData(2.0))
    p.replay_last(2)
    assert [c.id for c in p.player.queue] == ["R-000002"]
    qtbot.waitUntil(lambda: p.player.vlc_state() == vlc.State.Playing, timeout=10_000)
    assert p.player.state in ("opening", "playing")
    first = p.player.time_ms()
    qtbot.waitUntil(lambda: p.player.time_ms() > max(first, 0) + 300, timeout=10_000)
    p.play_button.click()  # pause
    qtbot.waitUntil(lambda: p.player.state == "paused", timeout=5_000)
    p.player.seek(0.5)
    p.play_button.click()  # resume
    qtbot.waitUntil(lambda: p.player.state == "playing", timeout=5_000)
    # the queue moves on to the emergency call by itself
    qtbot.waitUntil(lambda: p.player.current.id == "R-000002", timeout=15_000)
    p.player.stop()

    out = tmp_path / "export.zip"
    with qtbot.waitSignal(p.sig_export_finished, timeout=10_000) as blocker:
        p.export_range(str(out), T0, T0 + 10)
    result = blocker.args[0]
    assert result.calls == 3 and result.audio_files == 2
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        assert {"calls.csv", "audio/R-000001.wav", "audio/R-000002.wav"} <= names
        csv_text = zf.read("calls.csv").decode("utf-8-sig")
    assert "东胜派出所" in csv_text and "P1023" in csv_text


def test_radio_gps_reports_move_a_radio_only_unit(qtbot: QtBot, panel) -> None:
    """A foot patrol has no GPS of its own: the simulator's PDT GPS reports move it, and the
    radio log shows each report with where it was made."""
    p, store, _ = panel
    district = build_district(7, n_units=20)
    sim = DistrictSimulator(
        district, seed=3, position_hz=1.0, alert_rate=0, radio_rate=0, clock=lambda: T0
    )
    foot = next(u for u in district.units if u.kind == "foot")
    store.apply_many([_ev(e.pop("type"), **e) for e in sim.initial_events()[:20]])
    seen: list[tuple[float, float]] = []
    for k in range(1, 301):  # five minutes, a tick a second
        store.apply_many([_ev(e.pop("type"), **e) for e in sim.tick(T0 + k)])
        pos = store.positions.get(foot.id)
        if pos is not None and (pos.lat, pos.lon) not in seen:
            assert pos.source == "pdt"
            seen.append((pos.lat, pos.lon))
    assert len(seen) >= 4  # about one fix a minute, each moving the unit
    p.radio_filter.setText(foot.radio_id)
    qtbot.waitUntil(lambda: len(p.visible_calls()) == len(seen))
    rows = [
        (_cell(p, r, "kind"), _cell(p, r, "source"), _cell(p, r, "location"))
        for r in range(p.proxy.rowCount())
    ]
    expected = [f"{lat:.5f}, {lon:.5f}" for lat, lon in reversed(seen)]  # newest first
    assert [loc for _, _, loc in rows] == expected
    assert {(kind, src) for kind, src, _ in rows} == {
        ("Data", f"{foot.callsign} ({foot.radio_id})")
    }
