"""The bundled demo streets are those of the demo district, as tools/demo_streets.py makes them.

(Here rather than in tests/unit because importing widgets.map loads Qt WebEngine.)
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from backend_stub.district import build_district
from tools.demo_streets import dump_streets, streets_from_district
from widgets.map.streets import DEMO_STREETS, load_demo_streets


def test_bundled_streets_are_the_default_districts(tmp_path: Path) -> None:
    made = tmp_path / DEMO_STREETS
    dump_streets(streets_from_district(build_district(7)), made)
    bundled = resources.files("resources") / "map" / DEMO_STREETS
    assert made.read_bytes() == bundled.read_bytes(), "run `python -m tools.demo_streets`"


def test_loaded_streets_have_names_main_roads_and_points() -> None:
    streets = load_demo_streets()
    assert len(streets) == 142
    assert all(s.name and len(s.points) >= 2 for s in streets)
    assert 0 < sum(s.main for s in streets) < len(streets)
