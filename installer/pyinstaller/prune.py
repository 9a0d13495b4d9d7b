"""Trim what PyInstaller's PySide6 hooks collect to what this app can use.

libQt6WebEngineCore links QtQuick/QtQml, and the QtQml hook then collects every QML module
the wheel ships (Qt 3D, Quick 3D, Charts, Location, Multimedia...) with their libraries,
about 200 MB the console never loads: it has no QML. Qt's translations come in 30 languages
and the app ships two. This module removes those entries from the Analysis TOCs before
COLLECT, then drops every Qt library that nothing left in the bundle links against (computed
from the ELF ``NEEDED`` entries, so a library still in use is never removed).

Used by ``installer/dispatch-console.spec``; Linux only (elsewhere it only filters by path).
"""

from __future__ import annotations

import posixpath
import re
import subprocess
import sys
from collections.abc import Iterable
from pathlib import PurePosixPath

Entry = tuple[str, str, str]  # (destination, source, typecode) as in PyInstaller's TOC lists

LANGUAGES = ("zh_CN", "en")
WEBENGINE_LOCALES = ("zh-CN.pak", "en-US.pak")
_DROP_PREFIXES = (
    "PySide6/Qt/qml/",  # no QML in this app
    "PySide6/Qt/plugins/qmltooling/",
    # The GTK 3 platform theme needs GTK 3, which a control-room box need not have; Qt skips
    # it silently when it cannot load, and the app styles itself anyway.
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so",
    # The CUPS print plugin (needs libcups): reports are written as PDF with QPdfWriter and
    # printed from the PDF viewer, so Qt's own print dialog is never used.
    "PySide6/Qt/plugins/printsupport/",
)
_NEEDED = re.compile(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]")


def keep_path(dest: str) -> bool:
    """Whether a collected file (by its place in the bundle) belongs in this app."""
    dest = dest.replace("\\", "/")
    if dest.startswith(_DROP_PREFIXES):
        return False
    if dest.startswith("PySide6/Qt/translations/"):
        name = PurePosixPath(dest).name
        if "/qtwebengine_locales/" in dest:
            return name in WEBENGINE_LOCALES
        return any(name.endswith(f"_{lang}.qm") for lang in LANGUAGES)
    return True


def needed_libraries(path: str) -> list[str]:
    """The sonames an ELF file links against (empty for anything that is not ELF)."""
    with open(path, "rb") as f:
        if f.read(4) != b"\x7fELF":
            return []
    out = subprocess.run(
        ["readelf", "-d", "--wide", path], capture_output=True, text=True, check=False
    ).stdout
    return _NEEDED.findall(out)


_LIBRARY = re.compile(r"^lib.+\.so(\.[0-9.]+)?$")
_PLUGIN_DIRS = ("PySide6/Qt/plugins/", "vlc/plugins/")
#: Loaded by name at run time (ctypes, the interpreter), never through a NEEDED entry.
ROOT_LIBRARIES = ("libvlc.so.5", "libvlccore.so.9", "libpython")


def _is_library(dest: str) -> bool:
    """A shared library that is kept only while something in the bundle links to it."""
    name = PurePosixPath(dest).name
    if dest.startswith(_PLUGIN_DIRS) or name.startswith(ROOT_LIBRARIES):
        return False
    return bool(_LIBRARY.match(name))


def _is_library_entry(entry: Entry) -> bool:
    # An extension module is a root even when its name looks like a library:
    # shapely/lib.cpython-311-x86_64-linux-gnu.so matches lib*.so.
    return entry[2] != "EXTENSION" and _is_library(entry[0])


def from_system(entry: Entry) -> bool:
    """A library PyInstaller took from the system (not from a wheel or the interpreter)."""
    name = PurePosixPath(entry[0]).name
    return (
        entry[2] == "BINARY"
        and entry[1].startswith(("/lib/", "/usr/lib/", "/lib64/", "/usr/lib64/"))
        and not name.startswith(ROOT_LIBRARIES)
    )


def prune(
    binaries: Iterable[Entry], datas: Iterable[Entry], *, system_libraries: bool = False
) -> tuple[list[Entry], list[Entry]]:
    """The TOCs without unused QML, translations and the libraries nothing links to.

    Unless ``system_libraries``, the libraries PyInstaller copied from the build machine's
    /usr/lib (NSS, OpenSSL, GLib, X11/xcb...) are left out too: the .deb depends on their
    Debian packages instead, so they get Debian's security updates, and NSS finds its own
    modules next to itself. libVLC stays bundled (python-vlc must get the one it was built
    with, and its plugins sit next to it).
    """
    binaries = [e for e in binaries if keep_path(e[0])]
    if not system_libraries:
        binaries = [e for e in binaries if not from_system(e)]
    datas = [e for e in datas if keep_path(e[0])]
    if not sys.platform.startswith("linux"):
        return binaries, datas
    files = [e for e in binaries + datas if e[2] != "SYMLINK"]
    # Roots: extension modules, Qt and libVLC plugins, executables, libVLC and libpython.
    # A library stays when a root, or a library that stays, links against it.
    by_name = {PurePosixPath(e[0]).name: e for e in files if _is_library_entry(e)}
    wanted: set[str] = set()
    todo = [e for e in files if not _is_library_entry(e)]
    while todo:
        entry = todo.pop()
        for soname in needed_libraries(entry[1]):
            if soname in by_name and soname not in wanted:
                wanted.add(soname)
                todo.append(by_name[soname])

    def keep(entry: Entry) -> bool:
        return not _is_library_entry(entry) or PurePosixPath(entry[0]).name in wanted

    kept = {e[0] for e in files if keep(e)}

    def keep_link(entry: Entry) -> bool:  # a symlink goes with the file it points to
        if entry[2] != "SYMLINK":
            return keep(entry)
        return posixpath.normpath(posixpath.join(posixpath.dirname(entry[0]), entry[1])) in kept

    return [e for e in binaries if keep_link(e)], [e for e in datas if keep_link(e)]
