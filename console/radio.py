"""The radio dispatch log, Qt-free: filters, the call index, aliases, log rules and export.

Everything the radio panel decides lives here so it can be tested without Qt:

* ``RadioFilter``: talkgroup (with favourites), radio id, kind, minimum duration, time range
  and free text.
* ``CallIndex``: a million calls searchable by radio id and time range in well under a
  millisecond. Calls arrive (nearly) in time order, so the index is a list of calls plus, per
  radio id, two parallel arrays (start times sorted, row numbers): a search is two bisections
  and a slice. Arrays of C doubles/longs cost 16 bytes per call and radio rather than a Python
  object each; a late call is inserted with ``bisect`` (rare, and O(n) of one radio only). An
  SQLite index would answer as fast but puts a database between the live feed and the GUI
  thread for data the console already holds in memory; the recorder owns persistence.
* ``NewCallsCounter``: the "N new" badge while the operator has scrolled away from the top.
* Log rules: entries are append-only (a legal record); a correction is a new entry whose text
  starts ``更正 L-000012: ...`` and supersedes the old one; calls are linked to an incident by
  a ``log.write`` carrying the alert id and the call ids in its text.
* ``export_zip``: the calls of a time range as ``calls.csv`` plus their audio, in one zip.
"""

from __future__ import annotations

import bisect
import csv
import io
import re
import urllib.request
import zipfile
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from console.domain.model import Alert, LogEntry, RadioCall, Unit

KINDS = ("group", "individual", "emergency", "status", "data")
"""Call kinds on the wire, in the order filters list them."""
VOICE_KINDS = frozenset({"group", "individual", "emergency"})
"""Kinds that carry speech (and so may have audio)."""

CORRECTION_PREFIX = "更正"
LINK_PREFIX = "关联通话"
_CORRECTION_RE = re.compile(r"^\s*更正\s*(L-[0-9A-Za-z]+)\s*[:：]")
_CALL_ID_RE = re.compile(r"\bR-\d+\b")
MAX_ENTRY_CHARS = 2000


# ---- aliases


def format_alias(alias: str | None, ident: str | None) -> str:
    """``alias (ID)``; just the id without an alias; empty for no id."""
    if not ident:
        return ""
    if alias and alias != ident:
        return f"{alias} ({ident})"
    return ident


def radio_aliases(units: Iterable[Unit]) -> dict[str, str]:
    """Radio id → callsign of the unit carrying it (radios get reassigned: latest wins)."""
    return {u.radio_id: u.callsign for u in units if u.radio_id}


# ---- filters


@dataclass(frozen=True, slots=True)
class RadioFilter:
    """What the log shows. Empty fields do not filter.

    Attributes:
        talkgroups: Only these talkgroup ids (None: any). Favourites are a set of ids.
        radio_id: Calls from or to a radio whose id contains this text.
        kinds: Only these kinds (None: any).
        min_duration_s: Only calls at least this long (status and data calls last 0 s).
        start_ts: Only calls starting at or after this time (epoch seconds).
        end_ts: Only calls starting before this time.
        text: Case-insensitive text in the call's id, aliases, kind or linked incident.
    """

    talkgroups: frozenset[str] | None = None
    radio_id: str = ""
    kinds: frozenset[str] | None = None
    min_duration_s: float = 0.0
    start_ts: float | None = None
    end_ts: float | None = None
    text: str = ""

    def matches(self, call: RadioCall, haystack: str = "") -> bool:
        """Whether ``call`` passes; ``haystack`` is the displayed text searched by ``text``."""
        if self.talkgroups is not None and call.talkgroup not in self.talkgroups:
            return False
        if self.kinds is not None and call.kind not in self.kinds:
            return False
        if call.duration_s < self.min_duration_s:
            return False
        if self.start_ts is not None and call.start_ts < self.start_ts:
            return False
        if self.end_ts is not None and call.start_ts >= self.end_ts:
            return False
        rid = self.radio_id.strip()
        if rid and rid not in call.source_radio_id and rid not in (call.target_radio_id or ""):
            return False
        text = self.text.strip().casefold()
        if text:
            hay = f"{call.id} {call.talkgroup} {call.source_radio_id} {call.kind} {haystack}"
            if text not in hay.casefold():
                return False
        return True

    @property
    def is_empty(self) -> bool:
        """True when nothing is filtered out."""
        return self == RadioFilter()


def toggle_favourite(favourites: frozenset[str], talkgroup: str) -> frozenset[str]:
    """Favourites with ``talkgroup`` added, or removed if it was there."""
    return favourites - {talkgroup} if talkgroup in favourites else favourites | {talkgroup}


# ---- the "N new" badge


class NewCallsCounter:
    """Counts calls that arrived while the operator looked elsewhere in the feed.

    The feed is newest first. At the top it follows new calls; scrolled away it stays where it
    is and counts what arrived, until the operator returns to the top (or clicks the badge).
    """

    def __init__(self) -> None:
        self.at_top = True
        self.unseen = 0

    def arrived(self, n: int) -> bool:
        """``n`` calls arrived; True when the view should stay pinned to the top."""
        if not self.at_top:
            self.unseen += n
        return self.at_top

    def scrolled(self, at_top: bool) -> None:
        """The operator scrolled; back at the top clears the count."""
        self.at_top = at_top
        if at_top:
            self.unseen = 0


# ---- the index


@dataclass(slots=True)
class _Postings:
    starts: array[float] = field(default_factory=lambda: array("d"))
    rows: array[int] = field(default_factory=lambda: array("q"))

    def add(self, start: float, row: int) -> None:
        if not self.starts or start >= self.starts[-1]:
            self.starts.append(start)
            self.rows.append(row)
        else:  # a late call: keep the arrays sorted by start time
            i = bisect.bisect_right(self.starts, start)
            self.starts.insert(i, start)
            self.rows.insert(i, row)

    def between(self, start: float | None, end: float | None) -> array[int]:
        lo = 0 if start is None else bisect.bisect_left(self.starts, start)
        hi = len(self.starts) if end is None else bisect.bisect_left(self.starts, end)
        return self.rows[lo:hi]


class CallIndex:
    """Every call heard, indexed by radio id (source or target) and by start time."""

    def __init__(self) -> None:
        self.calls: list[RadioCall] = []
        self._ids: set[str] = set()
        self._by_radio: dict[str, _Postings] = {}
        self._all = _Postings()

    def __len__(self) -> int:
        return len(self.calls)

    def add(self, call: RadioCall) -> bool:
        """Index a call; False (and nothing changes) if its id is already there."""
        if call.id in self._ids:
            return False
        self._ids.add(call.id)
        row = len(self.calls)
        self.calls.append(call)
        self._all.add(call.start_ts, row)
        for rid in {call.source_radio_id, call.target_radio_id}:
            if rid:
                postings = self._by_radio.get(rid)
                if postings is None:
                    postings = self._by_radio[rid] = _Postings()
                postings.add(call.start_ts, row)
        return True

    def extend(self, calls: Iterable[RadioCall]) -> int:
        """Index many calls; returns how many were new."""
        return sum(1 for c in calls if self.add(c))

    def search(
        self, radio_id: str | None = None, start: float | None = None, end: float | None = None
    ) -> list[RadioCall]:
        """Calls from or to ``radio_id`` (None: any) starting in [start, end), oldest first."""
        postings = self._all if radio_id is None else self._by_radio.get(radio_id)
        if postings is None:
            return []
        calls = self.calls
        return [calls[r] for r in postings.between(start, end)]


def scan(
    calls: Iterable[RadioCall],
    radio_id: str | None = None,
    start: float | None = None,
    end: float | None = None,
) -> list[RadioCall]:
    """The same answer as ``CallIndex.search`` by a linear scan (the baseline)."""
    out = [
        c
        for c in calls
        if (radio_id is None or radio_id in (c.source_radio_id, c.target_radio_id))
        and (start is None or c.start_ts >= start)
        and (end is None or c.start_ts < end)
    ]
    out.sort(key=lambda c: c.start_ts)
    return out


# ---- playback order


def replay_last(calls: Sequence[RadioCall], n: int) -> list[RadioCall]:
    """The newest ``n`` calls that have audio, oldest first (the order to hear them in)."""
    with_audio = sorted((c for c in calls if c.audio_url), key=lambda c: c.start_ts)
    return with_audio[-n:] if n > 0 else []


def play_order(calls: Iterable[RadioCall]) -> list[RadioCall]:
    """A result list as a playlist: calls with audio, oldest first."""
    return sorted((c for c in calls if c.audio_url), key=lambda c: c.start_ts)


# ---- emergencies and links


def emergency_alert_for(
    call: RadioCall, alerts: Iterable[Alert], callsign: str | None = None, window_s: float = 60.0
) -> Alert | None:
    """The ``radio_emergency`` alert raised by an emergency call, if any.

    The backend raises the alert with the radio id in its description (``PDT 46001``) and the
    callsign in its title, at the call's start time.
    """
    if call.kind != "emergency":
        return None
    best: Alert | None = None
    for alert in alerts:
        if alert.kind != "radio_emergency":
            continue
        if abs(alert.created_ts - call.start_ts) > window_s:
            continue
        if call.source_radio_id not in alert.description and not (
            callsign and callsign in alert.title
        ):
            continue
        if best is None or abs(alert.created_ts - call.start_ts) < abs(
            best.created_ts - call.start_ts
        ):
            best = alert
    return best


@dataclass(frozen=True, slots=True)
class EmergencyAck:
    """Who acknowledged an emergency, and when (from its alert's history on the backend)."""

    operator: str | None
    ts: float


def emergency_ack(alert: Alert) -> EmergencyAck | None:
    """The acknowledgement of a ``radio_emergency`` alert, shared by every console.

    The alert's ``acknowledged`` history item when there is one; an alert that left ``new``
    another way (dispatched straight away, merged, cancelled, closed) counts as acknowledged
    by whoever did that first. None while the alert is still new.
    """
    if alert.status.value == "new":
        return None
    for item in alert.history:
        if item.action == "acknowledged":
            return EmergencyAck(item.operator, item.ts)
    for item in alert.history:
        if item.action != "created":
            return EmergencyAck(item.operator, item.ts)
    return None


def link_calls_text(call_ids: Sequence[str], note: str = "") -> str:
    """Text of the ``log.write`` that attaches calls to an incident."""
    text = f"{LINK_PREFIX} {', '.join(call_ids)}"
    return f"{text}：{note.strip()}" if note.strip() else text


def linked_calls(entries: Iterable[LogEntry]) -> dict[str, str]:
    """Call id → alert id, from log entries that carry an alert id and call ids."""
    out: dict[str, str] = {}
    for entry in entries:
        if entry.alert_id:
            for call_id in _CALL_ID_RE.findall(entry.text):
                out[call_id] = entry.alert_id
    return out


# ---- the dispatch log (append-only)


def correction_text(entry_id: str, text: str) -> str:
    """The text of an entry that corrects ``entry_id``: ``更正 L-000012: ...``."""
    return f"{CORRECTION_PREFIX} {entry_id}: {text.strip()}"


def corrected_id(text: str) -> str | None:
    """The id an entry corrects, if it is a correction."""
    m = _CORRECTION_RE.match(text)
    return m.group(1) if m else None


def check_entry_text(text: str) -> str | None:
    """Why ``text`` cannot be written (an English reason for the caller to translate)."""
    if not text.strip():
        return "empty"
    if len(text) > MAX_ENTRY_CHARS:
        return "too_long"
    return None


class LogBook:
    """The dispatch log as the console holds it: entries are only ever appended.

    A correction never changes the old entry; it is a new one that supersedes it.
    """

    def __init__(self) -> None:
        self._entries: list[LogEntry] = []
        self._ids: set[str] = set()
        self.superseded_by: dict[str, str] = {}
        """Old entry id → id of the newest correction of it."""

    @property
    def entries(self) -> tuple[LogEntry, ...]:
        """The entries, oldest first (a tuple: callers cannot change them)."""
        return tuple(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __getitem__(self, i: int) -> LogEntry:
        return self._entries[i]

    def __contains__(self, entry_id: object) -> bool:
        return entry_id in self._ids

    def append(self, entry: LogEntry) -> bool:
        """Add an entry; an id seen before is ignored (never replaced). True if added."""
        if entry.id in self._ids:
            return False
        self._ids.add(entry.id)
        self._entries.append(entry)
        old = corrected_id(entry.text)
        if old is not None:
            self.superseded_by[old] = entry.id
        return True

    def extend(self, entries: Iterable[LogEntry]) -> list[LogEntry]:
        """Add entries; returns those that were new."""
        return [e for e in entries if self.append(e)]

    def for_alert(self, alert_id: str) -> list[LogEntry]:
        """Entries written about one incident."""
        return [e for e in self._entries if e.alert_id == alert_id]


# ---- export


def iso(ts: float) -> str:
    """RFC 3339 UTC with milliseconds."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


CSV_COLUMNS = (
    "id",
    "start_utc",
    "talkgroup",
    "talkgroup_alias",
    "source_radio_id",
    "source_alias",
    "target_radio_id",
    "target_alias",
    "kind",
    "duration_s",
    "encrypted",
    "lat",
    "lon",
    "linked_alert",
    "audio_file",
)


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote."""

    path: Path
    calls: int
    audio_files: int
    missing_audio: tuple[str, ...]


def fetch_url(url: str, timeout: float = 10.0) -> bytes | None:
    """GET ``url`` (blocking: run it in an executor); None on any failure."""
    if not url.startswith(("http://", "https://", "file:")):
        return None
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            data: bytes = resp.read()
            return data
    except (OSError, ValueError):
        return None


def export_zip(
    path: str | Path,
    calls: Iterable[RadioCall],
    *,
    talkgroups: Mapping[str, str],
    radios: Mapping[str, str],
    links: Mapping[str, str] | None = None,
    locations: Mapping[str, tuple[float, float]] | None = None,
    fetch: Callable[[str], bytes | None] = fetch_url,
) -> ExportResult:
    """Write ``calls.csv`` (UTF-8 with BOM, so spreadsheets read the Chinese) and the audio.

    Blocking (network and disk): run it in an executor.

    Args:
        path: The zip file to write.
        calls: The calls (e.g. ``CallIndex.search(None, start, end)``); written oldest first.
        talkgroups: Talkgroup id → alias.
        radios: Radio id → alias.
        links: Call id → linked alert id.
        locations: Call id → (lat, lon) where the source radio was.
        fetch: Gets the bytes of an ``audio_url`` (None if it cannot).
    """
    links = links or {}
    locations = locations or {}
    rows = sorted(calls, key=lambda c: c.start_ts)
    missing: list[str] = []
    n_audio = 0
    out = Path(path)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for call in rows:
            audio_name = ""
            if call.audio_url:
                data = fetch(call.audio_url)
                if data is None:
                    missing.append(call.id)
                else:
                    suffix = Path(call.audio_url.split("?", 1)[0]).suffix or ".bin"
                    audio_name = f"audio/{call.id}{suffix}"
                    zf.writestr(audio_name, data)
                    n_audio += 1
            lat, lon = locations.get(call.id, (None, None))
            target = call.target_radio_id or ""
            writer.writerow(
                (
                    call.id,
                    iso(call.start_ts),
                    call.talkgroup,
                    talkgroups.get(call.talkgroup, ""),
                    call.source_radio_id,
                    radios.get(call.source_radio_id, ""),
                    target,
                    radios.get(target, "") if target else "",
                    call.kind,
                    f"{call.duration_s:.1f}",
                    int(call.encrypted),
                    "" if lat is None else f"{lat:.6f}",
                    "" if lon is None else f"{lon:.6f}",
                    links.get(call.id, ""),
                    audio_name,
                )
            )
        zf.writestr("calls.csv", "\ufeff" + buf.getvalue())
    return ExportResult(out, len(rows), n_audio, tuple(missing))
