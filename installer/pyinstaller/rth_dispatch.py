"""PyInstaller runtime hook: point python-vlc at the libVLC and plugins inside the bundle.

Runs before ``main.py`` in the frozen app only. The bundle carries ``libvlc`` and
``libvlccore`` next to the other libraries and libVLC's plugins in ``vlc/plugins``. python-vlc
loads whatever ``PYTHON_VLC_LIB_PATH`` names; without it, it could take the system's libVLC
(another version, or none at all). On Windows libVLC is also told where its plugins are.

The values are set, not defaulted: the bundled libvlc, libvlccore and plugins only work as a
set (PyInstaller's loader path and ``find_library`` prefer the bundle's libraries anyway, so a
system libVLC could not be mixed in cleanly).
"""

from __future__ import annotations

import ctypes
import os
import sys


def _use_bundled_vlc() -> None:
    base = getattr(sys, "_MEIPASS", os.path.dirname(sys.executable))
    if sys.platform == "win32":
        lib, core = os.path.join(base, "libvlc.dll"), os.path.join(base, "libvlccore.dll")
    else:
        lib, core = os.path.join(base, "libvlc.so.5"), os.path.join(base, "libvlccore.so.9")
    plugins = os.path.join(base, "vlc", "plugins")
    if not (os.path.isfile(lib) and os.path.isfile(core) and os.path.isdir(plugins)):
        return  # a bundle built without libVLC: python-vlc finds the system's as usual
    # libvlc needs libvlccore; loading it first by full path means the dynamic loader finds
    # it already in the process whatever LD_LIBRARY_PATH says.
    ctypes.CDLL(core, mode=ctypes.RTLD_GLOBAL)
    os.environ["PYTHON_VLC_LIB_PATH"] = lib
    if sys.platform == "win32":
        os.environ["PYTHON_VLC_MODULE_PATH"] = plugins
        os.environ["VLC_PLUGIN_PATH"] = plugins
    else:
        # libvlccore finds <its folder>/vlc/plugins by itself (it locates itself through
        # /proc/self/maps). Naming the same folder again in VLC_PLUGIN_PATH loads every plugin
        # twice when the cache does not match, and a stray value would add foreign plugins.
        os.environ.pop("PYTHON_VLC_MODULE_PATH", None)
        os.environ.pop("VLC_PLUGIN_PATH", None)


_use_bundled_vlc()
