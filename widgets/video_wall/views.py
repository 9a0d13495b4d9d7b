"""Saved wall views (layout + camera per tile) kept in QSettings."""

from __future__ import annotations

from PySide6.QtCore import QSettings

from console.video import SavedView, check_view_name, decode_views, encode_views

SETTINGS_KEY = "video/saved_views"


class ViewBook:
    """Saved views by name, persisted in ``settings`` (in memory when there are none)."""

    def __init__(self, settings: QSettings | None) -> None:
        self._settings = settings
        text = settings.value(SETTINGS_KEY, "") if settings is not None else ""
        self._views = {v.name: v for v in decode_views(str(text or ""))}

    def names(self) -> list[str]:
        """View names, in the order they were saved."""
        return list(self._views)

    def get(self, name: str) -> SavedView | None:
        """The view called ``name``, if any."""
        return self._views.get(name)

    def views(self) -> list[SavedView]:
        """Every saved view, in the order they were saved."""
        return list(self._views.values())

    def save(self, view: SavedView) -> SavedView:
        """Save (or replace) a view; ``ValueError`` if its name is unusable."""
        view = SavedView(check_view_name(view.name), view.layout, view.cameras)
        self._views[view.name] = view
        self._write()
        return view

    def delete(self, name: str) -> bool:
        """Forget a view; False if there was none of that name."""
        if self._views.pop(name, None) is None:
            return False
        self._write()
        return True

    def _write(self) -> None:
        if self._settings is not None:
            self._settings.setValue(SETTINGS_KEY, encode_views(self._views.values()))
