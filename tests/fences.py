"""An e-fence in the demo district and the messages that cross it, for the fence tests.

A square fence (WGS-84) about 1.1 km a side: ``fence_args`` draws it, ``unit`` registers a
patrol car, ``fix`` puts it at a point (``INSIDE``/``OUTSIDE``).
"""

from __future__ import annotations

from typing import Any

from tests import factories

WEST, SOUTH, EAST, NORTH = 109.97, 39.81, 109.98, 39.82
RING = [[WEST, SOUTH], [EAST, SOUTH], [EAST, NORTH], [WEST, NORTH], [WEST, SOUTH]]
INSIDE = (39.815, 109.975)
OUTSIDE = (39.805, 109.975)
FENCE = "万达广场电子围栏"


def fence_args(name: str = FENCE, kind: str = "efence", ring: Any = None) -> dict[str, Any]:
    return {
        "kind": kind,
        "name": name,
        "geojson": {
            "type": "Feature",
            "properties": {"note": "drawn on the map"},
            "geometry": {"type": "Polygon", "coordinates": [RING if ring is None else ring]},
        },
    }


def unit(uid: str, callsign: str) -> dict[str, Any]:
    return factories.unit_upsert(uid, callsign=callsign, radio_id="4600101")


def fix(uid: str, where: tuple[float, float]) -> dict[str, Any]:
    return {"type": "unit.position", "unit_id": uid, "lat": where[0], "lon": where[1]}
