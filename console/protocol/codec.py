"""Encode and decode wire messages; validate each inbound message against its schema.

Validators are compiled once from :mod:`console.protocol.schema` with fastjsonschema, so the
checks the code runs are exactly the schemas published in docs/schema/.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import fastjsonschema
import msgspec

from console.protocol.schema import (
    COMMAND_ARG_SCHEMAS,
    EVENT_SCHEMAS,
    MAX_FRAME_BYTES,
    MESSAGE_SCHEMAS,
    POSITION_SOURCES,
)

Message = dict[str, Any]
Validator = Callable[[Any], Any]


class ProtocolError(Exception):
    """An inbound message that breaks the contract.

    Attributes:
        code: the wire error code (``bad_message`` for malformed input, ``invalid`` for bad
            command arguments).
        message: a human-readable explanation of what was wrong.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _compile(schema: dict[str, Any]) -> Validator:
    return fastjsonschema.compile(schema)  # type: ignore[no-any-return]


_MESSAGE_VALIDATORS: dict[str, Validator] = {k: _compile(v) for k, v in MESSAGE_SCHEMAS.items()}
_EVENT_VALIDATORS: dict[str, Validator] = {k: _compile(v) for k, v in EVENT_SCHEMAS.items()}
_ARG_VALIDATORS: dict[str, Validator] = {k: _compile(v) for k, v in COMMAND_ARG_SCHEMAS.items()}

EVENT_TYPES = frozenset(EVENT_SCHEMAS)
MESSAGE_TYPES = frozenset(MESSAGE_SCHEMAS)
COMMAND_NAMES = frozenset(COMMAND_ARG_SCHEMAS)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in JSON messages")


def now_ts(clock: Callable[[], float] | None = None) -> str:
    """Return the current time (or ``clock()`` seconds since the epoch) as a wire time string."""
    t = clock() if clock is not None else datetime.now(UTC).timestamp()
    return format_ts(t)


@functools.lru_cache(maxsize=4096)
def _second_text(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def format_ts(epoch_s: float) -> str:
    """Format seconds since the epoch as RFC 3339 UTC with milliseconds.

    The one wire time format, for the console and the backend alike: the text of
    ``datetime.fromtimestamp(epoch_s, UTC)`` to the millisecond (truncated), such as
    ``"2026-11-28T16:40:54.123Z"``.

    Hot: the simulator stamps every position with it. The microseconds are rounded as
    ``datetime.fromtimestamp`` rounds them (half to even) and the text of each second is
    cached, about four times faster than formatting a ``datetime`` each time.
    """
    fraction, whole = math.modf(epoch_s)
    micros = round(fraction * 1e6)
    if micros >= 1_000_000:
        micros -= 1_000_000
        whole += 1.0
    elif micros < 0:
        micros += 1_000_000
        whole -= 1.0
    return f"{_second_text(int(whole))}.{micros // 1000:03d}Z"


#: Whole seconds since the epoch of ``YYYY-MM-DDTHH:MM:SS`` texts already parsed.
_SECONDS: dict[str, int] = {}
#: Seconds since the epoch at the start (UTC) of ``YYYY-MM-DD`` days already seen.
_DAYS: dict[str, int] = {}


def _day_start(date: str) -> int | None:
    try:
        day = datetime.fromisoformat(date)
    except ValueError:
        return None
    if len(date) != 10 or day.date().isoformat() != date:
        return None
    if len(_DAYS) >= 4096:
        _DAYS.clear()
    start = _DAYS[date] = int(day.replace(tzinfo=UTC).timestamp())
    return start


def parse_ts(text: str) -> float:
    """Parse a wire time string into seconds since the epoch.

    Hot: every fix the console applies has one. The usual form (``...:SS.mmmZ``, UTC) is
    read as a cached whole second plus the milliseconds, with the very arithmetic of
    ``datetime.timestamp`` (microseconds over 10**6, so the same float); anything else goes
    to ``datetime.fromisoformat``.
    """
    if len(text) == 24 and text[23] == "Z" and text[19] == ".":
        second = _SECONDS.get(text[:19])
        if second is None:
            second = _whole_second(text[:19])
        millis = text[20:23]
        if second is not None and millis.isascii() and millis.isdigit():
            return (second * 1_000_000 + int(millis) * 1000) / 1_000_000
    return datetime.fromisoformat(text).timestamp()  # Python 3.11 reads the trailing "Z"


def _whole_second(prefix: str) -> int | None:
    # A new second of a day already seen is plain arithmetic on that day's start (a replay
    # seek reads hundreds of alert-history times, nearly every one a second not seen before).
    day = _DAYS.get(prefix[:10])
    if day is None:
        day = _day_start(prefix[:10])
    clock = prefix[11:19]
    if (
        day is not None
        and prefix[10] == "T"
        and clock[2] == ":"
        and clock[5] == ":"
        and (hms := clock[:2] + clock[3:5] + clock[6:]).isascii()
        and hms.isdigit()
    ):
        hh, mm, ss = int(hms[:2]), int(hms[2:4]), int(hms[4:])
        if hh < 24 and mm < 60 and ss < 60:
            if len(_SECONDS) >= 65536:
                _SECONDS.clear()
            second = _SECONDS[prefix] = day + hh * 3600 + mm * 60 + ss
            return second
    try:
        moment = datetime.fromisoformat(prefix)
    except ValueError:
        return None
    if moment.tzinfo is not None or moment.isoformat() != prefix:
        return None  # not the plain wire form: leave it to fromisoformat
    if len(_SECONDS) >= 65536:
        _SECONDS.clear()
    second = _SECONDS[prefix] = int(moment.replace(tzinfo=UTC).timestamp())
    return second


def encode(message: Message) -> str:
    """Serialise one message as compact JSON text (UTF-8 characters kept as they are)."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


_JSON = msgspec.json.Decoder()


def loads(raw: str | bytes, max_bytes: int = MAX_FRAME_BYTES) -> Any:
    """Parse JSON text strictly: no NaN/Infinity, bounded size, bounded nesting.

    ``max_bytes``: 1 MiB for what clients send; a client reading the server passes its own
    (larger) bound, as snapshots of a big district are larger.

    msgspec parses first (about three times quicker than ``json.loads`` on the console's
    10,000 fixes a second, and it gives the same objects for any text it accepts); text it
    refuses (not JSON, NaN, out-of-range numbers, lone surrogates, deep nesting) goes to
    ``json.loads``, which decides as before and gives the error.
    """
    too_big = f"frame larger than {max_bytes / (1 << 20):g} MiB"
    if isinstance(raw, bytes | bytearray):
        if len(raw) > max_bytes:
            raise ProtocolError("bad_message", too_big)
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtocolError("bad_message", f"not UTF-8 text: {exc.reason}") from None
    if len(raw) > max_bytes:
        raise ProtocolError("bad_message", too_big)
    try:
        return _JSON.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        pass
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except RecursionError:
        raise ProtocolError("bad_message", "JSON nested too deeply") from None
    except ValueError as exc:
        raise ProtocolError("bad_message", f"not valid JSON: {exc}") from None


def _check(
    validator: Validator, data: Any, what: str, code: str = "bad_message", *, finite: bool = True
) -> None:
    try:
        validator(data)
    except fastjsonschema.JsonSchemaException as exc:
        detail = str(exc).replace("data.", "").replace("data ", "")
        raise ProtocolError(code, f"{what}: {detail}") from None
    except (RecursionError, ValueError, TypeError) as exc:
        raise ProtocolError(code, f"{what}: {exc}") from None
    if finite:
        _check_finite(data, what, code)


def _check_finite(data: Any, what: str, code: str, depth: int = 0) -> None:
    # json.loads already refuses NaN; this guards messages built in process (and huge floats).
    if depth > 64:
        raise ProtocolError(code, f"{what}: nested too deeply")
    if isinstance(data, float):
        if not math.isfinite(data):
            raise ProtocolError(code, f"{what}: numbers must be finite")
    elif isinstance(data, dict):
        for v in data.values():
            _check_finite(v, what, code, depth + 1)
    elif isinstance(data, list):
        for v in data:
            _check_finite(v, what, code, depth + 1)


def _type_of(data: Any) -> str:
    if not isinstance(data, dict):
        raise ProtocolError("bad_message", "a message must be a JSON object")
    kind = data.get("type")
    if kind is None:
        raise ProtocolError("bad_message", "missing field 'type'")
    if not isinstance(kind, str):
        raise ProtocolError("bad_message", "field 'type' must be a string")
    return kind


_TS_STRICT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z")
_POSITION_RANGES = (
    ("alt_m", -1000.0, 100000.0),
    ("speed_kmh", 0.0, 2000.0),
    ("heading_deg", 0.0, 360.0),
    ("accuracy_m", 0.0, 100000.0),
)
_POSITION_KEYS = frozenset(
    ["type", "seq", "ts", "unit_id", "lat", "lon", "fix_ts", "source"]
    + [key for key, _, _ in _POSITION_RANGES]
)
_SOURCES = frozenset(POSITION_SOURCES)
_NUMBER = (int, float)
_ABSENT: Any = object()
#: Time strings seen to be in the strict wire form: the fixes of one tick share theirs.
_STRICT_SEEN: dict[str, None] = {}


def _strict_ts(value: Any) -> bool:
    if type(value) is not str:
        return False
    if value in _STRICT_SEEN:
        return True
    if not _TS_STRICT.fullmatch(value):
        return False
    if len(_STRICT_SEEN) >= 4096:
        _STRICT_SEEN.clear()
    _STRICT_SEEN[value] = None
    return True


def _plain_position(data: dict[str, Any]) -> bool:
    """Accept a well-formed ``unit.position`` cheaply (positions are most of the traffic).

    Only ever accepts what the schema accepts (a property test checks this); anything else
    goes to the full schema validator, which gives the precise error. A range check also
    refuses NaN and infinities (they compare false), so only fields the schema does not name
    need the finiteness walk.
    """
    seq = data.get("seq")
    if type(seq) is not int or not 0 <= seq <= 2**53:
        return False
    if not _strict_ts(data.get("ts")):
        return False
    unit_id = data.get("unit_id")
    if type(unit_id) is not str or not 1 <= len(unit_id) <= 128:
        return False
    lat: Any = data.get("lat")
    lon: Any = data.get("lon")
    if type(lat) not in _NUMBER or not -90 <= lat <= 90:
        return False
    if type(lon) not in _NUMBER or not -180 <= lon <= 180:
        return False
    for key, lo, hi in _POSITION_RANGES:
        value = data.get(key, _ABSENT)
        if value is not _ABSENT and (type(value) not in _NUMBER or not lo <= value <= hi):
            return False
    source = data.get("source", _ABSENT)
    if source is not _ABSENT and (type(source) is not str or source not in _SOURCES):
        return False
    fix = data.get("fix_ts", _ABSENT)
    if fix is not _ABSENT and not _strict_ts(fix):
        return False
    if data.keys() <= _POSITION_KEYS:
        return True
    return all(type(v) is not float or math.isfinite(v) for v in data.values())


def validate_event(data: Any) -> Message:
    """Validate one event (not a batch) and return it."""
    if type(data) is dict and data.get("type") == "unit.position" and _plain_position(data):
        return data
    kind = _type_of(data)
    validator = _EVENT_VALIDATORS.get(kind)
    if validator is None:
        raise ProtocolError("bad_message", f"unknown event type {kind!r}")
    _check(validator, data, kind)
    return data  # type: ignore[no-any-return]


def validate_message(data: Any) -> Message:
    """Validate one inbound message of any type; a batch has each event validated too."""
    kind = _type_of(data)
    if kind in _EVENT_VALIDATORS:
        return validate_event(data)
    validator = _MESSAGE_VALIDATORS.get(kind)
    if validator is None:
        raise ProtocolError("bad_message", f"unknown message type {kind!r}")
    # A batch's events are each checked below; no need to walk them twice here.
    _check(validator, data, kind, finite=kind not in ("batch", "positions"))
    if kind == "batch":
        events = data["events"]
        for event in events:
            validate_event(event)
        if "from" in data:  # protocol 2: in order, within from..upto (fixes left out)
            lo, hi = data["from"], data.get("upto", data["from"])
            seqs = [e["seq"] for e in events]
            if seqs[0] < lo or seqs[-1] > hi or any(b <= a for a, b in itertools.pairwise(seqs)):
                raise ProtocolError("bad_message", "batch events are not in from..upto order")
        else:
            for a, b in itertools.pairwise(events):
                if b["seq"] != a["seq"] + 1:
                    raise ProtocolError("bad_message", "batch events are not consecutive")
    elif kind == "positions":
        for event in data["events"]:
            if validate_event(event)["type"] != "unit.position":
                raise ProtocolError("bad_message", "a positions frame holds only unit.position")
    return data  # type: ignore[no-any-return]


def decode(raw: str | bytes, max_bytes: int = MAX_FRAME_BYTES) -> Message:
    """Parse and validate one inbound frame (at most ``max_bytes``)."""
    return validate_message(loads(raw, max_bytes))


def validate_args(name: str, args: Any) -> dict[str, Any]:
    """Validate a command's arguments; raises ProtocolError with code ``invalid``."""
    validator = _ARG_VALIDATORS.get(name)
    if validator is None:
        raise ProtocolError("invalid", f"unknown command {name!r}")
    _check(validator, args, name, code="invalid")
    return args  # type: ignore[no-any-return]


def result_ok(command_id: str, seq: int | None, data: dict[str, Any] | None = None) -> Message:
    """Build a successful command result (``data``: the answer of a query command)."""
    out: Message = {"type": "result", "id": command_id, "ok": True, "seq": seq}
    if data is not None:
        out["data"] = data
    return out


def result_error(command_id: str, code: str, message: str) -> Message:
    """Build a failed command result."""
    return {
        "type": "result",
        "id": command_id,
        "ok": False,
        "error": {"code": code, "message": message},
    }


def error(code: str, message: str) -> Message:
    """Build a connection-level error message."""
    return {"type": "error", "code": code, "message": message}
