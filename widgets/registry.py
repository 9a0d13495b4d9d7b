"""The panel registry: one entry per kind of panel the console can show.

An entry (:class:`PanelSpec`) says how a panel is built (``factory``) and wired (``wire``),
what its dock is called (``<kind>Dock``, the n-th one ``<kind>Dock<n>``) and titled, where it
docks by default and with which dock it shares tabs, whether View → New … opens more of it,
and which of its parts a wall does not show. The composition root (``widgets/assembly.py``)
holds the entries; the main window (docks, titles, View → New …), the layout store (which
docks a layout may open), the command palette (its New … actions) and wall mode read them
through :class:`PanelRegistry`. Adding a panel is one entry there plus the panel's package.

This module knows no panel: factories and wiring hooks are plain callables given by the root.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QWidget

Area = Qt.DockWidgetArea
C = TypeVar("C")
#: Translation context of panel titles and New … texts (where they always were).
TITLE_CONTEXT = "MainWindow"
#: Extra panels a layout may open (each map or video wall costs a web page or players).
MAX_EXTRA_PANELS = 12


@dataclass(frozen=True)
class PanelSpec(Generic[C]):
    """One kind of panel. ``C`` is what the root hands factories and hooks (its Console).

    ``title`` and ``new_text`` are source texts marked with
    ``QT_TRANSLATE_NOOP("MainWindow", …)`` and translated where they are shown.
    """

    kind: str
    """Short name: "map", "video", … (the dock is ``<kind>Dock``)."""
    factory: Callable[[C], QWidget]
    """Builds one panel of this kind."""
    title: str | None
    """Dock title (None: the dock's object name)."""
    icon: str = ""
    """Icon name (:func:`widgets.icons.icon`) of its View → New … action."""
    area: Area = Area.RightDockWidgetArea
    """Where its dock goes by default (and a New … one before it floats)."""
    tab_with: str | None = None
    """The dock it shares tabs with by default (object name), if that one is there."""
    wire: Callable[[C, QWidget], None] | None = None
    """Connects a panel of this kind (the first and every New … one) to the rest."""
    new_text: str | None = None
    """The View → New … action; None: only one panel of this kind."""
    central: bool = False
    """The first one takes the window's centre (the panel there docks at its own area)."""
    share: float | None = None
    """Default layout: its dock's share of the window's width (left/right) or height."""
    modes: tuple[str, ...] = ("live", "replay")
    """The console modes that have it ("live": a backend link, "replay": a recording)."""
    always: bool = False
    """Built in every console of its modes, whichever panels were asked for."""
    wall_hidden: tuple[str, ...] = ()
    """Object names of its parts a wall display hides (besides every control)."""

    @property
    def dock(self) -> str:
        """Object name of the first dock of this kind (saved layouts refer to it)."""
        return f"{self.kind}Dock"


class PanelRegistry:
    """Lookups over the registry's entries, in their order."""

    def __init__(self, specs: Sequence[PanelSpec[Any]]) -> None:
        self.specs = tuple(specs)
        self._by_kind = {s.kind: s for s in self.specs}
        self._by_dock = {s.dock: s for s in self.specs}
        kinds = "|".join(re.escape(s.kind) for s in self.specs if s.new_text is not None)
        self._extra = re.compile(rf"^({kinds})Dock([2-9]|[1-9][0-9])$" if kinds else r"^$.")

    def __iter__(self) -> Iterator[PanelSpec[Any]]:
        return iter(self.specs)

    def __contains__(self, kind: object) -> bool:
        return kind in self._by_kind

    def get(self, kind: str) -> PanelSpec[Any]:
        """The entry of ``kind`` (KeyError if there is none)."""
        return self._by_kind[kind]

    def of_dock(self, name: str) -> PanelSpec[Any] | None:
        """The entry a dock belongs to (the first or an n-th one), if any."""
        extra = self.parse_extra(name)
        return self._by_kind[extra[0]] if extra is not None else self._by_dock.get(name)

    def parse_extra(self, name: str) -> tuple[str, int] | None:
        """``(kind, n)`` of an extra panel's dock name ``<kind>Dock<n>`` (n ≥ 2), else None."""
        match = self._extra.match(name)
        return None if match is None else (match.group(1), int(match.group(2)))

    def is_extra(self, name: str) -> bool:
        """True for the dock name of a panel opened with View → New …."""
        return self._extra.match(name) is not None

    def title(self, name: str) -> str:
        """The translated title of a dock by its object name ("Map 2" for ``mapDock2``)."""
        spec = self.of_dock(name)
        if spec is None or spec.title is None:
            return name
        title = QCoreApplication.translate(TITLE_CONTEXT, spec.title)
        extra = self.parse_extra(name)
        return title if extra is None else f"{title} {extra[1]}"

    def new_text(self, spec: PanelSpec[Any]) -> str:
        """The translated View → New … text of ``spec``."""
        assert spec.new_text is not None
        return QCoreApplication.translate(TITLE_CONTEXT, spec.new_text)

    def wall_hidden(self) -> frozenset[str]:
        """Object names of the panel parts a wall hides."""
        return frozenset(name for s in self.specs for name in s.wall_hidden)
