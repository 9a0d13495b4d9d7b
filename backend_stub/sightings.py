"""Sightings (plate reads, face matches) and watch lists (布控): ``shared/integration.md`` §7.

* :class:`SightingRow` — every sighting, kept for :data:`RETENTION_DAYS` (configurable) and
  found by ``(kind, value, ts)`` through one composite index.
* :class:`WatchIndex` — the active watch-list entries in memory: an exact dict, and the
  wildcard patterns bucketed by their fixed prefix and (for ``?``-only patterns) their length,
  so a sighting is compared with the few patterns that can match it, never with all of them.
* :class:`SightingStore` — the writes (grouped into one transaction per batch, off the event
  loop), the searches, the watch-list changes and the retention sweep.

Sightings and watch lists are sensitive personal data: they never enter the event log (only
the alert a match raises does), and only commanders read them (``server.Backend``).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Engine,
    Float,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from backend_stub.db import Base
from console.protocol.sightings import normalize_plate

Wire = dict[str, Any]

RETENTION_DAYS = 30.0
#: How often the backend deletes sightings older than the retention period.
RETENTION_SWEEP_S = 600.0
#: An operator may not search sightings at all; no one searches more than this at once.
MAX_SEARCH_DAYS = 90.0
SEARCH_LIMIT = 2000
#: How often a backend reads the watch-list changes of the others on its database.
WATCH_SYNC_S = 1.0
#: How long a missing watch-change number is looked for (a transaction that took it, not yet
#: committed) before it is taken for one that rolled back.
_WATCH_MISSING_S = 60.0
KINDS = ("plate", "face")
#: A Chinese plate: province, issuing letter, 5 (or 6, new energy) letters/digits, with the
#: special last characters (挂 trailer, 学 learner, 警 police, 港/澳, 领/使 consular).
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
PLATE = re.compile(rf"^[{_PROVINCES}][A-HJ-NP-Z][A-HJ-NP-Z0-9]{{4,5}}[A-HJ-NP-Z0-9挂学警港澳领使]$")
_PLATE_CHARS = re.compile(rf"^[{_PROVINCES}A-Z0-9挂学警港澳*?]{{1,10}}$")
PERSON = re.compile(r"^[\w.:\-]{1,128}$")
_WILD = "*?"


def check_value(kind: str, value: Any, *, pattern: bool = False) -> str:
    """The normalized value of a sighting (or, with ``pattern``, of a watch entry).

    Raises:
        ValueError: a malformed plate or person id, or a pattern that matches nearly anything.
    """
    if kind not in KINDS:
        raise ValueError(f"kind {str(kind)[:20]!r} is not plate or face")
    if not isinstance(value, str) or not value.strip():
        raise ValueError("value must be a non-empty string")
    if kind == "face":
        person = str(value).strip()
        if not PERSON.match(person):
            raise ValueError(f"value {person[:40]!r} is not a person id (letters, digits, .:_-)")
        return person
    plate = normalize_plate(value)
    if pattern and any(c in plate for c in _WILD):
        if not _PLATE_CHARS.match(plate):
            raise ValueError(f"{value[:40]!r} is not a plate pattern")
        fixed = sum(1 for c in plate if c not in _WILD)
        if fixed < 2:
            raise ValueError(
                f"the pattern {value[:40]!r} matches nearly every plate: "
                "give at least two fixed characters"
            )
        return plate
    if not PLATE.match(plate):
        raise ValueError(
            f"{value[:40]!r} is not a plate (province, letter, 5 or 6 letters/digits, "
            "e.g. 蒙K7S521)"
        )
    return plate


class SightingRow(Base):
    """One plate read or face match."""

    __tablename__ = "sightings"
    __table_args__ = (
        UniqueConstraint("source", "ref", name="uq_sightings_source_ref"),
        Index("ix_sightings_kind_value_ts", "kind", "value", "ts"),
        Index("ix_sightings_ts", "ts"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(120))
    ref: Mapped[str] = mapped_column(String(128))
    camera_id: Mapped[str] = mapped_column(String(128))
    ts: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(128))
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    snapshot_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    vehicle: Mapped[str | None] = mapped_column(Text, nullable=True)


class WatchRow(Base):
    """One watch-list entry (布控); removed entries stay, marked, for the record."""

    __tablename__ = "watch_entries"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    priority: Mapped[int] = mapped_column(Integer)
    until: Mapped[float | None] = mapped_column(Float, nullable=True)
    created: Mapped[float] = mapped_column(Float)
    created_by: Mapped[str] = mapped_column(String(120))
    removed: Mapped[bool] = mapped_column(Boolean, default=False)


class WatchChangeRow(Base):
    """One change of the watch list, in order: how the other backends on the same database
    learn of an entry added or removed through this one (:meth:`SightingStore.sync_watch`)."""

    __tablename__ = "watch_changes"
    __table_args__ = ({"sqlite_autoincrement": True},)  # a number is never given out twice
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entry_id: Mapped[str] = mapped_column(String(40))


@dataclass(frozen=True, slots=True)
class Sighting:
    """A checked sighting."""

    source: str
    ref: str
    camera_id: str
    ts: float
    kind: str
    value: str
    confidence: float | None = None
    snapshot_url: str | None = None
    vehicle: Wire | None = None


@dataclass(frozen=True, slots=True)
class WatchEntry:
    """An active watch-list entry."""

    id: str
    kind: str
    value: str
    reason: str
    priority: int
    until: float | None
    created: float
    created_by: str

    @classmethod
    def from_row(cls, r: Any) -> WatchEntry:
        """From a row of ``watch_entries`` (a Core row, read without a session)."""
        return cls(r.id, r.kind, r.value, r.reason, r.priority, r.until, r.created, r.created_by)

    def to_wire(self, fmt: Callable[[float], str]) -> Wire:
        return {
            "id": self.id,
            "kind": self.kind,
            "value": self.value,
            "reason": self.reason,
            "priority": self.priority,
            "until": fmt(self.until) if self.until is not None else None,
            "created": fmt(self.created),
            "created_by": self.created_by,
        }


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    parts = [".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern]
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


@dataclass
class WatchIndex:
    """Active entries: exact values in a dict, patterns bucketed by fixed prefix and length.

    A pattern's bucket is ``(kind, prefix, length)``: ``prefix`` the characters before its first
    wildcard, ``length`` the length of every value it can match when it has no ``*`` (else -1).
    A value is compared with the buckets of its own prefixes only (at most ``len(value) + 1``
    dict lookups each for its length and for -1).
    """

    exact: dict[tuple[str, str], list[WatchEntry]] = field(default_factory=dict)
    buckets: dict[tuple[str, str, int], list[tuple[re.Pattern[str], WatchEntry]]] = field(
        default_factory=dict
    )
    by_id: dict[str, WatchEntry] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.by_id)

    def add(self, entry: WatchEntry) -> None:
        self.by_id[entry.id] = entry
        value = entry.value
        if entry.kind == "face" or not any(c in value for c in _WILD):
            self.exact.setdefault((entry.kind, value), []).append(entry)
            return
        cut = min(i for i, c in enumerate(value) if c in _WILD)
        length = -1 if "*" in value else len(value)
        key = (entry.kind, value[:cut], length)
        self.buckets.setdefault(key, []).append((_pattern_regex(value), entry))

    def remove(self, entry_id: str) -> WatchEntry | None:
        entry = self.by_id.pop(entry_id, None)
        if entry is None:
            return None
        for entries in self.exact.values():
            if entry in entries:
                entries.remove(entry)
        for items in self.buckets.values():
            items[:] = [(r, e) for r, e in items if e.id != entry_id]
        return entry

    def match(self, kind: str, value: str, now: float) -> list[WatchEntry]:
        """The active entries that ``value`` matches, highest priority first."""
        found = [e for e in self.exact.get((kind, value), ()) if e.until is None or e.until > now]
        if self.buckets:
            n = len(value)
            for cut in range(n + 1):
                prefix = value[:cut]
                for length in (n, -1):
                    items = self.buckets.get((kind, prefix, length))
                    if items:
                        found.extend(
                            e
                            for r, e in items
                            if r.match(value) and (e.until is None or e.until > now)
                        )
        found.sort(key=lambda e: (e.priority, e.created))
        return found


def watch_key(entry_id: str, kind: str, value: str) -> str:
    """``watch:<entry>:<kind>:<value>``: the one open alert of a watch entry and a subject."""
    return f"watch:{entry_id}:{kind}:{value}"


class WatchAlerts:
    """Watch key (:func:`watch_key`) → the id of the newest alert raised for it.

    The key lives on the alert itself (``watch_key``), so the lookup is rebuilt from the
    committed state after a restart, and kept current from every commit (ours and, on a
    shared log, other processes'): read it only in a decider run by the writer. Whether
    that alert is still open is read from the state, never kept here.
    """

    def __init__(self) -> None:
        self._index: dict[str, str] | None = None

    def on_commit(self, events: list[Wire]) -> None:
        """Follow the committed ``alert.new`` events that carry a watch key."""
        if self._index is None:
            return  # built from the state on first use
        for event in events:
            if event["type"] == "alert.new":
                key = event["alert"].get("watch_key")
                if isinstance(key, str):
                    self._index[key] = event["alert"]["id"]

    def open_alert(self, alerts: dict[str, Wire], key: str) -> Wire | None:
        """The open alert of ``key`` in the committed ``alerts``, or None."""
        if self._index is None:
            self._index = {}
            for alert in alerts.values():
                k = alert.get("watch_key")
                if isinstance(k, str) and (k not in self._index or alert["status"] != "closed"):
                    self._index[k] = alert["id"]
        alert_id = self._index.get(key)
        found = alerts.get(alert_id) if alert_id is not None else None
        if found is None or found["status"] == "closed":
            return None
        return found


@dataclass
class _Queued:
    sighting: Sighting
    done: asyncio.Future[bool]


class SightingStore:
    """The sightings and watch lists of one backend (its database)."""

    def __init__(
        self,
        engine: Engine,
        *,
        retention_days: float = RETENTION_DAYS,
        clock: Callable[[], float] = time.time,
        batch: int = 500,
        writer: ThreadPoolExecutor | None = None,
    ) -> None:
        """``writer``: the one thread that writes the database (the backend's event-log
        writer), so that on SQLite no second writer thread waits on the file lock beside it;
        without one the store has its own (the bench, tools). Searches read on a thread of
        their own and never hold up a write."""
        self.engine = engine
        self.retention_days = retention_days
        self.clock = clock
        self.batch = batch
        self.watch = WatchIndex()
        #: The open alert of each watch entry and subject (``backend.on_commit`` feeds it).
        self.alerts = WatchAlerts()
        #: Where the demo's cameras keep the snapshots they take (``GET /snapshots/files/``).
        self.snapshot_dir: Path | None = None
        self._queue: list[_Queued] = []
        self._flushing = False
        self._flush_task: asyncio.Task[None] | None = None
        self._own_writer = writer is None
        self._db = writer or ThreadPoolExecutor(max_workers=1, thread_name_prefix="sightings")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sighting-search")
        self.stored = 0
        self.duplicates = 0
        #: The last watch-list change this backend has applied, and the earlier ones it has
        #: not seen yet (a transaction of another process that took a lower number but had
        #: not committed when a higher one was read), with when they were first missed.
        self.watch_seq = 0
        self._watch_missing: dict[int, float] = {}
        Base.metadata.create_all(
            engine,
            tables=[SightingRow.__table__, WatchRow.__table__, WatchChangeRow.__table__],  # type: ignore[list-item]
        )
        self._load_watch()

    # ---------------------------------------------------------------- watch lists

    def _load_watch(self) -> None:
        with self.engine.connect() as conn:
            self.watch_seq = conn.execute(select(func.max(WatchChangeRow.seq))).scalar() or 0
            rows = conn.execute(select(WatchRow).where(WatchRow.removed.is_(False))).all()
        for r in rows:
            self.watch.add(WatchEntry.from_row(r))

    def sync_watch(self) -> int:
        """Apply the watch-list changes other backends on this database have made since the
        last call (run on the writer thread, like ``add_watch``); returns how many entries
        were added or removed here. Applying a change twice is harmless, so this backend's own
        changes, read back, do nothing."""
        now = time.monotonic()
        for seq, since in list(self._watch_missing.items()):
            if now - since > _WATCH_MISSING_S:  # a rolled-back transaction's number
                del self._watch_missing[seq]
        picked = WatchChangeRow.seq > self.watch_seq
        if self._watch_missing:
            picked = or_(picked, WatchChangeRow.seq.in_(list(self._watch_missing)))
        with self.engine.connect() as conn:
            changes = conn.execute(
                select(WatchChangeRow.seq, WatchChangeRow.entry_id).where(picked)
            ).all()
            if not changes:
                return 0
            ids = {entry_id for _seq, entry_id in changes}
            rows = {r.id: r for r in conn.execute(select(WatchRow).where(WatchRow.id.in_(ids)))}
        seen = {seq for seq, _entry_id in changes}
        for seq in seen:
            self._watch_missing.pop(seq, None)
        top = max(seen)
        for seq in range(self.watch_seq + 1, top):
            if seq not in seen:
                self._watch_missing.setdefault(seq, now)
        self.watch_seq = max(self.watch_seq, top)
        applied = 0
        for entry_id in ids:
            row = rows.get(entry_id)
            if (row is None or row.removed) and entry_id in self.watch.by_id:
                self.watch.remove(entry_id)
                applied += 1
            elif row is not None and not row.removed and entry_id not in self.watch.by_id:
                self.watch.add(WatchEntry.from_row(row))
                applied += 1
        return applied

    def add_watch(
        self, kind: str, value: str, reason: str, priority: int, until: float | None, who: str
    ) -> WatchEntry:
        """Check, store and index a watch entry.

        Raises:
            ValueError: a malformed value, a pattern matching nearly anything, no reason, an
                ``until`` in the past.
        """
        value = check_value(kind, value, pattern=True)
        reason = reason.strip()
        if not reason:
            raise ValueError("a watch entry needs a reason")
        now = self.clock()
        if until is not None and until <= now:
            raise ValueError("until is in the past")
        entry = WatchEntry(
            "w-" + uuid.uuid4().hex[:12], kind, value, reason, priority, until, now, who
        )
        with self.engine.begin() as conn:
            conn.execute(
                insert(WatchRow).values(
                    id=entry.id,
                    kind=kind,
                    value=value,
                    reason=reason,
                    priority=priority,
                    until=until,
                    created=now,
                    created_by=who,
                    removed=False,
                )
            )
            conn.execute(insert(WatchChangeRow).values(entry_id=entry.id))
        self.watch.add(entry)
        return entry

    def add_watch_many(self, entries: Iterable[WatchEntry]) -> None:
        """Index and store many prepared entries at once (the demo and the bench)."""
        items = list(entries)
        with self.engine.begin() as conn:
            if items:
                conn.execute(
                    insert(WatchRow),
                    [
                        {
                            "id": e.id,
                            "kind": e.kind,
                            "value": e.value,
                            "reason": e.reason,
                            "priority": e.priority,
                            "until": e.until,
                            "created": e.created,
                            "created_by": e.created_by,
                            "removed": False,
                        }
                        for e in items
                    ],
                )
                conn.execute(insert(WatchChangeRow), [{"entry_id": e.id} for e in items])
        for e in items:
            self.watch.add(e)

    def remove_watch(self, entry_id: str) -> WatchEntry:
        """Take an entry off the watch list.

        Raises:
            LookupError: no active entry of that id.
        """
        if entry_id not in self.watch.by_id:
            self.sync_watch()  # perhaps added through another backend a moment ago
        if entry_id not in self.watch.by_id:
            raise LookupError(f"no active watch entry {entry_id!r}")
        with self.engine.begin() as conn:
            conn.execute(update(WatchRow).where(WatchRow.id == entry_id).values(removed=True))
            conn.execute(insert(WatchChangeRow).values(entry_id=entry_id))
        entry = self.watch.remove(entry_id)
        assert entry is not None
        return entry

    def active_watch(self, kind: str | None = None) -> list[WatchEntry]:
        now = self.clock()
        return sorted(
            (
                e
                for e in self.watch.by_id.values()
                if (kind is None or e.kind == kind) and (e.until is None or e.until > now)
            ),
            key=lambda e: e.created,
        )

    # ---------------------------------------------------------------- sightings

    async def add(self, sighting: Sighting) -> bool:
        """Store a sighting (grouped with others into one transaction); True when it is new,
        False when its source sent that ``ref`` before (nothing changes)."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append(_Queued(sighting, done))
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().call_soon(self._start_flush)
        return await done

    def _start_flush(self) -> None:
        self._flush_task = asyncio.ensure_future(self._flush())

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._queue:
                group, self._queue = self._queue[: self.batch], self._queue[self.batch :]
                try:
                    new = await loop.run_in_executor(
                        self._db, self.write, [q.sighting for q in group]
                    )
                except Exception as exc:
                    for q in group:
                        if not q.done.done():
                            q.done.set_exception(exc)
                    continue
                for q, fresh in zip(group, new, strict=True):
                    if not q.done.done():
                        q.done.set_result(fresh)
        finally:
            self._flushing = False

    def write(self, group: list[Sighting]) -> list[bool]:
        """Insert sightings in one transaction; for each, whether it was new (a ``ref`` its
        source sent before, here or earlier in the group, is not)."""
        stmt = insert(SightingRow).prefix_with("OR IGNORE")
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            stmt = pg_insert(SightingRow).on_conflict_do_nothing()  # type: ignore[assignment]
        out: list[bool] = []
        with self.engine.begin() as conn:
            by_source: dict[str, list[str]] = {}
            for s in group:
                by_source.setdefault(s.source, []).append(s.ref)
            known: set[tuple[str, str]] = set()
            for source, refs in by_source.items():
                found = conn.execute(
                    select(SightingRow.ref).where(
                        SightingRow.source == source, SightingRow.ref.in_(refs)
                    )
                ).scalars()
                known.update((source, r) for r in found)
            rows = []
            for s in group:
                key = (s.source, s.ref)
                fresh = key not in known
                out.append(fresh)
                if not fresh:
                    continue
                known.add(key)
                rows.append(
                    {
                        "source": s.source,
                        "ref": s.ref,
                        "camera_id": s.camera_id,
                        "ts": s.ts,
                        "kind": s.kind,
                        "value": s.value,
                        "confidence": s.confidence,
                        "snapshot_url": s.snapshot_url,
                        "vehicle": json.dumps(s.vehicle, ensure_ascii=False) if s.vehicle else None,
                    }
                )
            if rows:
                conn.execute(stmt, rows)
        self.stored += sum(out)
        self.duplicates += len(out) - sum(out)
        return out

    def search(
        self,
        kind: str,
        value: str,
        since: float,
        until: float,
        camera_ids: Iterable[str] | None = None,
        limit: int = SEARCH_LIMIT,
    ) -> list[Wire]:
        """Sightings of one value in ``[since, until]``, in time order (epoch ``ts``)."""
        query = (
            select(SightingRow)
            .where(
                SightingRow.kind == kind,
                SightingRow.value == value,
                SightingRow.ts >= since,
                SightingRow.ts <= until,
            )
            .order_by(SightingRow.ts, SightingRow.id)
            .limit(limit)
        )
        cameras = list(camera_ids or ())
        if cameras:
            query = query.where(SightingRow.camera_id.in_(cameras))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            {
                "id": r.id,
                "camera_id": r.camera_id,
                "ts": r.ts,
                "kind": r.kind,
                "value": r.value,
                "confidence": r.confidence,
                "snapshot_url": r.snapshot_url,
                "vehicle": json.loads(r.vehicle) if r.vehicle else None,
            }
            for r in rows
        ]

    def sweep(self) -> int:
        """Delete the sightings older than the retention period; how many went."""
        cutoff = self.clock() - self.retention_days * 86400.0
        with self.engine.begin() as conn:
            gone = conn.execute(delete(SightingRow).where(SightingRow.ts < cutoff)).rowcount
        return int(gone or 0)

    async def run_db(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a write (``add_watch``, ``remove_watch``, ``sweep``) on the writer thread."""
        return await asyncio.get_running_loop().run_in_executor(self._db, fn, *args)

    async def run_read(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a read (``search``) on the search thread."""
        return await asyncio.get_running_loop().run_in_executor(self._reader, fn, *args)

    async def keep_retention(self, every_s: float = RETENTION_SWEEP_S) -> None:
        """Sweep now and then every ``every_s`` seconds (a backend task)."""
        while True:
            await self.run_db(self.sweep)
            await asyncio.sleep(every_s)

    def close(self) -> None:
        self._reader.shutdown(wait=True)
        if self._own_writer:
            self._db.shutdown(wait=True)
