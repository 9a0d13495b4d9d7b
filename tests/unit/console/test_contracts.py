"""The import contracts in pyproject.toml cover the code as it is today.

``lint-imports`` checks the contracts; these tests check that the lists in them have not
fallen behind the tree (a new console module, a new panel package).
"""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path
from typing import Any

import console
import widgets

ROOT = Path(__file__).resolve().parents[3]
SHARED_WITH_THE_BACKEND = {"console.protocol", "console.geo"}
"""What the backend may import from the console: the wire protocol and the geometry."""
SHARED_QT = {"widgets.media"}
"""Packages of Qt pieces several panels use (not panels themselves)."""


def _contract(name: str) -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["name"] == name)


def test_every_console_module_but_protocol_and_geometry_is_forbidden_to_the_backend() -> None:
    contract = _contract(
        "The backend imports only the shared protocol and geometry from the console"
    )
    assert contract["source_modules"] == ["backend_stub"]
    children = {f"console.{m.name}" for m in pkgutil.iter_modules(console.__path__)}
    assert children >= SHARED_WITH_THE_BACKEND
    assert set(contract["forbidden_modules"]) == children - SHARED_WITH_THE_BACKEND, (
        "a console module is missing from (or gone but still in) the contract's forbidden list"
    )


def test_every_panel_package_is_independent() -> None:
    contract = _contract("Panels never import each other")
    packages = {f"widgets.{m.name}" for m in pkgutil.iter_modules(widgets.__path__) if m.ispkg}
    assert packages >= SHARED_QT
    assert set(contract["modules"]) == packages - SHARED_QT, (
        "a package under widgets/ is neither in the panel-independence contract nor in SHARED_QT"
    )
