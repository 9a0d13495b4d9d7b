"""The demo district over time: units on patrol, status changes, alerts and radio traffic.

Sans-I/O and clock-injected: :meth:`DistrictSimulator.tick` takes the time to advance to and
returns event bodies (no ``seq``/``ts``; the caller's event log assigns those). The simulator
is composed of its parts, which share the units' state: :class:`Movement` (where units go,
their position and PDT GPS reports), :class:`Following` (their statuses: what operators
decide, response phases, patrol life), :class:`Incidents` (alerts) and :class:`Radio` (radio
traffic).

Foot patrols carry no GPS of their own: they are located through their PDT radio, whose GPS
reports (short-data ``radio.call`` events carrying the fix) come about once a minute and move
the unit (``unit.position`` with source ``pdt``); any radio's data or status message moves its
unit the same way. :meth:`DistrictSimulator.follow` takes over what operators decide
(dispatch, reassignment, release, cancel, merge) from the committed events.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from typing import Any

from backend_stub.district import District
from backend_stub.sim.common import MAX_STEP_S, PDT_GPS_S, Numbering
from backend_stub.sim.following import Following
from backend_stub.sim.incidents import Incidents
from backend_stub.sim.movement import Movement
from backend_stub.sim.radio import Radio

__all__ = ["DistrictSimulator"]


class DistrictSimulator:
    """Simulates a :class:`District` over time, deterministically from a seed.

    Args:
        district: The district to simulate.
        seed: Seed of all randomness; the same seed and the same ``tick`` calls give the
            same events.
        position_hz: Position reports per unit per second.
        alert_rate: Mean alerts per second (Poisson).
        radio_rate: Mean radio calls per second (Poisson).
        clock: Gives the start time (seconds since the epoch), and the time for ``tick()``
            called without an argument.
        first_alert_number: Number of the first alert id (``A-000001`` by default). A
            restarted backend passes one past the highest number it has issued.
        first_radio_number: Number of the first radio call id (``R-000001`` by default).
        radio_audio: Gives the recorded-audio URL of a voice call (call id, kind); None: no
            audio.
        pdt_gps_s: Interval of the GPS reports of units located only through their PDT radio
            (foot patrols): each report is a ``radio.call`` of kind ``data`` carrying the
            position, then the ``unit.position`` (source ``pdt``) it gives. At least the
            position period; ``math.inf``: such units never report.

    Raises:
        ValueError: A rate or interval out of range.
    """

    def __init__(
        self,
        district: District,
        *,
        seed: int,
        position_hz: float = 0.2,
        alert_rate: float = 0.05,
        radio_rate: float = 0.3,
        clock: Callable[[], float] = time.time,
        first_alert_number: int = 1,
        first_radio_number: int = 1,
        radio_audio: Callable[[str, str], str] | None = None,
        pdt_gps_s: float = PDT_GPS_S,
    ) -> None:
        if position_hz <= 0:
            raise ValueError("position_hz must be positive")
        if alert_rate < 0 or radio_rate < 0:
            raise ValueError("rates must not be negative")
        if not pdt_gps_s > 0:
            raise ValueError("pdt_gps_s must be positive")
        self.district = district
        self._clock = clock
        self._t = float(clock())
        period = 1.0 / position_hz
        self._alert_ids = Numbering("A", first_alert_number)
        self._radio_ids = Numbering("R", first_radio_number)
        # Separate random streams, so alerts and radio calls do not depend on how often
        # tick is called.
        self._movement = Movement(
            district,
            random.Random(f"{seed}:move"),
            period=period,
            gps_period=max(period, pdt_gps_s),
            start=self._t,
            radio_ids=self._radio_ids,
        )
        self._following = Following(self._movement)
        self._incidents = Incidents(
            district,
            self._movement,
            seed=seed,
            rate=alert_rate,
            ids=self._alert_ids,
            start=self._t,
        )
        self._radio = Radio(
            self._movement,
            self._incidents,
            seed=seed,
            rate=radio_rate,
            ids=self._radio_ids,
            start=self._t,
            audio=radio_audio,
        )

    # -- public --------------------------------------------------------------------------------

    @property
    def now(self) -> float:
        """The simulated time reached so far, seconds since the epoch."""
        return self._t

    @property
    def next_alert_number(self) -> int:
        """Number of the next alert id; may be raised from outside (a shared id counter)."""
        return self._alert_ids.next_number

    @next_alert_number.setter
    def next_alert_number(self, number: int) -> None:
        self._alert_ids.next_number = number

    @property
    def next_radio_number(self) -> int:
        """Number of the next radio call id (voice calls and PDT GPS reports alike)."""
        return self._radio_ids.next_number

    @next_radio_number.setter
    def next_radio_number(self, number: int) -> None:
        self._radio_ids.next_number = number

    def initial_events(self) -> list[dict[str, Any]]:
        """``unit.upsert`` for every unit, then ``camera.upsert`` and grid ``layer.upsert``.

        Returns:
            The event bodies.
        """
        events: list[dict[str, Any]] = [
            {"type": "unit.upsert", "unit": {**m.wire, "status": m.status}}
            for m in self._movement.movers
        ]
        events += [{"type": "camera.upsert", "camera": c} for c in self.district.to_wire_cameras()]
        events += [
            {"type": "layer.upsert", "layer": layer} for layer in self.district.to_wire_layers()
        ]
        return events

    def restore(
        self,
        units: dict[str, dict[str, Any]],
        positions: dict[str, dict[str, Any]],
        *,
        next_alert_number: int | None = None,
        next_radio_number: int | None = None,
    ) -> None:
        """Continue from persisted state after a restart.

        Units absent from the dicts, and unknown ids, keep their seeded state.

        Args:
            units: Unit wire dicts by unit id; their ``status`` is taken over.
            positions: ``unit.position`` bodies by unit id; units continue from there.
            next_alert_number: Number of the next alert id, so ids are never reused; the
                alert stream continues from it (no replay of the alerts raised before).
            next_radio_number: Number of the next radio call id (the backend, which keeps no
                radio calls, passes its committed ``seq`` + 1: never below any id issued);
                the radio stream continues from it.
        """
        self._following.restore(units)
        self._movement.restore(positions)
        self._incidents.restart(next_alert_number, self._t)
        self._radio.restart(next_radio_number, self._t)

    def set_unit_status(self, unit_id: str, status: str) -> None:
        """Take over a status set from outside (a dispatch), so the simulation agrees.

        Args:
            unit_id: The unit.
            status: Its status, one of the wire contract's.

        Raises:
            KeyError: Unknown unit.
            ValueError: Unknown status.
        """
        self._following.set_unit_status(unit_id, status, self._t)

    def dispatch(self, unit_id: str, alert_id: str, lat: float, lon: float) -> None:
        """Send a unit to an incident: it leaves within 5–20 s (``en_route``), drives there
        over the streets, reports ``on_scene``, handles it for 2–6 min, then reports back
        available with the alert id (the unit's 反馈). Unknown units are ignored.

        Args:
            unit_id: The unit.
            alert_id: The incident's alert.
            lat: Latitude of the scene.
            lon: Longitude of the scene.
        """
        self._following.dispatch(unit_id, alert_id, lat, lon, self._t)

    def release(self, unit_id: str) -> None:
        """End a unit's part in an incident (released or the incident closed): it stops
        driving there and resumes patrol.

        Args:
            unit_id: The unit; one not serving an incident, or unknown, is ignored.
        """
        self._following.release(unit_id, self._t)

    def follow(self, events: list[dict[str, Any]], alerts: Mapping[str, dict[str, Any]]) -> None:
        """Take over what operators decided (committed events), so simulated units obey.

        * ``unit.status`` dispatched to an alert: the unit drives there, also when it was
          serving another incident (reassigned).
        * ``unit.status`` available/busy/off_duty with no alert id while the unit serves an
          incident (``alert.release_unit``, ``alert.cancel``): it stops driving there and
          resumes patrol. The unit's own reports carry their alert id and change nothing.
        * ``alert.updated`` merged into another alert: its units drive to the main incident;
          closed or back to acknowledged: its units are released.

        Args:
            events: Committed event bodies, in order.
            alerts: Current alerts (wire dicts) by id, for where an incident is.
        """
        self._following.follow(events, alerts, self._t)

    def tick(self, now: float | None = None) -> list[dict[str, Any]]:
        """Advance the world to ``now`` and return the events that happened.

        Alerts and radio calls come first (in time order), then position reports (in time
        order, each unit at most once per tick, with its ``unit.status`` change, if any, just
        before it). A time at or before the current one returns nothing.

        Args:
            now: Seconds since the epoch; the injected clock's time if omitted.

        Returns:
            Event bodies with ``type`` and the fields of the contract, without ``seq``/``ts``.
        """
        if now is None:
            now = float(self._clock())
        last = self._t
        if now <= last:
            return []
        self._t = now
        events: list[dict[str, Any]] = []
        self._arrivals(max(last, now - MAX_STEP_S), now, events)
        self._movement.positions(last, now, events, self._following.react)
        return events

    def _arrivals(self, start: float, now: float, events: list[dict[str, Any]]) -> None:
        """Append the alerts and radio calls due from ``start`` up to ``now``, in time order."""
        alerts, radio = self._incidents, self._radio
        alerts.skip_to(start)
        radio.skip_to(start)
        while min(alerts.next_t, radio.next_t) <= now:
            if alerts.next_t <= radio.next_t:
                alerts.arrive(events)
            else:
                radio.arrive(events)
