"""The demo district: deterministic, tiled by its grid cells, routable, in the wire shapes."""

from __future__ import annotations

import hashlib
import itertools
import random
from collections import deque

import pytest

from backend_stub.district import CORE_BOX, District, build_district
from console.geo import haversine_m


@pytest.fixture(scope="module")
def district() -> District:
    return build_district(seed=7)


def _fingerprint(d: District) -> tuple[object, ...]:
    return (d.grids, tuple(d.nodes.values()), d.streets, d.cameras, d.units)


def test_same_seed_same_district_and_other_seed_differs(district: District) -> None:
    assert _fingerprint(build_district(seed=7)) == _fingerprint(district)
    other = build_district(seed=8)
    assert other.grids != district.grids
    assert other.cameras != district.cameras
    assert other.units != district.units


def test_the_default_demo_district_is_the_one_it_always_was(district: District) -> None:
    """Seed 7 is the demo everyone knows (bundled streets, screenshots, training scenarios).

    A change to the generator that moves a grid, a junction, a camera or a unit shows here;
    if it is meant, regenerate resources/map/demo_streets.json and put the new digest here.
    """
    digest = hashlib.sha256(repr(_fingerprint(district)).encode()).hexdigest()
    assert digest == "9b734955b4fd7298ac154925d078ad50d5368c8d80fa5f7a1d696c93b4610c11"


def test_sizes_and_ids(district: District) -> None:
    assert 760 <= len(district.grids) <= 840
    assert len(district.cameras) == 320
    assert len(district.units) == 220
    assert district.grids[0].id == "G0001"
    assert district.cameras[0].id == "C0001"
    assert (district.units[0].id, district.units[0].callsign) == ("U0001", "P1001")
    assert all(len(u.radio_id) == 7 and u.radio_id.isdigit() for u in district.units)
    assert len({u.radio_id for u in district.units}) == len(district.units)
    assert 0.08 <= sum(c.ptz for c in district.cameras) / len(district.cameras) <= 0.25
    lat, lon = district.center
    assert 39.78 < lat < 39.86 and 109.90 < lon < 110.06


def test_random_points_fall_in_exactly_one_grid(district: District) -> None:
    west, south, east, north = CORE_BOX
    rng = random.Random(1)
    for _ in range(300):
        lat, lon = rng.uniform(south, north), rng.uniform(west, east)
        containing = [g for g in district.grids if _contains(g.ring, lon, lat)]
        assert len(containing) == 1, (lat, lon)
        assert district.grid_at(lat, lon) is containing[0]
    assert district.grid_at(39.7, 109.98) is None
    assert district.grid_at(39.82, 110.2) is None


def _contains(ring: tuple[tuple[float, float], ...], lon: float, lat: float) -> bool:
    inside = False
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        if (y1 > lat) != (y0 > lat) and lon < (x0 - x1) * (lat - y1) / (y0 - y1) + x1:
            inside = not inside
    return inside


def test_grids_name_real_subdistricts_urban_core_suburban_edge(district: District) -> None:
    subs = {g.subdistrict for g in district.grids}
    assert len(subs) == 12
    assert {"交通街道", "诃额伦街道", "额尔敦街道"} <= subs
    assert all(g.name.startswith(g.subdistrict) and g.name.endswith("网格") for g in district.grids)
    by_id = {g.id: g for g in district.grids}
    centre = district.grid_at(*district.center)
    assert centre is not None and centre.urban
    corner = district.grid_at(CORE_BOX[1] + 0.001, CORE_BOX[0] + 0.001)
    assert corner is not None and not corner.urban
    assert 0.3 < sum(g.urban for g in district.grids) / len(by_id) < 0.8


def test_each_subdistrict_is_contiguous(district: District) -> None:
    cols = 40
    for sub in {g.subdistrict for g in district.grids}:
        cells = {i for i, g in enumerate(district.grids) if g.subdistrict == sub}
        start = next(iter(cells))
        seen, todo = {start}, deque([start])
        while todo:
            r, c = divmod(todo.popleft(), cols)
            for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                k = nr * cols + nc
                if 0 <= nc < cols and k in cells and k not in seen:
                    seen.add(k)
                    todo.append(k)
        assert seen == cells, sub


def test_street_graph_is_connected_and_named(district: District) -> None:
    graph = district.graph
    start = next(iter(graph))
    seen, todo = {start}, [start]
    while todo:
        for v in graph[todo.pop()]:
            if v not in seen:
                seen.add(v)
                todo.append(v)
    assert seen == set(district.nodes)
    assert all(u in graph[v] for u in graph for v in graph[u])
    names = {s.name for s in district.streets}
    assert {"鄂尔多斯大街", "达拉特路", "天骄路", "北环路", "东环路"} <= names
    assert district.node_name(0).endswith("交叉口") and "与" in district.node_name(0)


def test_shortest_path_is_a_connected_route(district: District) -> None:
    rng = random.Random(3)
    ids = sorted(district.nodes)
    for _ in range(10):
        a, b = rng.choice(ids), rng.choice(ids)
        path = district.shortest_path(a, b)
        assert path[0] == a and path[-1] == b
        assert all(v in district.graph[u] for u, v in itertools.pairwise(path))
        na, nb = district.nodes[a], district.nodes[b]
        assert district.path_length_m(path) >= haversine_m(na.lat, na.lon, nb.lat, nb.lon) - 1e-6
    assert district.shortest_path(ids[5], ids[5]) == [ids[5]]


def test_nearest_node_and_address(district: District) -> None:
    rng = random.Random(4)
    west, south, east, north = CORE_BOX
    for _ in range(50):
        lat, lon = rng.uniform(south, north), rng.uniform(west, east)
        best = min(district.nodes.values(), key=lambda n: haversine_m(lat, lon, n.lat, n.lon))
        assert district.nearest_node(lat, lon) == best.id
    node = district.nodes[100]
    assert district.address_near(node.lat, node.lon) == district.node_name(100) + "附近"


def test_distance_m_haversine() -> None:
    assert haversine_m(39.82, 109.98, 39.82, 109.98) == 0
    assert haversine_m(39.0, 110.0, 40.0, 110.0) == pytest.approx(111_195, rel=1e-3)


def test_wire_shapes(district: District) -> None:
    units = district.to_wire_units()
    assert set(units[0]) == {"id", "callsign", "kind", "radio_id", "talkgroup", "grid_id", "status"}
    assert {u["status"] for u in units} == {"available"}
    tgs = {t["id"]: t["alias"] for t in district.to_wire_talkgroups()}
    assert (
        tgs["1001"] == "东胜区指挥调度" and tgs["1201"] == "交警大队" and tgs["1301"] == "特警大队"
    )
    assert tgs["1101"] == "交通派出所"
    assert {u["talkgroup"] for u in units} <= set(tgs)
    for u in units:
        if u["kind"] == "traffic":
            assert u["talkgroup"] == "1201"
        elif u["kind"] == "swat":
            assert u["talkgroup"] == "1301"
        else:
            station = district.grid(u["grid_id"]).subdistrict.removesuffix("街道") + "派出所"
            assert tgs[u["talkgroup"]] == station

    cams = district.to_wire_cameras("rtsp://media:8554")
    keys = {"id", "name", "lat", "lon", "grid_id", "streams", "ptz", "status"}
    assert set(cams[0]) == keys
    assert cams[0]["streams"] == {
        "main": f"rtsp://media:8554/{cams[0]['id']}/main",
        "sub": f"rtsp://media:8554/{cams[0]['id']}/sub",
    }
    assert all(c["grid_id"] and "交叉口" in c["name"] for c in cams)

    layers = district.to_wire_layers()
    assert len(layers) == len(district.grids)
    layer = layers[0]
    assert set(layer) == {"id", "kind", "name", "geojson"} and layer["kind"] == "grid"
    feature = layer["geojson"]
    assert feature["type"] == "Feature" and feature["geometry"]["type"] == "Polygon"
    ring = feature["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) >= 4
    lon, lat = ring[1]
    assert 109.9 <= lon <= 110.06 and 39.78 <= lat <= 39.86
    assert set(feature["properties"]) >= {"subdistrict", "urban"}


def test_ten_thousand_units() -> None:
    d = build_district(seed=7, n_units=10_000)
    assert len(d.units) == 10_000 and d.units[-1].callsign == "P11000"
    assert len({u.id for u in d.units}) == 10_000
    kinds = {u.kind for u in d.units}
    assert kinds == {"patrol_car", "foot", "motorcycle", "traffic", "swat", "drone"}
