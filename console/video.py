"""Video wall logic without Qt or libVLC: layouts, tours, stream choice, backoff, evidence.

Everything here is a pure function or a small class over injected time, so the wall's rules
are unit-tested without a display, a player or a clock.
"""

from __future__ import annotations

import enum
import hashlib
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from console.domain.model import Camera

# ---- layouts


@dataclass(frozen=True, slots=True)
class Cell:
    """One tile of a layout, in grid units (row, column, spans)."""

    row: int
    col: int
    row_span: int = 1
    col_span: int = 1


@dataclass(frozen=True, slots=True)
class WallLayout:
    """A wall layout: a ``rows`` x ``cols`` grid and its tiles, the main (big) tile first."""

    name: str
    rows: int
    cols: int
    cells: tuple[Cell, ...]

    @property
    def size(self) -> int:
        """Number of tiles."""
        return len(self.cells)


def _square(n: int) -> WallLayout:
    side = math.isqrt(n)
    cells = tuple(Cell(r, c) for r in range(side) for c in range(side))
    return WallLayout(str(n), side, side, cells)


def _one_plus(n: int, side: int, big: Cell) -> WallLayout:
    """One big tile ``big`` in a ``side`` x ``side`` grid, the other cells as small tiles."""
    taken = {
        (r, c)
        for r in range(big.row, big.row + big.row_span)
        for c in range(big.col, big.col + big.col_span)
    }
    small = tuple(Cell(r, c) for r in range(side) for c in range(side) if (r, c) not in taken)
    layout = WallLayout(f"1+{n}", side, side, (big, *small))
    assert layout.size == n + 1
    return layout


LAYOUTS: dict[str, WallLayout] = {
    lay.name: lay
    for lay in (
        *(_square(n) for n in (1, 4, 9, 16, 25, 36)),
        _one_plus(5, 3, Cell(0, 0, 2, 2)),
        _one_plus(7, 4, Cell(0, 0, 3, 3)),
        _one_plus(12, 4, Cell(1, 1, 2, 2)),
    )
}
"""Every standard layout by name: 1, 4, 9, 16, 25, 36, 1+5, 1+7, 1+12."""


def layout(name: str) -> WallLayout:
    """The layout called ``name`` (``KeyError`` if there is none)."""
    return LAYOUTS[name]


# ---- stream choice

SUB_SIZE = (320, 180)
"""Pixel size of a typical sub stream."""


def choose_stream(
    width_px: int,
    height_px: int,
    available: Iterable[str] = ("main", "sub"),
    sub_size: tuple[int, int] = SUB_SIZE,
    upscale: float = 1.25,
) -> str:
    """Pick ``main`` or ``sub`` for a tile of this physical pixel size.

    A tile no more than ``upscale`` times the sub stream's size shows the sub stream (grids of
    16 and more stay cheap); a bigger one gets the main stream. Falls back to whatever stream
    the camera has.
    """
    names = list(available)
    if not names:
        raise ValueError("camera has no streams")
    small = width_px <= sub_size[0] * upscale and height_px <= sub_size[1] * upscale
    want = "sub" if small else "main"
    if want in names:
        return want
    other = "main" if want == "sub" else "sub"
    return other if other in names else names[0]


def stream_for_cell(layout_size: int, row_span: int, col_span: int, enlarged: bool) -> str | None:
    """The stream a wall tile must take whatever its pixel size, or None to choose by size.

    An enlarged tile or a 1-tile layout takes ``main``; the single cells of a grid of 9 and
    more take ``sub`` (a wall of main streams is what makes video walls slow); the big cell
    of a 1+5 or 1+7 layout, and 4-up tiles, go by their size (:func:`choose_stream`).
    """
    if enlarged or layout_size == 1:
        return "main"
    if layout_size >= 9 and row_span == 1 and col_span == 1:
        return "sub"
    return None


# ---- reconnect backoff


class TileState(enum.Enum):
    """What a tile shows."""

    IDLE = "idle"
    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"


class Backoff:
    """Exponential reconnect delays: ``first``, then times ``factor``, capped at ``maximum``.

    With ``plateau=(cap, n)`` the first ``n`` delays are capped at ``cap`` (a source that
    blips is retried briskly for a while), and only then grow from ``cap`` by ``factor``.
    After ``give_up_after`` failed attempts (None: never) ``next_delay`` returns None and the
    tile shows "offline" (it keeps a slow retry at ``maximum`` only if ``give_up_after`` is
    None). A success calls ``reset``.
    """

    def __init__(
        self,
        first: float = 1.0,
        factor: float = 2.0,
        maximum: float = 30.0,
        give_up_after: int | None = None,
        plateau: tuple[float, int] | None = None,
    ) -> None:
        if first <= 0 or factor < 1 or maximum < first:
            raise ValueError("bad backoff parameters")
        if plateau is not None and not (first <= plateau[0] <= maximum and plateau[1] >= 0):
            raise ValueError("bad backoff plateau")
        self.first = first
        self.factor = factor
        self.maximum = maximum
        self.give_up_after = give_up_after
        self.plateau = plateau
        self.attempts = 0

    def next_delay(self) -> float | None:
        """The wait before the next attempt, counting it; None when giving up."""
        if self.give_up_after is not None and self.attempts >= self.give_up_after:
            return None
        n = self.attempts
        self.attempts += 1
        if self.plateau is not None:
            cap, steps = self.plateau
            if n < steps:
                return min(cap, self.first * self.factor**n)
            return min(self.maximum, cap * self.factor ** (n - steps + 1))
        return min(self.maximum, self.first * self.factor**n)

    def reset(self) -> None:
        """The stream is back: start again from ``first``."""
        self.attempts = 0


# ---- tours

TOUR_DWELL_MIN_S = 5.0
TOUR_DWELL_MAX_S = 300.0


def clamp_dwell(seconds: float) -> float:
    """A tour dwell within the allowed 5–300 s."""
    return max(TOUR_DWELL_MIN_S, min(TOUR_DWELL_MAX_S, float(seconds)))


class Tour:
    """Cycles through ``items`` (camera ids for one tile, or pages for the wall) over time.

    Time is given by the caller (``start`` and ``poll`` take ``now`` in seconds), so tours are
    tested with a fake clock and driven by a ``QTimer`` in the UI.
    """

    def __init__(self, items: Sequence[object], dwell_s: float, start: float) -> None:
        if not items:
            raise ValueError("a tour needs at least one item")
        self.items = list(items)
        self.dwell_s = clamp_dwell(dwell_s)
        self.started = start
        self._shown = 0

    def index_at(self, now: float) -> int:
        """Index of the item due at ``now``."""
        steps = max(0, int((now - self.started) // self.dwell_s))
        return steps % len(self.items)

    def current(self) -> object:
        """The item last returned by ``poll`` (the first one before any poll)."""
        return self.items[self._shown]

    def poll(self, now: float) -> object | None:
        """The item to switch to if one became due since the last poll, else None."""
        index = self.index_at(now)
        if index == self._shown:
            return None
        self._shown = index
        return self.items[index]

    def seconds_to_next(self, now: float) -> float:
        """Seconds until the next switch."""
        elapsed = max(0.0, now - self.started)
        return self.dwell_s - (elapsed % self.dwell_s)


def wall_pages(camera_ids: Sequence[str], tiles: int) -> list[tuple[str, ...]]:
    """Split cameras into pages of ``tiles`` for a whole-wall tour (the last page may be short)."""
    if tiles < 1:
        raise ValueError("tiles must be >= 1")
    return [tuple(camera_ids[i : i + tiles]) for i in range(0, len(camera_ids), tiles)]


# ---- alarm linkage

_EARTH_R_M = 6371008.8


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_R_M * math.asin(min(1.0, math.sqrt(a)))


def nearest_cameras(
    lat: float, lon: float, cameras: Iterable[Camera], radius_m: float = 300.0, limit: int = 4
) -> list[str]:
    """Ids of the cameras within ``radius_m`` of a point, nearest first, online ones first."""
    found = []
    for cam in cameras:
        d = distance_m(lat, lon, cam.lat, cam.lon)
        if d <= radius_m:
            found.append((not cam.online, d, cam.id))
    found.sort()
    return [cid for _, _, cid in found[:limit]]


def linked_cameras(
    camera_ids: Sequence[str],
    lat: float,
    lon: float,
    cameras: dict[str, Camera],
    radius_m: float = 300.0,
    limit: int = 4,
) -> list[str]:
    """The cameras an alert opens: its own ``camera_ids`` if any (known ones), else the nearest."""
    own = [cid for cid in camera_ids if cid in cameras]
    if own:
        return own[:limit]
    return nearest_cameras(lat, lon, cameras.values(), radius_m, limit)


# ---- evidence


@dataclass(frozen=True, slots=True)
class EvidenceRecord:
    """The sidecar of one evidence file: who took what, when, and the file's SHA-256.

    ``taken_at`` is when a snapshot was taken or a clip started; ``ended_at`` is when a clip
    ended (None for snapshots).
    """

    file: str
    camera_id: str
    camera_name: str
    taken_at: str
    operator: str
    sha256: str
    kind: str = "snapshot"
    ended_at: str | None = None


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def evidence_basename(camera_id: str, taken_at: float) -> str:
    """A sortable, filesystem-safe base name: ``C0001_20250101T120000.123Z``."""
    stamp = datetime.fromtimestamp(taken_at, UTC).strftime("%Y%m%dT%H%M%S.%f")[:-3] + "Z"
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", camera_id)
    return f"{safe}_{stamp}"


def write_evidence_sidecar(
    image: Path,
    camera_id: str,
    camera_name: str,
    operator: str,
    taken_at: float,
    kind: str = "snapshot",
    ended_at: float | None = None,
) -> EvidenceRecord:
    """Hash ``image`` (or a clip) and write ``<file>.json`` next to it; returns the record."""
    record = EvidenceRecord(
        file=image.name,
        camera_id=camera_id,
        camera_name=camera_name,
        taken_at=_iso(taken_at),
        operator=operator,
        sha256=sha256_file(image),
        kind=kind,
        ended_at=None if ended_at is None else _iso(ended_at),
    )
    sidecar = image.with_name(image.name + ".json")
    tmp = sidecar.with_name(sidecar.name + ".tmp")
    tmp.write_text(json.dumps(asdict(record), ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(sidecar)
    return record


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds")


def read_evidence(folder: Path) -> list[EvidenceRecord]:
    """Every evidence record in a folder, oldest first (unreadable sidecars skipped)."""
    out: list[EvidenceRecord] = []
    if not folder.is_dir():
        return out
    for sidecar in sorted(folder.glob("*.json")):
        try:
            out.append(EvidenceRecord(**json.loads(sidecar.read_text("utf-8"))))
        except (OSError, ValueError, TypeError):
            continue
    return out


def verify_evidence(folder: Path, record: EvidenceRecord) -> bool:
    """True if the evidence file still has the hash its sidecar recorded."""
    path = folder / record.file
    return path.is_file() and sha256_file(path) == record.sha256


# ---- saved views


@dataclass(frozen=True, slots=True)
class SavedView:
    """A named wall: its layout and the camera of every tile (None: empty tile)."""

    name: str
    layout: str
    cameras: tuple[str | None, ...]


MAX_VIEW_NAME = 60


def check_view_name(name: str) -> str:
    """The view name stripped; ``ValueError`` with a plain reason if it is not usable."""
    name = name.strip()
    if not name:
        raise ValueError("a view needs a name")
    if len(name) > MAX_VIEW_NAME:
        raise ValueError(f"a view name has at most {MAX_VIEW_NAME} characters")
    return name


def encode_views(views: Iterable[SavedView]) -> str:
    """Saved views as one JSON text (for a settings value), in the given order."""
    return json.dumps(
        [{"name": v.name, "layout": v.layout, "cameras": list(v.cameras)} for v in views],
        ensure_ascii=False,
    )


def decode_views(text: str | None) -> list[SavedView]:
    """Saved views from ``encode_views``' text; broken entries (or text) are skipped."""
    if not text:
        return []
    try:
        raw = json.loads(text)
    except ValueError:
        return []
    out: list[SavedView] = []
    if not isinstance(raw, list):
        return out
    for item in raw:
        try:
            name = check_view_name(str(item["name"]))
            lay = str(item["layout"])
            cams = tuple(None if c is None else str(c) for c in item["cameras"])
        except (KeyError, TypeError, ValueError):
            continue
        if lay in LAYOUTS and len(cams) <= LAYOUTS[lay].size:
            out.append(SavedView(name, lay, cams))
    return out
