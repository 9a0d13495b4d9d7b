"""The debrief report of a recording: HTML, or PDF through QTextDocument and QPdfWriter.

It holds the incident timeline of a time range (every alert touched in it with its history:
creation, acknowledgement, dispatches, on scene, feedback, close; the radio calls; the
commands operators sent), the bookmarks and annotations (time, author, text) and the screenshots
captured during replay (``Capture moment``, and one with every bookmark added in replay).

:func:`gather` reads the recording (Qt-free, run it in an executor); :func:`render_html` and
:func:`write_pdf` run on the GUI thread (QTextDocument is a QObject).
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QMarginsF, QUrl
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QPdfWriter, QTextDocument

from console.domain.model import Alert, RadioCall
from console.domain.store import Store
from console.replay import ReplayEngine
from console.storage.recording import CaptureRow, RecordingFile
from widgets import labels


def _report_title() -> str:
    return QCoreApplication.translate("DebriefReport", "Debrief report")


@dataclass
class DebriefData:
    """Everything the report shows, read from a recording."""

    name: str
    t0: float
    t1: float
    alerts: list[Alert] = field(default_factory=list)
    radio: list[RadioCall] = field(default_factory=list)
    commands: list[tuple[float, str, str, bool]] = field(default_factory=list)
    bookmarks: list[tuple[float, str, str]] = field(default_factory=list)
    captures: list[tuple[CaptureRow, bytes]] = field(default_factory=list)


def gather(file: RecordingFile, t0: float, t1: float) -> DebriefData:
    """Read what the report of ``[t0, t1]`` shows (blocking; no Qt: run it in an executor)."""
    scratch = Store()
    engine = ReplayEngine(file, scratch)
    engine.seek(t1)
    data = DebriefData(file.path.name, t0, t1)

    def touched(a: Alert) -> bool:
        return t0 <= a.created_ts <= t1 or any(t0 <= h.ts <= t1 for h in a.history)

    data.alerts = sorted((a for a in scratch.alerts.values() if touched(a)), key=_created)
    data.radio = [c for c in scratch.radio_calls if t0 <= c.start_ts <= t1]
    for ts, name, args, result in file.commands():
        if t0 <= ts <= t1:
            target = str(args.get("alert_id") or args.get("title") or "")
            data.commands.append((ts, name, target, bool(result.get("ok"))))
    data.bookmarks = [b for b in file.bookmarks() if t0 <= b[0] <= t1]
    for cap in file.captures(t0, t1):
        media = file.media(cap.hash)
        if media is not None:
            data.captures.append((cap, media[1]))
    return data


def _created(a: Alert) -> float:
    return a.created_ts


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _e(text: object) -> str:
    return html.escape(str(text))


def render_html(
    data: DebriefData, image_src: Callable[[CaptureRow, bytes], str], image_width: int = 960
) -> str:
    """The report as one HTML page; ``image_src`` gives each capture's ``src``."""
    t_debrief_report = QCoreApplication.translate("DebriefReport", "Debrief report")
    t_time_range_utc = QCoreApplication.translate("DebriefReport", "Time range (UTC)")
    t_annotations_and_bookmarks = QCoreApplication.translate(
        "DebriefReport", "Annotations and bookmarks"
    )
    t_time = QCoreApplication.translate("DebriefReport", "Time")
    t_author = QCoreApplication.translate("DebriefReport", "Author")
    t_text = QCoreApplication.translate("DebriefReport", "Text")
    t_no_bookmarks_in_this_range = QCoreApplication.translate(
        "DebriefReport", "No bookmarks in this range."
    )
    t_incident_timeline = QCoreApplication.translate("DebriefReport", "Incident timeline")
    t_no_alerts_in_this_range = QCoreApplication.translate(
        "DebriefReport", "No alerts in this range."
    )
    t_units = QCoreApplication.translate("DebriefReport", "Units")
    t_action = QCoreApplication.translate("DebriefReport", "Action")
    t_operator = QCoreApplication.translate("DebriefReport", "Operator")
    t_note = QCoreApplication.translate("DebriefReport", "Note")
    t_radio_calls = QCoreApplication.translate("DebriefReport", "Radio calls")
    t_talkgroup = QCoreApplication.translate("DebriefReport", "Talkgroup")
    t_from = QCoreApplication.translate("DebriefReport", "From")
    t_kind = QCoreApplication.translate("DebriefReport", "Kind")
    t_length = QCoreApplication.translate("DebriefReport", "Length")
    t_no_radio_calls_in_this_range = QCoreApplication.translate(
        "DebriefReport", "No radio calls in this range."
    )
    t_commands_sent = QCoreApplication.translate("DebriefReport", "Commands sent")
    t_command = QCoreApplication.translate("DebriefReport", "Command")
    t_target = QCoreApplication.translate("DebriefReport", "Target")
    t_result = QCoreApplication.translate("DebriefReport", "Result")
    t_accepted = QCoreApplication.translate("DebriefReport", "accepted")
    t_refused = QCoreApplication.translate("DebriefReport", "refused")
    t_no_commands_in_this_range = QCoreApplication.translate(
        "DebriefReport", "No commands in this range."
    )
    t_screenshots = QCoreApplication.translate("DebriefReport", "Screenshots")
    t_no_screenshots_captured_in_this_range = QCoreApplication.translate(
        "DebriefReport", "No screenshots captured in this range."
    )
    out: list[str] = [
        "<html><head><meta charset='utf-8'><style>"
        "body{font-family:sans-serif;font-size:10pt} h1{font-size:16pt} h2{font-size:13pt}"
        "table{border-collapse:collapse} td,th{border:1px solid #999;padding:3px 6px}"
        "th{background:#ddd;text-align:left}</style>"
        f"<title>{_e(t_debrief_report)}</title></head><body>",
        f"<h1>{_e(t_debrief_report)}: {_e(data.name)}</h1>",
        f"<p>{_e(t_time_range_utc)}: {_when(data.t0)} — {_when(data.t1)}</p>",
    ]

    def table(title: str, heads: list[str], rows: list[list[str]], empty: str) -> None:
        out.append(f"<h2>{_e(title)}</h2>")
        if not rows:
            out.append(f"<p>{_e(empty)}</p>")
            return
        out.append("<table width='100%'><tr>" + "".join(f"<th>{_e(h)}</th>" for h in heads))
        out.extend("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
        out.append("</table>")

    table(
        t_annotations_and_bookmarks,
        [t_time, t_author, t_text],
        [[_when(t), _e(a), _e(x)] for t, a, x in data.bookmarks],
        t_no_bookmarks_in_this_range,
    )
    out.append(f"<h2>{_e(t_incident_timeline)}</h2>")
    if not data.alerts:
        out.append(f"<p>{_e(t_no_alerts_in_this_range)}</p>")
    for a in data.alerts:
        out.append(
            f"<h3>{_e(a.id)} · P{a.priority} · {_e(labels.alert_kind(a.kind))} · {_e(a.title)}"
            f" — {_e(labels.alert_status(a.status.value))}</h3>"
            f"<p>{_e(a.address)} {_e(t_units)}: {_e(', '.join(a.unit_ids) or '—')}</p>"
        )
        rows = [
            [_when(h.ts), _e(labels.alert_status(h.action)), _e(h.operator or ""), _e(h.note)]
            for h in a.history
        ]
        out.append("<table width='100%'><tr>")
        heads = (t_time, t_action, t_operator, t_note)
        out.append("".join(f"<th>{_e(h)}</th>" for h in heads) + "</tr>")
        out.extend("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
        out.append("</table>")
    table(
        t_radio_calls,
        [t_time, t_talkgroup, t_from, t_kind, t_length],
        [
            [
                _when(c.start_ts),
                _e(c.talkgroup),
                _e(c.source_radio_id),
                _e(c.kind),
                f"{c.duration_s:.1f} s",
            ]
            for c in data.radio
        ],
        t_no_radio_calls_in_this_range,
    )
    table(
        t_commands_sent,
        [t_time, t_command, t_target, t_result],
        [
            [_when(t), _e(n), _e(x), _e(t_accepted if ok else t_refused)]
            for t, n, x, ok in data.commands
        ],
        t_no_commands_in_this_range,
    )
    out.append(f"<h2>{_e(t_screenshots)}</h2>")
    if not data.captures:
        out.append(f"<p>{_e(t_no_screenshots_captured_in_this_range)}</p>")
    for cap, png in data.captures:
        caption = f"{_when(cap.ts)} · {cap.author}" + (f" · {cap.note}" if cap.note else "")
        src = image_src(cap, png)
        out.append(f"<p><b>{_e(caption)}</b><br><img src='{src}' width='{image_width}'></p>")
    out.append("</body></html>")
    return "\n".join(out)


def html_file(data: DebriefData) -> str:
    """A standalone HTML report (screenshots embedded as data URIs)."""
    return render_html(
        data, lambda _c, png: "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    )


def write_pdf(data: DebriefData, path: str | Path) -> None:
    """Write the report as an A4 PDF (GUI thread)."""
    doc = QTextDocument()
    for cap, png in data.captures:
        doc.addResource(
            QTextDocument.ResourceType.ImageResource,
            QUrl(f"capture://{cap.id}.png"),
            QImage.fromData(png),
        )
    writer = QPdfWriter(str(path))
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    writer.setResolution(150)
    writer.setTitle(_report_title())
    page = writer.pageLayout().paintRectPixels(writer.resolution()).size()
    doc.setPageSize(page.toSizeF())
    width = page.width() - 2 * int(doc.documentMargin()) - 8
    doc.setHtml(render_html(data, lambda c, _png: f"capture://{c.id}.png", width))
    doc.print_(writer)


def write_report(data: DebriefData, path: str | Path) -> None:
    """PDF if ``path`` ends in ``.pdf``, else HTML (GUI thread)."""
    if str(path).lower().endswith(".pdf"):
        write_pdf(data, path)
    else:
        Path(path).write_text(html_file(data), encoding="utf-8")
