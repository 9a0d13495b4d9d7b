"""Vehicles and people crossing the demo district, seen by the cameras they pass.

Sans-I/O and clock-injected like the rest of the simulator: :meth:`Travellers.tick` takes the
time to advance to and returns the sightings the cameras made since the last call (as
``backend_stub.sightings.Sighting``). Each traveller drives (or walks) shortest routes between
random junctions along the street graph; a camera at a junction it passes reads its plate (or
matches its face) — except, as real ANPR does, it misses some (:data:`MISS`) and misreads some
(:data:`MISREAD`: one character wrong). A few travellers are the demo's watch-list targets
(:func:`demo_watch`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from backend_stub.district import District
from backend_stub.sightings import Sighting

MISS = 0.15
MISREAD = 0.06
CAR_MS = 11.0  # about 40 km/h in town
WALK_MS = 1.4
_PLATE_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
#: The demo's plates and people: the first of each is on the watch list, the rest are traffic.
PLATES = ("蒙K7S521", "蒙KD52876", "蒙K3Q808", "蒙A12345", "蒙K6M119", "蒙K9E300")
PEOPLE = ("P-150602-0381", "P-150602-1177")
SOURCE = "demo-anpr"


@dataclass
class _Traveller:
    kind: str
    value: str
    speed: float
    node: int
    route: list[int] = field(default_factory=list)
    next_at: float = 0.0  # when it reaches route[0]
    vehicle: dict[str, str] | None = None


def demo_watch() -> list[tuple[str, str, str, int]]:
    """The demo's watch entries: ``(kind, value, reason, priority)``."""
    return [
        ("plate", PLATES[0], "盗抢车辆 (演示) 案件 2026-118", 1),
        ("plate", "蒙KD5*", "套牌嫌疑 (演示)", 2),
        ("face", PEOPLE[0], "在逃人员 (演示)", 1),
    ]


class Travellers:
    """The demo's vehicles and people, deterministically from a seed."""

    def __init__(self, district: District, *, seed: int, start: float) -> None:
        self.district = district
        self.rng = random.Random(seed * 104729 + 11)
        self.now = start
        self.start = int(start)
        self.n = 0
        self.cameras_at: dict[int, list[str]] = {}
        for camera in district.cameras:
            node = district.nearest_node(camera.lat, camera.lon)
            self.cameras_at.setdefault(node, []).append(camera.id)
        self.camera_nodes = sorted(self.cameras_at)
        colours = ("白", "黑", "银", "红", "蓝")
        types = ("轿车", "SUV", "面包车", "货车")
        nodes = list(district.nodes)
        self.travellers = [
            _Traveller(
                "plate",
                p,
                CAR_MS * self.rng.uniform(0.7, 1.2),
                self.rng.choice(nodes),
                vehicle={"color": self.rng.choice(colours), "type": self.rng.choice(types)},
            )
            for p in PLATES
        ] + [
            _Traveller("face", p, WALK_MS * self.rng.uniform(0.8, 1.2), self.rng.choice(nodes))
            for p in PEOPLE
        ]
        for t in self.travellers:
            t.next_at = start

    def _new_route(self, t: _Traveller) -> None:
        if t.kind == "plate":  # drives from one watched junction to another
            target = self.rng.choice(self.camera_nodes)
        else:  # walkers stay near
            target = t.node
            for _ in range(8):
                target = self.rng.choice(self.district.graph[target])
        t.route = self.district.shortest_path(t.node, target)[1:]

    def _misread(self, plate: str) -> str:
        i = self.rng.randrange(2, len(plate))
        return plate[:i] + self.rng.choice(_PLATE_CHARS) + plate[i + 1 :]

    def tick(self, now: float) -> list[Sighting]:
        """The sightings made up to ``now``, in time order."""
        out: list[Sighting] = []
        for t in self.travellers:
            while t.next_at <= now:
                if not t.route:
                    self._new_route(t)
                    if not t.route:
                        t.next_at = now + 60.0
                        break
                t.node = t.route.pop(0)
                out.extend(self._seen(t, t.next_at))
                if t.route:
                    metres = self.district.path_length_m([t.node, t.route[0]])
                    t.next_at += max(1.0, metres / t.speed)
        self.now = now
        out.sort(key=lambda s: s.ts)
        return out

    def _seen(self, t: _Traveller, when: float) -> list[Sighting]:
        seen = []
        for camera_id in self.cameras_at.get(t.node, ()):
            if self.rng.random() < MISS:
                continue
            value = t.value
            confidence = round(self.rng.uniform(0.86, 0.99), 2)
            if t.kind == "plate" and self.rng.random() < MISREAD:
                value = self._misread(value)
                confidence = round(self.rng.uniform(0.55, 0.8), 2)
            self.n += 1
            seen.append(
                Sighting(
                    source=SOURCE,
                    ref=f"demo-{self.start}-{self.n}",
                    camera_id=camera_id,
                    ts=when,
                    kind=t.kind,
                    value=value,
                    confidence=confidence,
                    snapshot_url=None,
                    vehicle=t.vehicle,
                )
            )
        return seen
