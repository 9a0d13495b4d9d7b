"""How simulated units' statuses change: operators' decisions, response phases, patrol life.

Units obey what operators decide (dispatch, reassignment, release, cancel, merge), taken over
from the committed events. A dispatched unit goes through its response: it leaves after a
short turn-out time (``en_route``), drives to the scene, reports ``on_scene``, handles the
incident, then reports back ``available`` with the alert id (its 反馈). A unit on patrol now
and then goes busy or off duty by itself, a few times an hour.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend_stub.sim.common import (
    MAX_STEP_S,
    RANDOM_STATUSES,
    UNIT_STATUSES,
    Mover,
    Response,
    near,
)
from backend_stub.sim.movement import Movement

__all__ = ["Following"]

_ARRIVED_M = 40.0
# Status transition rates per second ("a few changes per hour per unit").
_TO_BUSY = 1.2 / 3600
_TO_OFF = 0.12 / 3600
_BUSY_END = 5.0 / 3600
_OFF_END = 1.5 / 3600


class Following:
    """The units' status decisions, over the units of a :class:`Movement`.

    Draws from the movement's random stream, so a unit's response interleaves with its
    movement exactly as the seed gives.

    Args:
        movement: The units and where they go.
    """

    def __init__(self, movement: Movement) -> None:
        self._movement = movement
        self._rng = movement.rng
        self._by_id = movement.by_id

    def restore(self, units: dict[str, dict[str, Any]]) -> None:
        """Take over persisted statuses; unknown ids and statuses are skipped.

        Args:
            units: Unit wire dicts by unit id.
        """
        for uid, data in units.items():
            m = self._by_id.get(uid)
            status = data.get("status")
            if m is not None and isinstance(status, str) and status in UNIT_STATUSES:
                m.status = status

    def set_unit_status(self, unit_id: str, status: str, now: float) -> None:
        """Take over a status set from outside.

        Args:
            unit_id: The unit.
            status: Its status.
            now: The simulated time.

        Raises:
            KeyError: Unknown unit.
            ValueError: Unknown status.
        """
        if status not in UNIT_STATUSES:
            raise ValueError(status)
        m = self._by_id[unit_id]
        m.status = status
        m.status_t = now

    def dispatch(self, unit_id: str, alert_id: str, lat: float, lon: float, now: float) -> None:
        """Send a unit to an incident; unknown units are ignored.

        Args:
            unit_id: The unit.
            alert_id: The incident's alert.
            lat: Latitude of the scene.
            lon: Longitude of the scene.
            now: The simulated time.
        """
        m = self._by_id.get(unit_id)
        if m is None:
            return
        m.status, m.status_t = "dispatched", now
        m.response = Response(alert_id, lat, lon, now + self._rng.uniform(5.0, 20.0))
        m.dwell_until = 0.0
        if not m.drone:
            self._movement.head_for(m, lat, lon)

    def release(self, unit_id: str, now: float) -> None:
        """End a unit's part in an incident: it resumes patrol. Other units are ignored.

        Args:
            unit_id: The unit.
            now: The simulated time.
        """
        m = self._by_id.get(unit_id)
        if m is not None and m.response is not None:
            m.response = None
            m.status, m.status_t = "available", now
            m.dwell_until = 0.0
            if not m.drone:
                self._movement.new_target(m)

    def follow(
        self, events: list[dict[str, Any]], alerts: Mapping[str, dict[str, Any]], now: float
    ) -> None:
        """Take over what operators decided (committed events), so simulated units obey.

        Args:
            events: Committed event bodies, in order.
            alerts: Current alerts (wire dicts) by id, for where an incident is.
            now: The simulated time.
        """
        for event in events:
            kind = event["type"]
            if kind == "unit.status":
                self._follow_status(event, alerts, now)
            elif kind == "alert.updated":
                alert = event["alert"]
                main = alerts.get(alert.get("merged_into") or "")
                for unit_id in alert["unit_ids"]:
                    m = self._by_id.get(unit_id)
                    if m is None or m.response is None or m.response.alert_id != alert["id"]:
                        continue
                    if main is not None and main["status"] != "closed":
                        self._redirect(m, main["id"], main["lat"], main["lon"])
                    elif alert["status"] in ("closed", "acknowledged"):
                        self.release(unit_id, now)

    def react(self, m: Mover, t: float, events: list[dict[str, Any]]) -> None:
        """A unit's status just before it reports: its response moves on, or on patrol it
        may go busy or off duty (or come back).

        Args:
            m: The unit.
            t: The time of its report.
            events: Where ``unit.status`` changes are appended.
        """
        if m.response is not None:
            self._respond(m, t, events)
        elif m.status in RANDOM_STATUSES:
            self._maybe_change_status(m, t, events)

    def _follow_status(
        self, event: dict[str, Any], alerts: Mapping[str, dict[str, Any]], now: float
    ) -> None:
        """Take over a committed ``unit.status``: a dispatch, or an end without alert id."""
        m = self._by_id.get(event["unit_id"])
        if m is None:
            return
        status, alert_id = event["status"], event.get("alert_id")
        if status == "dispatched":
            alert = alerts.get(alert_id or "")
            if alert is not None and (m.response is None or m.response.alert_id != alert["id"]):
                self.dispatch(m.id, alert["id"], alert["lat"], alert["lon"], now)
        elif status in RANDOM_STATUSES and alert_id is None:
            if m.response is not None:
                self.release(m.id, now)
            if m.status != status:
                m.status, m.status_t = status, now

    def _redirect(self, m: Mover, alert_id: str, lat: float, lon: float) -> None:
        """Make a responding unit's incident another one (its duplicate was merged into it).

        A unit on its way drives to the main incident; one on scene finishes there and
        reports back to the main incident.
        """
        r = m.response
        assert r is not None
        r.alert_id = alert_id
        if r.phase == "on_scene":
            return
        r.lat, r.lon = lat, lon
        if m.drone:
            if r.phase == "en_route":
                m.set_segment(m.lat, m.lon, lat, lon)
        else:
            self._movement.head_for(m, lat, lon)

    def _respond(self, m: Mover, t: float, events: list[dict[str, Any]]) -> None:
        """Move a unit's response on: leave when due, arrive when there, report back."""
        r = m.response
        assert r is not None
        if r.phase == "dispatched" and t >= r.due:
            r.phase = "en_route"
            m.status, m.dwell_until = "en_route", 0.0
            if m.drone:
                m.set_segment(m.lat, m.lon, r.lat, r.lon)
            events.append(
                {
                    "type": "unit.status",
                    "unit_id": m.id,
                    "status": "en_route",
                    "alert_id": r.alert_id,
                }
            )
        elif r.phase == "en_route" and near(m.lat, m.lon, r.lat, r.lon, _ARRIVED_M):
            r.phase, r.due = "on_scene", t + self._rng.uniform(120.0, 360.0)
            m.status, m.dwell_until = "on_scene", r.due
            events.append(
                {
                    "type": "unit.status",
                    "unit_id": m.id,
                    "status": "on_scene",
                    "alert_id": r.alert_id,
                }
            )
        elif r.phase == "on_scene" and t >= r.due:
            m.response, m.status, m.status_t = None, "available", t
            self._movement.new_target(m)
            events.append(
                {
                    "type": "unit.status",
                    "unit_id": m.id,
                    "status": "available",
                    "alert_id": r.alert_id,
                }
            )

    def _maybe_change_status(self, m: Mover, t: float, events: list[dict[str, Any]]) -> None:
        """Flip a patrolling unit's status at random (available, busy, off duty)."""
        dt = min(t - m.status_t, MAX_STEP_S)
        m.status_t = t
        r = self._rng.random()
        new = m.status
        if m.status == "available":
            if r < _TO_BUSY * dt:
                new = "busy"
            elif r < (_TO_BUSY + _TO_OFF) * dt:
                new = "off_duty"
        elif m.status == "busy":
            if r < _BUSY_END * dt:
                new = "available"
        elif r < _OFF_END * dt:
            new = "available"
        if new != m.status:
            m.status = new
            events.append({"type": "unit.status", "unit_id": m.id, "status": new})
