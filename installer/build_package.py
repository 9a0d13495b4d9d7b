"""Build the Linux package: the PyInstaller one-folder bundle, then a .deb made with dpkg-deb.

    .venv/bin/python installer/build_package.py            # what `make package` runs
    .venv/bin/python installer/build_package.py --no-bundle  # re-pack an existing bundle

Outputs (under build/package/, which `make clean` removes):

* ``dist/dispatch-console/`` — the bundle: ``dispatch-console``, ``dispatch-backend`` and
  ``_internal/`` (Python, Qt with WebEngine, libVLC and its plugins, resources/);
* ``icons/`` — the application icon as PNG (48, 128, 256 px) and ICO, drawn from
  ``installer/linux/dispatch-console.svg`` with QtSvg;
* ``dispatch-console_<version>_<arch>.deb`` — installs the bundle to /opt/dispatch-console,
  ``/usr/bin/dispatch-console`` and ``/usr/bin/dispatch-backend`` (symlinks), the .desktop
  entry and the icons. Its ``Depends`` are computed: every library some file of the bundle
  links against that the bundle does not carry, mapped to its Debian package with dpkg, plus
  what is loaded by name at run time (fonts, OpenGL/EGL) and espeak-ng for the demo backend.

The last line printed is one JSON object: sizes, timings and the Depends line.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = ROOT / "build" / "package"
DIST = OUT / "dist" / "dispatch-console"
NAME = "dispatch-console"
PREFIX = Path("opt") / NAME

#: Loaded by name at run time (not through a NEEDED entry), so dpkg cannot see them.
RUNTIME_DEPENDS = (
    "fontconfig",
    "fonts-noto-cjk",  # Chinese street, unit and UI text
    "libgl1",  # Qt's xcb GL integration and Chromium open these with dlopen
    "libegl1",
    "espeak-ng",  # dispatch-backend serve --demo speaks its radio clips with it (a few MB)
)
#: Wanted by the demo only: `make demo`'s camera streams are cut with ffmpeg.
RECOMMENDS = ("ffmpeg",)
#: The libVLC helper libraries that sit next to the plugins on Debian (the plugins' RUNPATH).
VLC_HELPERS = ("libvlc_pulse.so.0", "libvlc_vdpau.so.0", "libvlc_xcb_events.so.0")
_NEEDED = re.compile(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]")


def version() -> str:
    """The project version from pyproject.toml."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        return str(tomllib.load(f)["project"]["version"])


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    """Run a command, echoing it; stop the build with its output when it fails."""
    print("+", " ".join(cmd), flush=True)
    done = subprocess.run(cmd, text=True, capture_output=True, **kw)  # type: ignore[call-overload]
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        sys.exit(f"build_package: {cmd[0]} failed (exit {done.returncode})")
    return done  # type: ignore[no-any-return]


def check_tools() -> None:
    """Say which build tools are missing before spending minutes on the bundle."""
    missing = [t for t in ("readelf", "dpkg-deb", "dpkg-query", "ldconfig") if not _which(t)]
    if missing:
        sys.exit(
            f"build_package: missing tools: {', '.join(missing)} (Debian: apt-get install "
            "binutils dpkg)"
        )


def _which(tool: str) -> str | None:
    return shutil.which(tool) or shutil.which(tool, path="/sbin:/usr/sbin")


def build_bundle() -> float:
    """Run PyInstaller on the spec; returns the seconds it took."""
    t0 = time.monotonic()
    run(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--log-level",
            "WARN",
            "--distpath",
            str(OUT / "dist"),
            "--workpath",
            str(OUT / "work"),
            str(HERE / "dispatch-console.spec"),
        ],
        cwd=ROOT,
    )
    return time.monotonic() - t0


def make_icons(target: Path) -> list[Path]:
    """PNG icons (48, 128, 256 px) and a Windows .ico drawn from the SVG with QtSvg."""
    target.mkdir(parents=True, exist_ok=True)
    code = f"""
import sys
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer
app = QGuiApplication(sys.argv[:1])
svg = QSvgRenderer({str(HERE / "linux" / "dispatch-console.svg")!r})
assert svg.isValid(), "invalid SVG"
for size in (48, 128, 256):
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    svg.render(painter)
    painter.end()
    assert image.save({str(target)!r} + f"/dispatch-console-{{size}}.png")
    if size == 256:
        assert image.save({str(target)!r} + "/dispatch-console.ico", "ICO")
"""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    run([sys.executable, "-c", code], env=env)
    return sorted(target.iterdir())


def add_vlc_helpers(bundle: Path) -> None:
    """Copy libVLC's helper libraries next to libvlccore (found before the plugins' RUNPATH)."""
    core = (bundle / "_internal" / "libvlccore.so.9").resolve()
    system = _ldconfig().get("libvlccore.so.9")
    if system is None:
        return
    folder = Path(system).resolve().parent / "vlc"
    for name in VLC_HELPERS:
        if (folder / name).exists():
            shutil.copy2(folder / name, core.parent / name)


def rebuild_vlc_cache(bundle: Path) -> None:
    """Write libVLC's plugin cache for the bundled plugins (faster start, no scan per launch)."""
    plugins = bundle / "_internal" / "vlc" / "plugins"
    system = _ldconfig().get("libvlccore.so.9")
    gen = Path(system).resolve().parent / "vlc" / "vlc-cache-gen" if system else None
    if gen is not None and gen.is_file():
        run([str(gen), str(plugins)])
    else:
        print("build_package: vlc-cache-gen not found (libvlc-bin); libVLC will scan its plugins")


def _ldconfig() -> dict[str, str]:
    out = run([_which("ldconfig") or "ldconfig", "-p"]).stdout
    found: dict[str, str] = {}
    for line in out.splitlines():
        name, _, path = line.strip().partition(" => ")
        soname = name.split(" ", 1)[0]
        if path and "x86-64" in name and soname not in found:
            found[soname] = path
    return found


def elf_files(folder: Path) -> Iterator[Path]:
    """Every ELF file under ``folder`` (symlinks skipped)."""
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with path.open("rb") as f:
                if f.read(4) == b"\x7fELF":
                    yield path


def needed(path: Path) -> list[str]:
    """The sonames ``path`` links against."""
    out = subprocess.run(
        ["readelf", "-d", "--wide", str(path)], capture_output=True, text=True, check=False
    ).stdout
    return _NEEDED.findall(out)


def system_libraries(bundle: Path) -> dict[str, set[str]]:
    """Libraries the bundle links against but does not carry: soname -> who needs it."""
    carried = {p.name for p in bundle.rglob("*")}
    wants: dict[str, set[str]] = {}
    for path in elf_files(bundle):
        for soname in needed(path):
            if soname not in carried:
                wants.setdefault(soname, set()).add(str(path.relative_to(bundle)))
    return wants


def debian_packages(sonames: Iterable[str]) -> tuple[set[str], list[str]]:
    """The Debian packages holding these libraries, and the sonames no package holds."""
    cache = _ldconfig()
    paths: dict[str, str] = {}
    unresolved = []
    for soname in sorted(set(sonames)):
        where = cache.get(soname)
        if where is None:
            unresolved.append(soname)
            continue
        paths[soname] = where
    packages: set[str] = set()
    for soname, where in paths.items():
        candidates = [where, str(Path(where).resolve())]
        candidates += [c[4:] for c in candidates if c.startswith("/usr/lib/")]  # merged /usr
        candidates += ["/usr" + c for c in candidates if c.startswith("/lib/")]
        owner = None
        for candidate in dict.fromkeys(candidates):
            done = subprocess.run(
                ["dpkg-query", "-S", candidate], capture_output=True, text=True, check=False
            )
            if done.returncode == 0 and done.stdout:
                owner = done.stdout.split(":", 1)[0].split(",")[0].strip()
                break
        if owner is None:
            unresolved.append(soname)
        else:
            packages.add(owner)
    return packages, unresolved


def stage_deb(bundle: Path, icons: Path, depends: list[str], ver: str, arch: str) -> Path:
    """Lay out the package tree under build/package/deb/ and write DEBIAN/control."""
    tree = OUT / "deb" / f"{NAME}_{ver}_{arch}"
    if tree.exists():
        shutil.rmtree(tree)
    opt = tree / PREFIX
    opt.parent.mkdir(parents=True)
    # Hard links: the bundle is hundreds of MB and dpkg-deb only reads it.
    run(["cp", "-al", str(bundle), str(opt)])
    usr_bin = tree / "usr" / "bin"
    usr_bin.mkdir(parents=True)
    for program in ("dispatch-console", "dispatch-backend"):
        (usr_bin / program).symlink_to(Path("/") / PREFIX / program)
    apps = tree / "usr" / "share" / "applications"
    apps.mkdir(parents=True)
    shutil.copy2(HERE / "linux" / f"{NAME}.desktop", apps / f"{NAME}.desktop")
    hicolor = tree / "usr" / "share" / "icons" / "hicolor"
    (hicolor / "scalable" / "apps").mkdir(parents=True)
    shutil.copy2(HERE / "linux" / f"{NAME}.svg", hicolor / "scalable" / "apps" / f"{NAME}.svg")
    for size in (48, 128, 256):
        folder = hicolor / f"{size}x{size}" / "apps"
        folder.mkdir(parents=True)
        shutil.copy2(icons / f"{NAME}-{size}.png", folder / f"{NAME}.png")
    doc = tree / "usr" / "share" / "doc" / NAME
    doc.mkdir(parents=True)
    shutil.copy2(HERE / "linux" / "copyright", doc / "copyright")
    size_kb = sum(p.lstat().st_size for p in tree.rglob("*") if not p.is_dir()) // 1024
    control = tree / "DEBIAN" / "control"
    control.parent.mkdir()
    control.write_text(
        f"Package: {NAME}\n"
        f"Version: {ver}\n"
        f"Architecture: {arch}\n"
        "Maintainer: Dispatch Console maintainers <dispatch-console@localhost>\n"
        f"Installed-Size: {size_kb}\n"
        f"Depends: {', '.join(depends)}\n"
        f"Recommends: {', '.join(RECOMMENDS)}\n"
        "Section: net\n"
        "Priority: optional\n"
        "Description: command-and-dispatch console for public-safety command centres\n"
        " One screen for the whole district: the alert queue and the closed loop\n"
        " (take the call, dispatch, on scene, feedback, close), an offline GIS map,\n"
        " a libVLC video wall and the PDT radio log, in zh_CN and English.\n"
        " .\n"
        " Also installs dispatch-backend, the websocket backend with its district\n"
        " simulator. Self-contained: Python, Qt (with WebEngine) and libVLC are\n"
        " bundled in /opt/dispatch-console.\n",
        "utf-8",
    )
    return tree


def build_deb(tree: Path, compression: str) -> tuple[Path, float]:
    """dpkg-deb the staged tree; returns the .deb and the seconds it took."""
    t0 = time.monotonic()
    deb = OUT / f"{tree.name}.deb"
    run(["dpkg-deb", "--root-owner-group", f"-Z{compression}", "--build", str(tree), str(deb)])
    return deb, time.monotonic() - t0


def main(argv: list[str] | None = None) -> int:
    """Build the bundle (unless --no-bundle), the icons and the .deb."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    p.add_argument("--no-bundle", action="store_true", help="reuse build/package/dist as it is")
    p.add_argument(
        "--compression",
        default="zstd",
        choices=("zstd", "xz", "gzip", "none"),
        help="dpkg-deb compression (default zstd: minutes faster than xz on this bundle;"
        " installs with dpkg >= 1.21.18, i.e. Debian 12, Ubuntu 22.04 and later)",
    )
    p.add_argument(
        "--icons-only",
        action="store_true",
        help="only draw the icons into build/package/icons (the Windows build uses the .ico)",
    )
    args = p.parse_args(argv)
    if args.icons_only:
        make_icons(OUT / "icons")
        return 0
    check_tools()
    t0 = time.monotonic()
    bundle_s = 0.0 if args.no_bundle else build_bundle()
    if not (DIST / NAME).is_file():
        sys.exit(f"build_package: no bundle at {DIST} (run without --no-bundle)")
    add_vlc_helpers(DIST)
    rebuild_vlc_cache(DIST)
    icons = OUT / "icons"
    make_icons(icons)
    wants = system_libraries(DIST)
    packages, unresolved = debian_packages(wants)
    if unresolved:
        for soname in unresolved:
            print(
                f"build_package: no Debian package provides {soname}, needed by "
                f"{', '.join(sorted(wants[soname])[:3])}",
                file=sys.stderr,
            )
        sys.exit("build_package: install the packages above on the build machine and re-run")
    depends = sorted(packages | set(RUNTIME_DEPENDS))
    arch = run(["dpkg", "--print-architecture"]).stdout.strip()
    tree = stage_deb(DIST, icons, depends, version(), arch)
    deb, deb_s = build_deb(tree, args.compression)
    bundle_mb = sum(p.lstat().st_size for p in DIST.rglob("*") if not p.is_dir()) / 2**20
    print(f"bundle: {DIST} ({bundle_mb:.0f} MB)")
    print(f"package: {deb} ({deb.stat().st_size / 2**20:.0f} MB)")
    print(f"Depends: {', '.join(depends)}")
    print(
        json.dumps(
            {
                "bundle_mb": round(bundle_mb, 1),
                "deb_mb": round(deb.stat().st_size / 2**20, 1),
                "bundle_s": round(bundle_s, 1),
                "deb_s": round(deb_s, 1),
                "total_s": round(time.monotonic() - t0, 1),
                "depends": len(depends),
                "deb": str(deb.relative_to(ROOT)),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
