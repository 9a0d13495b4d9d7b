"""Every door's decoder takes anything and answers with its own refusal, never another error.

Hypothesis feeds random and mutated input to the OsmAnd/Traccar JSON reader, the JSON alarm
reader and the CAP reader; each must either decode or raise the error its door turns into a 400.
(The JT/T 808 and CoT decoders have their own fuzz tests beside their codecs.)
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend_stub.ingest.doors.alarms import parse_alarm
from backend_stub.ingest.doors.cap import CapError, parse_cap
from backend_stub.ingest.http import _traccar_json

NOW = 1_800_000_000.0
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6)
    ),
    max_leaves=25,
)
GOOD_ALARM = {
    "ref": "r-1",
    "kind": "face_match",
    "priority": 1,
    "title": "t",
    "lat": 39.8,
    "lon": 109.9,
}
GOOD_TRACCAR = {
    "device_id": "860001",
    "location": {
        "timestamp": "2027-01-15T08:00:00Z",
        "coords": {"latitude": 39.8, "longitude": 109.9, "speed": 3},
    },
}
GOOD_CAP = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>KSJ-1</identifier><sender>ksj@ordos</sender>
  <sent>2027-01-15T16:00:00+08:00</sent><status>Actual</status><msgType>Alert</msgType>
  <scope>Public</scope>
  <info><category>Security</category><event>周界报警</event><urgency>Immediate</urgency>
    <severity>Severe</severity><certainty>Observed</certainty>
    <area><areaDesc>东胜区</areaDesc><circle>39.8,109.9 0.1</circle></area></info>
</alert>""".encode()


def _traccar(body: Any) -> None:
    try:
        fix = _traccar_json(body)
    except ValueError:
        return
    assert fix.device.startswith("osmand:")


@FUZZ
@given(json_values)
def test_the_traccar_json_reader_decodes_or_says_why(body: Any) -> None:
    _traccar(body)


@FUZZ
@given(st.dictionaries(st.sampled_from(sorted({*GOOD_TRACCAR, "location"})), json_values))
def test_mutated_traccar_bodies(changes: dict[str, Any]) -> None:
    _traccar({**GOOD_TRACCAR, **changes})


@FUZZ
@given(json_values)
def test_the_alarm_reader_decodes_or_says_why(body: Any) -> None:
    try:
        parse_alarm(body, NOW, 300.0)
    except ValueError:
        pass


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from([*GOOD_ALARM, "camera_id", "occurred_at", "plate", "snapshot_url"]),
        json_values,
    )
)
def test_mutated_alarms(changes: dict[str, Any]) -> None:
    try:
        alarm = parse_alarm({**GOOD_ALARM, **changes}, NOW, 300.0)
    except ValueError:
        return
    assert alarm.ref and -90 <= alarm.lat <= 90 and -180 <= alarm.lon <= 180


@FUZZ
@given(st.binary(max_size=400))
def test_the_cap_reader_refuses_random_bytes(data: bytes) -> None:
    try:
        parse_cap(data)
    except CapError:
        pass


@FUZZ
@given(st.integers(0, len(GOOD_CAP) - 1), st.binary(min_size=1, max_size=8))
def test_mutated_cap_documents(at: int, junk: bytes) -> None:
    try:
        parse_cap(GOOD_CAP[:at] + junk + GOOD_CAP[at + len(junk) :])
    except CapError:
        pass


def test_the_good_inputs_decode() -> None:
    assert _traccar_json(GOOD_TRACCAR).lat == 39.8
    assert parse_alarm(GOOD_ALARM, NOW, 300.0).kind == "face_match"
    assert parse_cap(GOOD_CAP).identifier == "KSJ-1"
