"""The wire shape of a new alert, made in one place for every part of the backend that raises one.

Operators (``alert.create``), the simulator, e-fence crossings, the HTTP doors (CAP, JSON
alarms) and training scenarios all raise alerts; each decides the fields it knows and
:func:`alert_body` lays out the rest as ``alert.new`` carries it: no units yet, version 1 and
one ``created`` history entry by the owner (``None``: the system).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["alert_body"]


def alert_body(
    alert_id: str,
    ts: str,
    *,
    kind: str,
    priority: int,
    title: str,
    description: str,
    lat: float,
    lon: float,
    address: str,
    grid_id: str | None,
    note: str,
    owner: str | None = None,
    camera_ids: Sequence[str] = (),
    unit_ids: Sequence[str] = (),
    status: str = "new",
    version: int = 1,
) -> dict[str, Any]:
    """The alert object of ``alert.new``, created at wire time ``ts``.

    Args:
        alert_id: Its id (``DistrictState.next_alert_id`` or the simulator's series).
        ts: Wire time of creation, also the time of its ``created`` history entry.
        kind: One of ``ALERT_KINDS``.
        priority: 1 (highest) to 4.
        title: Short title.
        description: Free text.
        lat: Latitude, degrees.
        lon: Longitude, degrees.
        address: Where, as text.
        grid_id: The grid cell, ``None`` (or ``""``) when not known.
        note: Note of the ``created`` history entry (who raised it, for the system).
        owner: The operator who created it and owns it; ``None`` for the system.
        camera_ids: Cameras linked from the start.
        unit_ids: Units assigned from the start (scenarios only).
        status: Its status (``new`` unless a scenario seeds another).
        version: Its version (1 unless a scenario seeds another).
    """
    return {
        "id": alert_id,
        "kind": kind,
        "priority": priority,
        "title": title,
        "description": description,
        "lat": lat,
        "lon": lon,
        "address": address,
        "grid_id": grid_id,
        "status": status,
        "created_ts": ts,
        "version": version,
        "owner": owner,
        "unit_ids": list(unit_ids),
        "camera_ids": list(camera_ids),
        "history": [{"ts": ts, "operator": owner, "action": "created", "note": note}],
    }
