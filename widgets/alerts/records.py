"""Write an incident's records: the printable PDF report and the EIDO JSON export.

The HTML is built on the GUI thread (it reads the Store); laying it out into a PDF and
writing files happen on a pool thread, so the GUI never waits on the disk. The document and
the writer are created and destroyed inside the worker function (no Qt object crosses threads).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMarginsF, QObject, QThreadPool, Signal
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

REPORT_CSS = (
    "h2 { font-size: 17pt; } h3 { font-size: 13pt; } "
    "h4 { font-size: 11pt; font-weight: bold; margin-top: 12px; } "
    "th { font-weight: bold; text-align: left; } td { vertical-align: top; }"
)


def write_pdf(html: str, path: str | Path, title: str) -> None:
    """Lay ``html`` out on A4 pages and write a PDF (any thread).

    Raises:
        OSError: the file could not be written.
    """
    target = Path(path)
    tmp = target.with_name(f".{target.name}.part")
    writer = QPdfWriter(str(tmp))
    writer.setTitle(title)
    writer.setCreator("Dispatch Console")
    writer.setResolution(300)
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(15, 15, 15, 15),
            QPageLayout.Unit.Millimeter,
        )
    )
    doc = QTextDocument()
    font = doc.defaultFont()
    font.setPointSizeF(10)
    doc.setDefaultFont(font)
    doc.setDefaultStyleSheet(REPORT_CSS)
    doc.setHtml(html)
    doc.print_(writer)
    del writer  # flushes and closes the file
    if not tmp.exists() or tmp.stat().st_size == 0:
        raise OSError(f"could not write {target}")
    os.replace(tmp, target)


def write_json(doc: dict[str, Any], path: str | Path) -> None:
    """Write ``doc`` as UTF-8 JSON, atomically (any thread)."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.part")
    tmp.write_text(json.dumps(doc, ensure_ascii=False, indent=2), "utf-8")
    os.replace(tmp, target)


class RecordWriter(QObject):
    """Runs record writes on the global thread pool and reports back on the GUI thread."""

    sig_written = Signal(str, str)
    """A write finished (path, error text; empty when it worked)."""

    def pdf(self, html: str, path: str, title: str) -> None:
        """Write a PDF report in the background."""
        QThreadPool.globalInstance().start(lambda: self._run(write_pdf, path, html, path, title))

    def json(self, doc: dict[str, Any], path: str) -> None:
        """Write a JSON export in the background."""
        QThreadPool.globalInstance().start(lambda: self._run(write_json, path, doc, path))

    def _run(self, fn: Any, path: str, *args: Any) -> None:
        try:
            fn(*args)
        except (OSError, ValueError) as exc:
            self.sig_written.emit(path, str(exc))
        else:
            self.sig_written.emit(path, "")
