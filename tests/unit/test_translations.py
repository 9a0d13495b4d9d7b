"""Every user-visible string has a zh_CN translation, and the .ts knows every string.

console_zh_CN.ts is the source of truth (translated in Qt Linguist); `make translations-update`
(resources/translations/update.py) merges new strings into it and lists what is left to translate.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "console_zh_CN.ts"

_spec = importlib.util.spec_from_file_location("translations_update", TS.with_name("update.py"))
assert _spec is not None and _spec.loader is not None
update = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(update)


def _messages(path: Path) -> set[tuple[str, str]]:
    return {
        (context.findtext("name") or "", message.findtext("source") or "")
        for context in ET.parse(path).iter("context")
        for message in context.iter("message")
    }


def test_no_untranslated_zh_cn_string() -> None:
    """Translate them in `pyside6-linguist resources/translations/console_zh_CN.ts`."""
    assert update.unfinished(TS) == []


def test_ts_file_holds_every_string_in_the_sources(tmp_path: Path) -> None:
    """lupdate over today's sources finds no string the committed .ts lacks."""
    fresh = tmp_path / "fresh.ts"
    shutil.copy(TS, fresh)
    lupdate = Path(sys.executable).with_name("pyside6-lupdate")
    subprocess.run(
        [str(lupdate), *update.sources(), "-ts", str(fresh), "-no-obsolete", "-locations", "none"],
        check=True,
        capture_output=True,
    )
    missing = _messages(fresh) - _messages(TS)
    assert missing == set(), "run `make translations-update`"


def test_unfinished_sees_empty_unfinished_and_numerus_messages(tmp_path: Path) -> None:
    ts = tmp_path / "t.ts"
    ts.write_text(
        '<?xml version="1.0" encoding="utf-8"?><TS version="2.1" language="zh_CN"><context>'
        "<name>C</name>"
        "<message><source>done</source><translation>好</translation></message>"
        '<message><source>new</source><translation type="unfinished"></translation></message>'
        '<message><source>draft</source><translation type="unfinished">草</translation></message>'
        "<message><source>empty</source><translation></translation></message>"
        '<message numerus="yes"><source>%n s</source><translation>'
        "<numerusform>%n 秒</numerusform></translation></message>"
        '<message numerus="yes"><source>%n min</source><translation>'
        "<numerusform></numerusform></translation></message>"
        '<message><source>gone</source><translation type="vanished">去</translation></message>'
        "</context></TS>",
        encoding="utf-8",
    )
    assert update.unfinished(ts) == [("C", "new"), ("C", "draft"), ("C", "empty"), ("C", "%n min")]
