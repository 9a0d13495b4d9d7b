"""The cheap unit.position check never accepts what the published schema refuses."""

from __future__ import annotations

import fastjsonschema
from hypothesis import given, settings
from hypothesis import strategies as st

from console.protocol.codec import _plain_position
from console.protocol.schema import EVENT_SCHEMAS

SCHEMA = fastjsonschema.compile(EVENT_SCHEMAS["unit.position"])

ts = st.one_of(
    st.just("2026-11-28T16:40:54.123Z"),
    st.just("2026-11-28T16:40:54.123Z\n"),
    st.just("２026-11-28T16:40:54.123Z"),
    st.text(max_size=30),
)
number = st.one_of(
    st.integers(min_value=-(2**60), max_value=2**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.text(max_size=5),
)
position = st.fixed_dictionaries(
    {
        "type": st.just("unit.position"),
        "seq": st.one_of(st.integers(min_value=-5, max_value=2**54), st.booleans(), number),
        "ts": ts,
        "unit_id": st.one_of(st.text(max_size=140), st.integers()),
        "lat": number,
        "lon": number,
    },
    optional={
        "alt_m": number,
        "speed_kmh": number,
        "heading_deg": number,
        "accuracy_m": number,
        "source": st.sampled_from(["gps", "beidou", "pdt", "glonass", 3]),
        "fix_ts": ts,
        "extra": number,
    },
)


@settings(max_examples=1500, derandomize=True, deadline=None)
@given(position)
def test_fast_path_accepts_only_schema_valid_positions(data: dict) -> None:
    if _plain_position(data):
        SCHEMA(data)  # raises if the schema disagrees


def test_fast_path_accepts_the_usual_position() -> None:
    data = {
        "type": "unit.position",
        "seq": 7,
        "ts": "2026-11-28T16:40:54.123Z",
        "unit_id": "U0001",
        "lat": 39.82,
        "lon": 109.98,
        "speed_kmh": 42.5,
        "heading_deg": 359.9,
        "accuracy_m": 5,
        "source": "beidou",
        "fix_ts": "2026-11-28T16:40:54.000Z",
    }
    assert _plain_position(data)
    SCHEMA(data)
