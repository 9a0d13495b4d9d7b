"""Pure geometry: GCJ-02 against published vectors, distances, fences, staleness."""

from __future__ import annotations

import pytest

from console import geo

# (wgs lat, wgs lon, gcj lat, gcj lon): the test vectors of googollee/eviltransform
# (Shanghai, Shenzhen, Beijing) and wandergis/coordtransform's README pair (Tiananmen).
GCJ_VECTORS = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
    (39.915, 116.404, 39.91640428150164, 116.41024449916938),
]


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), GCJ_VECTORS)
def test_wgs84_to_gcj02_matches_published_vectors(
    wlat: float, wlon: float, glat: float, glon: float
) -> None:
    lat, lon = geo.wgs84_to_gcj02(wlat, wlon)
    assert lat == pytest.approx(glat, abs=1e-9)
    assert lon == pytest.approx(glon, abs=1e-9)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), GCJ_VECTORS)
def test_gcj02_to_wgs84_round_trips_within_a_centimetre(
    wlat: float, wlon: float, glat: float, glon: float
) -> None:
    lat, lon = geo.gcj02_to_wgs84(glat, glon)
    assert geo.haversine_m(lat, lon, wlat, wlon) < 0.01


def test_gcj02_shift_in_the_demo_district_is_hundreds_of_metres() -> None:
    # Dongsheng, Ordos: the offset a dispatcher would see on a Gaode map without the shift.
    lat, lon = geo.wgs84_to_gcj02(39.82, 109.99)
    shift = geo.haversine_m(39.82, 109.99, lat, lon)
    assert 200 < shift < 800


def test_no_shift_outside_china() -> None:
    assert geo.wgs84_to_gcj02(48.8566, 2.3522) == (48.8566, 2.3522)
    assert geo.gcj02_to_wgs84(51.5, -0.12) == (51.5, -0.12)


def test_haversine_known_distances() -> None:
    # One degree of latitude on the mean sphere.
    assert geo.haversine_m(0, 0, 1, 0) == pytest.approx(111_195.08, abs=0.1)
    assert geo.haversine_m(39.8, 109.9, 39.8, 109.9) == 0.0
    # Beijing (Tiananmen) to Shanghai (People's Square): about 1,067 km.
    assert geo.haversine_m(39.9087, 116.3975, 31.2304, 121.4737) == pytest.approx(
        1_067_000, rel=0.01
    )


SQUARE = [(109.9, 39.8), (110.0, 39.8), (110.0, 39.9), (109.9, 39.9), (109.9, 39.8)]
HOLE = [(109.94, 39.84), (109.96, 39.84), (109.96, 39.86), (109.94, 39.86)]


def test_fence_point_in_polygon() -> None:
    assert geo.point_in_polygon(39.85, 109.95, [SQUARE])
    assert not geo.point_in_polygon(39.95, 109.95, [SQUARE])
    assert not geo.point_in_polygon(39.85, 110.01, [SQUARE])
    # A hole (a school yard cut out of a fence) is outside.
    assert not geo.point_in_polygon(39.85, 109.95, [SQUARE, HOLE])
    assert geo.point_in_polygon(39.81, 109.91, [SQUARE, HOLE])
    assert not geo.point_in_polygon(39.85, 109.95, [])


def test_concave_fence() -> None:
    # An L-shaped fence: the notch is outside.
    ell = [(0.0, 0.0), (2.0, 0.0), (2.0, 1.0), (1.0, 1.0), (1.0, 2.0), (0.0, 2.0)]
    assert geo.point_in_ring(0.5, 0.5, ell)
    assert geo.point_in_ring(1.5, 0.5, ell)
    assert not geo.point_in_ring(1.5, 1.5, ell)


def test_shared_edge_belongs_to_exactly_one_cell() -> None:
    west = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)]
    east = [(1.0, 0.0), (2.0, 0.0), (2.0, 1.0), (1.0, 1.0)]
    hits = [geo.point_in_ring(0.5, 1.0, west), geo.point_in_ring(0.5, 1.0, east)]
    assert hits.count(True) == 1


def test_staleness_rule() -> None:
    now = 1_000_000.0
    assert not geo.is_stale(now - 10, now)
    assert not geo.is_stale(now - geo.STALE_AFTER_S, now)
    assert geo.is_stale(now - geo.STALE_AFTER_S - 1, now)
    assert geo.is_stale(0.0, now)  # never had a fix
    assert geo.is_stale(now - 61, now, stale_after_s=60)
    cutoff = geo.stale_cutoff(now)
    for fix in (now - 299.5, now - 300.0, now - 300.5, now - 3600, 0.0):
        assert geo.is_stale(fix, now) == (fix <= 0 or fix < cutoff)
    assert geo.fix_age_minutes(now - 4 * 60 - 59, now) == 4
    assert geo.fix_age_minutes(now + 5, now) == 0
