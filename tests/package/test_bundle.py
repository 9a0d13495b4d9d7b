"""The built package: the PyInstaller bundle runs, and the .deb installs what it should.

``make test`` (and ``make package-test``) build the package first, about 1.5 minutes on 2
cores; run by hand without a bundle, these tests are skipped with that reason. They use the
bundle exactly as shipped: its own ``dispatch-backend`` serves a demo district on a free
port, and its ``dispatch-console`` is started offscreen against it with ``--smoke-exit``,
which quits once the main window is shown, the snapshot is loaded and the map page (Qt
WebEngine) is ready, and prints one JSON line.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import socket
import subprocess
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "build" / "package" / "dist" / "dispatch-console"
CONSOLE = BUNDLE / "dispatch-console"
BACKEND = BUNDLE / "dispatch-backend"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
DEBS = sorted((ROOT / "build" / "package").glob(f"dispatch-console_{VERSION}_*.deb"))

pytestmark = pytest.mark.skipif(
    not CONSOLE.is_file(), reason="no bundle in build/package: run `make package` first"
)
needs_deb = pytest.mark.skipif(not DEBS, reason="no .deb in build/package: run `make package`")


def clean_env(home: Path) -> dict[str, str]:
    """An environment like a fresh desktop session's: nothing from the venv or the tests."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "VIRTUAL_ENV", "LD_", "VLC_", "QT_", "QTWEBENGINE"))
    }
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CACHE_HOME=str(home / "cache"),
        XDG_STATE_HOME=str(home / "state"),
        QT_QPA_PLATFORM="offscreen",
        # No keyring service in a test session, and the token must not land in a real one.
        PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
    )
    env.pop("DISPATCH_CONSOLE_TOKEN", None)
    return env


def read_line_matching(proc: subprocess.Popen[str], pattern: str, timeout: float) -> str:
    """The first line of ``proc``'s stdout matching ``pattern`` (fails on exit or timeout).

    Reads the pipe's descriptor itself: a buffered ``readline`` after ``select`` would leave a
    second line that came in the same chunk in Python's buffer, unseen by ``select``.
    """
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    pending = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], deadline - time.monotonic())
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:  # the process ended
            break
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace") + "\n"
            seen.append(line)
            if re.search(pattern, line):
                return line
    raise AssertionError(f"no line matching {pattern!r} within {timeout} s; got {seen[-10:]}")


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The bundled backend serving the demo district on a free port: (url, operator token)."""
    env = clean_env(tmp_path)
    db = f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    added = subprocess.run(
        [str(BACKEND), "operator", "add", "smoke", "--role", "operator", "--db", db],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    token = added.stdout.strip().splitlines()[-1]
    proc = subprocess.Popen(
        [str(BACKEND), "serve", "--demo", "--port", "0", "--db", db, "--position-hz", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = read_line_matching(proc, r"^listening on ws://", timeout=120)
        url = line.split()[2]
        yield url, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def system_video_filters() -> int:
    """How many video filter modules the system's libVLC lists (the bundle copied its plugins)."""
    import vlc

    instance = vlc.Instance(["--quiet", "--aout=adummy"])
    try:
        return len(instance.video_filter_list_get())
    finally:
        instance.release()


@pytest.mark.timeout(420)
def test_bundle_reaches_main_window_against_a_real_backend(
    backend: tuple[str, str], tmp_path: Path
) -> None:
    url, token = backend
    env = clean_env(tmp_path)
    env["QTWEBENGINE_CHROMIUM_FLAGS"] = "--no-sandbox --disable-gpu"  # root in CI
    # A stray libVLC setting in the user's environment must not break the bundle's own.
    env["PYTHON_VLC_LIB_PATH"] = str(tmp_path / "elsewhere" / "libvlc.so.5")
    env["VLC_PLUGIN_PATH"] = "/usr/lib/x86_64-linux-gnu/vlc/plugins"
    done = subprocess.run(
        [str(CONSOLE), "--backend", url, "--token", token, "--no-record", "--smoke-exit", "240"],
        env=env,
        capture_output=True,
        text=True,
        timeout=360,
        check=False,
    )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no report (exit {done.returncode}); stderr: {done.stderr[-3000:]}"
    report = json.loads(lines[-1])
    assert done.returncode == 0, (report, done.stderr[-3000:])
    assert report["smoke"] == "ok" and report["waiting"] == []
    assert report["frozen"] is True
    # libVLC is the bundle's own, and it found its plugins there.
    assert Path(report["libvlc_path"]).resolve().is_relative_to(BUNDLE.resolve()), report
    assert report["libvlc"].startswith("3."), report
    # It found its plugins, each once: as many video filters as the libVLC it was built from
    # (the system's, which the test process loads through python-vlc).
    assert report["vlc_filters"] == system_video_filters(), report
    # The console wrote its log where a user's console does, and nothing crashed.
    assert not list(tmp_path.rglob("crashes/*")), list(tmp_path.rglob("crashes/*"))


def test_bundle_explains_itself_without_a_display(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    version = subprocess.run(
        [str(CONSOLE), "--version"], env=env, capture_output=True, text=True, timeout=120
    )
    assert version.stdout.strip() == f"dispatch-console {VERSION}"
    helped = subprocess.run(
        [str(CONSOLE), "--help"], env=env, capture_output=True, text=True, timeout=120
    )
    assert helped.returncode == 0 and "--smoke-exit" in helped.stdout
    env.pop("QT_QPA_PLATFORM")
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    headless = subprocess.run(
        [str(CONSOLE), "--token", "x"], env=env, capture_output=True, text=True, timeout=120
    )
    assert headless.returncode == 2 and "no display found" in headless.stderr
    bad = subprocess.run(
        [str(BACKEND), "serve", "--port", "many"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "invalid int value" in bad.stderr


def test_bundle_carries_webengine_libvlc_and_resources() -> None:
    internal = BUNDLE / "_internal"
    qt = internal / "PySide6" / "Qt"
    for part in (
        qt / "libexec" / "QtWebEngineProcess",
        qt / "resources" / "qtwebengine_resources.pak",
        qt / "resources" / "icudtl.dat",
        qt / "translations" / "qtwebengine_locales" / "zh-CN.pak",
        qt / "translations" / "qtbase_zh_CN.qm",
        qt / "plugins" / "platforms" / "libqxcb.so",
        qt / "plugins" / "platforms" / "libqoffscreen.so",
        internal / "libvlc.so.5",
        internal / "libvlccore.so.9",
        internal / "vlc" / "plugins" / "codec" / "libavcodec_plugin.so",
        internal / "vlc" / "plugins" / "video_output" / "libvmem_plugin.so",
        internal / "vlc" / "plugins" / "plugins.dat",  # the cache written for these paths
        internal / "resources" / "translations" / "console_zh_CN.qm",
        internal / "resources" / "map" / "leaflet" / "leaflet.js",
        internal / "resources" / "themes" / "dark.json",
        internal / "resources" / "icons" / "dispatch.svg",
        internal / "resources" / "scenarios" / "market_fight.json",
    ):
        assert part.is_file(), f"missing from the bundle: {part.relative_to(BUNDLE)}"
    # The trimming worked: no QML, no translations for languages the app does not ship, and
    # no copies of the system's libraries (the .deb depends on Debian's, security updates
    # included).
    assert not (qt / "qml").exists()
    assert not list(qt.glob("translations/qt_de.qm"))
    for system_library in ("libnss3.so", "libssl.so.3", "libglib-2.0.so.0", "libstdc++.so.6"):
        assert not (internal / system_library).exists(), system_library


def deb_info(deb: Path) -> dict[str, str]:
    out = subprocess.run(
        ["dpkg-deb", "--info", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    fields: dict[str, str] = {}
    for line in out.splitlines():
        m = re.match(r"^ ([A-Z][\w-]*): (.*)$", line)
        if m:
            fields[m.group(1)] = m.group(2)
    return fields


@needs_deb
def test_deb_control_fields() -> None:
    info = deb_info(DEBS[-1])
    assert info["Package"] == "dispatch-console"
    assert info["Version"] == VERSION
    depends = {d.strip().split(" ")[0] for d in info["Depends"].split(",")}
    # What the bundle does not carry: Chromium's NSS, the codecs behind libVLC's plugins,
    # the CJK fonts. What it does carry is not a dependency (libVLC itself, Qt).
    assert {"libnss3", "fonts-noto-cjk", "libgl1", "espeak-ng"} <= depends, depends
    assert info["Recommends"] == "ffmpeg"
    assert any(d.startswith("libavcodec") for d in depends), depends
    assert not {"libvlc5", "libvlccore9", "python3"} & depends, depends
    # Every dependency is a package this Debian knows (installed here, since it was built here).
    known = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package}\n", *sorted(depends)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert set(known) == depends, depends - set(known)


@needs_deb
def test_deb_contents_install_to_opt_with_launchers_and_desktop_entry() -> None:
    out = subprocess.run(
        ["dpkg-deb", "--contents", str(DEBS[-1])], capture_output=True, text=True, check=True
    ).stdout
    rows = [line.split(None, 5) for line in out.splitlines()]
    by_path = {row[5].split(" -> ")[0]: row for row in rows}
    assert all(row[1] == "root/root" for row in rows), "files must belong to root"
    for path in (
        "./opt/dispatch-console/dispatch-console",
        "./opt/dispatch-console/dispatch-backend",
        "./opt/dispatch-console/_internal/PySide6/Qt/libexec/QtWebEngineProcess",
        "./usr/share/applications/dispatch-console.desktop",
        "./usr/share/icons/hicolor/scalable/apps/dispatch-console.svg",
        "./usr/share/icons/hicolor/256x256/apps/dispatch-console.png",
        "./usr/share/doc/dispatch-console/copyright",
    ):
        assert path in by_path, f"{path} not in the package"
    assert by_path["./opt/dispatch-console/dispatch-console"][0] == "-rwxr-xr-x"
    for program in ("dispatch-console", "dispatch-backend"):
        link = by_path[f"./usr/bin/{program}"]
        assert link[0].startswith("l") and link[5].endswith(f"-> /opt/dispatch-console/{program}")


@needs_deb
@pytest.mark.timeout(420)
def test_deb_payload_runs_and_its_desktop_entry_is_valid(tmp_path: Path) -> None:
    subprocess.run(["dpkg-deb", "-x", str(DEBS[-1]), str(tmp_path / "root")], check=True)
    root = tmp_path / "root"
    desktop = root / "usr/share/applications/dispatch-console.desktop"
    text = desktop.read_text("utf-8")
    assert "\nExec=dispatch-console\n" in text and "\nIcon=dispatch-console\n" in text
    assert "Name[zh_CN]=指挥调度台" in text
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", str(desktop)], capture_output=True, text=True
        )
        assert check.returncode == 0, check.stdout + check.stderr
    # The symlink in /usr/bin points at the program in /opt, which runs from there.
    target = os.readlink(root / "usr/bin/dispatch-console")
    program = root / target.lstrip("/")
    done = subprocess.run(
        [str(program), "--version"],
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.strip() == f"dispatch-console {VERSION}", done.stderr[-2000:]
    # Started from where the package puts it, with nobody listening: it waits for the
    # backend, gives up after the smoke timeout (exit 3), and says libVLC found each of its
    # plugins once in this new place.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    env = clean_env(tmp_path)
    env["QTWEBENGINE_CHROMIUM_FLAGS"] = "--no-sandbox --disable-gpu"
    env["VLC_PLUGIN_PATH"] = "/usr/lib/x86_64-linux-gnu/vlc/plugins"
    waited = subprocess.run(
        [
            str(program),
            *("--backend", f"ws://127.0.0.1:{closed_port}/ws", "--token", "x.y"),
            *("--no-record", "--smoke-exit", "8"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    report = json.loads([ln for ln in waited.stdout.splitlines() if ln.startswith("{")][-1])
    assert waited.returncode == 3 and report["smoke"] == "timeout", report
    assert "snapshot" in report["waiting"], report
    assert report["libvlc_path"].startswith(str(root / "opt" / "dispatch-console")), report
    assert report["vlc_filters"] == system_video_filters(), report
