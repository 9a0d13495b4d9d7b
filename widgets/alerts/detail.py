"""HTML of one incident: the queue's detail pane, the history dialog and the printed report.

One renderer for all three, so what the operator reads on screen is what the PDF says.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import QObject

from console.domain.model import Alert
from console.records import IncidentRecord, StageTime
from widgets import labels

_e = html.escape
PRINT_COLOURS = {"link": "#1a4fa0", "met": "#1e7b45", "late": "#b3261e"}
"""Colours on white paper (the screen takes them from the theme)."""


def _clock(ts: float, with_date: bool = False) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S" if with_date else "%H:%M:%S")


def _span(seconds: float) -> str:
    s = round(seconds)
    return (
        f"{s // 60}:{s % 60:02d}" if s < 3600 else f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
    )


class IncidentHtml(QObject):
    """Builds translated HTML for an incident record."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.me: str | None = None
        self.names: Callable[[str], str] = lambda operator_id: operator_id
        """Operator id → what to show (the panel sets the Store's operator names)."""
        self.colours = dict(PRINT_COLOURS)
        """Link, met and late colours on screen (the panel sets them from its theme)."""

    def owner(self, alert: Alert, report: bool = False) -> str:
        """The owner as shown: "me" (on screen), an operator id, or "unowned"."""
        if alert.owner is None:
            return self.tr("unowned")
        if alert.owner == self.me and not report:
            return self.tr("me")
        return self.names(alert.owner)

    def stage_name(self, stage: str) -> str:
        """Display name of a stage."""
        names = {
            "acknowledge": self.tr("Acknowledge"),
            "dispatch": self.tr("Dispatch"),
            "arrive": self.tr("Arrive"),
            "feedback": self.tr("Feedback"),
            "close": self.tr("Close"),
        }
        return names.get(stage, stage)

    def _stage_row(self, s: StageTime, colours: dict[str, str]) -> str:
        took = "—" if s.seconds is None else _span(s.seconds)
        target = "—" if s.target_s is None else _span(s.target_s)
        verdict = {True: self.tr("met"), False: self.tr("late"), None: ""}[s.met]
        colour = {True: colours["met"], False: colours["late"], None: "inherit"}[s.met]
        return (
            f"<tr><td>{_e(self.stage_name(s.stage))}</td><td>{took}</td><td>{target}</td>"
            f"<td style='color:{colour}'>{_e(verdict)}</td></tr>"
        )

    def render(
        self,
        record: IncidentRecord,
        duplicates: list[Alert] | None = None,
        *,
        report: bool = False,
        now: float | None = None,
    ) -> str:
        """The incident as HTML; ``report`` adds a title block and full dates for print."""
        alert = record.alert
        colours = PRINT_COLOURS if report else self.colours
        system = self.tr("system")
        w_incident_report = self.tr("Incident report")
        w_printed_1 = self.tr("Printed %1")
        w_address = self.tr("Address")
        w_position = self.tr("Position")
        w_grid = self.tr("Grid")
        w_created = self.tr("Created")
        w_owner = self.tr("Owner")
        w_merged_into_1 = self.tr("Merged into %1")
        w_merged_from_1 = self.tr("Merged from: %1")
        w_possible_duplicates = self.tr("Possible duplicates")
        w_units = self.tr("Units")
        w_times_against_targets = self.tr("Times against targets")
        w_history = self.tr("History")
        w_linked_radio_calls = self.tr("Linked radio calls")
        w_none = self.tr("None")
        w_dispatch_log = self.tr("Dispatch log")
        parts: list[str] = []
        if report:
            parts.append(f"<h2>{_e(w_incident_report)} {_e(alert.id)}</h2>")
            if now is not None:
                parts.append(f"<p>{_e(w_printed_1.replace('%1', _clock(now, True)))}</p><hr>")
        parts.append(f"<h3>P{alert.priority} · {_e(alert.title)}</h3>")
        status = labels.alert_status(alert.status.value)
        if alert.disposition:
            status = f"{status} ({alert.disposition})"
        parts.append(
            f"<p><b>{_e(alert.id)}</b> · {_e(labels.alert_kind(alert.kind))} · "
            f"{_e(status)} · v{alert.version}</p>"
        )
        parts.append(f"<p>{_e(alert.description)}</p>")
        if alert.watch_entry:
            w_watch = self.tr("Watch list")
            parts.append(f"<p><b>{_e(w_watch)}</b>: {_e(alert.watch_entry)}</p>")
        if alert.sightings:
            w_sightings = self.tr("Sightings: %1, the newest %2 at %3")
            newest = _clock(alert.sighting_ts, report) if alert.sighting_ts else "—"
            text = (
                w_sightings.replace("%1", str(alert.sightings))
                .replace("%2", newest)
                .replace("%3", alert.address)
            )
            parts.append(f"<p><b>{_e(text)}</b></p>")
        if alert.snapshot_url and report:
            w_snapshot = self.tr("Snapshot")
            parts.append(f"<p>{_e(w_snapshot)}: {_e(alert.snapshot_url)}</p>")
        parts.append(
            f"<p>{_e(w_address)}: {_e(alert.address)}<br>"
            f"{_e(w_position)}: {alert.lat:.5f}, {alert.lon:.5f}<br>"
            f"{_e(w_grid)}: {_e(alert.grid_id or '—')}<br>"
            f"{_e(w_created)}: {_clock(alert.created_ts, report)}<br>"
            f"{_e(w_owner)}: {_e(self.owner(alert, report))}</p>"
        )
        if alert.merged_into:
            parts.append(f"<p><b>{_e(w_merged_into_1.replace('%1', alert.merged_into))}</b></p>")
        if alert.merged_ids:
            merged = ", ".join(alert.merged_ids)
            parts.append(f"<p>{_e(w_merged_from_1.replace('%1', merged))}</p>")
        if duplicates:
            items = ", ".join(
                f"<a href='merge:{_e(d.id)}' style='color:{colours['link']}'>{_e(d.id)}</a> "
                f"{_e(d.title)}"
                for d in duplicates[:5]
            )
            hint = _e(self.tr("press M to merge"))
            parts.append(f"<p><b>{_e(w_possible_duplicates)}:</b> {items} ({hint})</p>")

        units = []
        for unit in record.units:
            on = unit.id in alert.unit_ids
            state = labels.unit_status(unit.status.value) if on else self.tr("released")
            units.append(f"{_e(unit.callsign)} ({_e(unit.id)}) · {_e(state)}")
        known = {u.id for u in record.units}
        units += [_e(u) for u in alert.unit_ids if u not in known]
        parts.append(f"<h4>{_e(w_units)}</h4><p>{'<br>'.join(units) or '—'}</p>")

        parts.append(f"<h4>{_e(w_times_against_targets)}</h4>")
        head = (self.tr("Stage"), self.tr("Took"), self.tr("Target"), "")
        parts.append(
            "<table cellspacing='0' cellpadding='3'><tr>"
            + "".join(f"<th align='left'>{_e(h)}</th>" for h in head)
            + "</tr>"
            + "".join(self._stage_row(s, colours) for s in record.stages)
            + "</table>"
        )

        parts.append(f"<h4>{_e(w_history)}</h4><table cellspacing='0' cellpadding='3'>")
        parts += [
            f"<tr><td>{_clock(h.ts, report)}</td>"
            f"<td>{_e(self.names(h.operator) if h.operator else system)}</td>"
            f"<td>{_e(h.action)}</td><td>{_e(h.note)}</td></tr>"
            for h in alert.history
        ]
        parts.append("</table>")

        parts.append(f"<h4>{_e(w_linked_radio_calls)}</h4>")
        if record.calls:
            parts.append("<table cellspacing='0' cellpadding='3'>")
            parts += [
                f"<tr><td>{_clock(c.start_ts, report)}</td><td>{_e(c.id)}</td>"
                f"<td>{_e(c.talkgroup)}</td><td>{_e(c.source_radio_id)}</td>"
                f"<td>{_e(c.kind)}</td><td>{c.duration_s:.0f} s</td></tr>"
                for c in record.calls
            ]
            parts.append("</table>")
        else:
            parts.append(f"<p>{_e(w_none)}</p>")

        parts.append(f"<h4>{_e(w_dispatch_log)}</h4>")
        if record.log:
            parts.append("<table cellspacing='0' cellpadding='3'>")
            parts += [
                f"<tr><td>{_clock(e.ts, report)}</td><td>{_e(e.author or system)}</td>"
                f"<td>{_e(e.text)}</td></tr>"
                for e in record.log
            ]
            parts.append("</table>")
        else:
            parts.append(f"<p>{_e(w_none)}</p>")
        return "".join(parts)
