"""Two ``dispatch-backend serve`` processes sharing one real PostgreSQL.

Consoles on either process see one event log: a command made on one process reaches a
console on the other, a conflict between them is decided once by the database, the same
command id is answered once across processes, resume works against the other process, and
the log has no gap. With ``--demo`` only one process simulates; when it is killed the other
takes over, and the e-fence rule raises one alert per crossing, not one per process.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import text

from backend_stub import db
from tests.fences import FENCE, INSIDE, OUTSIDE, fence_args, fix, unit
from tests.live import ALERT_ARGS, Client, open_client, start_backend

ROOT = Path(__file__).resolve().parents[2]
LEADS_SIMULATION = "this process leads the demo simulation"


@dataclass
class ServeProcess:
    """A real ``dispatch-backend serve`` process; its log lines are collected as they come."""

    proc: asyncio.subprocess.Process
    logged: asyncio.Condition  # notified on every new log line (shared by a cluster)
    url: str = ""
    log: list[str] = field(default_factory=list)
    reader: asyncio.Task[None] | None = None
    ended: bool = False

    def said(self, text: str) -> bool:
        return any(text in line for line in self.log)

    async def wait_log(self, text: str, timeout: float = 60) -> None:
        async with asyncio.timeout(timeout), self.logged:
            await self.logged.wait_for(lambda: self.said(text) or self.ended)
        assert self.said(text), f"backend exited: {self.log[-20:]}"

    async def stop(self) -> None:
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self.reader is not None:
            self.reader.cancel()


async def _serve(db_url: str, *extra: str, logged: asyncio.Condition | None = None) -> ServeProcess:
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "backend_stub", "serve", "--port", "0", "--db", db_url, *extra),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    handle = ServeProcess(proc, logged or asyncio.Condition())

    async def read_log() -> None:
        assert proc.stderr is not None
        while line := await proc.stderr.readline():
            async with handle.logged:
                handle.log.append(line.decode(errors="replace").rstrip())
                handle.logged.notify_all()
        async with handle.logged:
            handle.ended = True
            handle.logged.notify_all()

    handle.reader = asyncio.create_task(read_log())
    assert proc.stdout is not None
    async with asyncio.timeout(120):
        while True:
            line = (await proc.stdout.readline()).decode()
            if not line:
                await handle.stop()
                raise AssertionError(f"backend exited before listening: {handle.log[-20:]}")
            if line.startswith("listening on "):
                handle.url = line.split()[2]
                return handle


@contextlib.asynccontextmanager
async def _cluster(db_url: str, *extra: str, n: int = 2) -> AsyncIterator[list[ServeProcess]]:
    procs: list[ServeProcess] = []
    logged = asyncio.Condition()
    try:
        for _ in range(n):
            procs.append(await _serve(db_url, *extra, logged=logged))
        yield procs
    finally:
        for p in procs:
            await p.stop()


def _tokens(db_url: str, *names: str) -> list[str]:
    engine = db.open_engine(db_url)
    try:
        return [db.add_operator(engine, name, "operator") for name in names]
    finally:
        engine.dispose()


def _stored_seqs(db_url: str) -> tuple[list[int], int]:
    engine = db.open_engine(db_url)
    try:
        with engine.connect() as conn:
            seqs = [int(r[0]) for r in conn.execute(text("SELECT seq FROM events ORDER BY seq"))]
            head = int(conn.execute(text("SELECT head FROM seq_head")).scalar_one())
        return seqs, head
    finally:
        engine.dispose()


def _seqs(client: Client) -> list[int]:
    return [int(e["seq"]) for e in client.events]


async def _caught_up(client: Client, seq: int, timeout: float = 10) -> None:
    """Wait until the client has received every event up to ``seq``."""
    if client.events and client.events[-1]["seq"] >= seq:
        return
    await client.until(
        lambda m: m.get("type") not in ("result", "snapshot") and m.get("seq", 0) >= seq, timeout
    )


def _is(kind: str, **fields: object) -> Callable[[dict[str, object]], bool]:
    return lambda m: m.get("type") == kind and all(m.get(k) == v for k, v in fields.items())


async def test_two_processes_serve_one_log(pg_url: str) -> None:
    token_a, token_b = _tokens(pg_url, "op-a", "op-b")
    async with _cluster(pg_url) as (a, b):
        on_a = await open_client(a.url, token_a)
        on_b = await open_client(b.url, token_b)

        # A command made on B reaches the console on A.
        created = await on_b.run("alert.create", ALERT_ARGS)
        assert created["ok"], created
        await _caught_up(on_a, created["seq"])
        seen = on_a.events[-1]
        assert seen["type"] == "alert.new" and seen["alert"]["title"] == ALERT_ARGS["title"]
        alert_id = seen["alert"]["id"]

        # Both processes accept version 1 of the same alert at the same moment: the database
        # decides, exactly one wins, the other is told who changed it first.
        ack = {"alert_id": alert_id, "version": 1}
        cid_a = await on_a.command("alert.acknowledge", ack)
        cid_b = await on_b.command("alert.acknowledge", ack)
        answers = [await on_a.result(cid_a), await on_b.result(cid_b)]
        assert sorted(r["ok"] for r in answers) == [False, True], answers
        loser = next(r for r in answers if not r["ok"])
        assert loser["error"]["code"] == "conflict"
        winner = next(r for r in answers if r["ok"])
        for client in (on_a, on_b):
            await _caught_up(client, winner["seq"])
            acks = [e for e in client.events if e["type"] == "alert.updated"]
            assert [e["alert"]["status"] for e in acks] == ["acknowledged"]

        # Commands from both processes at once: every one is accepted, each gets its own seq.
        cids_a = [await on_a.command("log.write", {"text": f"a{i}"}) for i in range(25)]
        cids_b = [await on_b.command("log.write", {"text": f"b{i}"}) for i in range(25)]
        results = [await on_a.result(c) for c in cids_a] + [await on_b.result(c) for c in cids_b]
        assert all(r["ok"] for r in results), [r for r in results if not r["ok"]]
        assert len({r["seq"] for r in results}) == 50
        head = max(r["seq"] for r in results)
        for client in (on_a, on_b):
            await _caught_up(client, head)
        # Both consoles saw the same log, every seq once, in order, with no gap.
        assert _seqs(on_a) == _seqs(on_b) == list(range(1, head + 1))
        assert on_a.events == on_b.events

        # The same command id sent to the other process is answered once, with no new event.
        on_b_as_a = await open_client(b.url, token_a)
        first = await on_a.run("log.write", {"text": "once"}, cid="same-id")
        again = await on_b_as_a.run("log.write", {"text": "once"}, cid="same-id")
        assert again == first
        # ... also when it reaches both at the same moment (a console retrying elsewhere).
        await on_a.command("log.write", {"text": "twice?"}, cid="racing-id")
        await on_b_as_a.command("log.write", {"text": "twice?"}, cid="racing-id")
        raced = [await on_a.result("racing-id"), await on_b_as_a.result("racing-id")]
        assert raced[0] == raced[1] and raced[0]["ok"]
        head = raced[0]["seq"]
        await _caught_up(on_b, head)
        assert [e["entry"]["text"] for e in on_b.events if e["type"] == "log.entry"].count(
            "twice?"
        ) == 1

        # A console that left A resumes on B and gets exactly the events it missed.
        await _caught_up(on_a, head)
        await on_a.ws.close()
        missed = [await on_b.run("log.write", {"text": f"missed {i}"}) for i in range(5)]
        assert all(r["ok"] for r in missed)
        await _caught_up(on_b, missed[-1]["seq"])
        resumed = await open_client(b.url, token_a, resume_from=head)
        assert resumed.snapshot is None
        await _caught_up(resumed, missed[-1]["seq"])
        assert _seqs(resumed) == list(range(head + 1, missed[-1]["seq"] + 1))
        assert resumed.events == [e for e in on_b.events if e["seq"] > head]
        for client in (on_b, on_b_as_a, resumed):
            await client.ws.close()

    # The database holds the same gap-free log; its counter is at the head.
    seqs, stored_head = _stored_seqs(pg_url)
    assert seqs == list(range(1, missed[-1]["seq"] + 1))
    assert stored_head == seqs[-1]


async def test_a_restarted_process_continues_the_shared_log(pg_url: str) -> None:
    (token,) = _tokens(pg_url, "op-r")
    async with _cluster(pg_url) as (a, b):
        on_a = await open_client(a.url, token)
        first = await on_a.run("log.write", {"text": "before"})
        await a.stop()
        # B carries on alone; A comes back and catches up from the database.
        on_b = await open_client(b.url, token, resume_from=first["seq"])
        later = await on_b.run("log.write", {"text": "while A was down"})
        a2 = await _serve(pg_url)
        try:
            on_a2 = await open_client(a2.url, token, resume_from=0)
            await _caught_up(on_a2, later["seq"])
            assert _seqs(on_a2) == [first["seq"], later["seq"]]
            again = await on_a2.run("log.write", {"text": "after"})
            assert again["seq"] == later["seq"] + 1
            await _caught_up(on_b, again["seq"])
            assert on_b.events[-1]["entry"]["text"] == "after"
            await on_a2.ws.close()
        finally:
            await a2.stop()
        await on_b.ws.close()


@pytest.mark.timeout(300)
async def test_demo_simulates_in_one_process_and_fails_over(pg_url: str) -> None:
    (token,) = _tokens(pg_url, "op-d")
    demo = ("--demo", "--units", "20", "--position-hz", "1", "--alert-rate", "0.2")
    async with _cluster(pg_url, *demo) as (a, b):
        async with asyncio.timeout(60), a.logged:
            await a.logged.wait_for(lambda: a.said(LEADS_SIMULATION) or b.said(LEADS_SIMULATION))
        leaders = [p for p in (a, b) if p.said(LEADS_SIMULATION)]
        assert len(leaders) == 1, [a.log[-5:], b.log[-5:]]
        leader, standby = leaders[0], (b if leaders[0] is a else a)
        await standby.wait_log("standing by")

        # The standby's console sees the leader's simulation, including its talkgroups.
        watcher = await open_client(standby.url, token)
        assert watcher.snapshot is not None
        assert watcher.snapshot["state"]["talkgroups"]
        await watcher.until(_is("unit.position"), timeout=30)

        # The leader dies without a word; the standby takes the simulation over.
        leader.proc.kill()
        await leader.proc.wait()
        await standby.wait_log(LEADS_SIMULATION, timeout=60)
        after_kill = watcher.events[-1]["seq"]
        await watcher.until(
            lambda m: m.get("type") == "unit.position" and m["seq"] > after_kill, timeout=30
        )
        seqs = _seqs(watcher)
        start = watcher.snapshot["seq"] + 1
        assert seqs == list(range(start, seqs[-1] + 1)), "a gap or a repeat in the log"
        await watcher.ws.close()


async def test_a_leader_that_loses_its_lock_session_exits(pg_url: str) -> None:
    leads = "this process leads the e-fence rule"
    async with _cluster(pg_url) as (a, b):
        async with asyncio.timeout(60), a.logged:
            await a.logged.wait_for(lambda: a.said(leads) or b.said(leads))
        leader, standby = (a, b) if a.said(leads) else (b, a)
        assert not standby.said(leads)
        # Cut the leader's lock session (as a network partition or a DBA would).
        engine = db.open_engine(pg_url)
        try:
            with engine.begin() as conn:
                cut = conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_locks "
                        "WHERE locktype = 'advisory' AND objid = :low AND granted"
                    ),
                    {"low": db.DERIVED_LOCK & 0xFFFFFFFF},
                ).all()
        finally:
            engine.dispose()
        assert cut == [(True,)]
        # It can no longer be sure it is the only leader: it stops, with a failure status
        # for its supervisor, and the standby takes the rule over.
        assert await asyncio.wait_for(leader.proc.wait(), 60) == 1
        await standby.wait_log(leads)


async def test_a_fence_crossing_raises_one_alert_across_processes(pg_url: str) -> None:
    (token,) = _tokens(pg_url, "op-f")
    one, url_one = await start_backend(pg_url)
    two, url_two = await start_backend(pg_url)
    try:
        leader_known = [asyncio.create_task(b.leads_fences.wait()) for b in (one, two)]
        await asyncio.wait_for(asyncio.wait(leader_known, return_when="FIRST_COMPLETED"), 30)
        for task in leader_known:
            task.cancel()
        assert one.leads_fences.is_set() != two.leads_fences.is_set()
        on_one = await open_client(url_one, token)
        on_two = await open_client(url_two, token)
        assert (await on_two.run("layer.create", fence_args()))["ok"]
        # Both processes see the unit cross the fence; only one rule may raise the alert.
        await one.append([unit("U01", "P1023"), fix("U01", OUTSIDE)])
        await one.append([fix("U01", INSIDE)])
        for _ in range(2):  # markers: anything a rule appended after the crossing comes first
            marks = [await c.run("log.write", {"text": "mark"}) for c in (on_one, on_two)]
        head = max(m["seq"] for m in marks)
        for backend in (one, two):
            await backend.wait_for_seq(head)
        for backend in (one, two):
            alerts = [a for a in backend.state.alerts.values() if a["kind"] == "efence"]
            assert [a["title"] for a in alerts] == [f"电子围栏越界：P1023 进入 {FENCE}"]
        for client in (on_one, on_two):
            await client.ws.close()
    finally:
        for backend in (one, two):
            await backend.stop()
            backend.engine.dispose()


async def test_an_import_reaches_consoles_of_every_process_once(
    pg_url: str, tmp_path: Path
) -> None:
    """``dispatch-backend import`` in a third process: consoles on both serving processes get
    each item within 5 s, and the shared log holds it once (not once per process)."""
    (token_a, token_b) = _tokens(pg_url, "op-a", "op-b")
    units = tmp_path / "units.csv"
    units.write_text(
        "id,callsign,kind,device_ids\nK-1,康101,patrol_car,jt808:013915000001\n"
        "K-2,康102,foot,osmand:KB0002\n",
        encoding="utf-8",
    )
    async with _cluster(pg_url) as (a, b):
        on_a = await open_client(a.url, token_a)
        on_b = await open_client(b.url, token_b)
        cli = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "backend_stub", "import", "--db", pg_url, str(units)),
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _out, err = await cli.communicate()
        assert cli.returncode == 0, err.decode()
        for client in (on_a, on_b):
            got = await client.until(
                lambda m: m.get("type") == "unit.upsert" and m["unit"]["id"] == "K-2", timeout=5
            )
            assert got["unit"]["device_ids"] == ["osmand:KB0002"]
        # Both processes poll the same revision; the diff is decided under the log's lock, so
        # the one that comes second finds nothing to send. Wait for both to have looked.
        for proc in (a, b):
            await proc.wait_log("inventory revision 1")
        engine = db.open_engine(pg_url)
        try:
            with engine.connect() as conn:
                upserts = conn.execute(
                    text("SELECT body FROM events WHERE type = 'unit.upsert'")
                ).all()
        finally:
            engine.dispose()
        ids = sorted(json.loads(r[0])["unit"]["id"] for r in upserts)
        assert ids == ["K-1", "K-2"]
        await on_a.ws.close()
        await on_b.ws.close()
