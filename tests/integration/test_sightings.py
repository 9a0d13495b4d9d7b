"""Sightings and watch lists (``shared/integration.md`` §7) over a real backend: real HTTP posts
to ``POST /api/sightings``, real SQLite, real websocket consoles for the commands and alerts.
"""

from __future__ import annotations

import asyncio
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
from backend_stub.sightings import (
    SightingRow,
    SightingStore,
    WatchChangeRow,
    WatchEntry,
    WatchIndex,
    check_value,
)
from console.protocol.codec import format_ts
from tests.live import Client, open_client, post_sighting, start_backend
from tests.waiting import until

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
        return await post_sighting(self.backend, key or self.key, body)

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


async def test_one_open_alert_per_watch_entry_and_plate_follows_each_sighting(
    site: Site,
) -> None:
    commander = await site.console()
    operator = await site.console("operator")
    added = await commander.run(
        "watch.add", {"kind": "plate", "value": "蒙K7S521", "reason": "盗抢车辆", "priority": 1}
    )
    assert added["ok"], added
    now = time.time()
    # Seen by C1, by C2 and C1 at one junction in the same second, then by C2 with a snapshot.
    posts = [
        sighting("s1", camera="C1", ts=now - 60),
        sighting("s2", camera="C2", ts=now - 30),
        sighting("s3", camera="C1", ts=now - 30),
        sighting("s4", camera="C2", ts=now - 10, snapshot_url="http://10.1.2.3/snap/s4.jpg"),
    ]
    answers = [await site.post(body) for body in posts]
    assert all(status == 201 for status, _ in answers), answers
    ids = {a for _, body in answers for a in body["alert_ids"]}
    assert len(ids) == 1, answers  # one row in the queue, not four
    (alert_id,) = ids
    seen = await operator.until(
        lambda m: m.get("type") == "alert.updated" and m["alert"].get("sightings") == 4
    )
    alert = seen["alert"]
    assert [e["type"] for e in operator.events if e.get("type", "").startswith("alert.")] == [
        "alert.new",
        "alert.updated",
        "alert.updated",
        "alert.updated",
    ]
    assert alert["id"] == alert_id and alert["version"] == 4 and alert["status"] == "new"
    assert alert["camera_ids"] == ["C2"] and "鄂尔多斯大街东口" in alert["title"]
    assert (alert["lat"], alert["lon"]) == (39.82, 109.99)
    assert alert["snapshot_url"] == "http://10.1.2.3/snap/s4.jpg"
    assert alert["sighting"]["camera_id"] == "C2"
    assert alert["occurred_at"] == format_ts(now - 60)  # the first sighting
    # The history keeps one line for the sightings, not one per camera.
    assert [h["action"] for h in alert["history"]] == ["created", "sighted"]
    # A late report of an older sighting counts, and the latest camera stays.
    status, body = await site.post(sighting("s0", camera="C1", ts=now - 120))
    assert status == 201 and body["alert_ids"] == [alert_id]
    late = await operator.until(
        lambda m: m.get("type") == "alert.updated" and m["alert"].get("sightings") == 5
    )
    assert late["alert"]["camera_ids"] == ["C2"]
    # An operator acts on it; the next sighting keeps the action in the history.
    ack = await operator.run("alert.acknowledge", {"alert_id": alert_id, "version": 5})
    assert ack["ok"], ack
    await site.post(sighting("s5", camera="C1", ts=now - 5))
    after = await operator.until(
        lambda m: m.get("type") == "alert.updated" and m["alert"].get("sightings") == 6
    )
    assert after["alert"]["status"] == "acknowledged"
    assert [h["action"] for h in after["alert"]["history"]][-2:] == ["acknowledged", "sighted"]
    assert after["alert"]["camera_ids"] == ["C1"] and "snapshot_url" not in after["alert"]
    # Closed: the next sighting is a new alert.
    cancel = await operator.run(
        "alert.cancel", {"alert_id": alert_id, "version": 7, "reason": "拦截成功"}
    )
    assert cancel["ok"], cancel
    status, body = await site.post(sighting("s6", camera="C2", ts=now - 2))
    assert status == 201 and len(body["alert_ids"]) == 1 and body["alert_ids"] != [alert_id]
    fresh = await operator.until(lambda m: m.get("type") == "alert.new")
    assert fresh["alert"]["sightings"] == 1 and fresh["alert"]["camera_ids"] == ["C2"]
    kinds = [a["kind"] for a in site.backend.state.alerts.values()]
    assert kinds == ["plate_match", "plate_match"]


async def test_the_open_watch_alert_is_found_again_after_a_restart(site: Site) -> None:
    commander = await site.console()
    added = await commander.run(
        "watch.add", {"kind": "plate", "value": "蒙K7S5*", "reason": "套牌嫌疑", "priority": 2}
    )
    assert added["ok"], added
    status, first = await site.post(sighting("t1", camera="C1"))
    assert status == 201 and len(first["alert_ids"]) == 1
    await commander.ws.close()
    audio = site.backend.audio_dir
    await site.backend.stop()
    site.backend.engine.dispose()
    site.backend, site.url = await start_backend(site.db_url, http_port=0, audio_dir=audio)
    # The same sighting again changes nothing; a new one updates the alert from before.
    status, again = await site.post(sighting("t1", camera="C1"))
    assert status == 201 and again == {"stored": False, "alert_ids": []}
    status, second = await site.post(sighting("t2", camera="C2"))
    assert status == 201 and second["alert_ids"] == first["alert_ids"]
    alerts = list(site.backend.state.alerts.values())
    assert len(alerts) == 1 and alerts[0]["sightings"] == 2
    assert alerts[0]["camera_ids"] == ["C2"]


async def test_two_backends_on_one_database_keep_one_alert_per_plate(
    tmp_path: Path, pg_url: str
) -> None:
    engine = db.open_engine(pg_url)
    key = sources.add_source(engine, "anpr-1", "sightings")
    report = store.import_files(engine, [read_bytes("cameras.csv", CAMERAS_CSV.encode())])
    assert not report.errors
    engine.dispose()
    backends = []
    for n in range(2):
        backend, _url = await start_backend(pg_url, http_port=0, audio_dir=tmp_path / f"a{n}")
        await backend.sync_inventory()
        backends.append(backend)
    try:
        # An entry added through one process reaches the other's index by itself.
        entry = await backends[0].sightings.run_db(
            backends[0].sightings.add_watch, "plate", "蒙K7S521", "盗抢车辆", 1, None, "chief"
        )
        await until(lambda: entry.id in backends[1].sightings.watch.by_id)

        async def post(backend: Backend, body: dict[str, Any]) -> dict[str, Any]:
            assert backend.http is not None
            url = f"http://127.0.0.1:{backend.http.port}/api/sightings"
            headers = {"Authorization": f"Bearer {key}"}
            async with (
                aiohttp.ClientSession() as session,
                session.post(url, json=body, headers=headers) as r,
            ):
                assert r.status == 201, await r.text()
                answer: dict[str, Any] = await r.json()
                return answer

        now = time.time()
        bodies = [sighting(f"m{i}", camera=f"C{1 + i % 2}", ts=now - 30 + i) for i in range(6)]
        # Sent to both at once, alternately: each process decides against the shared log.
        answers = await asyncio.gather(*(post(backends[i % 2], b) for i, b in enumerate(bodies)))
        ids = {a for answer in answers for a in answer["alert_ids"]}
        assert len(ids) == 1, answers
        for backend in backends:
            await backend.wait_for_seq(max(b.committed_seq for b in backends))
            alerts = list(backend.state.alerts.values())
            assert len(alerts) == 1 and alerts[0]["sightings"] == 6
            assert alerts[0]["camera_ids"] == ["C2"]  # the newest, m5 at C2
    finally:
        for backend in backends:
            await backend.stop()
            backend.engine.dispose()


def test_watch_list_changes_reach_every_backend_on_the_database_also_out_of_order(
    tmp_path: Path,
) -> None:
    engine = db.open_engine(f"sqlite:///{tmp_path / 'shared.sqlite3'}")
    here, there = SightingStore(engine), SightingStore(engine)
    now = time.time()
    try:
        entry = here.add_watch("plate", "蒙K7S5*", "套牌嫌疑", 2, None, "chief")
        assert there.watch.match("plate", "蒙K7S521", now) == []  # not yet read
        assert there.sync_watch() == 1
        assert [e.id for e in there.watch.match("plate", "蒙K7S521", now)] == [entry.id]
        assert here.sync_watch() == 0  # its own change, read back, changes nothing
        assert there.sync_watch() == 0

        # A third process took change number N but committed after N+1 was read: N is
        # looked for again and applied when it comes.
        def renumber(seq: int) -> int:  # the newest change gets ``seq``; returns its number
            with engine.begin() as conn:
                newest = conn.execute(select(func.max(WatchChangeRow.seq))).scalar_one()
                conn.execute(
                    WatchChangeRow.__table__.update()
                    .where(WatchChangeRow.seq == newest)
                    .values(seq=seq)
                )
            return int(newest)

        here.remove_watch(entry.id)
        taken = renumber(100)  # the removal came as N+1, N (its number) is not there yet
        assert there.sync_watch() == 1
        assert there.watch.match("plate", "蒙K7S521", now) == []
        assert taken in there._watch_missing
        late = WatchEntry("w-late", "plate", "蒙A12345", "在逃", 1, None, now, "chief")
        here.add_watch_many([late])
        renumber(taken)  # the late transaction, under the number it took
        assert there.sync_watch() == 1
        assert [e.id for e in there.watch.match("plate", "蒙A12345", now)] == ["w-late"]
        assert taken not in there._watch_missing

        # A backend started now loads the list as it is and reads only later changes.
        third = SightingStore(engine)
        assert sorted(third.watch.by_id) == ["w-late"] and third.sync_watch() == 0
        third.close()
    finally:
        here.close()
        there.close()
        engine.dispose()


async def test_an_alert_snapshot_is_handed_on_with_the_cameras_stream_token(
    site: Site, tmp_path: Path
) -> None:
    from aiohttp import web

    from backend_stub.sim.snapshots import render_snapshot

    # The camera platform: a real HTTP server on 127.0.0.1 with one real JPEG.
    picture = render_snapshot(tmp_path / "platform", "C1", "伊金霍洛街交叉口", "plate", "蒙K7S521")
    assert picture is not None
    platform = web.Application()
    platform.router.add_static("/snap", picture.parent)
    runner = web.AppRunner(platform)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        commander = await site.console()
        operator = await site.console("operator")
        added = await commander.run(
            "watch.add", {"kind": "plate", "value": "蒙K7S521", "reason": "盗抢车辆"}
        )
        assert added["ok"], added
        status, body = await site.post(sighting("p1", snapshot_url=f"{base}/snap/{picture.name}"))
        assert status == 201, body
        (alert_id,) = body["alert_ids"]
        urls = await operator.run("camera.stream_urls", {"camera_ids": ["C1"]})
        assert urls["ok"], urls
        token = urls["data"]["streams"]["C1"]["sub"].split("token=", 1)[1]
        async with aiohttp.ClientSession() as session:

            async def get(path: str) -> tuple[int, str, bytes]:
                async with session.get(f"{site.http}{path}") as r:
                    return r.status, r.content_type, await r.read()

            assert await get(f"/snapshots/{alert_id}?token={token}") == (
                200,
                "image/jpeg",
                picture.read_bytes(),
            )
            # No token, or another camera's: refused, and nothing is fetched for it.
            status, _, text = await get(f"/snapshots/{alert_id}")
            assert status == 401 and b"stream token of camera C1" in text
            other = (await operator.run("camera.stream_urls", {"camera_ids": ["C2"]}))["data"]
            c2 = other["streams"]["C2"]["sub"].split("token=", 1)[1]
            assert (await get(f"/snapshots/{alert_id}?token={c2}"))[0] == 401
            assert (await get(f"/snapshots/A-404?token={token}"))[0] == 404
            # The platform has lost the picture: a clear 502, not an empty image.
            await site.post(sighting("p2", snapshot_url=f"{base}/snap/gone.jpg"))
            status, _, text = await get(f"/snapshots/{alert_id}?token={token}")
            assert status == 502 and b"answered 404" in text
    finally:
        await runner.cleanup()


async def test_sightings_and_the_event_log_write_together_without_losing_either(
    site: Site,
) -> None:
    """On SQLite one thread writes the file: a burst of sightings from many cameras while
    operators create alerts loses nothing and refuses nothing (no "database is locked")."""
    commander = await site.console()
    added = await commander.run(
        "watch.add", {"kind": "plate", "value": "蒙K7S5*", "reason": "套牌嫌疑", "priority": 2}
    )
    assert added["ok"], added
    operator = await site.console("operator")
    now = time.time()
    bodies = [
        sighting(f"c{i}", value=f"蒙K7S5{i:02d}", camera=f"C{1 + i % 2}", ts=now - 60 + i / 10)
        for i in range(80)
    ]

    call = {"kind": "call_110", "priority": 2, "title": "报警", "lat": 39.81, "lon": 109.98}
    sent = [await operator.command("alert.create", call) for _ in range(20)]
    answers = await asyncio.gather(*(site.post(b) for b in bodies))
    results: dict[str, dict[str, Any]] = {}
    await operator.until(
        lambda m: (
            m.get("type") == "result"
            and bool(results.setdefault(m["id"], m))
            and len(results) == len(sent)
        )
    )
    assert [status for status, _ in answers] == [201] * 80, answers
    assert all(body["stored"] for _, body in answers)
    assert all(r["ok"] for r in results.values()), results
    assert site.count() == 80
    # Each of the 80 plates is its own subject: 80 watch alerts, plus the 20 calls.
    kinds = [a["kind"] for a in site.backend.state.alerts.values()]
    assert kinds.count("plate_match") == 80 and kinds.count("call_110") == 20
    assert site.backend.sightings.stored == 80


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
    # Sent at once, as a flood comes (one by one, 80 posts can take longer than the second
    # in which the camera's bucket refills).
    answers = await asyncio.gather(*(site.post(sighting(f"f{i}")) for i in range(80)))
    statuses = [status for status, _ in answers]
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
        # A watched plate's camera takes a snapshot, served on the HTTP port; others none.
        from backend_stub.demo import with_snapshot

        store.snapshot_dir = tmp_path / "snapshots"
        watched = next(s for s in seen if s.value == PLATES[0])
        shot = await with_snapshot(backend, watched)
        assert shot.snapshot_url and shot.snapshot_url.endswith(".jpg")
        async with aiohttp.ClientSession() as session, session.get(shot.snapshot_url) as r:
            assert r.status == 200 and r.content_type == "image/jpeg"
            assert (await r.read())[:2] == b"\xff\xd8"
        other = next(s for s in seen if not store.watch.match(s.kind, s.value, time.time()))
        assert (await with_snapshot(backend, other)).snapshot_url is None
    finally:
        await backend.stop()
        backend.engine.dispose()
