"""Sightings and watch lists (``shared/integration.md`` §7) over a real backend: real HTTP posts
to ``POST /api/sightings``, real SQLite, real websocket consoles for the commands and alerts.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from backend_stub import cli, db, server, sources
from backend_stub.inventory import store
from backend_stub.inventory.read import read_bytes
from backend_stub.server import Backend
from backend_stub.sightings import SightingRow, WatchEntry, WatchIndex, check_value
from console.protocol.codec import format_ts
from tests.live import Client, open_client, start_backend

CAMERAS_CSV = (
    "id,name,lat,lon,main\n"
    "C1,伊金霍洛街交叉口,39.81,109.98,rtsp://10.1.2.3/ch1\n"
    "C2,鄂尔多斯大街东口,39.82,109.99,rtsp://10.1.2.3/ch2\n"
)


@dataclass
class Site:
    backend: Backend
    url: str
    db_url: str
    tokens: dict[str, str]
    key: str

    @property
    def http(self) -> str:
        assert self.backend.http is not None
        return f"http://127.0.0.1:{self.backend.http.port}"

    async def console(self, role: str = "commander") -> Client:
        return await open_client(self.url, self.tokens[role])

    async def post(self, body: Any, key: str | None = None) -> tuple[int, dict[str, Any]]:
        headers = {"Authorization": f"Bearer {key or self.key}"}
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{self.http}/api/sightings", json=body, headers=headers) as r,
        ):
            return r.status, await r.json()

    def count(self) -> int:
        with self.backend.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(SightingRow)).scalar_one())


@pytest.fixture
async def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Site]:
    monkeypatch.setattr(server, "FEED_COUNTS_S", 3600.0)
    db_url = f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    engine = db.open_engine(db_url)
    tokens = {r: db.add_operator(engine, f"{r}-1", r) for r in ("operator", "commander")}
    key = sources.add_source(engine, "anpr-1", "sightings")
    report = store.import_files(engine, [read_bytes("cameras.csv", CAMERAS_CSV.encode())])
    assert not report.errors
    engine.dispose()
    backend, url = await start_backend(db_url, http_port=0, audio_dir=tmp_path / "audio")
    await backend.sync_inventory()
    handle = Site(backend, url, db_url, tokens, key)
    yield handle
    await handle.backend.stop()
    handle.backend.engine.dispose()


def sighting(ref: str, value: str = "蒙K7S521", camera: str = "C1", **extra: Any) -> dict[str, Any]:
    body = {"ref": ref, "camera_id": camera, "ts": time.time() - 5, "kind": "plate", "value": value}
    body.update(extra)
    return body


async def test_a_sighting_on_the_watch_list_raises_an_alert_naming_entry_camera_snapshot(
    site: Site,
) -> None:
    commander = await site.console()
    operator = await site.console("operator")
    added = await commander.run(
        "watch.add",
        {"kind": "plate", "value": "蒙K7S5??", "reason": "盗抢车辆 案件 2026-118", "priority": 1},
    )
    assert added["ok"], added
    entry = added["data"]["entry"]
    status, body = await site.post(
        sighting("r1", snapshot_url="http://10.1.2.3/snap/r1.jpg", confidence=0.93)
    )
    assert status == 201, body
    assert body["stored"] and len(body["alert_ids"]) == 1
    new = await operator.until(lambda m: m.get("type") == "alert.new")
    alert = new["alert"]
    assert alert["id"] == body["alert_ids"][0]
    assert alert["kind"] == "plate_match" and alert["priority"] == 1
    assert alert["camera_ids"] == ["C1"] and "伊金霍洛街交叉口" in alert["title"]
    assert alert["snapshot_url"] == "http://10.1.2.3/snap/r1.jpg"
    assert alert["watch_entry"]["id"] == entry["id"]
    assert alert["watch_entry"]["reason"] == "盗抢车辆 案件 2026-118"
    # A plate no entry matches is stored and raises nothing.
    status, body = await site.post(sighting("r2", value="蒙A12345"))
    assert status == 201 and body == {"stored": True, "alert_ids": []}
    assert site.count() == 2
    # The same ref again: the same answer, nothing stored, no second alert.
    status, body = await site.post(sighting("r1"))
    assert status == 201 and body == {"stored": False, "alert_ids": []}
    assert site.count() == 2
    assert len(site.backend.state.alerts) == 1
    # Removed: the plate raises nothing any more.
    removed = await commander.run("watch.remove", {"id": entry["id"]})
    assert removed["ok"], removed
    status, body = await site.post(sighting("r3"))
    assert body["alert_ids"] == []
    listed = await commander.run("watch.list", {})
    assert listed["data"]["entries"] == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (sighting("b1", camera="C404"), "not a known camera"),
        (sighting("b2", ts=time.time() + 3600), "in the future"),
        (sighting("b3", value="蒙K7S5"), "is not a plate"),
        (sighting("b4", value="ABC-1234"), "is not a plate"),
        (sighting("b5", kind="car"), "not plate or face"),
        (sighting("b6", ts=time.time() - 40 * 86400), "retention"),
        (sighting("b7", confidence=1.5), "confidence"),
        ({"ref": "b8"}, "missing field"),
    ],
)
async def test_bad_sightings_are_refused_with_a_reason_and_store_nothing(
    site: Site, body: dict[str, Any], reason: str
) -> None:
    status, answer = await site.post(body)
    assert status == 400, answer
    assert reason in answer["error"]
    assert site.count() == 0


async def test_a_wrong_key_is_refused(site: Site) -> None:
    status, _ = await site.post(sighting("k1"), key="src-x.nope")
    assert status == 401
    assert site.count() == 0


async def test_a_flood_from_one_camera_is_limited_and_others_still_get_in(site: Site) -> None:
    statuses = [(await site.post(sighting(f"f{i}")))[0] for i in range(80)]
    assert statuses.count(201) >= 60 and 429 in statuses
    assert site.count() == statuses.count(201)
    status, _ = await site.post(sighting("other", camera="C2"))
    assert status == 201


async def test_watch_list_refuses_bad_entries_and_operators(site: Site) -> None:
    commander = await site.console()
    operator = await site.console("operator")
    for value, why in (("*", "matches nearly every plate"), ("??*", "matches nearly every")):
        got = await commander.run("watch.add", {"kind": "plate", "value": value, "reason": "x"})
        assert not got["ok"] and why in got["error"]["message"]
    got = await commander.run("watch.add", {"kind": "plate", "value": "蒙K7S521", "reason": "  "})
    assert not got["ok"] and "reason" in got["error"]["message"]
    got = await commander.run("watch.add", {"kind": "plate", "value": "蒙K7S521"})
    assert not got["ok"] and got["error"]["code"] == "invalid"
    got = await operator.run("watch.add", {"kind": "plate", "value": "蒙K7S521", "reason": "x"})
    assert not got["ok"] and got["error"]["code"] == "forbidden"
    got = await operator.run("watch.list", {})
    assert got["error"]["code"] == "forbidden"
    listed = await commander.run("watch.list", {})
    assert listed["data"]["entries"] == []


async def test_search_gives_the_route_in_time_order_for_commanders_only_and_is_audited(
    site: Site, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = time.time()
    for i, (cam, dt) in enumerate([("C2", 60), ("C1", 600), ("C2", 300)]):
        status, _ = await site.post(sighting(f"s{i}", camera=cam, ts=now - dt))
        assert status == 201
    await site.post(sighting("other", value="蒙A12345"))
    commander = await site.console()
    args = {
        "kind": "plate",
        "value": "蒙k7s521",
        "since": format_ts(now - 86400),
        "until": format_ts(now),
    }
    found = await commander.run("sighting.search", args)
    assert found["ok"], found
    route = found["data"]["sightings"]
    assert [s["camera_id"] for s in route] == ["C1", "C2", "C2"]
    assert route[0]["lat"] == 39.81 and route[0]["camera_name"] == "伊金霍洛街交叉口"
    only_c1 = await commander.run("sighting.search", {**args, "camera_ids": ["C1"]})
    assert len(only_c1["data"]["sightings"]) == 1
    operator = await site.console("operator")
    refused = await operator.run("sighting.search", {**args, "since": format_ts(now - 91 * 86400)})
    assert refused["error"]["code"] == "forbidden"
    assert "over 90 days" in refused["error"]["message"]
    # The audit trail names who searched for what, and when (exportable).
    out = tmp_path / "audit.jsonl"
    assert (
        cli.main(
            ["audit", "export", "--db", site.db_url, "--name", "sighting.search", "-o", str(out)]
        )
        == 0
    )
    entries = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["operator"]["name"] for e in entries] == ["commander-1", "commander-1", "operator-1"]
    assert entries[0]["args"]["value"] == "蒙k7s521"
    assert entries[0]["result"]["data"] == {"count": 3}


async def test_retention_deletes_old_sightings(site: Site) -> None:
    status, _ = await site.post(sighting("old", ts=time.time() - 3600))
    assert status == 201
    status, _ = await site.post(sighting("new", ts=time.time() - 10))
    assert status == 201
    sightings = site.backend.sightings
    sightings.retention_days = 1800 / 86400
    assert await sightings.run_db(sightings.sweep) == 1
    assert site.count() == 1


def test_watch_index_matches_exact_and_wildcards_without_scanning() -> None:
    index = WatchIndex()
    now = time.time()

    def entry(n: int, value: str, until: float | None = None) -> WatchEntry:
        return WatchEntry(
            f"w{n}", "plate", check_value("plate", value, pattern=True), "r", 2, until, now, "c"
        )

    index.add(entry(1, "蒙K7S521"))
    index.add(entry(2, "蒙K*"))
    index.add(entry(3, "蒙?7S52?"))
    index.add(entry(4, "京A*", until=now + 10))
    index.add(entry(5, "蒙K7S521", until=now - 1))
    assert sorted(e.id for e in index.match("plate", "蒙K7S521", now)) == ["w1", "w2", "w3"]
    assert [e.id for e in index.match("plate", "蒙K7S5210", now)] == ["w2"]
    assert [e.id for e in index.match("plate", "京A00001", now)] == ["w4"]
    assert index.match("plate", "京A00001", now + 20) == []
    assert index.match("plate", "蒙A12345", now) == []
    index.remove("w2")
    assert [e.id for e in index.match("plate", "蒙K7S5210", now)] == []


async def test_demo_travellers_are_seen_with_misses_and_misreads_and_raise_watch_alerts(
    tmp_path: Path,
) -> None:
    from backend_stub.demo import import_district
    from backend_stub.district import build_district
    from backend_stub.ingest.doors.sightings import take_sighting
    from backend_stub.sim.sightings import PEOPLE, PLATES, Travellers, demo_watch

    db_url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    backend, _url = await start_backend(db_url, http_port=0, audio_dir=tmp_path / "audio")
    try:
        district = build_district(7, n_units=20)
        await import_district(backend, district, "rtsp://127.0.0.1:8554")
        store = backend.sightings
        for kind, value, reason, priority in demo_watch():
            store.add_watch(kind, value, reason, priority, None, "demo")
        start = time.time() - 3 * 3600
        travellers = Travellers(district, seed=7, start=start)
        seen = travellers.tick(time.time() - 1)
        plates = [s.value for s in seen if s.kind == "plate"]
        assert set(PLATES) <= set(plates)
        assert any(s.kind == "face" and s.value == PEOPLE[0] for s in seen)
        misread = [p for p in plates if p not in PLATES]
        assert misread and len(misread) < len(plates) / 5
        assert backend.ingest is not None
        answers = [await take_sighting(backend, backend.ingest, s) for s in seen]
        assert all(status in (201, 429) for status, _ in answers)
        raised = [a for status, body in answers if status == 201 for a in body["alert_ids"]]
        alerts = [backend.state.alerts[a] for a in raised]
        assert {a["kind"] for a in alerts} == {"plate_match", "face_match"}
        assert all(a["watch_entry"]["reason"] for a in alerts)
        route = store.search("plate", PLATES[0], start, time.time())
        assert len(route) > 3 and [r["ts"] for r in route] == sorted(r["ts"] for r in route)
        # The route crosses the district: several cameras saw it.
        assert len({r["camera_id"] for r in route}) >= 2
    finally:
        await backend.stop()
        backend.engine.dispose()
