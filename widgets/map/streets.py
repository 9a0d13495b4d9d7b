"""Street lines for the built-in offline base map.

The built-in base map draws the demo district's streets (with names) under the grid layer, so
the demo looks like a map with no tiles and no network. The streets of the default demo
district (seed 7) are bundled as ``resources/map/demo_streets.json``; regenerate it with::

    python -m widgets.map.streets [seed]

A site with its own street network can pass any list of :class:`StreetLine` to
``MapPanel.set_streets``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

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


class _DistrictLike(Protocol):
    @property
    def streets(self) -> Sequence[Any]: ...
    @property
    def nodes(self) -> dict[int, Any]: ...


def streets_from_district(district: _DistrictLike) -> list[StreetLine]:
    """Street lines of a demo district (``backend_stub.district.District``, duck-typed).

    A main road is never interrupted in the demo, so it is the one street of its name that
    runs the whole width (or height) of the district; that is how it is recognised here.
    """
    longest: dict[int, int] = {}
    for s in district.streets:
        k = _orientation(district, s.nodes)
        longest[k] = max(longest.get(k, 0), len(s.nodes))
    per_name: dict[str, int] = {}
    for s in district.streets:
        per_name[s.name] = per_name.get(s.name, 0) + 1
    out = []
    for s in district.streets:
        full = len(s.nodes) == longest[_orientation(district, s.nodes)]
        main = full and per_name[s.name] == 1
        pts = tuple((district.nodes[n].lat, district.nodes[n].lon) for n in s.nodes)
        out.append(StreetLine(s.name, main, pts))
    return out


def _orientation(district: _DistrictLike, nodes: Sequence[int]) -> int:
    a, b = district.nodes[nodes[0]], district.nodes[nodes[-1]]
    return 0 if abs(a.lon - b.lon) > abs(a.lat - b.lat) else 1


def load_demo_streets() -> list[StreetLine]:
    """The bundled streets of the default demo district (empty if the file is missing)."""
    node = resources.files("resources") / "map" / DEMO_STREETS
    if not node.is_file():
        return []
    return [
        StreetLine(name, bool(main), tuple((lat, lon) for lat, lon in pts))
        for name, main, pts in json.loads(node.read_text("utf-8"))
    ]


def dump_streets(streets: Iterable[StreetLine], path: Path) -> None:
    """Write streets in the bundled JSON form."""
    data = [s.to_page() for s in streets]
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    """Regenerate ``resources/map/demo_streets.json`` from the demo district."""
    from backend_stub.district import build_district  # dev tool only; the panel never needs it

    args = list(sys.argv[1:] if argv is None else argv)
    seed = int(args[0]) if args else 7
    target = Path(str(resources.files("resources") / "map" / DEMO_STREETS))
    dump_streets(streets_from_district(build_district(seed)), target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
