"""Radio traffic of the demo district: group and individual calls, status and data messages,
emergency alarms.

Calls arrive as a Poisson stream with a random stream of its own, from the radios of units
on duty (mostly). Short data and status messages carry the radio's GPS fix, so they move the
unit (``unit.position`` with source ``pdt``); an emergency alarm raises an alert where the
unit is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend_stub.sim.common import Arrivals, Numbering, pick
from backend_stub.sim.incidents import Incidents
from backend_stub.sim.movement import Movement
from console.protocol.codec import format_ts

__all__ = ["Radio"]

_RADIO_KINDS = (("group", 0.75), ("individual", 0.10), ("status", 0.07), ("data", 0.06))
_RADIO_EMERGENCY_P = 0.002  # about two emergency alarms an hour at the default rate


class Radio(Arrivals):
    """The radio call stream of a district.

    Args:
        movement: The units, whose radios call.
        incidents: Where an emergency alarm raises its alert.
        seed: Seed of the simulation.
        rate: Mean radio calls per second.
        ids: The radio call ids (shared with the PDT GPS reports).
        start: The simulated start time.
        audio: Gives the recorded-audio URL of a voice call (call id, kind); None: no audio.
    """

    def __init__(
        self,
        movement: Movement,
        incidents: Incidents,
        *,
        seed: int,
        rate: float,
        ids: Numbering,
        start: float,
        audio: Callable[[str, str], str] | None,
    ) -> None:
        super().__init__(seed, "radio", rate, ids, start)
        self._movement = movement
        self._incidents = incidents
        self._audio = audio

    def emit(self, t: float, events: list[dict[str, Any]]) -> None:
        """Make a radio call, with the position or the alert it gives.

        Args:
            t: Its time.
            events: Where its ``radio.call`` (then ``unit.position`` or ``alert.new``) is
                appended.
        """
        rng, movers = self.rng, self._movement.by_phase
        if not movers:
            return
        src = movers[rng.randrange(len(movers))]
        for _ in range(4):
            if src.status != "off_duty":
                break
            src = movers[rng.randrange(len(movers))]
        kind = "emergency" if rng.random() < _RADIO_EMERGENCY_P else pick(rng, _RADIO_KINDS)
        talkgroup = "1001" if rng.random() < 0.12 else src.talkgroup
        target = None
        if kind == "individual":
            other = movers[rng.randrange(len(movers))]
            target = other.radio_id if other is not src else None
            kind = "individual" if target else "group"
        voice = kind in ("group", "individual", "emergency")
        duration = round(2.0 + 23.0 * rng.random() ** 2, 1) if voice else 0.0
        src_lat, src_lon = self._movement.locate_now(src, t)
        call_id = self.ids.issue()
        call = {
            "id": call_id,
            "talkgroup": talkgroup,
            "source_radio_id": src.radio_id,
            "target_radio_id": target,
            "kind": kind,
            "start_ts": format_ts(t),
            "duration_s": duration,
            "audio_url": self._audio(call_id, kind) if voice and self._audio else None,
            "lat": round(src_lat, 6),
            "lon": round(src_lon, 6),
            "encrypted": False,
        }
        events.append({"type": "radio.call", "call": call})
        if kind in ("data", "status"):
            # Short data and status messages carry the radio's GPS fix: the unit moves there.
            events.append(self._movement.radio_fix(src, t, round(src_lat, 6), round(src_lon, 6)))
        elif kind == "emergency":
            events.append({"type": "alert.new", "alert": self._incidents.alert(t, src)})
