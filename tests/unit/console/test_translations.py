"""Every user-visible string has a zh_CN translation, and the .ts knows every string.

console_zh_CN.ts is the source of truth (translated in Qt Linguist); `make translations-update`
(resources/translations/update.py) merges new strings into it and lists what is left to translate.
"""

from __future__ import annotations

import ast
import importlib.util
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
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


def _lookups(source: str) -> tuple[list[tuple[str, str, int]], list[int]]:
    """What the code asks the translator at runtime: (context, source, line) of every ``self.tr``
    / ``QCoreApplication.translate`` / ``QT_TRANSLATE_NOOP`` call with literal text, and the
    lines of ``x.tr(...)`` on another object (looked up under that object's class name, which
    lupdate cannot know)."""
    found: list[tuple[str, str, int]] = []
    foreign: list[int] = []

    def text(node: ast.expr) -> str | None:
        return (
            node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
        )

    def visit(node: ast.AST, cls: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, child.name)
                continue
            if isinstance(child, ast.Call) and child.args:
                func = child.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                first = text(child.args[0])
                second = text(child.args[1]) if len(child.args) > 1 else None
                if name == "tr" and isinstance(func, ast.Attribute) and first is not None:
                    if isinstance(func.value, ast.Name) and func.value.id == "self":
                        found.append((cls, first, child.lineno))
                    else:
                        foreign.append(child.lineno)
                elif name in ("translate", "QT_TRANSLATE_NOOP") and first and second is not None:
                    found.append((first, second, child.lineno))
            visit(child, cls)

    visit(ast.parse(source), "")
    return found, foreign


def test_every_string_the_code_looks_up_is_in_the_ts_under_that_context() -> None:
    """lupdate misses a tr() inside an f-string, a translate() through an alias and a tr() on
    another object; such a string shows in English to a zh_CN operator. This reads the code as
    Python does and asks the .ts for each (context, text) the translator will be asked for."""
    known = _messages(TS)
    problems = []
    for path in map(Path, update.sources()):
        found, foreign = _lookups(path.read_text(encoding="utf-8"))
        rel = path.relative_to(ROOT)
        problems += [
            f"{rel}:{line}: [{c}] {s!r} not in the .ts"
            for c, s, line in found
            if (c, s) not in known
        ]
        problems += [f"{rel}:{line}: tr() on another object" for line in foreign]
    assert problems == []


def test_the_lookup_reader_sees_what_lupdate_misses() -> None:
    found, foreign = _lookups(
        "class Panel:\n"
        "    def show(self, window):\n"
        "        html = f\"<b>{self.tr('Busy')}</b>\"\n"
        "        window.tr('Pushed')\n"
        "        QCoreApplication.translate('Report', f'{x}')\n"
        "        return QCoreApplication.translate('Report', 'Title')\n"
    )
    assert found == [("Panel", "Busy", 3), ("Report", "Title", 6)]
    assert foreign == [4]
