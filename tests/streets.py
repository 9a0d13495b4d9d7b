"""Cameras along the demo district's streets, for the where-next tests."""

from __future__ import annotations

from backend_stub.district import District
from console.geo import haversine_m


def cameras_in_a_row(district: District, count: int, span: tuple[int, int]) -> list[str]:
    """``count`` cameras at consecutive camera junctions of one street, in street order, the
    ``span[0]``-th and ``span[1]``-th of them 300–1500 m apart along the street."""
    at_node: dict[int, str] = {}
    for cam in district.cameras:
        node = district.nearest_node(cam.lat, cam.lon)
        n = district.nodes[node]
        if haversine_m(cam.lat, cam.lon, n.lat, n.lon) < 20:
            at_node.setdefault(node, cam.id)
    for street in district.streets:
        on = [i for i, n in enumerate(street.nodes) if n in at_node]
        for k in range(len(on) - count + 1):
            row = on[k : k + count]
            a, b = row[span[0]], row[span[1]]
            if 300 < district.path_length_m(list(street.nodes[a : b + 1])) < 1500:
                return [at_node[street.nodes[i]] for i in row]
    raise AssertionError(f"the demo district has no street with {count} cameras in a row")
