"""Hostile input from a real client: the backend stays up and nothing it rejects leaves a trace."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend_stub import db
from tests.live import ALERT_ARGS, open_client, start_backend

COMMANDS = [
    "alert.acknowledge",
    "alert.dispatch",
    "alert.set_status",
    "alert.close",
    "alert.create",
    "log.write",
    # [ext] commands that change state (the read-only queries may rightly succeed)
    "alert.merge",
    "alert.cancel",
    "alert.transfer",
    "alert.release_unit",
    "camera.ptz",
    "wall.show_layout",
    "wall.show_cameras",
    "layer.create",
]

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=50),
    st.sampled_from(["", "A-1", "A-999999", "U-0001", "\u202e\u0000\ufffd", "😀" * 20]),
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def _deep(n: int) -> str:
    return '{"a":' * n + "1" + "}" * n


_raw_text = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["NaN", "Infinity", "-Infinity", "[NaN]", '{"type": NaN}', "1e99999"]),
    st.integers(min_value=50, max_value=5000).map(_deep),
    st.integers(min_value=1, max_value=200_000).map(lambda n: json.dumps({"type": "x" * n})),
    _json.map(json.dumps),
)

# Commands that look right but must be refused: bad ids, stale or absurd versions, wrong args.
# No alert exists in this backend, and alert.create/log.write get arguments that break their
# schema, so every one of these is refused without an event.
_bad_args = st.one_of(
    st.fixed_dictionaries(
        {
            "alert_id": st.one_of(st.text(max_size=20), _scalars),
            "version": st.one_of(st.integers(), st.floats(), st.text(max_size=5), st.none()),
        }
    ),
    st.fixed_dictionaries(
        {
            "alert_id": st.text(max_size=10),
            "unit_ids": st.lists(st.text(max_size=10), max_size=150),
            "version": st.integers(),
        }
    ),
    st.just({**ALERT_ARGS, "lat": 1e308}),
    st.just({**ALERT_ARGS, "priority": 2**64}),
    st.just({**ALERT_ARGS, "title": "x" * 5000}),
    st.just({**ALERT_ARGS, "extra": {"deep": [[[[]]]]}}),
    st.just({"text": ""}),
    st.just({"text": "x" * 4001}),
    st.just({"text": 5}),
    _json,
)
_command = st.builds(
    lambda cid, name, args: {"type": "command", "id": cid, "name": name, "args": args},
    st.one_of(
        st.text(min_size=1, max_size=128),
        st.integers(),
        st.none(),
        st.text(min_size=129, max_size=300),
    ),
    st.one_of(st.sampled_from(COMMANDS), st.text(max_size=61)),
    _bad_args,
).map(json.dumps)
_envelope = st.builds(
    lambda t, rest: json.dumps({"type": t, **rest}),
    st.one_of(
        st.sampled_from(["hello", "welcome", "snapshot", "batch", "result", "error", "log.entry"]),
        _scalars,
    ),
    st.dictionaries(st.text(max_size=10), _json, max_size=4),
)
MESSAGES = st.one_of(_raw_text, _command, _envelope, st.binary(max_size=100))


async def test_fuzz_hostile_messages_change_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fuzz.sqlite3'}"
    engine = db.open_engine(url)
    token = db.add_operator(engine, "fuzzer", "operator")
    watcher_token = db.add_operator(engine, "watcher", "commander")
    engine.dispose()
    backend, ws_url = await start_backend(url, command_rate=1e9, command_burst=10**9)
    fuzzer = await open_client(ws_url, token)
    watcher = await open_client(ws_url, watcher_token)
    loop = asyncio.get_running_loop()
    before = json.dumps(backend.state.snapshot_state(), sort_keys=True)
    tried = 0

    async def one(frame: Any) -> None:
        nonlocal tried
        await fuzzer.send(frame)
        reply = await fuzzer.recv()
        # Exactly one reply: an error, or a refused result; never an event.
        assert reply["type"] in ("error", "result"), reply
        if reply["type"] == "result":
            assert reply["ok"] is False, (frame, reply)
        tried += 1

    # Hypothesis drives a sync test function; each example runs on the test's loop.
    @settings(
        max_examples=2000,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(MESSAGES)
    def check(frame: Any) -> None:
        asyncio.run_coroutine_threadsafe(one(frame), loop).result(30)

    await loop.run_in_executor(None, check)
    print(f"\nfuzz: {tried} hostile messages tried")
    assert tried >= 2000
    # Still up and answering, log and state untouched, the other client saw nothing.
    assert backend.committed_seq == 0
    assert json.dumps(backend.state.snapshot_state(), sort_keys=True) == before
    ok = await fuzzer.run("log.write", {"text": "after the storm"})
    assert ok["ok"] and ok["seq"] == 1
    first = await watcher.until(lambda m: "seq" in m)
    assert first["seq"] == 1 and first["entry"]["text"] == "after the storm"
    await fuzzer.ws.close()
    await watcher.ws.close()
    await backend.stop()
    backend.engine.dispose()
