"""The replay engine: drives a Store from a recording instead of a backend (Qt-free).

State at time ``t`` = the newest keyframe at or before ``t`` + the recorded events after it up
to ``t``, applied through ``Store.load_snapshot`` and ``Store.apply_many``, so every panel sees
the same domain events as live. Playing applies every event in order (stateful panels stay
right); crossing a backend snapshot recorded mid-session re-seeks. The clock is injected:
``tick()`` advances replay time by the clock's elapsed time times the speed.

A seek can be split: :meth:`ReplayEngine.prepare` (reads and parses; safe on a worker thread)
and :meth:`ReplayEngine.apply` (touches the Store; on the Store's thread).
"""

from __future__ import annotations

import json
import mimetypes
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from console.domain.model import AlertStatus, RadioCall
from console.domain.store import Store
from console.protocol.codec import format_ts
from console.replay_tail import decode_json, seek_tail
from console.storage.recording import (
    PARTS,
    EventRow,
    KeyframeRow,
    RecordingFile,
)

Wire = dict[str, Any]
SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 64.0)
LONG_RECORDING_S = 3600.0  # 64x is offered for recordings at least this long
EMPTY_STATE: Wire = {p: [] for p in PARTS}
READ_AHEAD = 4000
KEYFRAME_CLOSED_ALERTS = 200  # like the backend's snapshot: open alerts + the last 200 closed
KEYFRAME_LOG = 500
KEYFRAME_RADIO = 200


# ---------------------------------------------------------------- Store → wire


@dataclass(frozen=True, slots=True)
class StoreCopy:
    """A shallow copy of a Store's containers (their values are frozen dataclasses).

    Taken on the thread that owns the Store in microseconds; converted to wire JSON elsewhere.
    """

    units: Mapping[str, Any]
    positions: Mapping[str, Any]
    alerts: Mapping[str, Any]
    cameras: Mapping[str, Any]
    talkgroups: Mapping[str, str]
    layers: Mapping[str, Any]
    log: Sequence[Any]
    radio: Sequence[Any]
    seq: int | None


def copy_store(store: Any) -> StoreCopy:
    """Copy what a keyframe needs from a :class:`console.domain.store.Store`."""
    radio = store.radio_calls
    return StoreCopy(
        dict(store.units),
        dict(store.positions),
        dict(store.alerts),
        dict(store.cameras),
        dict(store.talkgroups),
        dict(store.layers),
        store.log[-KEYFRAME_LOG:],
        list(radio)[-KEYFRAME_RADIO:],
        store.seq,
    )


def store_to_wire_state(store: Any) -> Wire:
    """Turn a Store (or a :class:`StoreCopy`) back into snapshot ``state`` wire JSON.

    ``Store.load_snapshot`` of the result rebuilds equal units, positions, alerts, cameras,
    talkgroups and layers. Like the backend's snapshot it keeps open alerts plus the 200 most
    recently closed and the last 500 log entries; the extra ``radio`` key holds the last 200
    radio calls (a recording extension, ignored by ``load_snapshot``).
    """
    copy = store if isinstance(store, StoreCopy) else copy_store(store)
    return {name: wire_part(name, part_items(copy, name)) for name in PARTS}


def part_items(copy: StoreCopy, name: str) -> list[Any]:
    """What one part of a keyframe is made from: equal items, equal part (the recorder skips
    turning a part into JSON again when its items did not change since the last keyframe)."""
    if name == "talkgroups":
        return list(copy.talkgroups.items())
    if name in ("log", "radio"):
        return list(getattr(copy, name))
    return list(getattr(copy, name).values())


def wire_part(name: str, items: list[Any]) -> list[Wire]:
    """The wire JSON of one part of :func:`store_to_wire_state` from its :func:`part_items`."""
    return _PART_TO_WIRE[name](items)


def _units(units: list[Any]) -> list[Wire]:
    return [
        {
            "id": u.id,
            "callsign": u.callsign,
            "kind": u.kind,
            "radio_id": u.radio_id,
            "talkgroup": u.talkgroup,
            "grid_id": u.grid_id,
            "status": str(u.status),
        }
        for u in units
    ]


def _positions(positions: list[Any]) -> list[Wire]:
    # The largest part of a keyframe (every fix of every unit): plain dict building.
    out: list[Wire] = []
    for p in positions:
        wire: Wire = {"unit_id": p.unit_id, "lat": p.lat, "lon": p.lon}
        if p.fix_ts:
            wire["fix_ts"] = format_ts(p.fix_ts)
        if p.speed_kmh is not None:
            wire["speed_kmh"] = p.speed_kmh
        if p.heading_deg is not None:
            wire["heading_deg"] = p.heading_deg
        if p.source is not None:
            wire["source"] = p.source
        out.append(wire)
    return out


def _alerts(alerts: list[Any]) -> list[Wire]:
    closed = [a for a in alerts if a.status is AlertStatus.CLOSED]
    keep = {a.id for a in sorted(closed, key=lambda a: a.created_ts)[-KEYFRAME_CLOSED_ALERTS:]}
    return [_alert(a) for a in alerts if a.is_open or a.id in keep]


def _cameras(cameras: list[Any]) -> list[Wire]:
    return [
        {
            "id": c.id,
            "name": c.name,
            "lat": c.lat,
            "lon": c.lon,
            "grid_id": c.grid_id,
            "streams": dict(c.streams),
            "ptz": c.ptz,
            "status": "online" if c.online else "offline",
        }
        for c in cameras
    ]


def _log(entries: list[Any]) -> list[Wire]:
    return [
        {
            "id": e.id,
            "ts": format_ts(e.ts),
            "author": e.author,
            "text": e.text,
            "alert_id": e.alert_id,
            "talkgroup": e.talkgroup,
        }
        for e in entries
    ]


_PART_TO_WIRE: dict[str, Callable[[list[Any]], list[Wire]]] = {
    "units": _units,
    "positions": _positions,
    "alerts": _alerts,
    "cameras": _cameras,
    "talkgroups": lambda items: [{"id": k, "alias": v} for k, v in items],
    "layers": lambda items: [
        {"id": la.id, "kind": la.kind, "name": la.name, "geojson": la.geojson} for la in items
    ],
    "log": _log,
    "radio": lambda items: [radio_to_wire(c) for c in items],
}


def _alert(a: Any) -> Wire:
    return {
        "id": a.id,
        "kind": a.kind,
        "priority": a.priority,
        "title": a.title,
        "description": a.description,
        "lat": a.lat,
        "lon": a.lon,
        "address": a.address,
        "grid_id": a.grid_id,
        "status": str(a.status),
        "created_ts": format_ts(a.created_ts),
        "version": a.version,
        "owner": a.owner,
        "unit_ids": list(a.unit_ids),
        "camera_ids": list(a.camera_ids),
        "history": [
            {"ts": format_ts(h.ts), "operator": h.operator, "action": h.action, "note": h.note}
            for h in a.history
        ],
    }


def radio_to_wire(c: Any) -> Wire:
    """A RadioCall as its wire ``call`` object."""
    return {
        "id": c.id,
        "talkgroup": c.talkgroup,
        "source_radio_id": c.source_radio_id,
        "target_radio_id": c.target_radio_id,
        "kind": c.kind,
        "start_ts": format_ts(c.start_ts),
        "duration_s": c.duration_s,
        "audio_url": c.audio_url,
        "encrypted": c.encrypted,
    }


@dataclass(frozen=True, slots=True)
class Frame:
    """Everything needed to put a Store at time ``t``: a keyframe state plus later events.

    ``events`` leaves out the fixes a later fix of the same unit overwrites
    (:func:`console.replay_tail.seek_tail`); ``dropped_seq`` is the newest seq among them and
    ``count`` the number of recorded events the frame stands for.
    """

    t: float
    n: int
    seq: int
    state: Wire
    events: list[Wire]
    dropped_seq: int | None = None
    count: int = 0


class ReplayEngine:
    """Plays one recording into a Store.

    Args:
        recording: the recording file path, or an open :class:`RecordingFile`.
        store: the Store every panel watches (no backend client exists in replay mode).
        clock: a monotonic clock in seconds (injected in tests).
    """

    def __init__(
        self,
        recording: str | Path | RecordingFile,
        store: Store,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(recording, RecordingFile):
            self.file = recording
        else:
            self.file = RecordingFile(recording, create=False)
        self.store = store
        self.clock = clock
        meta = self.file.meta()
        self.meta = meta
        self.start_ts = float(meta.get("start_ts", 0.0))
        self.end_ts = float(meta.get("end_ts", self.start_ts))
        self.event_count = int(meta.get("event_count", 0))
        self.position = self.start_ts
        self.speed = 1.0
        self.playing = False
        self.loop: tuple[float, float] | None = None
        self._n = 0
        self._wall: float | None = None
        self._ahead: deque[EventRow] = deque()
        self._cache: OrderedDict[str, Any] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._applied: deque[tuple[float, int]] = deque()
        self.audio_source: Callable[[str], str | None] | None = None
        """Maps a call's recorded ``audio_url`` to where replay can play it (e.g. the
        recording's own copy, served locally); None or an unknown URL keeps the original."""

    def _local_audio(self, call: Wire) -> Wire:
        url = call.get("audio_url")
        local = self.audio_source(url) if self.audio_source is not None and url else None
        return call if local is None else {**call, "audio_url": local}

    def _with_local_audio(self, events: list[Wire]) -> None:
        if self.audio_source is None:
            return
        for e in events:
            if e.get("type") == "radio.call" and isinstance(e.get("call"), dict):
                e["call"] = self._local_audio(e["call"])

    @property
    def duration(self) -> float:
        """Length of the recording in seconds."""
        return self.end_ts - self.start_ts

    @property
    def speeds(self) -> tuple[float, ...]:
        """The speeds offered for this recording (64x only for long ones)."""
        return SPEEDS if self.duration >= LONG_RECORDING_S else SPEEDS[:-1]

    def close(self) -> None:
        """Close the recording file."""
        self.file.close()

    # ---------------------------------------------------------------- seek

    def _part(self, digest: str, raw: bytes | None) -> Any:
        with self._cache_lock:
            if digest in self._cache:
                self._cache.move_to_end(digest)
                return self._cache[digest]
        value = decode_json(raw) if raw is not None else []
        with self._cache_lock:
            self._cache[digest] = value
            while len(self._cache) > 64:
                self._cache.popitem(last=False)
        return value

    def _state(self, kf: KeyframeRow) -> Wire:
        with self._cache_lock:
            missing = [h for h in kf.parts.values() if h not in self._cache]
        raw = self.file.blobs(missing) if missing else {}
        return {name: self._part(h, raw.get(h)) for name, h in kf.parts.items()}

    def prepare(self, t: float) -> Frame:
        """Read what a seek to ``t`` needs (thread-safe; does not touch the Store)."""
        t = min(max(t, self.start_ts), self.end_ts)
        kf = self.file.keyframe_at(t)
        upto = self.file.last_event_n(t)
        after = kf.event_n if kf is not None else 0
        rows = self.file.event_bodies(after, upto)
        state = self._state(kf) if kf is not None else EMPTY_STATE
        seq = (kf.seq or 0) if kf is not None else 0
        events, dropped_seq = seek_tail(rows)
        return Frame(t, max(upto, after), seq, state, events, dropped_seq, len(rows))

    def apply(self, frame: Frame) -> None:
        """Put the Store at the prepared frame's time (on the Store's thread)."""
        store = self.store
        store.radio_calls.clear()
        store.radio_calls.extend(
            RadioCall.from_wire(self._local_audio(c)) for c in frame.state.get("radio", [])
        )
        store.load_snapshot(frame.seq, frame.state)
        self._with_local_audio(frame.events)
        if frame.events:
            store.apply_many(frame.events)
        if frame.dropped_seq is not None and (store.seq is None or frame.dropped_seq > store.seq):
            store.seq = frame.dropped_seq  # as if the overwritten fixes had been applied too
        self._count(frame.count)
        self.position = frame.t
        self._n = frame.n
        self._ahead.clear()
        self._wall = self.clock() if self.playing else None

    def seek(self, t: float) -> None:
        """Put the Store at time ``t`` (clamped to the recording)."""
        self.apply(self.prepare(t))

    # ---------------------------------------------------------------- play

    def play(self) -> None:
        """Start playing from the current position at the current speed."""
        if self.position >= self.end_ts:
            self.seek(self.loop[0] if self.loop else self.start_ts)
        self.playing = True
        self._wall = self.clock()

    def pause(self) -> None:
        """Stop advancing (the Store keeps its state)."""
        self.tick()
        self.playing = False
        self._wall = None

    def set_speed(self, speed: float) -> None:
        """Change the playback speed (one of :attr:`speeds`)."""
        if speed not in self.speeds:
            raise ValueError(f"speed {speed} not offered; choose one of {self.speeds}")
        if self.playing:
            self.tick()
        self.speed = speed

    def set_loop(self, t0: float, t1: float) -> None:
        """Loop playback over ``[t0, t1]``."""
        if t1 <= t0:
            raise ValueError("a loop needs its end after its start")
        self.loop = (t0, t1)

    def clear_loop(self) -> None:
        """Stop looping."""
        self.loop = None

    def tick(self) -> int:
        """Advance replay time by the clock's elapsed time x speed; returns events applied."""
        if not self.playing or self._wall is None:
            return 0
        now = self.clock()
        target = self.position + (now - self._wall) * self.speed
        self._wall = now
        applied = 0
        if self.loop is not None and target > self.loop[1]:
            applied += self.advance_to(self.loop[1])
            over = target - self.loop[1]
            self.seek(self.loop[0])
            target = min(self.loop[0] + over, self.loop[1])
        if target >= self.end_ts and self.loop is None:
            applied += self.advance_to(self.end_ts)
            self.playing = False
            self._wall = None
            return applied
        return applied + self.advance_to(target)

    def advance_to(self, t: float) -> int:
        """Apply every event up to ``t`` (forward only; a backend snapshot on the way re-seeks)."""
        if t < self.position:
            self.seek(t)
            return 0
        if self.file.resets_between(self.position, t):
            frame = self.prepare(t)
            self.apply(frame)
            return frame.count
        batch: list[Wire] = []
        while True:
            if not self._ahead:
                self._ahead.extend(self.file.events(self._n, None, READ_AHEAD))
                if not self._ahead:
                    break
            row = self._ahead[0]
            if row.ts > t:
                break
            self._ahead.popleft()
            batch.append(decode_json(row.body))
            self._n = row.n
        if batch:
            self._with_local_audio(batch)
            self.store.apply_many(batch)
        self._count(len(batch))
        self.position = t
        return len(batch)

    def step(self) -> int:
        """Apply the next arrival (every event received at the next recorded time)."""
        t = self.file.next_time(self.position)
        return 0 if t is None else self.advance_to(t)

    def step_back(self) -> None:
        """Go back to the previous arrival."""
        t = self.file.prev_time(self.position)
        self.seek(self.start_ts if t is None else t)

    def next_alert(self) -> float | None:
        """Jump to the next alert event; returns its time (None: there is none)."""
        t = self.file.next_time(self.position, "alerts")
        if t is not None:
            self.advance_to(t)
        return t

    def next_bookmark(self) -> float | None:
        """Jump to the next bookmark; returns its time (None: there is none)."""
        later = [b[0] for b in self.file.bookmarks() if b[0] > self.position + 1e-6]
        if not later:
            return None
        self.advance_to(later[0])
        return later[0]

    def add_bookmark(self, author: str, text: str, t: float | None = None) -> None:
        """Save a bookmark (an annotation when ``text`` says something) at ``t`` or now."""
        self.file.add_bookmark(self.position if t is None else t, author, text)

    def _count(self, n: int) -> None:
        now = self.clock()
        self._applied.append((now, n))
        while self._applied and self._applied[0][0] < now - 1.0:
            self._applied.popleft()

    @property
    def events_per_second(self) -> int:
        """Events applied to the Store over the last second of the clock."""
        now = self.clock()
        return sum(n for t, n in self._applied if t >= now - 1.0)

    # ---------------------------------------------------------------- export

    def export(
        self,
        dest: str | Path,
        t0: float,
        t1: float,
        *,
        evidence_dir: str | Path | None = None,
        fetch: Callable[[str], bytes | None] | None = None,
    ) -> int:
        """Write ``[t0, t1]`` to a new self-contained recording; returns events written.

        Blocking (disk, maybe network): run it in an executor. The export holds the events,
        keyframes, commands and bookmarks of the range, the audio of its radio calls (copied
        from this recording, or fetched with ``fetch`` when this one lacks it), the evidence
        snapshots taken in it (from this recording and from ``evidence_dir``) and the debrief
        captures in it.
        """
        t0, t1 = max(t0, self.start_ts), min(t1, self.end_ts)
        scratch = Store()
        frame = ReplayEngine(self.file, scratch)
        frame.seek(t0)
        out = RecordingFile(dest)
        try:
            first = (t0, 0, store_to_wire_state(copy_store(scratch)), scratch.seq, True)
            n0, n1 = self.file.last_event_n(t0), self.file.last_event_n(t1)
            out.write_batch((), [first])
            written, last_t = 0, t0
            for chunk in self.file.iter_events(n0, n1, chunk=5000):
                # A keyframe after every chunk keeps seeks in the export fast.
                reset = self.file.resets_between(last_t, chunk[-1].ts)
                last_t = chunk[-1].ts
                frame.advance_to(last_t)
                state = store_to_wire_state(copy_store(scratch))
                keyframe = (last_t, len(chunk), state, scratch.seq, reset)
                out.write_batch([(r.ts, r.body) for r in chunk], [keyframe])
                written += len(chunk)
            cmds = [c for c in self.file.commands() if t0 <= c[0] <= t1]
            out.write_batch(commands=cmds)
            for ts, author, text in self.file.bookmarks():
                if t0 <= ts <= t1:
                    out.add_bookmark(ts, author, text)
            calls = [(t0, c["id"], c.get("audio_url")) for c in first[2].get("radio", [])]
            calls += [(r.ts, r.call_id, r.audio_url) for r in self.file.radio_calls(t0, t1)]
            missing = self._copy_media(out, calls, t0, t1, evidence_dir, fetch)
            out.set_meta(
                {
                    "start_ts": t0,
                    "end_ts": t1,
                    "exported_from": str(self.file.path),
                    "missing_audio": missing,
                }
            )
        finally:
            out.close()
        return written

    def _copy_media(
        self,
        out: RecordingFile,
        calls: list[tuple[float, str, str | None]],
        t0: float,
        t1: float,
        evidence_dir: str | Path | None,
        fetch: Callable[[str], bytes | None] | None,
    ) -> list[str]:
        """Audio, evidence and captures of the range into ``out``; returns calls with no audio."""
        have = self.file.audio_index()
        missing: list[str] = []
        done: set[str] = set()
        for ts, call_id, url in calls:
            if not url or url in done:
                continue
            done.add(url)
            found = self.file.media(have[url]) if url in have else None
            if found is None and fetch is not None:
                data = fetch(url)
                found = (guess_audio_type(url), data) if data else None
            if found is None:
                missing.append(call_id)
                continue
            out.add_audio(url, call_id, ts, found[1], found[0])
        for row in self.file.evidence(t0, t1):
            media = self.file.media(row.hash)
            if media is not None:
                out.add_evidence(row.name, row.ts, row.sidecar, media[1])
        if evidence_dir is not None:
            for ts, name, sidecar, data in read_evidence_files(Path(evidence_dir), t0, t1):
                out.add_evidence(name, ts, sidecar, data)
        for cap in self.file.captures(t0, t1):
            media = self.file.media(cap.hash)
            if media is not None:
                out.add_capture(cap.ts, cap.author, cap.note, media[1])
        return missing

    def export_alert(self, dest: str | Path, alert_id: str, margin_s: float = 30.0) -> int:
        """Export one incident (from its first to its last recorded change, plus a margin).

        Raises:
            KeyError: the alert never appears in the recording.
        """
        span = self.file.alert_span(alert_id)
        if span is None:
            raise KeyError(alert_id)
        return self.export(dest, span[0] - margin_s, span[1] + margin_s)


def guess_audio_type(url: str) -> str:
    """Content type of an audio URL by its suffix."""
    kind, _ = mimetypes.guess_type(url.split("?", 1)[0])
    return kind or "application/octet-stream"


def read_evidence_files(folder: Path, t0: float, t1: float) -> list[tuple[float, str, str, bytes]]:
    """``(time, image name, sidecar JSON, image bytes)`` of evidence taken in ``[t0, t1]``.

    The sidecars are those the video wall writes (``<image>.json``, ``taken_at`` in ISO 8601);
    an unreadable sidecar or a missing image is skipped.
    """
    out: list[tuple[float, str, str, bytes]] = []
    if not folder.is_dir():
        return out
    for sidecar in sorted(folder.glob("*.json")):
        try:
            raw = sidecar.read_text("utf-8")
            record = json.loads(raw)
            taken = datetime.fromisoformat(str(record["taken_at"]).replace("Z", "+00:00"))
            ts = taken.timestamp()
            image = folder / str(record["file"])
            if t0 <= ts <= t1 and image.is_file():
                out.append((ts, image.name, raw, image.read_bytes()))
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out
