"""A deterministic demo district modelled on the urban core of Dongsheng District, Ordos.

Everything is generated from one seed with its own ``random.Random``: a lattice of jittered
grid cells (网格) grouped into the real sub-districts (街道), a street network of real main
roads and made-up minor streets, cameras at junctions, and police units with PDT radios.
The geometry is small (no shapely): quads, ray casting and centroids from ``console.geo``
(the geometry the console and the backend share), and Dijkstra.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
from dataclasses import dataclass
from typing import Any

from console.geo import haversine_m, point_in_ring, polygon_centroid

__all__ = [
    "CORE_BOX",
    "Camera",
    "District",
    "Grid",
    "Node",
    "Street",
    "Talkgroup",
    "UnitSeed",
    "build_district",
]

#: (west lon, south lat, east lon, north lat) of the simulated urban core.
CORE_BOX: tuple[float, float, float, float] = (109.90, 39.78, 110.06, 39.86)
_CENTER: tuple[float, float] = (39.82, 109.98)
_GRID_COLS = 40
_GRID_ROWS = 20
_EW_LINES = 22  # streets running east-west ("街"), north to south
_NS_LINES = 34  # streets running north-south ("路"), west to east
_M_PER_DEG_LAT = 111_320.0


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: Sub-district name, its police station's talkgroup, seed position (col, row) as fractions.
_SUBDISTRICTS: tuple[tuple[str, str, float, float], ...] = tuple(
    (name, str(1101 + k), float(fc), float(fr))
    for k, (name, fc, fr) in enumerate(
        item.split(":")
        for item in _words(
            "交通:.52:.42 公园:.62:.62 林荫:.73:.36 建设:.45:.80 富兴:.25:.20 天骄:.78:.82 "
            "诃额伦:.92:.45 兴胜:.44:.12 幸福:.64:.14 纺织:.22:.76 民族:.37:.46 额尔敦:.07:.50"
        )
    )
)


_EW_MAIN = _words("北环路 宝日陶亥街 伊金霍洛街 鄂尔多斯大街 吉劳庆街 纺织街 团结路 南环路")
_NS_MAIN = _words(
    "西环路 铁西路 罕台路 杭锦路 准格尔路 达拉特路 林荫路 天骄路 万佳路 伊煤路 东环路"
)
_EW_MINOR = _words(
    "文明巷 育才街 和谐街 永安街 民生街 兴华街 锦绣街 东苑街 阳光街 园丁巷 昌盛街 "
    "丰收街 安康街 振兴街 吉祥街 康乐街"
)
_NS_MINOR = _words(
    "育英路 文化路 民主路 和平路 新华路 永昌路 光明路 工业路 建业路 宏图路 兴业路 友谊路 "
    "迎宾路 富强路 利民路 长青路 松林路 翠柏路 嘉和路 锦华路 瑞祥路 景泰路 华泰路 同心路 通达路"
)
_UNIT_KINDS = {"patrol_car": 0.55, "foot": 0.14, "motorcycle": 0.12, "traffic": 0.1}
_UNIT_KINDS |= {"swat": 0.05, "drone": 0.04}
_NEIGHBOURS = tuple((dr, dc) for dr in (0, 1, -1) for dc in (0, 1, -1))
_DIRECTIONS = ("东向", "西向", "南向", "北向")
_DIR_VECTORS = {"东向": (0.0, 1.0), "西向": (0.0, -1.0), "南向": (-1.0, 0.0), "北向": (1.0, 0.0)}


@dataclass(frozen=True, slots=True)
class Grid:
    """One grid cell (网格) of community policing."""

    id: str
    name: str
    ring: tuple[tuple[float, float], ...]  # (lon, lat), closed
    centroid: tuple[float, float]  # (lat, lon)
    urban: bool
    subdistrict: str


@dataclass(frozen=True, slots=True)
class Node:
    """A street junction."""

    id: int
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Street:
    """A named street as a chain of junctions."""

    name: str
    nodes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Camera:
    """A fixed or PTZ camera at a junction."""

    id: str
    name: str
    lat: float
    lon: float
    grid_id: str
    ptz: bool


@dataclass(frozen=True, slots=True)
class Talkgroup:
    """A PDT talkgroup."""

    id: str
    alias: str


@dataclass(frozen=True, slots=True)
class UnitSeed:
    """A police unit as it starts the simulation."""

    id: str
    callsign: str
    kind: str
    radio_id: str
    talkgroup: str
    grid_id: str
    node: int


class District:
    """The generated district: grids, streets, cameras, units, talkgroups and geometry helpers.

    Built by :func:`build_district`; treat every attribute as read-only.

    Attributes:
        grids: Grid cells, row-major from the north-west corner.
        nodes: Junctions by id (ids are ``0 .. len(nodes) - 1``).
        streets: Named streets.
        graph: Adjacency of the street network.
        cameras: Cameras.
        units: Units at their starting junctions.
        talkgroups: Talkgroups, the command talkgroup first.
        center: (lat, lon) of the urban core.
        box: (west, south, east, north) of the simulated area.
    """

    def __init__(
        self,
        *,
        grids: tuple[Grid, ...],
        nodes: dict[int, Node],
        node_roads: list[tuple[str, str]],
        streets: tuple[Street, ...],
        graph: dict[int, tuple[int, ...]],
        talkgroups: tuple[Talkgroup, ...],
    ) -> None:
        self.grids = grids
        self.nodes = nodes
        self.streets = streets
        self.graph = graph
        self.talkgroups = talkgroups
        self.cameras: tuple[Camera, ...] = ()
        self.units: tuple[UnitSeed, ...] = ()
        self.center = _CENTER
        self.box = CORE_BOX
        self._node_roads = node_roads
        self._grid_by_id = {g.id: g for g in grids}
        self._dlon = (CORE_BOX[2] - CORE_BOX[0]) / _GRID_COLS
        self._dlat = (CORE_BOX[3] - CORE_BOX[1]) / _GRID_ROWS
        self._weights: list[tuple[tuple[int, float], ...]] = [
            tuple((m, self._node_distance(n, m)) for m in graph[n]) for n in range(len(nodes))
        ]
        # Spatial buckets of junctions for nearest_node.
        self._bucket_deg = 0.005
        self._buckets: dict[tuple[int, int], list[int]] = {}
        for node in nodes.values():
            self._buckets.setdefault(self._bucket(node.lat, node.lon), []).append(node.id)

    # -- lookups -------------------------------------------------------------------------------

    def grid(self, grid_id: str) -> Grid:
        """Return the grid with this id (``KeyError`` if unknown)."""
        return self._grid_by_id[grid_id]

    def grid_at(self, lat: float, lon: float) -> Grid | None:
        """Return the grid cell containing a point, or ``None`` outside the district.

        Args:
            lat: Latitude, degrees.
            lon: Longitude, degrees.
        """
        west, south, east, north = CORE_BOX
        if not (west <= lon <= east and south <= lat <= north):
            return None
        col = min(_GRID_COLS - 1, int((lon - west) / self._dlon))
        row = min(_GRID_ROWS - 1, int((north - lat) / self._dlat))
        for dr, dc in _NEIGHBOURS:
            r, c = row + dr, col + dc
            if 0 <= r < _GRID_ROWS and 0 <= c < _GRID_COLS:
                g = self.grids[r * _GRID_COLS + c]
                if point_in_ring(lat, lon, g.ring):
                    return g
        return None

    def node_name(self, node_id: int) -> str:
        """Junction name such as ``达拉特路与鄂尔多斯大街交叉口``."""
        ns, ew = self._node_roads[node_id]
        return f"{ns}与{ew}交叉口"

    def nearest_node(self, lat: float, lon: float) -> int:
        """Return the id of the junction nearest to a point."""
        br, bc = self._bucket(lat, lon)
        best, best_d = -1, math.inf
        radius = 0
        while True:
            for r in range(br - radius, br + radius + 1):
                for c in range(bc - radius, bc + radius + 1):
                    if max(abs(r - br), abs(c - bc)) != radius:
                        continue
                    for nid in self._buckets.get((r, c), ()):
                        n = self.nodes[nid]
                        d = self._flat_d2(lat, lon, n.lat, n.lon)
                        if d < best_d:
                            best, best_d = nid, d
            # One extra ring after the first hit: a closer node may sit in the next bucket.
            if best >= 0 and radius * self._bucket_deg * _M_PER_DEG_LAT * 0.76 > math.sqrt(best_d):
                return best
            radius += 1
            if radius > 400:
                return best

    def address_near(self, lat: float, lon: float) -> str:
        """A dispatcher's address for a point, e.g. ``鄂尔多斯大街与达拉特路交叉口附近``."""
        nid = self.nearest_node(lat, lon)
        n = self.nodes[nid]
        d = haversine_m(lat, lon, n.lat, n.lon)
        if d < 60:
            return f"{self.node_name(nid)}附近"
        ns = "北" if lat > n.lat else "南"
        ew = "东" if lon > n.lon else "西"
        dy = abs(lat - n.lat) * _M_PER_DEG_LAT
        dx = abs(lon - n.lon) * _M_PER_DEG_LAT * math.cos(math.radians(lat))
        way = ew + ns if min(dx, dy) > 0.4 * max(dx, dy) else (ns if dy > dx else ew)
        return f"{self.node_name(nid)}{way}约{round(d, -1):.0f}米"

    def cameras_near(self, lat: float, lon: float, radius_m: float, limit: int = 4) -> list[str]:
        """Ids of the cameras within ``radius_m`` of a point, nearest first."""
        hits = []
        for cam in self.cameras:
            d = haversine_m(lat, lon, cam.lat, cam.lon)
            if d <= radius_m:
                hits.append((d, cam.id))
        hits.sort()
        return [cid for _, cid in hits[:limit]]

    # -- routing -------------------------------------------------------------------------------

    def _dijkstra(self, source: int, target: int | None) -> list[int]:
        return self._search(source, target)[1]

    def distances_from(self, source: int) -> tuple[list[float], list[int]]:
        """Street distance in metres from one junction to every junction, and the tree.

        Returns:
            ``(dist, prev)`` indexed by junction id: ``dist`` is ``inf`` where unreachable;
            ``prev`` is the junction before each one on a shortest route from ``source``
            (``-1`` for ``source`` and the unreachable ones).
        """
        return self._search(source, None)

    def _search(self, source: int, target: int | None) -> tuple[list[float], list[int]]:
        n = len(self.nodes)
        dist = [math.inf] * n
        prev = [-1] * n
        dist[source] = 0.0
        heap = [(0.0, source)]
        weights = self._weights
        while heap:
            d, u = heapq.heappop(heap)
            if d > dist[u]:
                continue
            if u == target:
                break
            for v, w in weights[u]:
                nd = d + w
                if nd < dist[v]:
                    dist[v] = nd
                    prev[v] = u
                    heapq.heappush(heap, (nd, v))
        return dist, prev

    def shortest_path(self, a: int, b: int) -> list[int]:
        """Shortest route in metres between two junctions (Dijkstra).

        Args:
            a: Start junction id.
            b: End junction id.

        Returns:
            Junction ids from ``a`` to ``b`` inclusive; ``[]`` if ``b`` is unreachable.

        Raises:
            KeyError: If either id is not a junction.
        """
        if a not in self.nodes or b not in self.nodes:
            raise KeyError((a, b))
        prev = self._dijkstra(a, b)
        path = [b]
        while path[-1] != a:
            p = prev[path[-1]]
            if p < 0:
                return []
            path.append(p)
        path.reverse()
        return path

    def next_hops_to(self, target: int) -> list[int]:
        """Shortest-path tree towards one junction.

        Returns:
            A list indexed by junction id: the next junction on a shortest route to
            ``target`` (``target`` itself for ``target``, ``-1`` if unreachable).
        """
        prev = self._dijkstra(target, None)  # the graph is undirected
        prev[target] = target
        return prev

    def path_length_m(self, path: list[int]) -> float:
        """Length in metres of a junction path."""
        return sum(self._node_distance(u, v) for u, v in itertools.pairwise(path))

    # -- wire shapes ---------------------------------------------------------------------------

    def to_wire_units(self) -> list[dict[str, Any]]:
        """Units in the ``unit.upsert`` wire shape, all ``available``."""
        return [
            {
                "id": u.id,
                "callsign": u.callsign,
                "kind": u.kind,
                "radio_id": u.radio_id,
                "talkgroup": u.talkgroup,
                "grid_id": u.grid_id,
                "status": "available",
            }
            for u in self.units
        ]

    def to_wire_cameras(self, stream_base: str = "rtsp://127.0.0.1:8554") -> list[dict[str, Any]]:
        """Cameras in the ``camera.upsert`` wire shape, all ``online``."""
        base = stream_base.rstrip("/")
        return [
            {
                "id": c.id,
                "name": c.name,
                "lat": c.lat,
                "lon": c.lon,
                "grid_id": c.grid_id,
                "streams": {"main": f"{base}/{c.id}/main", "sub": f"{base}/{c.id}/sub"},
                "ptz": c.ptz,
                "status": "online",
            }
            for c in self.cameras
        ]

    def to_wire_positions(self, fix_ts: str) -> list[dict[str, Any]]:
        """Each unit at its starting junction, as ``unit.position`` event bodies."""
        return [
            {
                "type": "unit.position",
                "unit_id": u.id,
                "lat": self.nodes[u.node].lat,
                "lon": self.nodes[u.node].lon,
                "fix_ts": fix_ts,
            }
            for u in self.units
        ]

    def to_wire_layers(self) -> list[dict[str, Any]]:
        """Grid cells as ``layer.upsert`` layers holding a GeoJSON Polygon Feature."""
        return [
            {
                "id": g.id,
                "kind": "grid",
                "name": g.name,
                "geojson": {
                    "type": "Feature",
                    "id": g.id,
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[lon, lat] for lon, lat in g.ring]],
                    },
                    "properties": {"name": g.name, "subdistrict": g.subdistrict, "urban": g.urban},
                },
            }
            for g in self.grids
        ]

    def to_wire_talkgroups(self) -> list[dict[str, Any]]:
        """Talkgroups in the wire shape ``{id, alias}``."""
        return [{"id": t.id, "alias": t.alias} for t in self.talkgroups]

    # -- internals -----------------------------------------------------------------------------

    def _bucket(self, lat: float, lon: float) -> tuple[int, int]:
        return math.floor(lat / self._bucket_deg), math.floor(lon / self._bucket_deg)

    @staticmethod
    def _flat_d2(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
        dy = (lat2 - lat1) * _M_PER_DEG_LAT
        dx = (lon2 - lon1) * _M_PER_DEG_LAT * 0.7683  # cos(39.82°)
        return dx * dx + dy * dy

    def _node_distance(self, a: int, b: int) -> float:
        na, nb = self.nodes[a], self.nodes[b]
        return haversine_m(na.lat, na.lon, nb.lat, nb.lon)


# -- building --------------------------------------------------------------------------------


def _build_grids(rng: random.Random) -> tuple[Grid, ...]:
    west, south, east, north = CORE_BOX
    dlon, dlat = (east - west) / _GRID_COLS, (north - south) / _GRID_ROWS
    corners: list[list[tuple[float, float]]] = []
    for r in range(_GRID_ROWS + 1):
        row = []
        for c in range(_GRID_COLS + 1):
            jx = rng.uniform(-0.22, 0.22) * dlon if 0 < c < _GRID_COLS else 0.0
            jy = rng.uniform(-0.22, 0.22) * dlat if 0 < r < _GRID_ROWS else 0.0
            row.append((round(west + c * dlon + jx, 6), round(north - r * dlat + jy, 6)))
        corners.append(row)

    # Sub-districts grow from their seeds over the lattice, so each one is contiguous.
    n_cells = _GRID_ROWS * _GRID_COLS
    label = [-1] * n_cells
    seeds = []
    for _name, _tg, fc, fr in _SUBDISTRICTS:
        sc = fc * _GRID_COLS + rng.uniform(-1.5, 1.5)
        sr = fr * _GRID_ROWS + rng.uniform(-0.8, 0.8)
        seeds.append((sr, sc, rng.uniform(0.85, 1.15)))
    heap: list[tuple[float, int, int]] = []
    for k, (sr, sc, _w) in enumerate(seeds):
        r = min(_GRID_ROWS - 1, max(0, int(sr)))
        c = min(_GRID_COLS - 1, max(0, int(sc)))
        heap.append((0.0, k, r * _GRID_COLS + c))
    heapq.heapify(heap)
    while heap:
        _, k, cell = heapq.heappop(heap)
        if label[cell] >= 0:
            continue
        label[cell] = k
        r, c = divmod(cell, _GRID_COLS)
        for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
            if 0 <= nr < _GRID_ROWS and 0 <= nc < _GRID_COLS and label[nr * _GRID_COLS + nc] < 0:
                sr, sc, w = seeds[k]
                d = math.hypot((nr + 0.5 - sr) * 1.3, nc + 0.5 - sc) * w
                heapq.heappush(heap, (d, k, nr * _GRID_COLS + nc))

    counters = [0] * len(_SUBDISTRICTS)
    grids = []
    for cell in range(n_cells):
        r, c = divmod(cell, _GRID_COLS)
        nw = corners[r][c]
        ring = (nw, corners[r + 1][c], corners[r + 1][c + 1], corners[r][c + 1], nw)
        fx = (c + 0.5) / _GRID_COLS * 2 - 1
        fy = (r + 0.5) / _GRID_ROWS * 2 - 1
        edge = r in (0, _GRID_ROWS - 1) or c in (0, _GRID_COLS - 1)
        urban = not edge and fx * fx + fy * fy + rng.uniform(-0.08, 0.08) < 0.7
        k = label[cell]
        counters[k] += 1
        sub = _SUBDISTRICTS[k][0] + "街道"
        grids.append(
            Grid(
                id=f"G{cell + 1:04d}",
                name=f"{sub}第{counters[k]}网格",
                ring=ring,
                centroid=polygon_centroid(ring),
                urban=urban,
                subdistrict=sub,
            )
        )
    return tuple(grids)


def _line_names(n: int, mains: tuple[str, ...], minors: tuple[str, ...], suffix: str) -> list[str]:
    main_at = {round(k * (n - 1) / (len(mains) - 1)): name for k, name in enumerate(mains)}
    names, m = [], 0
    for i in range(n):
        if i in main_at:
            names.append(main_at[i])
        else:
            names.append(minors[m] if m < len(minors) else f"第{m + 1}{suffix}")
            m += 1
    return names


def _build_streets(
    rng: random.Random,
) -> tuple[dict[int, Node], list[tuple[str, str]], tuple[Street, ...], dict[int, tuple[int, ...]]]:
    west, south, east, north = CORE_BOX
    sp_lat = (north - south) / _EW_LINES
    sp_lon = (east - west) / _NS_LINES
    ew_names = _line_names(_EW_LINES, _EW_MAIN, _EW_MINOR, "街")
    ns_names = _line_names(_NS_LINES, _NS_MAIN, _NS_MINOR, "路")
    ew_main = {ew_names.index(n) for n in _EW_MAIN}
    ns_main = {ns_names.index(n) for n in _NS_MAIN}
    # Gentle curves per road, small jitter per junction.
    ew_wave = [(rng.uniform(0, 2 * math.pi), rng.uniform(0.0002, 0.0006)) for _ in ew_names]
    ns_wave = [(rng.uniform(0, 2 * math.pi), rng.uniform(0.0002, 0.0008)) for _ in ns_names]
    nodes: dict[int, Node] = {}
    roads: list[tuple[str, str]] = []
    for i in range(_EW_LINES):
        for j in range(_NS_LINES):
            lat0 = north - (i + 0.5) * sp_lat
            lon0 = west + (j + 0.5) * sp_lon
            ph, amp = ew_wave[i]
            lat = lat0 + amp * math.sin(ph + j * 0.45) + rng.uniform(-0.0002, 0.0002)
            ph, amp = ns_wave[j]
            lon = lon0 + amp * math.sin(ph + i * 0.5) + rng.uniform(-0.0002, 0.0002)
            nid = i * _NS_LINES + j
            nodes[nid] = Node(nid, round(lat, 6), round(lon, 6))
            roads.append((ns_names[j], ew_names[i]))

    def node_at(i: int, j: int) -> int:
        return i * _NS_LINES + j

    # Every segment; minor segments may be missing (dead ends, blocks of flats).
    segments: list[tuple[int, int, bool]] = []  # (a, b, main)
    for i in range(_EW_LINES):
        for j in range(_NS_LINES - 1):
            segments.append((node_at(i, j), node_at(i, j + 1), i in ew_main))
    for j in range(_NS_LINES):
        for i in range(_EW_LINES - 1):
            segments.append((node_at(i, j), node_at(i + 1, j), j in ns_main))
    keep = {(a, b) for a, b, main in segments if main or rng.random() > 0.12}
    # Repair connectivity with the dropped segments (union-find).
    parent = list(range(len(nodes)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in keep:
        parent[find(a)] = find(b)
    for a, b, _ in segments:
        if (a, b) not in keep and find(a) != find(b):
            keep.add((a, b))
            parent[find(a)] = find(b)

    adj: dict[int, list[int]] = {n: [] for n in nodes}
    for a, b in sorted(keep):
        adj[a].append(b)
        adj[b].append(a)
    graph = {n: tuple(sorted(v)) for n, v in adj.items()}

    streets: list[Street] = []
    lines = [(ew_names[i], [node_at(i, j) for j in range(_NS_LINES)]) for i in range(_EW_LINES)]
    lines += [(ns_names[j], [node_at(i, j) for i in range(_EW_LINES)]) for j in range(_NS_LINES)]
    for name, chain in lines:
        run = [chain[0]]
        for a, b in itertools.pairwise(chain):
            if (a, b) in keep:
                run.append(b)
            else:
                if len(run) > 1:
                    streets.append(Street(name, tuple(run)))
                run = [b]
        if len(run) > 1:
            streets.append(Street(name, tuple(run)))
    return nodes, roads, tuple(streets), graph


def _build_cameras(district: District, rng: random.Random, n: int) -> tuple[Camera, ...]:
    ids = sorted(district.nodes)
    main_roads = set(_EW_MAIN) | set(_NS_MAIN)
    # Junctions on main roads get most cameras.
    weights = [1.0 + 1.5 * len(set(district._node_roads[i]) & main_roads) for i in ids]
    used: dict[int, int] = {}
    cams = []
    for k in range(n):
        node_id = rng.choices(ids, weights)[0]
        count = used.get(node_id, 0)
        used[node_id] = count + 1
        node = district.nodes[node_id]
        name = district.node_name(node_id)
        lat, lon = node.lat, node.lon
        if count > 0 or rng.random() < 0.6:
            slot = count % 4
            direction = _DIRECTIONS[slot]
            name += f"（{direction}）" if count < 4 else f"（{direction}{count // 4 + 1}）"
            dy, dx = _DIR_VECTORS[direction]
            lat += dy * 15 / _M_PER_DEG_LAT
            lon += dx * 15 / (_M_PER_DEG_LAT * 0.7683)
        lat, lon = round(lat, 6), round(lon, 6)
        grid = district.grid_at(lat, lon)
        ptz = rng.random() < 0.15
        cams.append(Camera(f"C{k + 1:04d}", name, lat, lon, grid.id if grid else "", ptz))
    return tuple(cams)


def _build_units(
    district: District, rng: random.Random, n: int, node_grid: list[Grid]
) -> tuple[UnitSeed, ...]:
    station_tg = {name + "街道": tg for name, tg, _, _ in _SUBDISTRICTS}
    kinds = list(_UNIT_KINDS)
    kind_w = list(_UNIT_KINDS.values())
    n_nodes = len(district.nodes)
    units = []
    for k in range(n):
        kind = rng.choices(kinds, kind_w)[0]
        node_id = rng.randrange(n_nodes)
        grid = node_grid[node_id]
        tg = {"traffic": "1201", "swat": "1301"}.get(kind) or station_tg[grid.subdistrict]
        uid, callsign, radio_id = f"U{k + 1:04d}", f"P{1001 + k}", str(4600101 + k)
        units.append(UnitSeed(uid, callsign, kind, radio_id, tg, grid.id, node_id))
    return tuple(units)


def build_district(seed: int = 7, n_units: int = 220, n_cameras: int = 320) -> District:
    """Build the demo district deterministically.

    Args:
        seed: Seed of the generator; the same seed gives the same district.
        n_units: Number of police units.
        n_cameras: Number of cameras.

    Returns:
        The district.
    """
    rng = random.Random(seed)
    grids = _build_grids(rng)
    nodes, roads, streets, graph = _build_streets(rng)
    talkgroups = (
        Talkgroup("1001", "东胜区指挥调度"),
        *(Talkgroup(tg, f"{name}派出所") for name, tg, _, _ in _SUBDISTRICTS),
        Talkgroup("1201", "交警大队"),
        Talkgroup("1301", "特警大队"),
    )
    district = District(
        grids=grids,
        nodes=nodes,
        node_roads=roads,
        streets=streets,
        graph=graph,
        talkgroups=talkgroups,
    )
    node_grid = []
    for i in range(len(nodes)):
        g = district.grid_at(nodes[i].lat, nodes[i].lon)
        assert g is not None, "junctions lie inside the district"
        node_grid.append(g)
    district.cameras = _build_cameras(district, rng, n_cameras)
    district.units = _build_units(district, rng, n_units, node_grid)
    return district
