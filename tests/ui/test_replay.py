"""Record a live console session against a real backend, then replay it in the ReplayPanel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from backend_stub import db
from console.domain.store import Store
from console.protocol.session import EventsReceived, PositionsReceived, SnapshotReceived
from console.replay import ReplayEngine
from console.services.client import BackendClient, LinkState
from console.services.recorder import Recorder
from tests.live import start_backend
from tests.recordings import TS, picture, unit
from tests.waiting import LoopRunner, until
from widgets.replay import ReplayBanner, ReplayPanel
from widgets.theme import Theme


class RecordingClient(BackendClient):
    """The real client (which records through its recorder), noting the live picture after
    every arrival so the test can compare replay against it."""

    on_applied: Any

    async def _handle(self, ws: Any, outcome: object) -> str | None:
        stop = await super()._handle(ws, outcome)
        if isinstance(outcome, EventsReceived | PositionsReceived | SnapshotReceived):
            self.on_applied()
        return stop


def test_live_session_replays_identically(aloop: LoopRunner, qtbot: Any, tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    engine = db.open_engine(db_url)
    token = db.add_operator(engine, "wang", "operator")
    engine.dispose()
    path = tmp_path / "session.sqlite3"
    now = [1_900_000_000.0]
    live: dict[float, dict[str, Any]] = {}

    async def session() -> None:
        backend, url = await start_backend(db_url)
        await backend.append([{"type": "unit.upsert", "unit": unit(f"U{i}")} for i in range(4)])
        store = Store()
        client = RecordingClient(url, token, store)
        client.recorder = Recorder(path, store, clock=lambda: now[0], keyframe_every_s=3)

        def applied() -> None:
            live[now[0]] = picture(store)
            now[0] += 0.5  # recording time moves on between arrivals

        client.on_applied = applied
        client.start()
        await until(lambda: client.status.state is LinkState.LIVE and store.units, what="live")
        for i in range(12):
            await backend.append(
                [
                    {
                        "type": "unit.position",
                        "unit_id": f"U{i % 4}",
                        "lat": 39.8 + i / 100,
                        "lon": 109.9,
                        "fix_ts": TS,
                    }
                ]
            )
            await until(lambda i=i: store.seq == 5 + i, what=f"event {i}")
        answer = await client.command(
            "alert.create",
            {"kind": "call_110", "priority": 2, "title": "盗窃", "lat": 39.82, "lon": 109.98},
        )
        assert answer.ok
        await until(lambda: len(store.alerts) == 1, what="alert")
        await client.stop()
        client.recorder.flush()
        client.recorder.close()
        await backend.stop()
        backend.engine.dispose()

    aloop.run(session(), timeout=20)
    assert len(live) >= 14  # snapshot, 12 positions, the alert

    clock = [0.0]
    store = Store()
    replay = ReplayEngine(path, store, clock=lambda: clock[0])
    assert replay.file.commands()[0][1] == "alert.create"
    theme = Theme("dark")
    banner = ReplayBanner(theme, path)
    panel = ReplayPanel(replay, theme, author="trainer")
    qtbot.addWidget(banner)
    qtbot.addWidget(panel)
    panel.show()
    assert "REPLAY" in banner.text()
    for t in sorted(live, reverse=True):  # every arrival, seeking backward through the panel
        panel.seek(t)
        qtbot.waitUntil(lambda t=t: replay.position == t and panel._seeking is None)
        for key in ("alerts", "units", "positions"):
            assert picture(store)[key] == live[t][key], (t, key)
    assert not panel.loading.isVisible()

    QTest.keyClick(panel, Qt.Key.Key_Space)  # play at 1x on the injected clock
    assert replay.playing and panel.play_button.text() == "Pause"
    clock[0] += 2.0
    qtbot.waitUntil(lambda: replay.position == min(replay.start_ts + 2.0, replay.end_ts))
    assert (
        picture(store)["positions"]
        == live[max(t for t in live if t <= replay.position)]["positions"]
    )
    QTest.keyClick(panel, Qt.Key.Key_Space)
    assert not replay.playing
    QTest.keyClick(panel, Qt.Key.Key_A)  # next alert
    assert len(store.alerts) == 1
    panel.note.setText("dispatch took 40 s")
    QTest.keyClick(panel.note, Qt.Key.Key_Return)
    assert replay.file.bookmarks() == [(replay.position, "trainer", "dispatch took 40 s")]
    panel.shutdown()
    replay.close()


def test_example_scenarios_run_at_their_scripted_times(aloop: LoopRunner, tmp_path: Path) -> None:
    from backend_stub.scenario import load_scenario, run_scenario

    root = Path(__file__).resolve().parents[2] / "resources" / "scenarios"
    assert load_scenario(root / "market_fight.json").steps[0].at == 5.0
    scenario = load_scenario(root / "night_theft.toml")
    assert [s.at for s in scenario.steps] == [10.0, 40.0, 45.0, 60.0, 90.0, 120.0]
    db_url = f"sqlite:///{tmp_path / 'backend.sqlite3'}"

    async def run() -> list[tuple[float, list[str]]]:
        backend, _ = await start_backend(db_url)
        now = [0.0]
        seen: list[tuple[float, list[str]]] = []
        backend.on_commit(lambda evs: seen.append((now[0], [e["type"] for e in evs])))

        async def sleep(seconds: float) -> None:
            now[0] += seconds  # the injected clock jumps; the backend commits at that time
            await backend.flush()

        await run_scenario(backend, scenario, clock=lambda: now[0], sleep=sleep)
        await backend.flush()
        assert backend.state.alerts["T1"]["title"] == "110报警：电动车被盗"
        await backend.stop()
        backend.engine.dispose()
        return seen

    seen = aloop.run(run(), timeout=20)
    assert seen[0] == (0.0, ["unit.upsert", "unit.position"] * 2)
    assert seen[1:] == [
        (10.0, ["alert.new"]),
        (40.0, ["radio.call"]),
        (45.0, ["log.entry"]),
        (60.0, ["unit.position"]),
        (90.0, ["unit.status", "unit.position"]),
        (120.0, ["radio.call"]),
    ]
