"""One recording file: SQLite (WAL, ``synchronous=NORMAL``) through SQLAlchemy 2.

A recording holds every event the console received (in arrival order, with the console's
arrival time), keyframes (the whole Store state as snapshot wire JSON, split into parts that are
stored once per distinct content), the commands the operator sent with their answers, a
per-second event count per stream for the density strip, bookmarks, and a ``meta`` summary so
opening a 24-hour file reads a handful of rows.

Media makes the file portable: the bytes of every recorded radio call's ``audio_url``
(``audio`` → ``media``, fetched while recording or at export), evidence snapshots (PNG + their
sidecar) and debrief captures of the console window, each content stored once by its hash.
``radio`` indexes the radio calls by arrival time, so replay finds the call under the clock
without scanning the events.

Times are seconds since the epoch (floats). ``events.id`` is the recording order; the wire
``seq`` is kept as data, so a recording survives a backend switch or a snapshot reset.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import mimetypes
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import (
    Engine,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    event,
    exc,
    insert,
    select,
    text,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

Wire = dict[str, Any]
FORMAT = "dispatch-console-recording"
FORMAT_VERSION = 1
PARTS = ("units", "positions", "alerts", "cameras", "talkgroups", "layers", "log", "radio")
STREAMS = ("alerts", "radio", "positions", "other")


class Base(DeclarativeBase):
    """Declarative base of the recording schema."""


class Event(Base):
    """One received wire event, in arrival order."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    ts: Mapped[float] = mapped_column(Float)
    type: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    __table_args__ = (Index("ix_events_ts", "ts"),)


class Keyframe(Base):
    """The whole Store state after event ``event_n`` (``reset``: a snapshot from the backend)."""

    __tablename__ = "keyframes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[float] = mapped_column(Float, index=True)
    event_n: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(Integer)
    reset: Mapped[int] = mapped_column(Integer, default=0)
    parts: Mapped[str] = mapped_column(Text)  # JSON {part name: blob hash}


class Blob(Base):
    """A zlib-compressed JSON part of a keyframe, stored once per distinct content."""

    __tablename__ = "blobs"
    hash: Mapped[str] = mapped_column(String(32), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Command(Base):
    """A command the operator sent, with its answer."""

    __tablename__ = "commands"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[float] = mapped_column(Float, index=True)
    name: Mapped[str] = mapped_column(String(64))
    args: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(Text)


class Count(Base):
    """Events per second per stream, for the density strip."""

    __tablename__ = "counts"
    second: Mapped[int] = mapped_column(Integer, primary_key=True)
    alerts: Mapped[int] = mapped_column(Integer, default=0)
    radio: Mapped[int] = mapped_column(Integer, default=0)
    positions: Mapped[int] = mapped_column(Integer, default=0)
    other: Mapped[int] = mapped_column(Integer, default=0)


class Bookmark(Base):
    """A trainer's bookmark or annotation."""

    __tablename__ = "bookmarks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[float] = mapped_column(Float, index=True)
    author: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)


class Media(Base):
    """Bytes of an audio clip or image, stored once per distinct content."""

    __tablename__ = "media"
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Audio(Base):
    """The recorded audio of one radio call's ``audio_url``."""

    __tablename__ = "audio"
    url: Mapped[str] = mapped_column(Text, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64))
    ts: Mapped[float] = mapped_column(Float)
    hash: Mapped[str] = mapped_column(String(64))


class RadioIndex(Base):
    """A radio call by arrival time (replay plays the one under the clock)."""

    __tablename__ = "radio"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[float] = mapped_column(Float, index=True)
    call_id: Mapped[str] = mapped_column(String(64))
    duration_s: Mapped[float] = mapped_column(Float)
    audio_url: Mapped[str | None] = mapped_column(Text, nullable=True)


class Evidence(Base):
    """An evidence snapshot taken during the session (the image and its sidecar JSON)."""

    __tablename__ = "evidence"
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    ts: Mapped[float] = mapped_column(Float, index=True)
    sidecar: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))


class Capture(Base):
    """A screenshot of the console at a moment of the replay, for the debrief report."""

    __tablename__ = "captures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ts: Mapped[float] = mapped_column(Float, index=True)
    author: Mapped[str] = mapped_column(String(128))
    note: Mapped[str] = mapped_column(Text)
    hash: Mapped[str] = mapped_column(String(64))


class Meta(Base):
    """The summary: format, time range, counts (read on open)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def stream_of(kind: str) -> str:
    """The density-strip stream of an event type."""
    if kind.startswith("alert."):
        return "alerts"
    if kind == "radio.call":
        return "radio"
    if kind == "unit.position":
        return "positions"
    return "other"


# ---------------------------------------------------------------- the file


_ENCODER = msgspec.json.Encoder()


def _dumps(value: Any) -> str:
    # Compact UTF-8 JSON that json.loads reads back equal: msgspec writes an event about
    # seven times quicker than json.dumps, and the recorder writes every event it gets.
    return _ENCODER.encode(value).decode()


def encode_json(value: Any) -> bytes:
    """``value`` as the compact UTF-8 JSON the file stores."""
    return _ENCODER.encode(value)


_INSERT_EVENTS = "INSERT INTO events (id, seq, ts, type, body) VALUES (?, ?, ?, ?, ?)"


@dataclass(frozen=True, slots=True)
class KeyframeRow:
    """Where a keyframe sits and which parts it is made of."""

    ts: float
    event_n: int
    seq: int | None
    reset: bool
    parts: dict[str, str]


@dataclass(frozen=True, slots=True)
class RadioRow:
    """A recorded radio call: arrival time, id, length and where its audio was."""

    ts: float
    call_id: str
    duration_s: float
    audio_url: str | None


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """An evidence image in the recording (``sidecar``: its JSON record)."""

    name: str
    ts: float
    sidecar: str
    hash: str


@dataclass(frozen=True, slots=True)
class CaptureRow:
    """A debrief capture: time, who took it, a note, and the PNG's media hash."""

    id: int
    ts: float
    author: str
    note: str
    hash: str


def media_hash(data: bytes) -> str:
    """The content key of a media blob."""
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class EventRow:
    """One recorded event (``body`` is the wire event JSON)."""

    n: int
    ts: float
    type: str
    body: str


class RecordingFile:
    """Repository over one recording file (thread-safe: one pooled connection per call).

    Args:
        path: the ``.sqlite3`` file (created if missing).
        create: create the schema if needed (``False`` to open an existing recording only).
    """

    def __init__(self, path: str | Path, *, create: bool = True) -> None:
        self.path = Path(path)
        if not create and not self.path.is_file():
            raise FileNotFoundError(f"no recording at {self.path}")
        self.engine: Engine = create_engine(f"sqlite:///{self.path}")
        event.listen(self.engine, "connect", _pragmas)
        if create:
            Base.metadata.create_all(self.engine)
        else:
            # Recordings made before media existed get the new (empty) tables; a read-only
            # file is still replayable without them.
            with contextlib.suppress(exc.OperationalError):
                Base.metadata.create_all(self.engine)
        self._known_blobs: set[str] = set()

    def close(self) -> None:
        """Release every connection (checkpoints the WAL)."""
        self.engine.dispose()

    # ------------------------------------------------------------ writing

    def write_batch(
        self,
        events: Sequence[tuple[float, Wire | str]] = (),
        keyframes: Sequence[tuple[float, int, Wire, int | None, bool]] = (),
        commands: Sequence[tuple[float, str, Wire, Wire]] = (),
    ) -> None:
        """Write one batch in one transaction.

        Args:
            events: ``(arrival time, wire event or its JSON)`` in arrival order.
            keyframes: ``(time, after, snapshot state wire JSON, seq, reset)``: the state
                after the first ``after`` events of this batch (a part may be given as its
                JSON text already, in bytes).
            commands: ``(time, name, args, result)``.
        """
        with self.engine.begin() as conn:
            n = conn.execute(text("SELECT coalesce(max(id), 0) FROM events")).scalar_one()
            first_n = n + 1
            # Plain tuples through the driver's executemany: SQLAlchemy's per-row parameter
            # handling cost more than SQLite itself at 50,000 events a second.
            rows: list[tuple[int, int, float, str, str]] = []
            counts: dict[int, dict[str, int]] = {}
            seqs: list[int] = []
            radio: list[Wire] = []
            for ts, ev in events:
                if isinstance(ev, str):
                    body, head = ev, json.loads(ev)
                else:
                    body, head = _dumps(ev), ev
                n += 1
                kind = head["type"]
                if kind == "radio.call":
                    call = head["call"]
                    radio.append(
                        {
                            "ts": ts,
                            "call_id": call["id"],
                            "duration_s": float(call.get("duration_s") or 0.0),
                            "audio_url": call.get("audio_url"),
                        }
                    )
                rows.append((n, head["seq"], ts, kind, body))
                seqs.append(head["seq"])
                row = counts.get(int(ts))
                if row is None:
                    row = counts[int(ts)] = dict.fromkeys(STREAMS, 0)
                row[stream_of(kind)] += 1
            if rows:
                conn.exec_driver_sql(_INSERT_EVENTS, rows)
                self._add_counts(conn, counts)
            if radio:
                conn.execute(insert(RadioIndex), radio)
            for kts, after, state, seq, reset in keyframes:
                self._add_keyframe(conn, kts, first_n - 1 + after, state, seq, reset)
            if commands:
                conn.execute(
                    insert(Command),
                    [
                        {"ts": t, "name": nm, "args": _dumps(a), "result": _dumps(r)}
                        for t, nm, a, r in commands
                    ],
                )
            times = [r[2] for r in rows] + [k[0] for k in keyframes] + [c[0] for c in commands]
            self._update_meta(conn, times, len(rows), seqs, len(keyframes))

    def _add_counts(self, conn: Connection, counts: dict[int, dict[str, int]]) -> None:
        stmt = sqlite_insert(Count)
        stmt = stmt.on_conflict_do_update(
            index_elements=["second"],
            set_={s: getattr(Count, s) + getattr(stmt.excluded, s) for s in STREAMS},
        )
        conn.execute(stmt, [{"second": s, **c} for s, c in counts.items()])

    def _add_keyframe(
        self,
        conn: Connection,
        ts: float,
        event_n: int,
        state: Wire,
        seq: int | None,
        reset: bool,
    ) -> None:
        parts = {}
        for name in PARTS:
            value = state.get(name, [])
            raw = value if isinstance(value, bytes) else encode_json(value)  # bytes: JSON already
            digest = hashlib.blake2b(raw, digest_size=16).hexdigest()
            if digest not in self._known_blobs:
                conn.execute(
                    sqlite_insert(Blob).on_conflict_do_nothing(),
                    {"hash": digest, "data": zlib.compress(raw, 1)},
                )
                self._known_blobs.add(digest)
            parts[name] = digest
        conn.execute(
            insert(Keyframe),
            {
                "ts": ts,
                "event_n": event_n,
                "seq": seq,
                "reset": int(reset),
                "parts": _dumps(parts),
            },
        )

    def _update_meta(
        self, conn: Connection, times: list[float], n_events: int, seqs: list[int], n_kf: int
    ) -> None:
        meta = self._meta(conn)
        if not meta:
            meta = {"format": FORMAT, "version": FORMAT_VERSION, "event_count": 0}
            meta["keyframe_count"] = 0
        if times:
            meta["start_ts"] = min(meta.get("start_ts", min(times)), min(times))
            meta["end_ts"] = max(meta.get("end_ts", max(times)), max(times))
        meta["event_count"] = int(meta.get("event_count", 0)) + n_events
        meta["keyframe_count"] = int(meta.get("keyframe_count", 0)) + n_kf
        if seqs:
            meta.setdefault("first_seq", seqs[0])
            meta["last_seq"] = seqs[-1]
        self.set_meta(meta, conn)

    def set_meta(self, values: Mapping[str, Any], conn: Connection | None = None) -> None:
        """Store summary values (JSON-encoded)."""
        rows = [{"key": k, "value": _dumps(v)} for k, v in values.items()]
        stmt = sqlite_insert(Meta)
        stmt = stmt.on_conflict_do_update(
            index_elements=["key"], set_={"value": stmt.excluded.value}
        )
        if conn is not None:
            conn.execute(stmt, rows)
        else:
            with self.engine.begin() as c:
                c.execute(stmt, rows)

    def add_bookmark(self, ts: float, author: str, text_: str) -> None:
        """Save a bookmark or annotation."""
        with self.engine.begin() as conn:
            conn.execute(insert(Bookmark), {"ts": ts, "author": author, "text": text_})

    # ------------------------------------------------------------ media

    def add_media(self, data: bytes, content_type: str, conn: Connection | None = None) -> str:
        """Store bytes once by content; returns their hash."""
        digest = media_hash(data)
        stmt = sqlite_insert(Media).on_conflict_do_nothing()
        row = {"hash": digest, "content_type": content_type, "data": data}
        if conn is not None:
            conn.execute(stmt, row)
        else:
            with self.engine.begin() as c:
                c.execute(stmt, row)
        return digest

    def add_audio(self, url: str, call_id: str, ts: float, data: bytes, content_type: str) -> str:
        """Store the audio of ``url`` (a radio call's ``audio_url``); returns its media hash."""
        with self.engine.begin() as conn:
            digest = self.add_media(data, content_type, conn)
            stmt = sqlite_insert(Audio).on_conflict_do_nothing()
            conn.execute(stmt, {"url": url, "call_id": call_id, "ts": ts, "hash": digest})
        return digest

    def audio_index(self) -> dict[str, str]:
        """``audio_url`` → media hash of every call whose audio is in the file."""
        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT url, hash FROM audio"))
            return {str(url): str(digest) for url, digest in rows}

    def media(self, digest: str) -> tuple[str, bytes] | None:
        """``(content type, bytes)`` of a media blob (None: not in the file)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(Media.content_type, Media.data).where(Media.hash == digest)
            ).first()
        return None if row is None else (str(row[0]), bytes(row[1]))

    def radio_calls(self, t0: float, t1: float) -> list[RadioRow]:
        """Radio calls that arrived in ``[t0, t1]``, oldest first."""
        q = text(
            "SELECT ts, call_id, duration_s, audio_url FROM radio WHERE ts >= :a AND ts <= :b"
            " ORDER BY ts, id"
        )
        with self.engine.connect() as conn:
            return [RadioRow(*r) for r in conn.execute(q, {"a": t0, "b": t1})]

    def radio_call_at(self, t: float, longest_s: float = 600.0) -> RadioRow | None:
        """The newest call with audio that is still talking at ``t`` (arrival ≤ t < end)."""
        q = text(
            "SELECT ts, call_id, duration_s, audio_url FROM radio WHERE ts <= :t AND ts > :lo"
            " AND audio_url IS NOT NULL AND ts + duration_s > :t ORDER BY ts DESC, id DESC"
            " LIMIT 1"
        )
        with self.engine.connect() as conn:
            row = conn.execute(q, {"t": t, "lo": t - longest_s}).first()
        return None if row is None else RadioRow(*row)

    def add_evidence(self, name: str, ts: float, sidecar: str, data: bytes) -> None:
        """Store an evidence image and its sidecar JSON (kept once by name)."""
        with self.engine.begin() as conn:
            digest = self.add_media(data, _image_type(name), conn)
            conn.execute(
                sqlite_insert(Evidence).on_conflict_do_nothing(),
                {"name": name, "ts": ts, "sidecar": sidecar, "hash": digest},
            )

    def evidence(self, t0: float = float("-inf"), t1: float = float("inf")) -> list[EvidenceRow]:
        """Evidence images taken in ``[t0, t1]``, oldest first."""
        q = select(Evidence.name, Evidence.ts, Evidence.sidecar, Evidence.hash)
        q = q.where(Evidence.ts >= t0, Evidence.ts <= t1).order_by(Evidence.ts)
        with self.engine.connect() as conn:
            return [EvidenceRow(*r) for r in conn.execute(q)]

    def add_capture(self, ts: float, author: str, note: str, png: bytes) -> int:
        """Store a screenshot of the console at replay time ``ts``; returns its id."""
        with self.engine.begin() as conn:
            digest = self.add_media(png, "image/png", conn)
            result = conn.execute(
                insert(Capture), {"ts": ts, "author": author, "note": note, "hash": digest}
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def captures(self, t0: float = float("-inf"), t1: float = float("inf")) -> list[CaptureRow]:
        """Debrief captures in ``[t0, t1]``, by time."""
        q = select(Capture.id, Capture.ts, Capture.author, Capture.note, Capture.hash)
        q = q.where(Capture.ts >= t0, Capture.ts <= t1).order_by(Capture.ts, Capture.id)
        with self.engine.connect() as conn:
            return [CaptureRow(*r) for r in conn.execute(q)]

    # ------------------------------------------------------------ reading

    def _meta(self, conn: Connection) -> dict[str, Any]:
        return {k: json.loads(v) for k, v in conn.execute(select(Meta.key, Meta.value))}

    def meta(self) -> dict[str, Any]:
        """The summary (``start_ts``, ``end_ts``, ``event_count``, ...)."""
        with self.engine.connect() as conn:
            return self._meta(conn)

    def keyframe_at(self, ts: float) -> KeyframeRow | None:
        """The newest keyframe at or before ``ts``."""
        q = text(
            "SELECT ts, event_n, seq, reset, parts FROM keyframes WHERE ts <= :t"
            " ORDER BY ts DESC, id DESC LIMIT 1"
        )
        with self.engine.connect() as conn:
            row = conn.execute(q, {"t": ts}).first()
        if row is None:
            return None
        return KeyframeRow(float(row[0]), int(row[1]), row[2], bool(row[3]), json.loads(row[4]))

    def resets_between(self, t0: float, t1: float) -> bool:
        """True if a backend snapshot (a state reset) was recorded in ``(t0, t1]``."""
        q = text("SELECT 1 FROM keyframes WHERE reset = 1 AND ts > :a AND ts <= :b LIMIT 1")
        with self.engine.connect() as conn:
            return conn.execute(q, {"a": t0, "b": t1}).first() is not None

    def blobs(self, hashes: Iterable[str]) -> dict[str, bytes]:
        """Decompressed keyframe parts by hash."""
        wanted = list(set(hashes))
        with self.engine.connect() as conn:
            rows = conn.execute(select(Blob.hash, Blob.data).where(Blob.hash.in_(wanted)))
            return {h: zlib.decompress(d) for h, d in rows}

    def last_event_n(self, ts: float) -> int:
        """The recording index of the last event at or before ``ts`` (0: none)."""
        q = text("SELECT id FROM events WHERE ts <= :t ORDER BY ts DESC, id DESC LIMIT 1")
        with self.engine.connect() as conn:
            return int(conn.execute(q, {"t": ts}).scalar() or 0)

    def events(
        self, after_n: int, upto_n: int | None = None, limit: int = 100_000
    ) -> list[EventRow]:
        """Events with recording index in ``(after_n, upto_n]``, oldest first."""
        q = "SELECT id, ts, type, body FROM events WHERE id > :a"
        if upto_n is not None:
            q += " AND id <= :b"
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(q + " ORDER BY id LIMIT :l"), {"a": after_n, "b": upto_n, "l": limit}
            )
            return [EventRow(*r) for r in rows]

    def event_bodies(self, after_n: int, upto_n: int) -> list[tuple[str, str]]:
        """``(type, body)`` of the events in ``(after_n, upto_n]``, oldest first.

        A seek's tail, straight through the driver by the primary key: no per-row
        :class:`EventRow`, and only the two columns the seek reads.
        """
        q = "SELECT type, body FROM events WHERE id > ? AND id <= ? ORDER BY id"
        with self.engine.connect() as conn:
            return [(str(k), str(b)) for k, b in conn.exec_driver_sql(q, (after_n, upto_n))]

    def iter_events(
        self, after_n: int, upto_n: int, chunk: int = 20_000
    ) -> Iterator[list[EventRow]]:
        """Events in ``(after_n, upto_n]`` in chunks."""
        while after_n < upto_n:
            rows = self.events(after_n, upto_n, chunk)
            if not rows:
                return
            yield rows
            after_n = rows[-1].n

    def next_time(self, after_ts: float, stream: str | None = None) -> float | None:
        """Time of the first event (of ``stream``, if given) strictly after ``after_ts``."""
        with self.engine.connect() as conn:
            if stream is None:
                q = text("SELECT ts FROM events WHERE ts > :t ORDER BY ts LIMIT 1")
                return conn.execute(q, {"t": after_ts}).scalar()
            if stream not in STREAMS:
                raise ValueError(f"unknown stream {stream!r}")
            sec = conn.execute(
                text(
                    f"SELECT second FROM counts WHERE second >= :s AND {stream} > 0 ORDER BY second"
                ),
                {"s": int(after_ts)},
            )
            types = {"alerts": ("alert.new", "alert.updated"), "radio": ("radio.call",)}.get(
                stream, ("unit.position",)
            )
            for (second,) in sec:
                q = text("SELECT ts, type FROM events WHERE ts > :a AND ts < :b ORDER BY ts, id")
                for ts, kind in conn.execute(
                    q, {"a": max(after_ts, second - 1e-9), "b": second + 1}
                ):
                    if kind in types:
                        return float(ts)
            return None

    def prev_time(self, before_ts: float) -> float | None:
        """Time of the last event strictly before ``before_ts``."""
        q = text("SELECT ts FROM events WHERE ts < :t ORDER BY ts DESC LIMIT 1")
        with self.engine.connect() as conn:
            value = conn.execute(q, {"t": before_ts}).scalar()
        return None if value is None else float(value)

    def density(self, t0: float, t1: float, buckets: int) -> dict[str, list[int]]:
        """Event counts per stream in ``buckets`` equal slices of ``[t0, t1]``."""
        width = max(1.0, (t1 - t0) / max(1, buckets))
        out = {s: [0] * buckets for s in STREAMS}
        q = text(
            "SELECT CAST((second - :t0) / :w AS INTEGER) AS b, sum(alerts), sum(radio),"
            " sum(positions), sum(other) FROM counts WHERE second >= :s0 AND second <= :s1"
            " GROUP BY b"
        )
        with self.engine.connect() as conn:
            for b, *sums in conn.execute(q, {"t0": t0, "w": width, "s0": int(t0), "s1": int(t1)}):
                b = min(int(b), buckets - 1)  # the last second belongs to the last bucket
                if b >= 0:
                    for s, v in zip(STREAMS, sums, strict=True):
                        out[s][b] += int(v)
        return out

    def bookmarks(self) -> list[tuple[float, str, str]]:
        """``(time, author, text)`` of every bookmark, by time."""
        with self.engine.connect() as conn:
            q = select(Bookmark.ts, Bookmark.author, Bookmark.text).order_by(Bookmark.ts)
            return [(float(t), a, x) for t, a, x in conn.execute(q)]

    def commands(self, name: str | None = None) -> list[tuple[float, str, Wire, Wire]]:
        """``(time, name, args, result)`` of every recorded command (or of those named ``name``)."""
        with self.engine.connect() as conn:
            q = select(Command.ts, Command.name, Command.args, Command.result).order_by(Command.id)
            if name is not None:
                q = q.where(Command.name == name)
            return [(t, n, json.loads(a), json.loads(r)) for t, n, a, r in conn.execute(q)]

    def alert_span(self, alert_id: str) -> tuple[float, float] | None:
        """First and last time an alert's events were recorded."""
        q = text(
            "SELECT min(ts), max(ts) FROM events WHERE type IN ('alert.new', 'alert.updated')"
            " AND json_extract(body, '$.alert.id') = :id"
        )
        with self.engine.connect() as conn:
            lo, hi = conn.execute(q, {"id": alert_id}).one()
        return None if lo is None else (float(lo), float(hi))


def _image_type(name: str) -> str:
    """Content type of an evidence file (snapshots are PNG; clips are video)."""
    kind, _ = mimetypes.guess_type(name)
    return kind or "application/octet-stream"


def _pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=5000")
    # Checkpoint the WAL every 64 MiB, not every 4 MiB: a console recording 10,000 fixes a
    # second wrote each page twice about once a second (10 -> 6 us of writer CPU per event);
    # the WAL is cut back to that size after each checkpoint. Durability is WAL's as before.
    cur.execute("PRAGMA wal_autocheckpoint=16000")
    cur.execute(f"PRAGMA journal_size_limit={64 << 20}")
    cur.close()
