"""Where next (精准布控): the query ``sighting.where_next`` (``docs/protocol.md``).

From the last sighting of a plate or person, the cameras ahead along the street graph with the
window in which the target can reach each one, and the available units nearest to those
intercept points ranked by their ETA along the streets.

* **Speeds** come from the sightings themselves where the last two (at different cameras, at
  most :data:`OBSERVED_GAP_S` apart) give a plausible street speed — the window is that speed
  widened by :data:`OBSERVED_SPREAD` — else from :data:`DEFAULT_SPEEDS_MS` for the kind.
* **Ahead** is where the target can go on to from the last sighting without turning back: the
  route from the previous sighting through the last one to the camera is at most
  :data:`TURN_BACK` (plus 60 m of junction offsets) longer than the shortest route from the
  previous sighting there. A car seen at A then B is not looked for behind B, nor behind A.
  With one sighting every direction is ahead.
* **No street graph** (a site whose inventory was imported without streets): distances are the
  straight line times :data:`DETOUR`, every path is the straight segment, and the answer says
  so (``routing: "straight_line"``, ``guess: true`` on every camera, and a ``note``).

Commanders only, like ``sighting.search`` (sightings are personal data); the audit keeps the
arguments and how many cameras and units were proposed, not the answer itself
(:func:`audit_data`).
"""

from __future__ import annotations

import asyncio
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Engine, select

from backend_stub.sightings import MAX_SEARCH_DAYS, SightingRow, check_value
from backend_stub.state import Actor, Refused
from console.geo import haversine_m
from console.protocol.codec import format_ts, parse_ts

if TYPE_CHECKING:
    from backend_stub.server import Backend

Wire = dict[str, Any]
Point = tuple[float, float]

NAME = "sighting.where_next"
#: (slowest, fastest) m/s when the sightings give no speed: 20–60 km/h for a vehicle in town,
#: a slow to a brisk walk for a person.
DEFAULT_SPEEDS_MS: dict[str, tuple[float, float]] = {"plate": (5.5, 16.7), "face": (0.7, 2.0)}
#: An observed speed ``v`` gives the window ``[0.6 v, 1.4 v]`` (traffic lights, a stop).
OBSERVED_SPREAD = (0.6, 1.4)
#: Two sightings further apart than this say nothing about the speed (the target stopped).
OBSERVED_GAP_S = 900.0
#: Faster than this between two cameras is a misread or a missed stretch, not a speed.
MAX_SPEED_MS = 45.0
#: Street distance over straight-line distance in a city grid (as the console's dispatch uses).
DETOUR = 1.35
#: Typical unit speeds, m/s, for the ETA of a unit to an intercept point.
UNIT_SPEEDS_MS = {
    "patrol_car": 11.1,
    "motorcycle": 9.7,
    "traffic": 9.7,
    "swat": 12.5,
    "foot": 1.4,
    "drone": 16.7,
}
DEFAULT_UNIT_SPEED_MS = 9.7
#: A unit whose last fix is older than this (before ``at``) is not proposed.
UNIT_FIX_MAX_S = 1800.0
#: How much longer than the shortest route a route through the last sighting may be ("ahead").
TURN_BACK = 0.1
#: Cameras this close to the last sighting are where the target was, not ahead of it.
HERE_M = 30.0
#: Units are routed to this many of the first cameras ahead (the intercept points).
INTERCEPTS = 6
HORIZON_S = 900.0
LIMIT = 12
UNITS = 5
LOOKBACK_S = 24 * 3600.0
_RECENT = 20  # sightings read back from the last one (repeats at one camera, misreads)


class StreetGraph(Protocol):
    """What the query needs of a street network (``backend_stub.district.District`` has it)."""

    @property
    def nodes(self) -> Mapping[int, Any]:
        """Junctions by id, each with ``lat`` and ``lon``."""
        ...

    def nearest_node(self, lat: float, lon: float) -> int:
        """The junction nearest to a point."""
        ...

    def distances_from(self, source: int) -> tuple[list[float], list[int]]:
        """Street metres from ``source`` to every junction, and the shortest-path tree."""
        ...


class _Field:
    """Distances from one point to anywhere: along the streets, or a straight-line guess."""

    def __init__(self, router: _Router, origin: Point) -> None:
        self.router, self.origin = router, origin
        graph = router.graph
        self._node = -1
        self._dist: list[float] = []
        self._prev: list[int] = []
        if graph is not None:
            self._node = router.node_of(origin)
            self._dist, self._prev = graph.distances_from(self._node)

    def metres(self, point: Point) -> float:
        """Distance from the origin to ``point`` (inf where the streets do not connect)."""
        if self.router.graph is None:
            return haversine_m(*self.origin, *point) * DETOUR
        node = self.router.node_of(point)
        return (
            self._dist[node]
            + self.router.off_street(self.origin, self._node)
            + self.router.off_street(point, node)
        )

    def path(self, point: Point) -> list[list[float]]:
        """The route from the origin to ``point`` as ``[[lat, lon], ...]``."""
        graph = self.router.graph
        if graph is None:
            return [list(self.origin), list(point)]
        nodes, node = [], self.router.node_of(point)
        while node >= 0:  # back along the tree to the origin's junction (its prev is -1)
            nodes.append(node)
            node = self._prev[node]
        junctions = [[graph.nodes[n].lat, graph.nodes[n].lon] for n in reversed(nodes)]
        return [list(self.origin), *junctions, list(point)]


class _Router:
    """The street graph of one query, with each point's junction looked up once."""

    def __init__(self, graph: StreetGraph | None) -> None:
        self.graph = graph
        self._nodes: dict[Point, int] = {}

    def node_of(self, point: Point) -> int:
        node = self._nodes.get(point)
        if node is None:
            assert self.graph is not None
            node = self._nodes[point] = self.graph.nearest_node(*point)
        return node

    def off_street(self, point: Point, node: int) -> float:
        assert self.graph is not None
        junction = self.graph.nodes[node]
        return haversine_m(point[0], point[1], junction.lat, junction.lon)

    def field(self, origin: Point) -> _Field:
        return _Field(self, origin)


@dataclass(frozen=True, slots=True)
class Seen:
    """A sighting at a camera that has a position."""

    camera_id: str
    camera_name: str
    ts: float
    point: Point


def recent_sightings(
    engine: Engine, kind: str, value: str, since: float, until: float
) -> list[tuple[str, float]]:
    """The last sightings of one value in ``[since, until]``, newest first: ``(camera, ts)``."""
    query = (
        select(SightingRow.camera_id, SightingRow.ts)
        .where(
            SightingRow.kind == kind,
            SightingRow.value == value,
            SightingRow.ts >= since,
            SightingRow.ts <= until,
        )
        .order_by(SightingRow.ts.desc(), SightingRow.id.desc())
        .limit(_RECENT)
    )
    with engine.connect() as conn:
        return [(str(r.camera_id), float(r.ts)) for r in conn.execute(query)]


def speed_window(
    kind: str, last: Seen, previous: Seen | None, router: _Router
) -> tuple[float, float, float | None]:
    """``(slowest, fastest, observed)`` m/s; ``observed`` is None where the default is used."""
    if previous is not None:
        gap = last.ts - previous.ts
        if 0 < gap <= OBSERVED_GAP_S:
            observed = router.field(previous.point).metres(last.point) / gap
            if 0.2 < observed <= MAX_SPEED_MS:
                low, high = OBSERVED_SPREAD
                return observed * low, min(observed * high, MAX_SPEED_MS), observed
    low_ms, high_ms = DEFAULT_SPEEDS_MS[kind]
    return low_ms, high_ms, None


def plan(
    graph: StreetGraph | None,
    kind: str,
    seen: list[Seen],
    cameras: Mapping[str, Wire],
    units: Mapping[str, Wire],
    positions: Mapping[str, Wire],
    *,
    at: float,
    horizon_s: float = HORIZON_S,
    limit: int = LIMIT,
    n_units: int = UNITS,
) -> Wire:
    """The answer's cameras, units and speeds from ``seen`` (newest first, at least one).

    Pure (no I/O): the backend runs it off its event loop on copies of the state.
    """
    router = _Router(graph)
    last = seen[0]
    previous = next((s for s in seen[1:] if s.camera_id != last.camera_id), None)
    slow, fast, observed = speed_window(kind, last, previous, router)
    ahead = router.field(last.point)
    behind = router.field(previous.point) if previous is not None else None
    back = behind.metres(last.point) if behind is not None else 0.0
    found: list[tuple[float, float, str, Point]] = []
    for cid, cam in cameras.items():
        if cam.get("lat") is None or cam.get("lon") is None:
            continue
        point = (float(cam["lat"]), float(cam["lon"]))
        metres = ahead.metres(point)
        if not math.isfinite(metres) or metres < HERE_M:
            continue
        if behind is not None and back + metres > behind.metres(point) * (1 + TURN_BACK) + 60:
            continue  # reached from the previous sighting only by turning back at the last one
        earliest, latest = last.ts + metres / fast, last.ts + metres / slow
        if latest < at or earliest > at + horizon_s:
            continue  # already passed, or beyond the horizon
        found.append((earliest, metres, cid, point))
    found.sort()
    guess = graph is None
    out_cameras = [
        {
            "id": cid,
            "name": cameras[cid].get("name", cid),
            "lat": point[0],
            "lon": point[1],
            "status": cameras[cid].get("status"),
            "distance_m": round(metres, 1),
            "earliest_s": round(metres / fast, 1),
            "latest_s": round(metres / slow, 1),
            "earliest": format_ts(earliest),
            "latest": format_ts(last.ts + metres / slow),
            "path": [[round(a, 6), round(b, 6)] for a, b in ahead.path(point)],
            "guess": guess,
        }
        for earliest, metres, cid, point in found[:limit]
    ]
    return {
        "routing": "straight_line" if guess else "streets",
        "note": (
            f"no street graph on this site: distances are the straight line × {DETOUR:g} "
            "and every window is a guess"
            if guess
            else None
        ),
        "speed": {
            "min_ms": round(slow, 2),
            "max_ms": round(fast, 2),
            "observed_ms": round(observed, 2) if observed is not None else None,
            "source": "observed" if observed is not None else "default",
        },
        "cameras": out_cameras,
        "units": rank_units(router, out_cameras, units, positions, at, n_units),
    }


def rank_units(
    router: _Router,
    cameras: list[Wire],
    units: Mapping[str, Wire],
    positions: Mapping[str, Wire],
    at: float,
    limit: int,
) -> list[Wire]:
    """Available units with a recent fix, each sent to the intercept point it reaches first
    (preferring one it reaches before the target's window there closes), ranked: in time
    first, then by ETA."""
    points = cameras[:INTERCEPTS]
    if not points or limit <= 0:
        return []
    fields = [router.field((c["lat"], c["lon"])) for c in points]
    ranked: list[tuple[bool, float, Wire]] = []
    for uid, unit in units.items():
        fix = positions.get(uid)
        if unit.get("status") != "available" or fix is None:
            continue
        if at - _fix_epoch(fix, at) > UNIT_FIX_MAX_S:
            continue
        here = (float(fix["lat"]), float(fix["lon"]))
        speed = UNIT_SPEEDS_MS.get(str(unit.get("kind")), DEFAULT_UNIT_SPEED_MS)
        best: tuple[bool, float, float, Wire] | None = None
        for camera, field in zip(points, fields, strict=True):
            metres = field.metres(here)
            if not math.isfinite(metres):
                continue
            eta = metres / speed
            in_time = at + eta <= parse_ts(camera["latest"])
            if best is None or (in_time, -eta) > (best[0], -best[1]):
                best = (in_time, eta, metres, camera)
        if best is None:
            continue
        in_time, eta, metres, camera = best
        ranked.append(
            (
                not in_time,
                eta,
                {
                    "id": uid,
                    "callsign": unit.get("callsign", uid),
                    "kind": unit.get("kind"),
                    "lat": here[0],
                    "lon": here[1],
                    "camera_id": camera["id"],
                    "camera_name": camera["name"],
                    "distance_m": round(metres, 1),
                    "eta_s": round(eta, 1),
                    "in_time": in_time,
                },
            )
        )
    ranked.sort(key=lambda r: (r[0], r[1], r[2]["id"]))
    return [r[2] for r in ranked[:limit]]


def _fix_epoch(fix: Wire, default: float) -> float:
    try:
        return parse_ts(fix["fix_ts"])
    except (KeyError, TypeError, ValueError):
        return default


async def where_next(backend: Backend, actor: Actor, args: Wire) -> Wire:
    """The ``data`` of ``sighting.where_next`` (arguments already checked against the schema).

    Raises:
        Refused: ``forbidden`` (not a commander), ``invalid`` (a malformed plate or person id,
            a time span the protocol does not allow) or ``not_found`` (no sighting in the span,
            or only at cameras the inventory no longer has).
    """
    if actor.role != "commander":
        raise Refused(
            "forbidden", "operators see only the watch-list alerts; where next is for commanders"
        )
    try:
        value = check_value(args["kind"], args["value"])
    except ValueError as exc:
        raise Refused("invalid", str(exc)) from None
    at = parse_ts(args["at"]) if args.get("at") else backend.clock()
    since = parse_ts(args["since"]) if args.get("since") else at - LOOKBACK_S
    if since > at:
        raise Refused("invalid", "since is after at")
    if (at - since) / 86400.0 > MAX_SEARCH_DAYS:
        raise Refused("invalid", f"since is at most {MAX_SEARCH_DAYS:g} days before at")
    store = backend.sightings
    rows: list[tuple[str, float]] = await store.run_db(
        recent_sightings, store.engine, args["kind"], value, since, at
    )
    if not rows:
        raise Refused("not_found", f"no sighting of {value} between {format_ts(since)} and then")
    state = backend.state
    seen = []
    for camera_id, ts in rows:
        cam = state.cameras.get(camera_id)
        if cam is not None and cam.get("lat") is not None and cam.get("lon") is not None:
            point = (float(cam["lat"]), float(cam["lon"]))
            seen.append(Seen(camera_id, str(cam.get("name", camera_id)), ts, point))
    if not seen:
        raise Refused("not_found", f"{value} was seen only by cameras no longer in the inventory")
    cameras, units, positions = dict(state.cameras), dict(state.units), dict(state.positions)
    answer: Wire = await asyncio.get_running_loop().run_in_executor(
        None,
        functools.partial(
            plan,
            backend.streets,
            args["kind"],
            seen,
            cameras,
            units,
            positions,
            at=at,
            horizon_s=float(args.get("horizon_s", HORIZON_S)),
            limit=int(args.get("limit", LIMIT)),
            n_units=int(args.get("units", UNITS)),
        ),
    )
    last = seen[0]
    return {
        "kind": args["kind"],
        "value": value,
        "at": format_ts(at),
        "from": {
            "camera_id": last.camera_id,
            "camera_name": last.camera_name,
            "lat": last.point[0],
            "lon": last.point[1],
            "ts": format_ts(last.ts),
        },
        "elapsed_s": round(at - last.ts, 1),
        **answer,
    }


def audit_data(data: Wire) -> Wire:
    """What the audit (and the idempotency record) keeps of an answer: counts, not places."""
    return {"cameras": len(data.get("cameras", ())), "units": len(data.get("units", ()))}
