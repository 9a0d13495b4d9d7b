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
import ssl
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
from backend_stub.fences import FenceWatcher
from backend_stub.state import (
    QUERY_COMMANDS,
    Actor,
    DistrictState,
    Refused,
    answer_query,
    authorize,
    decide,
    follow_unit_status,
)
from console.protocol.codec import (
    ProtocolError,
    decode,
    encode,
    error,
    format_ts,
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
BATCH_FRAME_EVENTS = 250
SLOW_CLIENT_FRAMES = 5000
SLOW_CLIENT_BYTES = 64 << 20
COMMAND_RATE = 50.0
COMMAND_BURST = 100
MAX_CONNECTIONS = 1000
TOKEN_TTL_S = 12 * 3600.0
REVOCATION_POLL_S = 2.0
# Serialising a snapshot holds the GIL for ~100 ms at 10,000 units: rare enough not to show
# in event latency; a restart replays at most this many events after the newest one.
SNAPSHOT_EVERY_S = 60.0
SNAPSHOT_EVERY_EVENTS = 1_000_000
HELLO_TIMEOUT_S = 15.0


@dataclass
class _Pending:
    events: list[Wire]
    command: db.CommandRecord | None
    done: asyncio.Future[None]


class TokenBucket:
    """A token bucket: ``rate`` tokens a second, at most ``burst`` saved up.

    Args:
        rate: tokens added per second.
        burst: bucket size (and the tokens it starts with).
        clock: monotonic seconds (injected for tests).
    """

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = float(burst)
        self._last = clock()

    def take(self) -> bool:
        """Take one token; False when the bucket is empty."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self._last) * self.rate)
        self._last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


@dataclass(eq=False)
class _Client:
    ws: ServerConnection
    operator: db.Operator
    bucket: TokenBucket
    authenticated_at: float
    queue: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    queued_bytes: int = 0
    sender: asyncio.Task[None] | None = None
    dropped: bool = False


class _RedactFrames(logging.Filter):
    """Drop websockets' debug dumps of frame contents: hellos and welcomes carry secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg not in ("< %s", "> %s")


# websockets' own logger (not one under "backend": handlers others hang there must not get
# every connection's records).
_ws_log = logging.getLogger("websockets.server")
_ws_log.addFilter(_RedactFrames())


class Backend:
    """One backend process serving the wire contract over a database.

    Args:
        engine: the database (see :func:`backend_stub.db.open_engine`).
        training: a training backend, where trainers may send commands.
        clock: seconds since the epoch (injected for tests).
        command_rate: commands per second each connection may send (token bucket).
        command_burst: commands a connection may send at once before the rate applies.
        max_connections: websocket connections served at once; more get HTTP 503.
        token_ttl: seconds a token issued at sign-in stays valid.
        slow_client_frames: queued frames after which a client that does not read is dropped.
        slow_client_bytes: queued bytes after which a client that does not read is dropped.
        revocation_poll_s: how often to look for ``operator revoke`` made by other processes
            (``dispatch-backend serve`` uses 2 s); None: never (an embedded backend, whose
            owner calls :meth:`close_operator`).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        training: bool = False,
        clock: Callable[[], float] = time.time,
        command_rate: float = COMMAND_RATE,
        command_burst: int = COMMAND_BURST,
        max_connections: int = MAX_CONNECTIONS,
        token_ttl: float = TOKEN_TTL_S,
        slow_client_frames: int = SLOW_CLIENT_FRAMES,
        slow_client_bytes: int = SLOW_CLIENT_BYTES,
        revocation_poll_s: float | None = None,
    ) -> None:
        self.engine = engine
        self.training = training
        self.clock = clock
        self.command_rate = command_rate
        self.command_burst = command_burst
        self.max_connections = max_connections
        self.token_ttl = token_ttl
        self.slow_client_frames = slow_client_frames
        self.slow_client_bytes = slow_client_bytes
        self.revocation_poll_s = revocation_poll_s
        self.connections = 0
        self.connections_changed = asyncio.Event()  # set whenever a connection ends
        self.slow_disconnects = 0
        self.refused_connections = 0
        self._last_revocation = 0
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
        self.fences: FenceWatcher | None = None

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

    async def start(
        self, host: str = "127.0.0.1", port: int = 8765, ssl: ssl.SSLContext | None = None
    ) -> int:
        """Load state, start the writer and listen (``wss://`` with ``ssl``); returns the port."""
        await self.load()
        # E-fence crossings become alerts on every backend (demo or not).
        self.fences = FenceWatcher(self)
        self._last_revocation = await self._run_db(db.last_revocation, self.engine)
        self._writer_task = asyncio.create_task(self._writer(), name="event-writer")
        self._server = await serve(
            self._handle,
            host,
            port,
            max_size=MAX_FRAME_BYTES,
            ping_interval=20,
            ping_timeout=20,
            process_request=self._check_request,
            ssl=ssl,
            # No permessage-deflate: at thousands of events a second, compressing every batch
            # once per client costs more CPU than the LAN bandwidth it saves.
            compression=None,
        )
        if self.revocation_poll_s is not None:
            self.spawn(self._watch_revocations(), "revocations")
        sock = next(iter(self._server.sockets))
        return int(sock.getsockname()[1])

    def _check_request(self, conn: ServerConnection, request: Any) -> Any:
        if request.path.split("?")[0] not in ("/ws", "/"):
            return conn.respond(404, "the websocket endpoint is /ws\n")
        if self.connections >= self.max_connections:
            self.refused_connections += 1
            log.warning("connection cap (%d) reached; refusing one", self.max_connections)
            return conn.respond(503, "too many connections; try again later\n")
        return None

    async def _watch_revocations(self) -> None:
        # ``operator revoke`` runs in another process: it leaves a row, we close what it names.
        assert self.revocation_poll_s is not None
        while True:
            await asyncio.sleep(self.revocation_poll_s)
            try:
                rows = await self._run_db(db.revocations_after, self.engine, self._last_revocation)
            except Exception:
                log.exception("cannot read revocations")
                continue
            for rid, op_id, ts in rows:
                self._last_revocation = rid
                self.close_operator(op_id, before=ts)

    def close_operator(self, operator_id: str, before: float | None = None) -> int:
        """Close (4401) the live connections of an operator signed in before ``before``."""
        closed = 0
        for client in list(self._clients):
            if client.operator.id != operator_id:
                continue
            if before is not None and client.authenticated_at > before:
                continue
            closed += 1
            self._clients.discard(client)
            self.spawn(client.ws.close(4401, "token revoked"), "close-revoked")
        if closed:
            log.info("closed %d connection(s) of %s: token revoked", closed, operator_id)
        return closed

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
        await self.append_derived(
            lambda state, ts: follow_unit_status(state, unit_id, status, alert_id, ts)
        )

    async def append_derived(self, build: Callable[[DistrictState, str], list[Wire]]) -> None:
        """Append the events ``build(state, ts)`` derives from the committed state.

        Decided like a command: one at a time under the command lock, after everything
        appended before is committed; waits until the events are committed too.
        """
        async with self._command_lock:
            await self.flush()
            bodies = build(self.state, now_ts(self.clock))
            if bodies:
                await self.append(bodies)

    # ---------------------------------------------------------------- event log

    @property
    def backlog(self) -> int:
        """Events appended but not yet committed."""
        return self._next_seq - 1 - self.committed_seq

    def append(
        self, bodies: list[Wire], command: db.CommandRecord | None = None
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
        size = sum(len(f) for f in frames)
        for client in list(self._clients):
            if (
                client.queue.qsize() > self.slow_client_frames
                or client.queued_bytes + size > self.slow_client_bytes
            ):
                self._drop_slow(client)
                continue
            for frame in frames:
                self._enqueue(client, frame)

    def _enqueue(self, client: _Client, frame: str) -> None:
        client.queue.put_nowait(frame)
        client.queued_bytes += len(frame)

    def _drop_slow(self, client: _Client) -> None:
        log.warning("client %s too slow; disconnecting", client.operator.name)
        self.slow_disconnects += 1
        self._clients.discard(client)
        client.dropped = True
        # Free what it holds now, not when the socket finally closes.
        if client.sender is not None:
            client.sender.cancel()
        while not client.queue.empty():
            client.queue.get_nowait()
        client.queued_bytes = 0
        self.spawn(client.ws.close(1008, "too slow: reconnect with resume_from"), "close")

    # ---------------------------------------------------------------- connections

    async def _handle(self, ws: ServerConnection) -> None:
        self.connections += 1
        try:
            await self._serve_connection(ws)
        finally:
            self.connections -= 1
            self.connections_changed.set()

    async def _serve_connection(self, ws: ServerConnection) -> None:
        try:
            operator, resume_from = await asyncio.wait_for(self._handshake(ws), HELLO_TIMEOUT_S)
        except (TimeoutError, ConnectionClosed):
            return
        if operator is None:
            return
        bucket = TokenBucket(self.command_rate, self.command_burst)
        client = _Client(ws, operator, bucket, self.clock())
        try:
            await self._catch_up(client, resume_from)
            client.sender = asyncio.create_task(self._sender(client))
            try:
                await self._receive_commands(client)
            finally:
                client.sender.cancel()
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
            issued: tuple[str, float] | None = None
            if "login" in msg:
                login = msg["login"]
                if not _valid_login(login):
                    text = "login must be {name: string, password: string}"
                    await ws.send(encode(error("bad_message", text)))
                    continue
                # scrypt takes tens of ms: run it on a helper thread, not the writer's.
                signed = await asyncio.get_running_loop().run_in_executor(
                    None, db.sign_in, self.engine, login["name"], login["password"], self.token_ttl
                )
                operator = None if signed is None else signed[0]
                if signed is not None:
                    issued = (signed[1], signed[2])
                reason = "wrong name or password"
            else:
                operator = await self._run_db(db.authenticate, self.engine, msg["token"])
                reason = "unknown, expired, revoked or missing token"
            if operator is None:
                log.info("sign-in refused: %s", reason)
                await ws.send(encode(error("unauthorized", reason)))
                await ws.close(4401, "unauthorized")
                return None, None
            welcome = {
                "type": "welcome",
                "protocol": PROTOCOL_VERSION,
                "operator": {"id": operator.id, "name": operator.name, "role": operator.role},
                "head_seq": self.committed_seq,
                "server_time": now_ts(self.clock),
            }
            if issued is not None:
                welcome["token"] = issued[0]
                welcome["token_expires"] = format_ts(issued[1])
            log.info("%s signed in (%s)", operator.name, "password" if issued else "token")
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
                client.queued_bytes -= len(frame)
                await client.ws.send(frame)

    async def _receive_commands(self, client: _Client) -> None:
        async for raw in client.ws:
            if client.dropped:
                return
            try:
                msg = decode(raw)
            except ProtocolError as exc:
                self._enqueue(client, encode(error(exc.code, exc.message)))
                continue
            if msg["type"] != "command":
                text = f"a client may send only commands after the hello, not {msg['type']!r}"
                self._enqueue(client, encode(error("bad_message", text)))
                continue
            if not client.bucket.take():
                # Not recorded: the same id may be sent again later and will then run.
                text = (
                    f"more than {self.command_rate:g} commands a second "
                    f"(burst {self.command_burst}); send it again later"
                )
                self._enqueue(client, encode(result_error(msg["id"], "rate_limited", text)))
                continue
            answer = await self.execute(client.operator, msg["id"], msg["name"], msg["args"])
            self._enqueue(client, encode(answer))

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
                operators = None
                if name in ("alert.transfer", "operator.list"):
                    known = await self._run_db(db.list_operators, self.engine)
                    operators = {op.id: op for op in known}
                bodies = decide(
                    self.state,
                    actor,
                    name,
                    args,
                    now_ts(self.clock),
                    training=self.training,
                    operators=operators,
                )
                data = None
                if name == "operator.list" and operators is not None:
                    data = {
                        "operators": [
                            {"id": op.id, "name": op.name, "role": op.role}
                            for op in operators.values()
                        ]
                    }
                elif name in QUERY_COMMANDS:
                    data = answer_query(self.state, name, args)
            except ProtocolError as exc:
                answer = result_error(cid, exc.code, exc.message)
                bodies = []
            except Refused as exc:
                answer = result_error(cid, exc.code, exc.message)
                bodies = []
            else:
                first = self._next_seq
                answer = result_ok(cid, first + len(bodies) - 1, data)
            record = db.CommandRecord(
                operator.id,
                operator.name,
                cid,
                name,
                json.dumps(args, ensure_ascii=False),
                json.dumps(answer, ensure_ascii=False),
                self.clock(),
            )
            await self.append(bodies, record)
        return answer


def _valid_login(login: Any) -> bool:
    return (
        isinstance(login, dict)
        and isinstance(login.get("name"), str)
        and isinstance(login.get("password"), str)
        and 0 < len(login["name"]) <= 200
        and 0 < len(login["password"]) <= db.MAX_PASSWORD
    )
