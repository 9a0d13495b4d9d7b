"""Where next (``sighting.where_next``) over a real backend holding the real demo district: plate
reads posted to ``POST /api/sightings``, the street graph's Dijkstra, real websocket consoles.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from backend_stub import cli, db, server, sources
from backend_stub.demo import import_district
from backend_stub.district import District, build_district
from backend_stub.inventory import store
from backend_stub.inventory.read import read_bytes
from backend_stub.server import Backend
from backend_stub.sightings import Sighting
from console.geo import haversine_m
from console.protocol.codec import format_ts, parse_ts
from tests.live import open_client, post_sighting, start_backend
from tests.streets import cameras_in_a_row

PLATE = "蒙K7S521"
READS = (("a", "C1", 130), ("b", "C2", 10))  # east-north-east across a site with no streets


@dataclass
class Demo:
    backend: Backend
    url: str
    db_url: str
    district: District
    tokens: dict[str, str]
    key: str

    async def post(self, ref: str, camera: str, ts: float, value: str = PLATE) -> None:
        body = {"ref": ref, "camera_id": camera, "ts": ts, "kind": "plate", "value": value}
        status, answer = await post_sighting(self.backend, self.key, body)
        assert status == 201, answer


@pytest.fixture
async def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Demo]:
    monkeypatch.setattr(server, "FEED_COUNTS_S", 3600.0)
    db_url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    engine = db.open_engine(db_url)
    tokens = {r: db.add_operator(engine, f"{r}-1", r) for r in ("operator", "commander")}
    key = sources.add_source(engine, "anpr-1", "sightings")
    engine.dispose()
    backend, url = await start_backend(db_url, http_port=0, audio_dir=tmp_path / "audio")
    district = build_district(7, n_units=40)
    await import_district(backend, district, "rtsp://127.0.0.1:8554")
    backend.streets = district  # as `serve --demo` does
    yield Demo(backend, url, db_url, district, tokens, key)
    await backend.stop()
    backend.engine.dispose()


def _street_m(district: District, a: tuple[float, float], b: tuple[float, float]) -> float:
    na, nb = district.nearest_node(*a), district.nearest_node(*b)
    return district.path_length_m(district.shortest_path(na, nb))


async def test_cameras_ahead_in_order_of_arrival_with_units_ranked_by_eta(demo: Demo) -> None:
    district, state = demo.district, demo.backend.state
    behind, first, last, ahead = cameras_in_a_row(district, 4, (1, 2))
    now = time.time()
    await demo.post("r1", first, now - 65)
    await demo.post("r2", last, now - 5)
    # Units on the streets with fresh fixes; one of them is busy and must not be proposed.
    fixes = district.to_wire_positions(format_ts(now))
    busy = district.units[0].id
    await demo.backend.append(
        [*fixes, {"type": "unit.status", "unit_id": busy, "status": "on_scene"}]
    )
    commander = await open_client(demo.url, demo.tokens["commander"])
    answer = await commander.run(
        "sighting.where_next",
        {"kind": "plate", "value": "蒙k7s521", "horizon_s": 1800, "limit": 36, "units": 8},
    )
    assert answer["ok"], answer
    data = answer["data"]
    assert data["routing"] == "streets" and data["note"] is None
    assert data["from"]["camera_id"] == last
    # The speed comes from its own two sightings, 60 s apart along the street.
    pos = {c: (state.cameras[c]["lat"], state.cameras[c]["lon"]) for c in state.cameras}
    driven = _street_m(district, pos[first], pos[last])
    assert data["speed"]["source"] == "observed"
    assert data["speed"]["observed_ms"] == pytest.approx(driven / 60, rel=0.08)
    cameras = data["cameras"]
    ids = [c["id"] for c in cameras]
    # Ahead along the street, not behind: the camera past the last sighting is there, the one
    # before the first sighting and the two it passed are not.
    assert ahead in ids
    assert behind not in ids and first not in ids and last not in ids
    # Earliest arrival first; each window is its street distance at the fastest and the slowest
    # speed, and every one can still be met.
    earliest = [c["earliest_s"] for c in cameras]
    assert earliest == sorted(earliest)
    from_last = parse_ts(data["from"]["ts"])
    for c in cameras:
        street = _street_m(district, pos[last], pos[c["id"]])
        assert c["distance_m"] == pytest.approx(street, abs=70)
        assert c["earliest_s"] == pytest.approx(c["distance_m"] / data["speed"]["max_ms"], rel=0.01)
        assert c["latest_s"] == pytest.approx(c["distance_m"] / data["speed"]["min_ms"], rel=0.01)
        assert parse_ts(c["latest"]) >= parse_ts(data["at"])
        assert parse_ts(c["earliest"]) == pytest.approx(from_last + c["earliest_s"], abs=0.2)
        # Nothing the car would have to turn back for: going on through the last sighting is
        # (nearly) a shortest route from the first sighting.
        direct = _street_m(district, pos[first], pos[c["id"]])
        assert driven + street <= direct * 1.1 + 120
        # The path runs from the last sighting along connected junctions to the camera.
        path = c["path"]
        assert path[0] == pytest.approx(list(pos[last]), abs=1e-5)
        assert path[-1] == pytest.approx(list(pos[c["id"]]), abs=1e-5)
        hops = [district.nearest_node(lat, lon) for lat, lon in path[1:-1]]
        assert all(b in district.graph[a] for a, b in itertools.pairwise(hops))
    # Units: available ones only, those that make it in time first, then by ETA.
    units = data["units"]
    assert len(units) == 8 and busy not in {u["id"] for u in units}
    assert all(state.units[u["id"]]["status"] == "available" for u in units)
    order = [(not u["in_time"], u["eta_s"]) for u in units]
    assert order == sorted(order)
    assert all(u["camera_id"] in ids[:6] for u in units)


async def test_where_next_refuses_operators_bad_plates_and_unseen_plates_and_is_audited(
    demo: Demo, tmp_path: Path
) -> None:
    now = time.time()
    camera = demo.district.cameras[10].id
    await demo.post("r1", camera, now - 30)
    seq = demo.backend.state.seq
    operator = await open_client(demo.url, demo.tokens["operator"])
    refused = await operator.run("sighting.where_next", {"kind": "plate", "value": PLATE})
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
    assert "commanders" in refused["error"]["message"]
    commander = await open_client(demo.url, demo.tokens["commander"])
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"kind": "plate", "value": "ABC-1234"}, "invalid", "is not a plate"),
        ({"kind": "plate", "value": "蒙A12345"}, "not_found", "no sighting of 蒙A12345"),
        (
            {"kind": "plate", "value": PLATE, "since": format_ts(now - 91 * 86400)},
            "invalid",
            "90 days",
        ),
        ({"kind": "plate", "value": PLATE, "horizon_s": 5}, "invalid", "horizon_s"),
        ({"kind": "car", "value": PLATE}, "invalid", "kind"),
    ]
    for args, code, words in cases:
        answer = await commander.run("sighting.where_next", args)
        assert answer["ok"] is False, args
        assert answer["error"]["code"] == code, (args, answer)
        assert words in answer["error"]["message"], (args, answer)
    # One sighting only: no speed of its own, the default range, every direction ahead.
    found = await commander.run("sighting.where_next", {"kind": "plate", "value": PLATE})
    assert found["ok"], found
    assert found["data"]["speed"]["source"] == "default"
    assert found["data"]["cameras"]
    assert demo.backend.state.seq == seq  # nothing entered the event log
    # The audit names who asked for what; it keeps counts, not where the plate was.
    out = tmp_path / "audit.jsonl"
    argv = ["audit", "export", "--db", demo.db_url, "--name", "sighting.where_next"]
    assert cli.main([*argv, "-o", str(out)]) == 0
    entries = [json.loads(line) for line in out.read_text().splitlines()]
    assert [e["operator"]["name"] for e in entries][:2] == ["operator-1", "commander-1"]
    last = entries[-1]
    assert last["args"]["value"] == PLATE
    assert last["result"]["data"] == {
        "cameras": len(found["data"]["cameras"]),
        "units": len(found["data"]["units"]),
    }
    assert camera not in json.dumps(last)


async def test_a_site_without_streets_answers_with_straight_line_guesses(tmp_path: Path) -> None:
    cameras = (
        "id,name,lat,lon,main\n"
        "C1,伊金霍洛街交叉口,39.810,109.980,rtsp://10.1.2.3/ch1\n"
        "C2,鄂尔多斯大街东口,39.815,109.990,rtsp://10.1.2.3/ch2\n"
        "C3,天骄路北口,39.825,110.000,rtsp://10.1.2.3/ch3\n"
        "C4,西口,39.805,109.970,rtsp://10.1.2.3/ch4\n"
    ).encode()
    db_url = f"sqlite:///{tmp_path / 'site.sqlite3'}"
    engine = db.open_engine(db_url)
    token = db.add_operator(engine, "chief", "commander")
    assert not store.import_files(engine, [read_bytes("cameras.csv", cameras)]).errors
    engine.dispose()
    backend, url = await start_backend(db_url, http_port=0, audio_dir=tmp_path / "audio")
    try:
        await backend.sync_inventory()
        assert backend.streets is None
        now = time.time()
        seen = [Sighting("tests", r, c, now - ago, "plate", PLATE) for r, c, ago in READS]
        await backend.sightings.run_db(backend.sightings.write, seen)
        commander = await open_client(url, token)
        answer = await commander.run("sighting.where_next", {"kind": "plate", "value": PLATE})
        assert answer["ok"], answer
        data = answer["data"]
        assert data["routing"] == "straight_line"
        assert "no street graph" in data["note"] and "guess" in data["note"]
        # Heading east-north-east from C1 to C2: C3 is ahead, C4 (west of C1) behind.
        assert [c["id"] for c in data["cameras"]] == ["C3"]
        c3 = data["cameras"][0]
        assert c3["guess"] is True and len(c3["path"]) == 2
        straight = haversine_m(39.815, 109.990, 39.825, 110.000)
        assert c3["distance_m"] == pytest.approx(straight * 1.35, rel=0.01)
    finally:
        await backend.stop()
        backend.engine.dispose()
