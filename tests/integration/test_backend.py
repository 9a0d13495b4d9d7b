"""The backend against a real websockets client: handshake, bad input, commands, resume."""

from __future__ import annotations

import json

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.live import ALERT_ARGS, Running, open_client, start_backend


async def _closed_with(ws: object) -> int | None:
    try:
        while True:
            await ws.recv()  # type: ignore[attr-defined]
    except ConnectionClosed as exc:
        return exc.rcvd.code if exc.rcvd else None


async def test_welcome_and_snapshot(running: Running) -> None:
    client = await open_client(running.url, running.tokens["operator"])
    assert client.welcome["operator"]["role"] == "operator"
    assert client.welcome["head_seq"] == 0
    state = client.snapshot["state"]  # type: ignore[index]
    assert set(state) >= {"units", "alerts", "cameras", "talkgroups", "layers", "log"}
    await client.ws.close()


@pytest.mark.parametrize("token", ["nonsense", None, "op-x.y", ""])
async def test_bad_token_is_unauthorized_and_closed_4401(running: Running, token: str) -> None:
    async with connect(running.url) as ws:
        await ws.send(json.dumps({"type": "hello", "protocol": 1, "token": token}))
        msg = json.loads(await ws.recv())
        assert msg["type"] == "error" and msg["code"] == "unauthorized"
        assert await _closed_with(ws) == 4401


async def test_command_before_hello_is_unauthorized(running: Running) -> None:
    async with connect(running.url) as ws:
        cmd = {"type": "command", "id": "x", "name": "alert.create", "args": ALERT_ARGS}
        await ws.send(json.dumps(cmd))
        msg = json.loads(await ws.recv())
        assert msg["code"] == "unauthorized"
        assert await _closed_with(ws) == 4401
    assert running.backend.committed_seq == 0


async def test_unsupported_protocol_closes_4400(running: Running) -> None:
    async with connect(running.url) as ws:
        hello = {"type": "hello", "protocol": 3, "token": running.tokens["operator"]}
        await ws.send(json.dumps(hello))
        msg = json.loads(await ws.recv())
        assert msg["code"] == "unsupported_protocol"
        assert await _closed_with(ws) == 4400


BAD_FRAMES = [
    "not json at all",
    "[1, 2, 3]",
    '"a string"',
    '{"no_type": 1}',
    '{"type": 5}',
    '{"type": "launch_missiles"}',
    '{"type": "command", "id": 7, "name": "alert.create", "args": {}}',
    '{"type": "command", "id": "x", "name": "alert.create", "args": []}',
    '{"type": "command", "id": "x", "args": {}}',
    '{"type": "hello", "protocol": 1, "token": "again"}',
    '{"type": "command", "id": "x", "name": "log.write", "args": {"text": NaN}}',
    "[" * 100_000 + "]" * 100_000,
    b"\xff\xfe binary garbage",
]


async def test_every_bad_message_gets_bad_message_and_changes_nothing(running: Running) -> None:
    client = await open_client(running.url, running.tokens["operator"])
    other = await open_client(running.url, running.tokens["operator2"])
    head = running.backend.committed_seq
    for frame in BAD_FRAMES:
        await client.send(frame)
        msg = await client.recv()
        assert msg["type"] == "error", (frame, msg)
        assert msg["code"] == "bad_message", (frame, msg)
        assert msg["message"]
    assert running.backend.committed_seq == head
    # The connection is still open and working, and the other client saw nothing.
    result = await client.run("log.write", {"text": "still here"})
    assert result["ok"] is True
    first = await other.until(lambda m: "seq" in m and m["type"] != "result")
    assert first["type"] == "log.entry" and first["entry"]["text"] == "still here"
    await client.ws.close()
    await other.ws.close()


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("alert.create", {**ALERT_ARGS, "lat": 91.0}),
        ("alert.create", {**ALERT_ARGS, "lon": -180.5}),
        ("alert.create", {**ALERT_ARGS, "priority": 9}),
        ("alert.create", {**ALERT_ARGS, "kind": "alien_landing"}),
        ("alert.create", {"kind": "call_110"}),
        ("alert.create", {**ALERT_ARGS, "surprise": True}),
        ("alert.acknowledge", {"alert_id": "A-1", "version": "one"}),
        ("log.write", {"text": ""}),
        ("no.such.command", {}),
    ],
)
async def test_invalid_arguments_answer_invalid(running: Running, name: str, args: dict) -> None:
    client = await open_client(running.url, running.tokens["operator"])
    result = await client.run(name, args)
    assert result["ok"] is False and result["error"]["code"] == "invalid"
    assert running.backend.committed_seq == 0
    await client.ws.close()


async def test_oversize_frame_closes_1009(running: Running) -> None:
    client = await open_client(running.url, running.tokens["operator"])
    big = json.dumps({"type": "command", "id": "x", "name": "log.write", "args": {}})
    await client.send(big[:-1] + ', "pad": "' + "x" * (1 << 20) + '"}')
    assert await _closed_with(client.ws) == 1009
    assert running.backend.committed_seq == 0


async def test_unknown_ids_answer_not_found(running: Running) -> None:
    client = await open_client(running.url, running.tokens["operator"])
    result = await client.run("alert.acknowledge", {"alert_id": "A-999999", "version": 1})
    assert result["error"]["code"] == "not_found"
    created = await client.run("alert.create", ALERT_ARGS)
    alert = client.events[-1]["alert"]
    assert created["seq"] == client.events[-1]["seq"]
    result = await client.run(
        "alert.dispatch", {"alert_id": alert["id"], "unit_ids": ["U-nope"], "version": 1}
    )
    assert result["error"]["code"] == "not_found"
    await client.ws.close()


async def test_commands_are_idempotent_by_id(running: Running) -> None:
    client = await open_client(running.url, running.tokens["operator"])
    first = await client.run("alert.create", ALERT_ARGS, cid="same-id")
    second = await client.run("alert.create", ALERT_ARGS, cid="same-id")
    assert first == second
    assert running.backend.committed_seq == 1
    assert len(running.backend.state.alerts) == 1
    await client.ws.close()


async def test_lifecycle_conflict_and_illegal_transition(running: Running) -> None:
    a = await open_client(running.url, running.tokens["operator"])
    b = await open_client(running.url, running.tokens["operator2"])
    await a.run("alert.create", ALERT_ARGS)
    alert = a.events[-1]["alert"]
    ok = await a.run("alert.acknowledge", {"alert_id": alert["id"], "version": 1})
    assert ok["ok"]
    late = await b.run("alert.acknowledge", {"alert_id": alert["id"], "version": 1})
    assert late["error"]["code"] == "conflict"
    assert "operator-1" in late["error"]["message"] or "op-" in late["error"]["message"]
    closed = await a.run(
        "alert.set_status", {"alert_id": alert["id"], "status": "resolved", "version": 2}
    )
    assert closed["error"]["code"] == "illegal_transition"
    acked = running.backend.state.alerts[alert["id"]]
    assert acked["status"] == "acknowledged" and acked["version"] == 2
    assert [h["action"] for h in acked["history"]] == ["created", "acknowledged"]
    await a.ws.close()
    await b.ws.close()


async def test_wall_role_may_not_command(running: Running) -> None:
    wall = await open_client(running.url, running.tokens["wall"])
    result = await wall.run("log.write", {"text": "hello"})
    assert result["error"]["code"] == "forbidden"
    trainer = await open_client(running.url, running.tokens["trainer"])
    result = await trainer.run("log.write", {"text": "hello"})
    assert result["error"]["code"] == "forbidden"
    assert running.backend.committed_seq == 0
    await wall.ws.close()
    await trainer.ws.close()


async def test_resume_sends_exactly_the_missed_events(running: Running) -> None:
    a = await open_client(running.url, running.tokens["operator"])
    await a.run("log.write", {"text": "one"})
    seen = a.events[-1]["seq"]
    await a.ws.close()
    b = await open_client(running.url, running.tokens["operator2"])
    for i in range(5):
        await b.run("log.write", {"text": f"missed {i}"})
    resumed = await open_client(running.url, running.tokens["operator"], resume_from=seen)
    while len(resumed.events) < 5:
        await resumed.until(lambda m: "seq" in m and m["type"] != "result")
    assert [e["seq"] for e in resumed.events] == list(range(seen + 1, seen + 6))
    assert resumed.snapshot is None
    assert [e["entry"]["text"] for e in resumed.events] == [f"missed {i}" for i in range(5)]
    await b.ws.close()
    await resumed.ws.close()


async def test_many_events_travel_in_batches(running: Running) -> None:
    client = await open_client(running.url, running.tokens["operator"])
    await running.backend.append(
        [
            {
                "type": "log.entry",
                "entry": {
                    "id": f"L-9{i:05d}",
                    "ts": "2026-11-28T00:00:00.000Z",
                    "author": None,
                    "text": f"bulk {i}",
                },
            }
            for i in range(2500)
        ]
    )
    frame = await client.recv()
    assert frame["type"] == "batch"
    seqs = [e["seq"] for e in frame["events"]]
    assert seqs == list(range(1, len(seqs) + 1))
    await client.ws.close()


async def test_restart_continues_seq_and_serves_resume(running: Running) -> None:
    a = await open_client(running.url, running.tokens["operator"])
    for i in range(3):
        await a.run("log.write", {"text": f"before {i}"})
    await a.run("alert.create", ALERT_ARGS)
    alert_id = a.events[-1]["alert"]["id"]
    head = running.backend.committed_seq
    await a.ws.close()
    await running.backend.stop()
    running.backend.engine.dispose()

    backend, url = await start_backend(running.db_url)
    running.backend = backend
    assert backend.committed_seq == head
    assert backend.state.alerts[alert_id]["status"] == "new"
    resumed = await open_client(url, running.tokens["operator"], resume_from=1)
    while len(resumed.events) < head - 1:
        await resumed.until(lambda m: "seq" in m and m["type"] != "result")
    assert [e["seq"] for e in resumed.events] == list(range(2, head + 1))
    result = await resumed.run("alert.create", ALERT_ARGS)
    assert result["seq"] == head + 1
    assert resumed.events[-1]["alert"]["id"] != alert_id
    await resumed.ws.close()
