"""The GIS map panel.

``main.py`` must call :func:`register_map_scheme` (and set ``Qt.AA_ShareOpenGLContexts``)
before the ``QApplication`` exists, then build ``MapPanel(bridge, theme, parent)``.
"""

from widgets.map.panel import MapPanel
from widgets.map.scheme import register_map_scheme

__all__ = ["MapPanel", "register_map_scheme"]
