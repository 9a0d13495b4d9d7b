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
