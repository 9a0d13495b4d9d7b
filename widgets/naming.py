"""``named``: a Qt object with its ``objectName`` set, in one expression.

Docks, splitters, toolbars and the widgets that QSS, QSettings and the tests find carry stable
object names. Qt takes ``objectName=`` in any constructor, but PySide6's stubs list only a
class's own properties there, so mypy rejects the keyword; ``named(QLabel(text), "dim")``
does the same (the name is set right after construction) and type-checks.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QObject

Q = TypeVar("Q", bound=QObject)


def named(obj: Q, name: str) -> Q:
    """Give ``obj`` the object name ``name`` and return it."""
    obj.setObjectName(name)
    return obj
