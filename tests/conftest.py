"""Test-wide environment: offscreen Qt, WebEngine without sandbox, private dirs, test keyring."""

from __future__ import annotations

import os
import tempfile

_HOME = tempfile.mkdtemp(prefix="dispatch-tests-")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--no-sandbox --disable-gpu")
# Settings, data and the keyring go to a throwaway place, never the developer's own.
os.environ["XDG_CONFIG_HOME"] = os.path.join(_HOME, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_HOME, "data")
os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
os.environ.pop("DISPATCH_CONSOLE_TOKEN", None)

# Qt WebEngine (the map panel) needs these before any QApplication exists; pytest imports this
# file first, so every test process gets them whatever test modules it runs.
from PySide6.QtCore import QCoreApplication, Qt  # noqa: E402

from widgets.map.scheme import register_map_scheme  # noqa: E402

QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
register_map_scheme()
