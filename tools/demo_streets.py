"""Regenerate ``resources/map/demo_streets.json``: ``python -m tools.demo_streets [seed]``.

The map's built-in base map draws these streets (``widgets.map.streets.load_demo_streets``
reads the file); they come from the backend's demo district, which the console never imports.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path

from backend_stub.district import District, build_district
from widgets.map.streets import DEMO_STREETS, StreetLine


def streets_from_district(district: District) -> list[StreetLine]:
    """Street lines of a demo district.

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


def _orientation(district: District, nodes: Sequence[int]) -> int:
    a, b = district.nodes[nodes[0]], district.nodes[nodes[-1]]
    return 0 if abs(a.lon - b.lon) > abs(a.lat - b.lat) else 1


def dump_streets(streets: Iterable[StreetLine], path: Path) -> None:
    """Write streets in the bundled JSON form."""
    data = [s.to_page() for s in streets]
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")


def main(argv: Sequence[str] | None = None) -> None:
    """Regenerate ``resources/map/demo_streets.json`` from the demo district."""
    args = list(sys.argv[1:] if argv is None else argv)
    seed = int(args[0]) if args else 7
    target = Path(str(resources.files("resources") / "map" / DEMO_STREETS))
    dump_streets(streets_from_district(build_district(seed)), target)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
