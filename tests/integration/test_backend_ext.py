"""The lifecycle extensions over a real backend: queries, transfer, and what other clients see."""

from __future__ import annotations

import json
from typing import Any

from tests.live import ALERT_ARGS, Running, open_client


async def test_history_query_answers_in_data_and_causes_no_event(running: Running) -> None:
    op = await open_client(running.url, running.tokens["operator"])
    created = await op.run("alert.create", {**ALERT_ARGS, "title": "盗窃电动车"})
    alert_id = f"A-{1:06d}"
    closed = await op.run(
        "alert.close", {"alert_id": alert_id, "disposition": "已处理", "version": 1}
    )
    assert closed["ok"], closed
    head = closed["seq"]
    answer = await op.run("alert.history", {"text": "电动车"})
    assert answer["ok"] and answer["seq"] == head == created["seq"] + 1
    (found,) = answer["data"]["alerts"]
    assert (found["id"], found["disposition"]) == (alert_id, "已处理")
    assert (await op.run("alert.history", {"text": "nothing like it"}))["data"] == {"alerts": []}
    await op.ws.close()


async def test_transfer_to_a_listed_operator_is_seen_by_the_other_console(
    running: Running,
) -> None:
    op = await open_client(running.url, running.tokens["operator"])
    other = await open_client(running.url, running.tokens["operator2"])
    listed = await op.run("operator.list", {})
    names = {o["name"]: o["id"] for o in listed["data"]["operators"]}
    assert {"operator-1", "operator-2", "commander-1"} <= set(names)
    await op.run("alert.create", ALERT_ARGS)
    bad = await op.run(
        "alert.transfer", {"alert_id": "A-000001", "version": 1, "to_operator": "op-nobody"}
    )
    assert bad["error"]["code"] == "not_found"
    ok = await op.run(
        "alert.transfer",
        {"alert_id": "A-000001", "version": 1, "to_operator": names["operator-2"]},
    )
    assert ok["ok"], ok
    seen = await other.until(
        lambda m: m.get("type") == "alert.updated" and m["alert"]["version"] == 2
    )
    assert seen["alert"]["owner"] == names["operator-2"]
    await op.ws.close()
    await other.ws.close()


async def test_wall_role_cannot_push_and_commander_push_reaches_walls(running: Running) -> None:
    wall = await open_client(running.url, running.tokens["wall"])
    commander = await open_client(running.url, running.tokens["commander"])
    layout = {"name": "夜班", "docks": []}
    refused = await wall.run("wall.show_layout", {"wall": "all", "name": "x", "layout": layout})
    assert refused["error"]["code"] == "forbidden"
    ok = await commander.run("wall.show_layout", {"wall": "all", "name": "夜班", "layout": layout})
    assert ok["ok"], ok
    pushed = await wall.until(lambda m: m.get("type") == "wall.layout")
    assert (pushed["name"], pushed["layout"], pushed["seq"]) == ("夜班", layout, ok["seq"])
    await wall.ws.close()
    await commander.ws.close()


async def test_console_client_learns_operator_names_for_owner_and_history(
    running: Running,
) -> None:
    import asyncio

    from console.domain.store import Store
    from console.services.client import BackendClient

    named = asyncio.Event()

    class WatchedStore(Store):
        def name_operators(self, operators: Any) -> None:
            super().name_operators(operators)
            named.set()

    store = WatchedStore()
    answers: list[object] = []
    client = BackendClient(running.url, running.tokens["operator"], store, on_answer=answers.append)
    client.start()
    other_id = running.tokens["operator2"].split(".", 1)[0]
    await asyncio.wait_for(named.wait(), 15)
    assert store.operator_label(other_id) == "operator-2"
    assert store.operator_label(None) == "" and store.operator_label("op-unknown") == "op-unknown"
    assert answers == []  # the client's own query is not reported as a command answer
    await client.stop()


async def test_console_takes_a_snapshot_larger_than_the_1_mib_command_limit(
    running: Running,
) -> None:
    """A big district's snapshot (10,000 units, several MiB) reaches the Store whole."""
    import asyncio

    from console.domain.store import SnapshotLoaded, Store
    from console.services.client import BackendClient

    await running.backend.append(
        [
            {
                "type": "unit.upsert",
                "unit": {
                    "id": f"U{i:05d}",
                    "callsign": f"巡逻{i:05d}",
                    "kind": "patrol_car",
                    "radio_id": f"46{i:05d}",
                    "talkgroup": "1101",
                    "grid_id": f"G{i % 800:04d}",
                    "status": "available",
                },
            }
            for i in range(10_000)
        ]
    )
    assert len(json.dumps(running.backend.state.snapshot_state())) > 1 << 20
    loaded = asyncio.Event()
    store = Store()
    store.subscribe(
        lambda events: any(isinstance(e, SnapshotLoaded) for e in events) and loaded.set()
    )
    client = BackendClient(running.url, running.tokens["operator"], store)
    client.start()
    await asyncio.wait_for(loaded.wait(), 30)
    assert len(store.units) == 10_000 and store.units["U09999"].callsign == "巡逻09999"
    await client.stop()
