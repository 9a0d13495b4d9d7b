"""Street lines for the built-in offline base map.

The built-in base map draws the demo district's streets (with names) under the grid layer, so
the demo looks like a map with no tiles and no network. The streets of the default demo
district (seed 7) are bundled as ``resources/map/demo_streets.json``; regenerate it with::

    python -m tools.demo_streets [seed]

A site with its own street network can pass any list of :class:`StreetLine` to
``MapPanel.set_streets``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

DEMO_STREETS = "demo_streets.json"


@dataclass(frozen=True, slots=True)
class StreetLine:
    """A named street drawn as one polyline of WGS-84 ``(lat, lon)`` points."""

    name: str
    main: bool
    points: tuple[tuple[float, float], ...]

    def to_page(self) -> list[Any]:
        """The compact form the page expects: ``[name, main, [[lat, lon], ...]]``."""
        return [self.name, self.main, [list(p) for p in self.points]]


def load_demo_streets() -> list[StreetLine]:
    """The bundled streets of the default demo district (empty if the file is missing)."""
    node = resources.files("resources") / "map" / DEMO_STREETS
    if not node.is_file():
        return []
    return [
        StreetLine(name, bool(main), tuple((lat, lon) for lat, lon in pts))
        for name, main, pts in json.loads(node.read_text("utf-8"))
    ]
