"""The websocket backend: handshake, snapshot/resume, commands and the durable event log.

Every event gets the next ``seq`` when it is appended, is written to the database by a single
writer thread in group commits, and only then is applied to the state, broadcast, and (for a
command) answered. So a client never sees an event that a crash could take back, and a
restarted backend continues from the last committed seq with no gap and no reuse.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from backend_stub import db
from backend_stub.state import (
    Actor,
    DistrictState,
    Refused,
    authorize,
    decide,
    follow_unit_status,
)
from console.protocol.codec import (
    ProtocolError,
    decode,
    encode,
    error,
    now_ts,
    result_error,
    result_ok,
    validate_args,
)
from console.protocol.schema import MAX_FRAME_BYTES, PROTOCOL_VERSION

log = logging.getLogger("backend")

Wire = dict[str, Any]
RING_SIZE = 200_000
RESUME_LIMIT = 500_000
BATCH_FRAME_EVENTS = 1000
SLOW_CLIENT_FRAMES = 5000
SNAPSHOT_EVERY_S = 30.0
SNAPSHOT_EVERY_EVENTS = 100_000
HELLO_TIMEOUT_S = 15.0


@dataclass
class _Pending:
    events: list[Wire]
    command: tuple[str, str, str, str] | None
    done: asyncio.Future[None]


@dataclass(eq=False)
class _Client:
    ws: ServerConnection
    operator: db.Operator
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)


class Backend:
    """One backend process serving the wire contract over a database.

    Args:
        engine: the database (see :func:`backend_stub.db.open_engine`).
        training: a training backend, where trainers may send commands.
        clock: seconds since the epoch (injected for tests).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        training: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine = engine
        self.training = training
        self.clock = clock
        self.state = DistrictState()
        self.committed_seq = 0
        self._next_seq = 1
        self._ring: deque[tuple[int, str]] = deque(maxlen=RING_SIZE)
        self._pending: list[_Pending] = []
        self._wakeup = asyncio.Event()
        self._writer_task: asyncio.Task[None] | None = None
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-writer")
        self._clients: set[_Client] = set()
        self._command_lock = asyncio.Lock()
        self._answers: dict[tuple[str, str], Wire] = {}
        self._in_flight: dict[tuple[str, str], asyncio.Future[Wire]] = {}
        self._server: Server | None = None
        self._last_snapshot = (0.0, 0)
        self._snapshotting = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self.events_committed = 0
        self._listeners: list[Callable[[list[Wire]], None]] = []

    # ---------------------------------------------------------------- start / stop

    async def _run_db(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._db, fn, *args)

    async def load(self) -> None:
        """Rebuild the state from the newest snapshot and the events after it."""
        snap = await self._run_db(db.latest_snapshot, self.engine)
        if snap is not None:
            self.state = DistrictState.from_json(snap[1])
        head = await self._run_db(db.head_seq, self.engine)

        def replay() -> None:
            for chunk in db.read_events(self.engine, self.state.seq, head):
                for body in chunk:
                    self.state.apply(json.loads(body))

        await self._run_db(replay)
        self.committed_seq = head
        self._next_seq = head + 1
        self._last_snapshot = (self.clock(), head)
        log.info("event log at seq %d (%d alerts)", head, len(self.state.alerts))

    async def start(self, host: str = "127.0.0.1", port: int = 8765) -> int:
        """Load state, start the writer and listen; returns the bound port."""
        await self.load()
        self._writer_task = asyncio.create_task(self._writer(), name="event-writer")
        self._server = await serve(
            self._handle,
            host,
            port,
            max_size=MAX_FRAME_BYTES,
            ping_interval=20,
            ping_timeout=20,
            process_request=self._check_path,
        )
        sock = next(iter(self._server.sockets))
        return int(sock.getsockname()[1])

    def _check_path(self, conn: ServerConnection, request: Any) -> Any:
        if request.path.split("?")[0] not in ("/ws", "/"):
            return conn.respond(404, "the websocket endpoint is /ws\n")
        return None

    async def stop(self) -> None:
        """Stop accepting, flush the log, write a snapshot, close the database."""
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)
        for task in list(self._tasks):
            task.cancel()
        await self.flush()
        if self._writer_task is not None:
            self._writer_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer_task
        if self.committed_seq > self._last_snapshot[1]:
            await self._run_db(db.save_snapshot, self.engine, self.state.seq, self.state.to_json())
        self._db.shutdown(wait=True)

    def spawn(self, coro: Any, name: str) -> None:
        """Run a background task owned by the backend (cancelled on stop)."""
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def on_commit(self, listener: Callable[[list[Wire]], None]) -> None:
        """Call ``listener`` with every group of committed events (on the event loop)."""
        self._listeners.append(listener)

    async def report_unit_status(self, unit_id: str, status: str, alert_id: str) -> None:
        """A unit reported a status for an incident: update the incident to match."""
        async with self._command_lock:
            await self.flush()
            bodies = follow_unit_status(self.state, unit_id, status, alert_id, now_ts(self.clock))
            if bodies:
                await self.append(bodies)

    # ---------------------------------------------------------------- event log

    @property
    def backlog(self) -> int:
        """Events appended but not yet committed."""
        return self._next_seq - 1 - self.committed_seq

    def append(
        self, bodies: list[Wire], command: tuple[str, str, str, str] | None = None
    ) -> asyncio.Future[None]:
        """Give events their seq and ts and queue them for the next group commit.

        Returns:
            A future done once they are durable, applied and broadcast.
        """
        ts = now_ts(self.clock)
        events = []
        for body in bodies:
            event = {"type": body["type"], "seq": self._next_seq, "ts": ts}
            event.update((k, v) for k, v in body.items() if k != "type")
            self._next_seq += 1
            events.append(event)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append(_Pending(events, command, done))
        self._wakeup.set()
        return done

    async def flush(self) -> None:
        """Wait until everything appended so far is committed."""
        if self._pending:
            await asyncio.gather(*(p.done for p in self._pending), return_exceptions=True)

    async def _writer(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            batch, self._pending = self._pending, []
            if not batch:
                continue
            events = [e for p in batch for e in p.events]
            rows = [(e["seq"], e["type"], encode(e)) for e in events]
            commands = [p.command for p in batch if p.command is not None]
            try:
                await self._run_db(db.write_events, self.engine, rows, commands)
            except Exception as exc:
                log.exception("event log write failed; stopping")
                for p in batch:
                    if not p.done.done():
                        p.done.set_exception(exc)
                raise
            for event, row in zip(events, rows, strict=True):
                self.state.apply(event)
                self._ring.append((row[0], row[2]))
            if events:
                self.committed_seq = events[-1]["seq"]
                self.events_committed += len(events)
                self._broadcast([r[2] for r in rows])
                for listener in self._listeners:
                    listener(events)
            for p in batch:
                if not p.done.done():
                    p.done.set_result(None)
            await self._maybe_snapshot()

    async def _maybe_snapshot(self) -> None:
        last_t, last_seq = self._last_snapshot
        due_events = self.committed_seq - last_seq >= SNAPSHOT_EVERY_EVENTS
        due_time = self.clock() - last_t >= SNAPSHOT_EVERY_S and self.committed_seq > last_seq
        if (due_events or due_time) and not self._snapshotting:
            self._last_snapshot = (self.clock(), self.committed_seq)
            self._snapshotting = True
            self.spawn(self._write_snapshot(self.state.frozen_copy()), "snapshot")

    async def _write_snapshot(self, state: DistrictState) -> None:
        # Serialised on a helper thread, written by the db thread between two group commits:
        # the event writer never waits for a snapshot.
        try:
            text = await asyncio.get_running_loop().run_in_executor(None, state.to_json)
            await self._run_db(db.save_snapshot, self.engine, state.seq, text)
        finally:
            self._snapshotting = False

    def _frames(self, bodies: list[str]) -> list[str]:
        if len(bodies) == 1:
            return bodies
        return [
            '{"type":"batch","events":[' + ",".join(bodies[i : i + BATCH_FRAME_EVENTS]) + "]}"
            for i in range(0, len(bodies), BATCH_FRAME_EVENTS)
        ]

    def _broadcast(self, bodies: list[str]) -> None:
        frames = self._frames(bodies)
        for client in list(self._clients):
            if client.queue.qsize() > SLOW_CLIENT_FRAMES:
                log.warning("client %s too slow; disconnecting", client.operator.name)
                self._clients.discard(client)
                self.spawn(client.ws.close(1008, "too slow: reconnect with resume_from"), "close")
                continue
            for frame in frames:
                client.queue.put_nowait(frame)

    # ---------------------------------------------------------------- connections

    async def _handle(self, ws: ServerConnection) -> None:
        try:
            operator, resume_from = await asyncio.wait_for(self._handshake(ws), HELLO_TIMEOUT_S)
        except (TimeoutError, ConnectionClosed):
            return
        if operator is None:
            return
        client = _Client(ws, operator)
        try:
            await self._catch_up(client, resume_from)
            sender = asyncio.create_task(self._sender(client))
            try:
                await self._receive_commands(client)
            finally:
                sender.cancel()
        except ConnectionClosed:
            pass
        finally:
            self._clients.discard(client)

    async def _handshake(self, ws: ServerConnection) -> tuple[db.Operator | None, int | None]:
        while True:
            raw = await ws.recv()
            try:
                msg = decode(raw)
            except ProtocolError as exc:
                await ws.send(encode(error(exc.code, exc.message)))
                continue
            if msg["type"] != "hello":
                await ws.send(encode(error("unauthorized", "send a hello with a token first")))
                await ws.close(4401, "unauthorized")
                return None, None
            if msg["protocol"] != PROTOCOL_VERSION:
                text = f"protocol {msg['protocol']} is not supported; this backend speaks 1"
                await ws.send(encode(error("unsupported_protocol", text)))
                await ws.close(4400, "unsupported protocol")
                return None, None
            operator = await self._run_db(db.authenticate, self.engine, msg["token"])
            if operator is None:
                await ws.send(encode(error("unauthorized", "unknown, revoked or missing token")))
                await ws.close(4401, "unauthorized")
                return None, None
            welcome = {
                "type": "welcome",
                "protocol": PROTOCOL_VERSION,
                "operator": {"id": operator.id, "name": operator.name, "role": operator.role},
                "head_seq": self.committed_seq,
                "server_time": now_ts(self.clock),
            }
            await ws.send(encode(welcome))
            return operator, msg.get("resume_from")

    async def _catch_up(self, client: _Client, resume_from: int | None) -> None:
        mode = "snapshot"
        if (
            resume_from is not None
            and resume_from <= self.committed_seq
            and self.committed_seq - resume_from <= RESUME_LIMIT
        ):
            ring_start = self._ring[0][0] if self._ring else self.committed_seq + 1
            if resume_from + 1 >= ring_start:
                mode = "ring"
            elif await self._run_db(db.first_seq, self.engine) <= resume_from + 1:
                mode = "db"
        # Register before sending (no await in between) so no committed event falls between
        # the catch-up and the live feed; the client drops any seq it already has.
        upto = self.committed_seq
        self._clients.add(client)
        if mode == "snapshot":
            snap = {
                "type": "snapshot",
                "seq": upto,
                "ts": now_ts(self.clock),
                "state": self.state.snapshot_state(),
            }
            await client.ws.send(encode(snap))
            return
        assert resume_from is not None
        if mode == "ring":
            bodies = [b for s, b in self._ring if resume_from < s <= upto]
            chunks = [bodies] if bodies else []
        else:
            chunks = await self._run_db(
                lambda: list(db.read_events(self.engine, resume_from, upto, BATCH_FRAME_EVENTS))
            )
        for chunk in chunks:
            for frame in self._frames(chunk):
                await client.ws.send(frame)

    async def _sender(self, client: _Client) -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                frame = await client.queue.get()
                await client.ws.send(frame)

    async def _receive_commands(self, client: _Client) -> None:
        async for raw in client.ws:
            try:
                msg = decode(raw)
            except ProtocolError as exc:
                client.queue.put_nowait(encode(error(exc.code, exc.message)))
                continue
            if msg["type"] != "command":
                text = f"a client may send only commands after the hello, not {msg['type']!r}"
                client.queue.put_nowait(encode(error("bad_message", text)))
                continue
            answer = await self.execute(client.operator, msg["id"], msg["name"], msg["args"])
            client.queue.put_nowait(encode(answer))

    # ---------------------------------------------------------------- commands

    async def execute(self, operator: db.Operator, cid: str, name: str, args: Any) -> Wire:
        """Run one command exactly once per (operator, id); return its result message."""
        key = (operator.id, cid)
        if key in self._answers:
            return self._answers[key]
        if key in self._in_flight:
            return await asyncio.shield(self._in_flight[key])
        stored: Wire | None = await self._run_db(db.find_command, self.engine, operator.id, cid)
        if stored is not None:
            self._answers[key] = stored
            return stored
        future: asyncio.Future[Wire] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            answer = await self._execute_new(operator, cid, name, args)
            self._answers[key] = answer
            if len(self._answers) > 100_000:
                self._answers.pop(next(iter(self._answers)))
            future.set_result(answer)
            return answer
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved
            raise
        finally:
            del self._in_flight[key]

    async def _execute_new(self, operator: db.Operator, cid: str, name: str, args: Any) -> Wire:
        actor = Actor(operator.id, operator.name, operator.role)
        async with self._command_lock:
            # Decide against the committed state: wait for anything appended before us.
            await self.flush()
            try:
                authorize(actor, training=self.training)
                validate_args(name, args)
                bodies = decide(
                    self.state, actor, name, args, now_ts(self.clock), training=self.training
                )
            except ProtocolError as exc:
                answer = result_error(cid, exc.code, exc.message)
                bodies = []
            except Refused as exc:
                answer = result_error(cid, exc.code, exc.message)
                bodies = []
            else:
                first = self._next_seq
                answer = result_ok(cid, first + len(bodies) - 1)
            record = (operator.id, cid, name, json.dumps(answer, ensure_ascii=False))
            await self.append(bodies, record)
        return answer
