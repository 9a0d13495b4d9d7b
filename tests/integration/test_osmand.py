"""The OsmAnd / Traccar Client door on a real backend's HTTP port, with a real HTTP client.

A tracker app sends its fixes as a query string (GET or POST), a form, or the JSON body that
Traccar Client 9 posts; each moves the unit whose ``device_ids`` names ``osmand:ID`` and
reaches a websocket client as ``unit.position`` with source ``osmand``. Anything wrong gets a
400 with the reason and changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend_stub import db
from backend_stub.ingest.http import parse_time
from backend_stub.inventory.read import read_bytes
from backend_stub.inventory.store import import_files
from backend_stub.server import Backend
from tests.live import Client, open_client, start_backend

UNITS = b"id,callsign,kind,device_ids\nU-1,P1001,foot,osmand:860001\nU-2,P1002,foot,osmand:860002\n"


@pytest.fixture
async def door(tmp_path: Path) -> AsyncIterator[tuple[Backend, str, Client]]:
    db_url = f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    engine = db.open_engine(db_url)
    token = db.add_operator(engine, "wang", "operator")
    report = import_files(engine, [read_bytes("units.csv", UNITS)])
    assert not report.errors
    engine.dispose()
    backend, url = await start_backend(db_url, http_port=0)
    client = await open_client(url, token)
    try:
        assert backend.http is not None
        yield backend, f"{backend.http.base_url}/osmand", client
    finally:
        await client.ws.close()
        await backend.stop()
        backend.engine.dispose()


def _moved(unit_id: str) -> Any:
    return lambda m: m.get("type") == "unit.position" and m["unit_id"] == unit_id


async def test_query_form_and_traccar_json_move_their_units(
    door: tuple[Backend, str, Client],
) -> None:
    _backend, url, client = door
    now = time.time()
    async with aiohttp.ClientSession() as http:
        query = {"id": "860001", "lat": "39.8123", "lon": "109.9876", "timestamp": str(int(now))}
        query |= {"speed": "20", "bearing": "90.5", "altitude": "1350", "accuracy": "6"}
        async with http.get(url, params=query) as answer:
            assert answer.status == 200, await answer.text()
        got = await client.until(_moved("U-1"))
        assert (got["lat"], got["lon"], got["source"]) == (39.8123, 109.9876, "osmand")
        assert got["speed_kmh"] == 37.0  # knots, as Traccar's OsmAnd protocol says
        assert (got["heading_deg"], got["alt_m"], got["accuracy_m"]) == (90.5, 1350.0, 6.0)

        millis = {"id": "860002", "lat": "39.80", "lon": "109.90"}
        millis["timestamp"] = str(int(now * 1000))
        async with http.post(url, data=millis) as answer:
            assert answer.status == 200, await answer.text()
        got = await client.until(_moved("U-2"))
        assert abs(_epoch(got["fix_ts"]) - now) < 1.5

        body = {
            "device_id": "860001",
            "location": {
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now + 1)),
                "coords": {"latitude": 39.7, "longitude": 109.8, "speed": 5, "heading": 180},
            },
        }
        async with http.post(url, json=body) as answer:
            assert answer.status == 200, await answer.text()
        got = await client.until(_moved("U-1"))
        assert (got["lat"], got["lon"], got["speed_kmh"]) == (39.7, 109.8, 18.0)  # m/s


async def test_refusals_say_why_and_change_nothing(door: tuple[Backend, str, Client]) -> None:
    backend, url, client = door
    now = int(time.time())
    cases = [
        ({"id": "860001", "lat": "91", "lon": "109.9", "timestamp": now}, "out of range"),
        ({"id": "860001", "lat": "39.8", "lon": "109.9", "timestamp": now + 3600}, "future"),
        ({"id": "860001", "lat": "39.8", "lon": "x", "timestamp": now}, "not a number"),
        ({"id": "860001", "lat": "39.8", "lon": "109.9", "timestamp": "soon"}, "not a time"),
        ({"lat": "39.8", "lon": "109.9", "timestamp": now}, "device id is missing"),
        ({"id": "999", "lat": "39.8", "lon": "109.9", "timestamp": now}, "not assigned"),
    ]
    async with aiohttp.ClientSession() as http:
        for params, reason in cases:
            async with http.get(url, params={k: str(v) for k, v in params.items()}) as answer:
                assert answer.status == 400, params
                assert reason in await answer.text(), params
        async with http.post(
            url, data=b"{not json", headers={"Content-Type": "application/json"}
        ) as answer:
            assert answer.status == 400
        # A body over the limit is refused before it is read.
        async with http.post(url, data=b"x" * (21 << 20)) as answer:
            assert answer.status == 413
        # A newer fix, then an older one: the unit never moves back in time.
        good = {"id": "860001", "lat": "39.81", "lon": "109.91", "timestamp": str(now)}
        async with http.get(url, params=good) as answer:
            assert answer.status == 200
        old = {**good, "lat": "39.70", "timestamp": str(now - 60)}
        async with http.get(url, params=old) as answer:
            assert answer.status == 400
            assert "older than the unit's last fix" in await answer.text()
    await client.until(_moved("U-1"))
    await backend.flush()
    assert backend.state.positions["U-1"]["lat"] == 39.81
    assert [e for e in client.events if e["type"] == "unit.position"] == [
        e for e in client.events if e["type"] == "unit.position" and e["lat"] == 39.81
    ]
    assert backend.ingest is not None
    assert backend.ingest.unregistered["osmand:999"].attempts == 1


async def test_a_flood_from_one_device_is_limited(door: tuple[Backend, str, Client]) -> None:
    backend, url, _client = door
    start = time.time() - 100
    statuses = []
    async with aiohttp.ClientSession() as http:
        for n in range(200):
            params = {"id": "860002", "lat": "39.8", "lon": "109.9", "timestamp": f"{start + n}"}
            async with http.get(url, params=params) as answer:
                statuses.append(answer.status)
    assert statuses.count(200) < 150  # the burst of 100, and what the rate refills meanwhile
    assert 429 in statuses
    assert backend.ingest is not None


def _epoch(ts: str) -> float:
    from console.protocol.codec import parse_ts

    return parse_ts(ts)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=40), st.floats(allow_nan=True), st.integers(), st.none()))
def test_parse_time_never_fails_other_than_with_a_value_error(value: Any) -> None:
    try:
        stamp = parse_time(value)
    except ValueError:
        return
    assert stamp > 0


def test_parse_time_forms() -> None:
    assert parse_time("1764300000") == 1764300000.0
    assert parse_time(1764300000123) == pytest.approx(1764300000.123)
    assert parse_time("2025-11-28T03:20:00Z") == 1764300000.0
    assert parse_time("2025-11-28T11:20:00+08:00") == 1764300000.0
    with pytest.raises(ValueError, match="time zone"):
        parse_time("2025-11-28T03:20:00")


async def test_the_demo_clips_and_uploaded_audio_are_served_with_ranges(
    door: tuple[Backend, str, Client], tmp_path: Path
) -> None:
    backend, _url, _client = door
    assert backend.http is not None
    backend.audio_dir.mkdir(parents=True, exist_ok=True)
    (backend.audio_dir / "RU-test.wav").write_bytes(b"RIFF" + bytes(range(256)) * 4)
    base = backend.http.base_url
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/audio/RU-test.wav", headers={"Range": "bytes=4-7"}) as r:
            assert r.status == 206
            assert await r.read() == bytes(range(4))
        for bad in ("../backend.sqlite3", ".hidden", "nope.wav"):
            async with http.get(f"{base}/audio/{bad}") as r:
                assert r.status == 404
        async with http.get(f"{base}/radio/voice/R-000001.wav") as r:
            assert r.status == 404  # no demo here: no clips
