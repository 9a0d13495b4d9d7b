"""Map colours from the console theme.

Every colour on the map is a palette token. A theme may define map-specific tokens (``map_*``
below); a theme that does not falls back to an existing token of similar meaning, so the map
works with the current ``dark.json``/``light.json`` unchanged.
"""

from __future__ import annotations

from typing import Any

from console.domain.model import UnitStatus
from widgets.theme import Theme

#: Map token -> fallback token of the base theme.
MAP_TOKENS: dict[str, str] = {
    "map_background": "window",
    "map_street_minor": "border",
    "map_street_main": "text_dim",
    "map_street_casing": "window",
    "map_street_text": "text_dim",
    "map_grid": "selection",
    "map_grid_text": "text_dim",
    "map_subdistrict_text": "text",
    "map_fence": "priority_2",
    "map_camera": "text_dim",
    "map_camera_offline": "status_closed",
    "map_unit_stale": "status_closed",
    "map_unit_stale_text": "text",
    "map_unit_available": "unit_available",
    "map_unit_dispatched": "unit_dispatched",
    "map_unit_en_route": "unit_en_route",
    "map_unit_on_scene": "unit_on_scene",
    "map_unit_busy": "unit_busy",
    "map_unit_off_duty": "unit_off_duty",
}


def token(theme: Theme, name: str) -> str:
    """The colour of a map token, or of its fallback token in themes that lack it."""
    value = theme.tokens.get(name)
    if value is None:
        value = theme.tokens[MAP_TOKENS[name]]
    return value


def unit_color(theme: Theme, status: str) -> str:
    """Fill colour of a live unit in ``status``."""
    name = f"map_unit_{status}"
    return token(theme, name) if name in MAP_TOKENS else token(theme, "map_unit_stale")


def page_palette(theme: Theme) -> dict[str, Any]:
    """The palette object the page script reads (``ConsoleMap.palette``)."""
    return {
        "bg": token(theme, "map_background"),
        "text": theme.tokens["text"],
        "streetMinor": token(theme, "map_street_minor"),
        "streetMain": token(theme, "map_street_main"),
        "streetCasing": token(theme, "map_street_casing"),
        "streetText": token(theme, "map_street_text"),
        "grid": token(theme, "map_grid"),
        "gridText": token(theme, "map_grid_text"),
        "subText": token(theme, "map_subdistrict_text"),
        "fence": token(theme, "map_fence"),
        "camera": token(theme, "map_camera"),
        "cameraOffline": token(theme, "map_camera_offline"),
        "stale": token(theme, "map_unit_stale"),
        "staleText": token(theme, "map_unit_stale_text"),
        "unit": {s.value: unit_color(theme, s.value) for s in UnitStatus},
        "css": {
            "bg": token(theme, "map_background"),
            "panel": theme.tokens["panel"],
            "border": theme.tokens["border"],
            "text": theme.tokens["text"],
            "text-dim": theme.tokens["text_dim"],
            **{f"p{p}": theme.tokens[f"priority_{p}"] for p in (1, 2, 3, 4)},
        },
    }
