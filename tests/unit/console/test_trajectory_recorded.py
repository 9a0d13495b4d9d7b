"""A replay's trajectory search over the searches a recording kept, and how far along the
route the replay clock is."""

from __future__ import annotations

from typing import Any

from console.protocol.codec import format_ts
from console.trajectory import build_route, recorded_sightings, seen_by

T0 = 1_900_000_000.0


def sighting(n: int, at: float, value: str = "蒙K5T208", kind: str = "plate") -> dict[str, Any]:
    return {
        "id": n,
        "camera_id": f"C{n}",
        "camera_name": f"路口{n}",
        "lat": 39.80 + n / 1000,
        "lon": 109.97,
        "ts": format_ts(T0 + at),
        "kind": kind,
        "value": value,
        "snapshot_url": None,
    }


def search(at: float, *found: dict[str, Any], ok: bool = True) -> tuple[float, str, Any, Any]:
    result = {"id": "c", "ok": ok, "seq": None, "code": None, "message": None}
    if ok:
        result["data"] = {"sightings": list(found)}
    return (T0 + at, "sighting.search", {"kind": "plate", "value": "x"}, result)


def test_every_recorded_sighting_of_the_subject_once_in_time_order() -> None:
    commands = [
        (T0, "alert.acknowledge", {}, {"ok": True}),
        search(100, sighting(2, 60), sighting(1, 30)),
        search(200, sighting(2, 60), sighting(3, 150), sighting(9, 90, value="蒙K0000A")),
        search(300, sighting(4, 250), ok=False),  # a refused search has no sightings
        search(400, sighting(5, 120, value="p-17", kind="face")),
    ]
    found = recorded_sightings(commands, "plate", "蒙k 5t208", T0, T0 + 1000)
    assert [s["id"] for s in found] == [1, 2, 3]
    # The window: since and until are kept to.
    assert [
        s["id"] for s in recorded_sightings(commands, "plate", "蒙K5T208", T0 + 40, T0 + 100)
    ] == [2]
    assert [s["id"] for s in recorded_sightings(commands, "face", "p-17", T0, T0 + 1000)] == [5]
    assert recorded_sightings(commands, "plate", "蒙K9999Z", T0, T0 + 1000) == []


def test_seen_by_is_the_last_point_at_or_before_the_replay_time() -> None:
    route = build_route([sighting(1, 30), sighting(2, 60), sighting(3, 150)])
    epochs = [p["epoch"] for p in route["points"]]
    assert [seen_by(epochs, T0 + t) for t in (0, 30, 59, 60, 149, 150, 900)] == [
        -1,
        0,
        0,
        1,
        1,
        2,
        2,
    ]
