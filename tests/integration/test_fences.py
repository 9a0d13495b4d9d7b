"""[ext] ``layer.create`` and e-fence crossings, against a real backend on port 0."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from backend_stub import db
from backend_stub.server import Backend
from backend_stub.state import DistrictState
from tests.fences import EAST, FENCE, INSIDE, OUTSIDE, RING, SOUTH, WEST, fence_args, fix, unit
from tests.live import Client, open_client, start_backend

# A square fence in the demo district (WGS-84), about 1.1 km a side.


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class Site:
    def __init__(self, tmp_path: Path) -> None:
        self.db_url = f"sqlite:///{tmp_path / 'fences.sqlite3'}"
        engine = db.open_engine(self.db_url)
        self.operator = db.add_operator(engine, "wang", "operator")
        self.commander = db.add_operator(engine, "li", "commander")
        engine.dispose()
        self.clock = Clock()
        self.backend: Backend | None = None
        self.url = ""

    async def start(self) -> Backend:
        self.backend, self.url = await start_backend(self.db_url, clock=self.clock)
        return self.backend

    async def stop(self) -> None:
        if self.backend is not None:
            await self.backend.stop()
            self.backend.engine.dispose()
            self.backend = None


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[Site]:
    handle = Site(tmp_path)
    await handle.start()
    yield handle
    await handle.stop()


async def fence_alerts(client: Client) -> list[dict[str, Any]]:
    """Every efence alert up to now: a marker command is answered after anything appended
    before it (the watcher queues its alerts on the command lock first)."""
    assert (await client.run("log.write", {"text": "mark"}))["ok"]
    return [
        e["alert"]
        for e in client.events
        if e["type"] == "alert.new" and e["alert"]["kind"] == "efence"
    ]


async def test_layer_create_makes_a_fence_layer(site: Site) -> None:
    client = await open_client(site.url, site.operator)
    result = await client.run("layer.create", fence_args())
    assert result["ok"] is True, result
    event = client.events[-1]
    assert event["type"] == "layer.upsert" and event["seq"] == result["seq"]
    layer = event["layer"]
    assert layer["id"] == "F-000001"
    assert layer["kind"] == "efence" and layer["name"] == FENCE
    feature = layer["geojson"]
    assert feature["type"] == "Feature" and feature["id"] == "F-000001"
    assert feature["geometry"] == {"type": "Polygon", "coordinates": [RING]}
    assert feature["properties"]["note"] == "drawn on the map"
    assert feature["properties"]["created_by"] == client.welcome["operator"]["id"]
    # A bare Polygon geometry is accepted too, and stored as a Feature.
    bare = fence_args("学校周界")
    bare["geojson"] = bare["geojson"]["geometry"]
    assert (await client.run("layer.create", bare))["ok"]
    assert client.events[-1]["layer"]["id"] == "F-000002"
    assert client.events[-1]["layer"]["geojson"]["type"] == "Feature"
    assert site.backend is not None and set(site.backend.state.layers) == {"F-000001", "F-000002"}
    await client.ws.close()


BAD_GEOJSON: list[Any] = [
    {"type": "Polygon", "coordinates": [RING[:-1]]},  # not closed
    {"type": "Polygon", "coordinates": [RING[:3]]},  # three positions
    {"type": "Polygon", "coordinates": [[[WEST, SOUTH], [EAST, SOUTH], [WEST, SOUTH]] * 2]},
    {"type": "Polygon", "coordinates": [[[200.0, 39.8], *RING[1:-1], [200.0, 39.8]]]},
    {"type": "Polygon", "coordinates": [[[WEST, 95.0], *RING[1:-1], [WEST, 95.0]]]},
    {"type": "Polygon", "coordinates": [[[WEST, SOUTH, 3.0], *RING[1:]]]},
    {
        "type": "Polygon",
        "coordinates": [[[WEST, SOUTH], [EAST, SOUTH], [109.99, SOUTH], [WEST, SOUTH]]],
    },
    {"type": "Polygon", "coordinates": [RING, RING]},  # holes are not drawn by operators
    {"type": "Polygon", "coordinates": [[*RING[:-1]] * 130 + [RING[0]]]},  # > 500 positions
    {"type": "Point", "coordinates": [WEST, SOUTH]},
    {"type": "Feature", "geometry": {"type": "LineString", "coordinates": RING}},
    {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [RING]}, "evil": 1},
    "POLYGON((109.97 39.81, ...))",
]


async def test_layer_create_refuses_bad_geometry_and_names(site: Site) -> None:
    client = await open_client(site.url, site.operator)
    for geojson in BAD_GEOJSON:
        result = await client.run("layer.create", {**fence_args(), "geojson": geojson})
        assert result["ok"] is False, geojson
        assert result["error"]["code"] == "invalid", (geojson, result)
    for name in ("", "   ", "x" * 101):
        result = await client.run("layer.create", fence_args(name))
        assert result["error"]["code"] == "invalid", name
    assert (await client.run("layer.create", {**fence_args(), "kind": "camera"}))["ok"] is False
    assert site.backend is not None and site.backend.committed_seq == 0
    await client.ws.close()


async def test_grid_layers_are_for_commanders_only(site: Site) -> None:
    operator = await open_client(site.url, site.operator)
    refused = await operator.run("layer.create", fence_args("东胜第99网格", kind="grid"))
    assert refused["ok"] is False and refused["error"]["code"] == "forbidden"
    commander = await open_client(site.url, site.commander)
    made = await commander.run("layer.create", fence_args("东胜第99网格", kind="grid"))
    assert made["ok"] is True
    layer = commander.events[-1]["layer"]
    assert layer["kind"] == "grid" and layer["id"] == "G-000001"
    await operator.ws.close()
    await commander.ws.close()


async def test_layer_ids_are_never_reused_across_a_restart(site: Site) -> None:
    client = await open_client(site.url, site.operator)
    for name in ("一号围栏", "二号围栏"):
        assert (await client.run("layer.create", fence_args(name)))["ok"]
    await client.ws.close()
    await site.stop()  # writes a snapshot: the next start rebuilds from it
    await site.start()
    client = await open_client(site.url, site.operator)
    assert (await client.run("layer.create", fence_args("三号围栏")))["ok"]
    assert client.events[-1]["layer"]["id"] == "F-000003"
    await client.ws.close()
    # A snapshot from before layer_counter existed: the counter comes from the layers.
    assert site.backend is not None
    data = json.loads(site.backend.state.to_json())
    del data["layer_counter"]
    assert DistrictState.from_json(json.dumps(data)).next_layer_id("efence") == "F-000004"


async def test_crossing_a_fence_raises_efence_alerts(site: Site) -> None:
    backend = site.backend
    assert backend is not None
    await backend.append([unit("U01", "P1023"), unit("U02", "P1024"), fix("U02", INSIDE)])
    client = await open_client(site.url, site.operator)
    assert (await client.run("layer.create", fence_args()))["ok"]

    # U01's first fix is inside: it only tells where U01 is. U02 was inside already when
    # the fence was drawn: staying there is no crossing either.
    await backend.append([fix("U01", INSIDE), fix("U02", INSIDE)])
    assert await fence_alerts(client) == []

    # Out, then in: two alerts, in order.
    await backend.append([fix("U01", OUTSIDE)])
    await backend.append([fix("U01", INSIDE)])
    alerts = await fence_alerts(client)
    assert [a["title"] for a in alerts] == [
        f"电子围栏越界：P1023 离开 {FENCE}",
        f"电子围栏越界：P1023 进入 {FENCE}",
    ]
    left, entered = alerts
    assert (left["lat"], left["lon"]) == OUTSIDE and (entered["lat"], entered["lon"]) == INSIDE
    for a in alerts:
        assert a["kind"] == "efence" and a["priority"] == 2 and a["status"] == "new"
        assert a["address"] == FENCE and a["grid_id"] is None and a["owner"] is None
        assert a["history"][0]["action"] == "created" and a["history"][0]["operator"] is None
    assert left["id"] < entered["id"]

    # Back and forth within 60 s: no more alerts for the same unit, fence and direction.
    site.clock.now += 30
    for where in (OUTSIDE, INSIDE, OUTSIDE, INSIDE):
        await backend.append([fix("U01", where)])
    assert len(await fence_alerts(client)) == 2
    # U02 leaving is another unit: it alerts.
    await backend.append([fix("U02", OUTSIDE)])
    alerts = await fence_alerts(client)
    assert alerts[-1]["title"] == f"电子围栏越界：P1024 离开 {FENCE}"

    # A minute after the first ones, the same crossing alerts again.
    site.clock.now += 31
    await backend.append([fix("U01", OUTSIDE), fix("U01", INSIDE)])
    alerts = await fence_alerts(client)
    assert [a["title"][-len(FENCE) - 3 :] for a in alerts[3:]] == [
        f"离开 {FENCE}",
        f"进入 {FENCE}",
    ]
    # Alert ids come from the one counter the operators' alerts use.
    created = await client.run(
        "alert.create", {"kind": "manual", "priority": 3, "title": "t", "lat": 39.8, "lon": 110.0}
    )
    assert created["ok"]
    ids = [e["alert"]["id"] for e in client.events if e["type"] == "alert.new"]
    assert ids == sorted(set(ids)) and len(ids) == 6
    await client.ws.close()


async def test_fence_membership_survives_a_restart(site: Site) -> None:
    backend = site.backend
    assert backend is not None
    client = await open_client(site.url, site.operator)
    assert (await client.run("layer.create", fence_args()))["ok"]
    await backend.append([unit("U01", "P1023"), fix("U01", OUTSIDE)])
    await client.ws.close()
    await site.stop()
    backend = await site.start()
    # Not a first fix after the restart: the last known position counts.
    await backend.append([fix("U01", INSIDE)])
    client = await open_client(site.url, site.operator)
    assert client.snapshot is not None
    before = [a for a in client.snapshot["state"]["alerts"] if a["kind"] == "efence"]
    titles = [a["title"] for a in before + await fence_alerts(client)]
    assert titles == [f"电子围栏越界：P1023 进入 {FENCE}"]
    await client.ws.close()
