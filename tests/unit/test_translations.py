"""Every user-visible string has a zh_CN translation, and the .ts knows every string."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "console_zh_CN.ts"


def _messages(path: Path) -> dict[tuple[str, str], ET.Element]:
    tree = ET.parse(path)
    out = {}
    for context in tree.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            out[(name, message.findtext("source") or "")] = message
    return out


def test_no_untranslated_zh_cn_string() -> None:
    untranslated = [
        key
        for key, message in _messages(TS).items()
        if not (message.findtext("translation") or "").strip()
        or message.find("translation").get("type") == "unfinished"  # type: ignore[union-attr]
    ]
    assert untranslated == []


def test_ts_file_holds_every_string_in_the_sources(tmp_path: Path) -> None:
    """lupdate over today's sources finds no string the committed .ts lacks."""
    fresh = tmp_path / "fresh.ts"
    shutil.copy(TS, fresh)
    sources = [*sorted(str(p) for p in (ROOT / "widgets").rglob("*.py")), str(ROOT / "main.py")]
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    subprocess.run(
        [str(lupdate), *sources, "-ts", str(fresh), "-no-obsolete", "-locations", "none"],
        check=True,
        capture_output=True,
    )
    missing = set(_messages(fresh)) - set(_messages(TS))
    assert missing == set(), "run `make translations-update`"
