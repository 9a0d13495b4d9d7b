"""Merge new source strings into console_zh_CN.ts, rebuild the .qm, list what is left to translate.

console_zh_CN.ts is the source of truth of the zh_CN translations: translate in Qt Linguist
(``pyside6-linguist resources/translations/console_zh_CN.ts``). Run this (``make
translations-update``) after adding or changing user-visible strings: pyside6-lupdate adds the new
strings as unfinished and keeps every existing translation (``-no-obsolete``: strings gone from the
sources are dropped; ``-locations none``: no line numbers, so diffs stay small), pyside6-lrelease
rebuilds the .qm, and every unfinished zh_CN message is printed. Exit status 1 while any is left;
tests/unit/console/test_translations.py fails on them too.
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "console_zh_CN.ts"
QM = TS.with_suffix(".qm")


def sources() -> list[str]:
    """The files pyside6-lupdate reads: every widget module and main.py."""
    return [*sorted(str(p) for p in (ROOT / "widgets").rglob("*.py")), str(ROOT / "main.py")]


def unfinished(ts: Path = TS) -> list[tuple[str, str]]:
    """(context, source) of every message with no finished translation."""
    out = []
    for context in ET.parse(ts).iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None:
                out.append((name, message.findtext("source") or ""))
                continue
            if translation.get("type") in ("obsolete", "vanished"):
                continue
            forms = list(translation.iter("numerusform")) or [translation]
            if translation.get("type") == "unfinished" or not all(
                (f.text or "").strip() for f in forms
            ):
                out.append((name, message.findtext("source") or ""))
    return out


def main() -> int:
    bin_dir = Path(sys.executable).parent
    lupdate = [str(bin_dir / "pyside6-lupdate"), *sources(), "-ts", str(TS)]
    subprocess.run([*lupdate, "-no-obsolete", "-locations", "none"], check=True)
    subprocess.run(
        [str(bin_dir / "pyside6-lrelease"), "-silent", str(TS), "-qm", str(QM)], check=True
    )
    left = unfinished(TS)
    for context, source in left:
        print(f"untranslated [{context}]: {source!r}", file=sys.stderr)
    if left:
        print(
            f"{len(left)} zh_CN message(s) to translate: pyside6-linguist {TS}",
            file=sys.stderr,
        )
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
