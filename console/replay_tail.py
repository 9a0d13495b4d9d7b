"""The events after a keyframe that a seek must apply, without the fixes a later one overwrites.

A seek puts the Store at time ``t`` from the newest keyframe before ``t`` plus every event
recorded between the two. In a busy district nearly all of those are position fixes, and a
unit's fix only sets that unit's position (and its fix seq): an earlier fix of a unit that
reports again before ``t`` leaves no trace in the Store. Dropping those cuts a seek's tail from
every fix to one per unit that moved (a 220-unit district sends ~1,150 events in 10 s; ~220 of
them matter), both on the worker that parses and on the GUI thread that applies.

What stays is applied in recorded order, so a ``unit.retired`` between two fixes of a unit, or
an alert raised then updated, end exactly as when every event is applied; the newest ``seq``
among the dropped fixes is returned so the Store's ``seq`` ends the same too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

Wire = dict[str, Any]


class _FixKey(msgspec.Struct):
    """The two fields of a ``unit.position`` event a seek needs to know it is superseded."""

    unit_id: str
    seq: int


_FIX_KEY = msgspec.json.Decoder(_FixKey)
_JSON = msgspec.json.Decoder()


def decode_json(body: str | bytes) -> Any:
    """Recorded JSON (an event, a keyframe part) as Python values: msgspec gives the same
    values as ``json.loads`` about three times quicker, which counts on every seek and when
    playing thousands of events a second."""
    return _JSON.decode(body)


def seek_tail(rows: Sequence[tuple[str, str]]) -> tuple[list[Wire], int | None]:
    """The events to apply after a keyframe, and the newest seq among those left out.

    Args:
        rows: ``(type, body JSON)`` of every event after the keyframe up to the seek time, in
            recorded order.

    Returns:
        The events that change the Store (every event but a ``unit.position`` of a unit that
        has a later one in ``rows``), in recorded order, and the highest ``seq`` of the events
        left out (None: none was).
    """
    kept: list[Wire] = []
    moved: set[str] = set()
    dropped_seq: int | None = None
    for kind, body in reversed(rows):
        if kind == "unit.position":
            try:
                key: _FixKey | None = _FIX_KEY.decode(body)
            except msgspec.DecodeError:  # an odd fix (no int seq...): apply it as recorded
                key = None
            if key is not None:
                if key.unit_id in moved:
                    if dropped_seq is None or key.seq > dropped_seq:
                        dropped_seq = key.seq
                    continue
                moved.add(key.unit_id)
        kept.append(decode_json(body))
    kept.reverse()
    return kept, dropped_seq
