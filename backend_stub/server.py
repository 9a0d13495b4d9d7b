"""The websocket backend: handshake, snapshot/resume, commands and the durable event log.

Events are written to the database by a single writer thread in group commits, and only then
applied to the state, broadcast, and (for a command) answered. So a client never sees an
event that a crash could take back, and a restarted backend continues from the last committed
seq with no gap and no reuse. Commands (and derived events) are decided by the writer, each
against the committed state just before the group that carries its events.

On SQLite (one process) the writer numbers events itself. On PostgreSQL several processes may
share the log: each group commit locks the database's seq counter, first applies what the
other processes committed since, then decides and numbers its own events after them; a
``NOTIFY`` with the new head tells the other processes to read and broadcast them (see
:mod:`backend_stub.cluster`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import json
import logging
import re
import ssl
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from sqlalchemy import Engine
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from backend_stub import db, sources, where_next
from backend_stub.fanout import (
    KEEPS_UP_UNSENT,
    PositionPages,
    limit_unsent,
    positions_frames,
    unsent,
)
from backend_stub.fences import FenceWatcher
from backend_stub.ingest.core import Ingest
from backend_stub.ingest.http import HttpPort
from backend_stub.inventory import store as inventory
from backend_stub.inventory.read import Parsed, read_bytes
from backend_stub.inventory.wire import sync_events
from backend_stub.media.cameras import CameraMedia
from backend_stub.sighting_commands import SIGHTING_COMMANDS, sighting_command
from backend_stub.sightings import RETENTION_DAYS, WATCH_SYNC_S, SightingStore
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
from console.protocol.schema import MAX_FRAME_BYTES, PROTOCOLS

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
KEEPALIVE_S = 20.0
# How often a backend looks for inventory imports made by other processes (``import``).
INVENTORY_POLL_S = 1.0
INVENTORY_CHUNK = 5000
FEED_COUNTS_S = 2.0
COMMANDER_COMMANDS = (
    frozenset({"inventory.import", "source.list", "device.unregistered", "device.assign"})
    | SIGHTING_COMMANDS
)


Decider = Callable[[DistrictState, str], list[Wire]]


@dataclass(frozen=True, slots=True)
class _Command:
    operator: db.Operator
    cid: str
    name: str
    args: Any


@dataclass
class _Pending:
    """Events waiting for the next group commit: given (``bodies``) or decided (``decide``).

    Given events are built (type, seq 0, ts, fields) when appended; the writer sets seq.
    """

    bodies: list[Wire]
    ts: str
    done: asyncio.Future[Any]
    decide: Decider | None = None
    command: _Command | None = None
    answer: Wire | None = None
    data: Wire | None = None  # a query command's result data


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
    protocol: int = 1
    #: Event frames in seq order (and, in protocol 1, every fix among them).
    frames: deque[str] = field(default_factory=deque)
    #: Results and errors: sent before any queued event frame (they carry no seq).
    urgent: deque[str] = field(default_factory=deque)
    #: Protocol 2, behind on positions: the pages of fixes changed since it was last sent
    #: them, the one waiting longest first (latest wins; see backend_stub.fanout).
    pages: dict[int, None] = field(default_factory=dict)
    #: Protocol 2, keeping up: the shared frames of the newest fixes, each with its pages.
    ticks: deque[tuple[str, dict[int, None]]] = field(default_factory=deque)
    behind: bool = False  # it does not read: the kernel holds little unsent for it
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    idle: bool = False  # the sender is waiting: nothing queued, the socket keeps up
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
        keepalive_s: seconds between two pings to a client, and that it has to answer one.
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
        http_port: int | None = None,
        ingest_host: str = "127.0.0.1",
        audio_dir: Path | None = None,
        cot_port: int | None = None,
        jt808_port: int | None = None,
        http_public_url: str | None = None,
        max_pulls: int = 64,
        sighting_retention_days: float = RETENTION_DAYS,
        keepalive_s: float = KEEPALIVE_S,
    ) -> None:
        self.engine = engine
        #: The one thread that writes the database: the event log and the sightings.
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="db-writer")
        #: Plate reads, face matches and watch lists (never in the event log).
        self.sightings = SightingStore(
            engine, retention_days=sighting_retention_days, clock=clock, writer=self._db
        )
        #: The site's street graph for ``sighting.where_next`` (the demo district's; None: a
        #: site imported without streets, answered with straight-line guesses).
        self.streets: where_next.StreetGraph | None = None
        self.training = training
        self.clock = clock
        self.command_rate = command_rate
        self.command_burst = command_burst
        self.max_connections = max_connections
        self.token_ttl = token_ttl
        self.slow_client_frames = slow_client_frames
        self.slow_client_bytes = slow_client_bytes
        self.keepalive_s = keepalive_s
        self.revocation_poll_s = revocation_poll_s
        self.http_port = http_port
        self.ingest_host = ingest_host
        self.audio_dir = audio_dir or Path(user_data_dir("dispatch-console")) / "call-audio"
        self.http_public_url = http_public_url
        self.cot_port = cot_port
        self.jt808_port = jt808_port
        self.http: HttpPort | None = None
        self.ingest: Ingest | None = None
        #: Cameras on the media gateway (on the HTTP port): sources, tokens, status.
        self.media = CameraMedia(
            self.append, lambda camera_id: self.state.cameras.get(camera_id), max_pulls=max_pulls
        )
        #: The TCP/UDP doors running (CoT, JT/T 808): each has ``port`` and ``stop()``.
        self.doors: dict[str, Any] = {}
        self.connections = 0
        self.connections_changed = asyncio.Event()  # set whenever a connection ends
        self.slow_disconnects = 0
        self.refused_connections = 0
        self._last_revocation = 0
        self._inventory_rev = 0
        self._inventory_lock = asyncio.Lock()
        self.state = DistrictState()
        self.committed_seq = 0
        self.shared = db.is_shared(engine)
        self._shared_writer = db.SharedLogWriter(engine) if self.shared else None
        self._remote_head = 0  # the newest head another process told us about (shared log)
        self._seq_waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._appended = 0
        self._ring: deque[tuple[int, str]] = deque(maxlen=RING_SIZE)
        self._last_state_seq = 0  # the newest event that is not a fix (protocol 2 framing)
        self._pages = PositionPages()  # the newest fix of every unit, for protocol 2 clients
        self._pending: list[_Pending] = []
        self._wakeup = asyncio.Event()
        self._writer_task: asyncio.Task[None] | None = None
        self._clients: set[_Client] = set()
        self._answers: dict[tuple[str, str], Wire] = {}
        self._in_flight: dict[tuple[str, str], asyncio.Future[Wire]] = {}
        self._server: Server | None = None
        self._last_snapshot = (0.0, 0)
        self._snapshotting = False
        self._tasks: set[asyncio.Task[Any]] = set()
        self.events_committed = 0
        self._listeners: list[Callable[[list[Wire]], None]] = [self.sightings.alerts.on_commit]
        self.fences: FenceWatcher | None = None
        self.leads_fences = asyncio.Event()  # set in the one process running the e-fence rule
        # Set when this process can no longer serve correctly (the event log cannot be
        # written, or it lost a leadership it held): ``dispatch-backend serve`` exits.
        self.failed = asyncio.Event()

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
        self._last_state_seq = head  # a client is never told of a gap it cannot have
        self._last_snapshot = (self.clock(), head)
        log.info("event log at seq %d (%d alerts)", head, len(self.state.alerts))

    async def start(
        self, host: str = "127.0.0.1", port: int = 8765, ssl: ssl.SSLContext | None = None
    ) -> int:
        """Load state, start the writer and listen (``wss://`` with ``ssl``); returns the port."""
        if self.shared:
            await self._listen_for_commits()
        await self.load()

        async def watch_fences() -> None:
            self.fences = FenceWatcher(self)

        # E-fence crossings become alerts on every backend (demo or not); on a shared log in
        # one process only, or each would raise its own alert for the same crossing.
        if self.shared:
            self.leads_fences = self.lead(db.DERIVED_LOCK, "e-fence rule", watch_fences)
        else:
            await watch_fences()
            self.leads_fences.set()
        self._last_revocation = await self._run_db(db.last_revocation, self.engine)
        self._writer_task = asyncio.create_task(self._writer(), name="event-writer")
        self._writer_task.add_done_callback(self._writer_done)
        self.ingest = Ingest(self, clock=self.clock)
        if self.http_port is not None:
            self.http = HttpPort(self, self.ingest, self.audio_dir)
            self.media.add_routes(self.http.app)
            await self.http.start(self.ingest_host, self.http_port)
            self.media.base_url = self.http.base_url
        # What was imported while no backend ran; after the HTTP port, whose address the
        # cameras' stream URLs carry (a port that moved gives their new URLs).
        await self.sync_inventory()
        if self.cot_port is not None:
            from backend_stub.ingest.cot import CotDoor

            self.doors["cot"] = CotDoor(self, self.ingest)
            await self.doors["cot"].start(self.ingest_host, self.cot_port)
        if self.jt808_port is not None:
            from backend_stub.ingest.jt808 import Jt808Door

            self.doors["jt808"] = Jt808Door(self.ingest)
            await self.doors["jt808"].start(self.ingest_host, self.jt808_port)
        self.spawn(self._flush_feed_counts(), "feed-counts")
        self.spawn(self.sightings.keep_retention(), "sighting-retention")
        self._server = await serve(
            self._handle,
            host,
            port,
            max_size=MAX_FRAME_BYTES,
            ping_interval=self.keepalive_s,
            ping_timeout=self.keepalive_s,
            process_request=self._check_request,
            ssl=ssl,
            # No permessage-deflate: at thousands of events a second, compressing every batch
            # once per client costs more CPU than the LAN bandwidth it saves.
            compression=None,
        )
        if self.revocation_poll_s is not None:
            self.spawn(self._watch_revocations(), "revocations")
        self.spawn(self._watch_inventory(), "inventory")
        if self.shared:  # other processes on the database change the watch list too
            self.spawn(self._sync_watch_lists(), "watch lists")
        sock = next(iter(self._server.sockets))
        return int(sock.getsockname()[1])

    async def _listen_for_commits(self) -> None:
        # Imported here: psycopg is needed only with PostgreSQL.
        from backend_stub.cluster import HeadListener

        listener = HeadListener(db.libpq_url(self.engine), self.notice_head)
        self.spawn(listener.run(), "commit-feed")
        await asyncio.wait_for(listener.listening.wait(), 60)

    def lead(self, key: int, what: str, work: Callable[[], Any]) -> asyncio.Event:
        """Shared log: run ``work()`` (a coroutine) in one process only; see cluster.Leadership.

        On SQLite (one process) it just runs. Returns an event set once this process leads.
        """
        if not self.shared:
            self.spawn(work(), what)
            leading = asyncio.Event()
            leading.set()
            return leading
        from backend_stub.cluster import Leadership

        leadership = Leadership(db.libpq_url(self.engine), key, what, lost=self.failed)
        self.spawn(leadership.run(work), what)
        return leadership.leading

    def _writer_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.failed.set()
            # Nothing will commit these now: answer their waiters (and let stop() finish).
            pending, self._pending = self._pending, []
            for p in pending:
                if not p.done.done():
                    p.done.set_exception(RuntimeError("the event log cannot be written"))
                    p.done.exception()  # retrieved: an appender may not be waiting

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

    async def sync_inventory(self) -> int:
        """Turn the inventory rows imported since the last sync into events; returns how many.

        Decided by the writer against the committed state (of every process on a shared log),
        so an item another process has already sent, or that is unchanged, adds nothing.
        """
        async with self._inventory_lock:
            rev, rows = await self._run_db(
                inventory.changes_after, self.engine, self._inventory_rev
            )
            made = 0
            # In chunks: each is decided, committed and sent before the next, so consoles get
            # a big import as it goes and the event loop keeps serving in between.
            for start in range(0, len(rows), INVENTORY_CHUNK):
                chunk = rows[start : start + INVENTORY_CHUNK]
                self.media.update(chunk)

                def build(state: DistrictState, ts: str, chunk: list[Any] = chunk) -> list[Wire]:
                    nonlocal made
                    events = sync_events(state, chunk, self.media.base_url)
                    made += len(events)
                    return events

                await self.append_derived(build)
            if rows:
                log.info("inventory revision %d: %d events from %d rows", rev, made, len(rows))
            self._inventory_rev = max(self._inventory_rev, rev)
            return made

    async def _flush_feed_counts(self) -> None:
        # The sources view reads what the feeds did from the sources table.
        while True:
            await asyncio.sleep(FEED_COUNTS_S)
            if self.ingest is None:
                continue
            counts = self.ingest.take_counts()
            if counts:
                try:
                    await self._run_db(sources.add_counts, self.engine, counts)
                except Exception:
                    log.exception("cannot write the feeds' counts")

    async def _watch_inventory(self) -> None:
        # ``dispatch-backend import`` runs in another process: it leaves a revision, we send it.
        while True:
            await asyncio.sleep(INVENTORY_POLL_S)
            try:
                if await self._run_db(inventory.head_rev, self.engine) > self._inventory_rev:
                    await self.sync_inventory()
            except Exception:
                log.exception("cannot read the inventory")

    async def _sync_watch_lists(self) -> None:
        # Another backend on the same database took a watch.add or watch.remove: a sighting
        # that comes in here is matched against it too, within a second.
        while True:
            await asyncio.sleep(WATCH_SYNC_S)
            try:
                await self.sightings.run_db(self.sightings.sync_watch)
            except Exception:
                log.exception("cannot read the watch-list changes")

    def close_operator(self, operator_id: str, before: float | None = None) -> int:
        """Close (4401) the live connections of an operator signed in before ``before``; its
        stream tokens stop working and the camera streams it watches end."""
        self.media.revoke(operator_id, before)
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
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.media.close(), 5)
        if self.http is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.http.stop(), 5)
        for door in self.doors.values():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(door.stop(), 5)
        for task in list(self._tasks):
            task.cancel()
        await self.flush()
        if self._writer_task is not None:
            self._writer_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer_task
        if self._shared_writer is not None:  # cancelled between lock and commit: unlock
            await self._run_db(self._shared_writer.rollback)
        if self.committed_seq > self._last_snapshot[1]:
            await self._run_db(db.save_snapshot, self.engine, self.state.seq, self.state.to_json())
        self._db.shutdown(wait=True)
        self.sightings.close()

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

    async def append_derived(self, build: Decider) -> None:
        """Append the events ``build(state, ts)`` derives from the committed state.

        Decided like a command: by the writer, against the state with everything committed
        before (in any process sharing the log); waits until the events are committed too.
        """
        await self._queue(_Pending([], now_ts(self.clock), self._future(), decide=build))

    # ---------------------------------------------------------------- event log

    @property
    def backlog(self) -> int:
        """Events appended but not yet committed."""
        return self._appended

    def _future(self) -> asyncio.Future[Any]:
        return asyncio.get_running_loop().create_future()

    def _queue(self, pending: _Pending) -> asyncio.Future[Any]:
        self._pending.append(pending)
        self._appended += len(pending.bodies)
        self._wakeup.set()
        return pending.done

    def append(self, bodies: list[Wire]) -> asyncio.Future[None]:
        """Stamp events with the time and queue them for the next group commit.

        Each gets its seq when the group is written. Returns:
            A future done once they are durable, applied and broadcast.
        """
        ts = now_ts(self.clock)
        events = []
        for body in bodies:
            event = {"type": body["type"], "seq": 0, "ts": ts}
            event.update((k, v) for k, v in body.items() if k != "type")
            events.append(event)
        return self._queue(_Pending(events, ts, self._future()))

    async def flush(self) -> None:
        """Wait until everything appended so far is committed."""
        if self._pending:
            await asyncio.gather(*(p.done for p in self._pending), return_exceptions=True)

    async def sync(self) -> None:
        """Shared log: wait until this process has applied everything committed so far."""
        if not self.shared:
            return
        self.notice_head(await self._run_db(db.shared_head, self.engine))
        await self.wait_for_seq(self._remote_head)

    def notice_head(self, head: int) -> None:
        """Another process committed up to ``head`` (its ``NOTIFY``): read and apply it."""
        if head > self._remote_head:
            self._remote_head = head
            self._wakeup.set()

    async def wait_for_seq(self, seq: int) -> None:
        """Wait until the events up to ``seq`` are applied (and broadcast) here."""
        if self.committed_seq >= seq:
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._seq_waiters.append((seq, waiter))
        await waiter

    async def _writer(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending or self._remote_head > self.committed_seq:
                if self._pending:
                    await self._commit_group(self._take_group())
                else:
                    await self._read_remote(self._remote_head)
                await self._maybe_snapshot()

    def _take_group(self) -> list[_Pending]:
        # At most one decided entry per group, and it comes first: it is decided against the
        # committed state, so nothing uncommitted may precede it.
        n = 1
        while n < len(self._pending) and self._pending[n].decide is None:
            n += 1
        group, self._pending = self._pending[:n], self._pending[n:]
        self._appended -= sum(len(p.bodies) for p in group)
        return group

    async def _read_remote(self, upto: int) -> None:
        # What other processes committed (a NOTIFY said so): read it in order and apply it.
        while self.committed_seq < upto:
            chunk: list[str] = await self._run_db(
                _first_chunk, self.engine, self.committed_seq, upto
            )
            if not chunk:
                return
            self._publish([json.loads(b) for b in chunk], chunk)

    async def _commit_group(self, group: list[_Pending]) -> None:
        keys = [(p.command.operator.id, p.command.cid) for p in group if p.command is not None]
        stored: dict[tuple[str, str], Wire] = {}
        try:
            if self._shared_writer is not None:
                # Locks the log for every process until commit: decide on the newest state.
                _head, remote, stored = await self._run_db(
                    self._shared_writer.begin, self.committed_seq, keys
                )
                if remote:
                    self._publish([json.loads(b) for b in remote], remote)
            events, commands = self._number(group, stored)
            rows = [(e["seq"], e["type"], encode(e)) for e in events]
            if self._shared_writer is not None:
                await self._run_db(self._shared_writer.commit, rows, commands)
            else:
                await self._run_db(db.write_events, self.engine, rows, commands)
        except Exception as exc:
            log.exception("event log write failed; stopping")
            if self._shared_writer is not None:
                await self._run_db(self._shared_writer.rollback)
            for p in group:
                if not p.done.done():
                    p.done.set_exception(exc)
            raise
        if events:
            self._publish(events, [r[2] for r in rows])
        for p in group:
            if not p.done.done():
                p.done.set_result(p.answer)

    def _number(
        self, group: list[_Pending], stored: dict[tuple[str, str], Wire]
    ) -> tuple[list[Wire], list[db.CommandRecord]]:
        """Decide the group's entries and give their events the seqs after the head."""
        seq = self.committed_seq
        events: list[Wire] = []
        commands: list[db.CommandRecord] = []
        new_ids: set[str] = set()
        for p in group:
            bodies = p.bodies
            cmd = p.command
            if cmd is not None and (cmd.operator.id, cmd.cid) in stored:
                p.answer = stored[(cmd.operator.id, cmd.cid)]  # another process ran it
                continue
            if p.decide is not None:
                p.ts = now_ts(self.clock)
                try:
                    bodies = p.decide(self.state, p.ts)
                except (ProtocolError, Refused) as exc:
                    if cmd is None:
                        p.done.set_exception(exc)
                        continue
                    p.answer = result_error(cmd.cid, exc.code, exc.message)
                    bodies = []
                except Exception as exc:  # a bug in a rule: fail this entry, not the writer
                    p.done.set_exception(exc)
                    continue
            if p.decide is None:
                for event in bodies:  # built by append(): only the seq is missing
                    if self.shared and event["type"] == "alert.new":
                        event["alert"] = self._fresh_alert_id(event["alert"], new_ids)
                    seq += 1
                    event["seq"] = seq
                    events.append(event)
            else:
                for body in bodies:
                    if body["type"] == "alert.new":
                        new_ids.add(body["alert"]["id"])
                    seq += 1
                    event = {"type": body["type"], "seq": seq, "ts": p.ts}
                    event.update((k, v) for k, v in body.items() if k != "type")
                    events.append(event)
            if cmd is not None:
                if p.answer is None:
                    p.answer = result_ok(cmd.cid, seq, p.data)
                commands.append(
                    db.CommandRecord(
                        cmd.operator.id,
                        cmd.operator.name,
                        cmd.cid,
                        cmd.name,
                        json.dumps(_audited_args(cmd.name, cmd.args), ensure_ascii=False),
                        json.dumps(_audited_answer(cmd.name, p.answer), ensure_ascii=False),
                        self.clock(),
                    )
                )
        return events, commands

    def _fresh_alert_id(self, alert: Wire, new_ids: set[str]) -> Wire:
        # The simulator numbers its alerts before they are committed; on a shared log an
        # operator on another process may have taken that number meanwhile. Such a new alert
        # (no one refers to it yet) gets the next free number instead.
        if alert["id"] in self.state.alerts or alert["id"] in new_ids:
            alert = {**alert, "id": self.state.next_alert_id()}
        new_ids.add(alert["id"])
        return alert

    def _publish(self, events: list[Wire], bodies: list[str]) -> None:
        """Committed events (ours or another process's): apply, keep, broadcast, tell."""
        for event, body in zip(events, bodies, strict=True):
            self.state.apply(event)
            self._ring.append((event["seq"], body))
        self.committed_seq = events[-1]["seq"]
        self.events_committed += len(events)
        self._broadcast(events, bodies)
        for listener in self._listeners:
            listener(events)
        if self._seq_waiters:
            ready = [w for w in self._seq_waiters if w[0] <= self.committed_seq]
            self._seq_waiters = [w for w in self._seq_waiters if w[0] > self.committed_seq]
            for _, waiter in ready:
                if not waiter.done():
                    waiter.set_result(None)

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

    def _state_frames(self, seqs: list[int], bodies: list[str], after: int) -> list[str]:
        """Protocol 2 batches of the events that are not fixes, ``from``/``upto`` framed.

        ``from`` is one past the last such event before them (``after``): a client that has
        applied everything up to ``from - 1`` has no gap, whatever fixes lay in between.
        """
        frames = []
        for i in range(0, len(bodies), BATCH_FRAME_EVENTS):
            chunk = bodies[i : i + BATCH_FRAME_EVENTS]
            upto = seqs[min(i + BATCH_FRAME_EVENTS, len(seqs)) - 1]
            frames.append(
                f'{{"type":"batch","from":{after + 1},"upto":{upto},"events":['
                + ",".join(chunk)
                + "]}"
            )
            after = upto
        return frames

    def _broadcast(self, events: list[Wire], bodies: list[str]) -> None:
        clients = list(self._clients)
        if not clients:
            self._last_state_seq = _last_state_seq(events, self._last_state_seq)
            return
        v1 = [c for c in clients if c.protocol == 1]
        v2 = [c for c in clients if c.protocol != 1]
        if v1:
            frames = self._frames(bodies)
            size = sum(len(f) for f in frames)
            for client in v1:
                if self._too_slow(client, size):
                    continue
                for frame in frames:
                    self._enqueue(client, frame)
        if not v2:
            self._last_state_seq = _last_state_seq(events, self._last_state_seq)
            return
        # Protocol 2: fixes are state, not a backlog; everything else keeps its seq order.
        state_seqs: list[int] = []
        state_bodies: list[str] = []
        fixes: dict[str, str] = {}
        for event, body in zip(events, bodies, strict=True):
            if event["type"] == "unit.position":
                fixes[event["unit_id"]] = body
            else:
                state_seqs.append(event["seq"])
                state_bodies.append(body)
        frames = self._state_frames(state_seqs, state_bodies, self._last_state_seq)
        if state_seqs:
            self._last_state_seq = state_seqs[-1]
        touched = self._pages.update(fixes) if fixes else {}
        size = sum(len(f) for f in frames)
        shared: list[str] | None = None  # encoded once, for every client that keeps up
        for client in v2:
            if frames and self._too_slow(client, size):
                continue
            idle = client.idle  # before its share of this group is queued
            for frame in frames:
                self._enqueue(client, frame)
            if not fixes:
                continue
            if client.sender is None:
                # Its snapshot or catch-up is still being sent: never behind then, or with
                # TCP_NOTSENT_LOWAT its snapshot would go 32 KiB an event-loop turn, minutes
                # on a backend short of CPU (its console saw no snapshot at all).
                client.pages.update(touched)
                continue
            waiting = unsent(client.ws.transport)
            if idle and not client.pages and waiting < KEEPS_UP_UNSENT:
                if client.behind:  # caught up: the kernel may buffer for it again
                    client.behind = False
                    limit_unsent(client.ws.transport, False)
                if shared is None:
                    shared = positions_frames(list(fixes.values()))
                client.ticks.extend((frame, touched) for frame in shared)
                client.idle = False
            else:
                # Behind: the pages these fixes changed, sent (newest then) once it has
                # drained what is queued; a unit moving again meanwhile adds nothing. Fixes
                # it was given when it kept up but that are still unsent become their pages.
                if waiting >= KEEPS_UP_UNSENT:
                    self._fall_behind(client)
                _ticks_to_pages(client)
                client.pages.update(touched)
            client.wake.set()

    def _too_slow(self, client: _Client, size: int) -> bool:
        if (
            len(client.frames) > self.slow_client_frames
            or client.queued_bytes + size > self.slow_client_bytes
        ):
            self._drop_slow(client)
            return True
        return False

    def _fall_behind(self, client: _Client) -> None:
        """It does not read what it is sent: from now on what it has not read waits here
        (answers first, fixes latest wins), not in megabytes of socket buffer ahead of its next
        answer; the frames of fixes it still has queued become their pages."""
        if not client.behind:
            client.behind = True
            limit_unsent(client.ws.transport, True)
        _ticks_to_pages(client)

    def _enqueue(self, client: _Client, frame: str) -> None:
        client.frames.append(frame)
        client.queued_bytes += len(frame)
        client.idle = False
        client.wake.set()

    def _answer(self, client: _Client, frame: str) -> None:
        """Queue a result or an error: it goes out before any event frame still queued."""
        client.urgent.append(frame)
        client.wake.set()

    def _drop_slow(self, client: _Client) -> None:
        log.warning("client %s too slow; disconnecting", client.operator.name)
        self.slow_disconnects += 1
        self._clients.discard(client)
        client.dropped = True
        # Free what it holds now, not when the socket finally closes.
        if client.sender is not None:
            client.sender.cancel()
        client.frames.clear()
        client.pages.clear()
        client.ticks.clear()
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
            operator, resume_from, protocol = await asyncio.wait_for(
                self._handshake(ws), HELLO_TIMEOUT_S
            )
        except (TimeoutError, ConnectionClosed):
            return
        if operator is None:
            return
        bucket = TokenBucket(self.command_rate, self.command_burst)
        client = _Client(ws, operator, bucket, self.clock(), protocol=protocol)
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

    async def _handshake(self, ws: ServerConnection) -> tuple[db.Operator | None, int | None, int]:
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
                return None, None, 1
            if msg["protocol"] not in PROTOCOLS:
                text = (
                    f"protocol {msg['protocol']} is not supported; this backend speaks "
                    + " and ".join(str(p) for p in PROTOCOLS)
                )
                await ws.send(encode(error("unsupported_protocol", text)))
                await ws.close(4400, "unsupported protocol")
                return None, None, 1
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
                return None, None, 1
            # On a shared log, start from everything any process has committed so far: a
            # console moving here from another process may resume from a newer seq.
            await self.sync()
            welcome = {
                "type": "welcome",
                "protocol": msg["protocol"],
                "operator": {"id": operator.id, "name": operator.name, "role": operator.role},
                "head_seq": self.committed_seq,
                "server_time": now_ts(self.clock),
            }
            if issued is not None:
                welcome["token"] = issued[0]
                welcome["token_expires"] = format_ts(issued[1])
            log.info("%s signed in (%s)", operator.name, "password" if issued else "token")
            await ws.send(encode(welcome))
            return operator, msg.get("resume_from"), int(msg["protocol"])

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
        if client.protocol == 1:
            for chunk in chunks:
                for frame in self._frames(chunk):
                    await client.ws.send(frame)
            return
        # Protocol 2: the events that are not fixes in order, then the newest fix of each unit.
        after, fixes = resume_from, {}
        for chunk in chunks:
            seqs, state = [], []
            for body in chunk:
                unit = _fix_unit(body)
                if unit is not None:
                    fixes[unit] = body
                else:
                    seqs.append(_seq_of(body))
                    state.append(body)
            for frame in self._state_frames(seqs, state, after):
                await client.ws.send(frame)
            if seqs:
                after = seqs[-1]
        for frame in positions_frames(list(fixes.values())):
            await client.ws.send(frame)

    async def _sender(self, client: _Client) -> None:
        # Answers first, then event frames in order; in protocol 2 the newest fix of each unit
        # that moved meanwhile goes out whenever the ordered frames are drained, a page at a
        # time (an answer coming meanwhile goes next).
        with contextlib.suppress(ConnectionClosed):
            while True:
                if client.urgent:
                    await client.ws.send(client.urgent.popleft())
                elif client.frames:
                    frame = client.frames.popleft()
                    client.queued_bytes -= len(frame)
                    await client.ws.send(frame)
                elif client.ticks:
                    if not client.behind and unsent(client.ws.transport) >= KEEPS_UP_UNSENT:
                        self._fall_behind(client)
                        continue
                    await client.ws.send(client.ticks.popleft()[0])
                elif client.pages:
                    page = next(iter(client.pages))
                    del client.pages[page]
                    await client.ws.send(self._pages.frame(page))
                else:
                    client.idle = True
                    client.wake.clear()
                    await client.wake.wait()

    async def _receive_commands(self, client: _Client) -> None:
        async for raw in client.ws:
            if client.dropped:
                return
            try:
                msg = decode(raw)
            except ProtocolError as exc:
                self._answer(client, encode(error(exc.code, exc.message)))
                continue
            if msg["type"] != "command":
                text = f"a client may send only commands after the hello, not {msg['type']!r}"
                self._answer(client, encode(error("bad_message", text)))
                continue
            if not client.bucket.take():
                # Not recorded: the same id may be sent again later and will then run.
                text = (
                    f"more than {self.command_rate:g} commands a second "
                    f"(burst {self.command_burst}); send it again later"
                )
                self._answer(client, encode(result_error(msg["id"], "rate_limited", text)))
                continue
            if msg["name"] == "camera.stream_urls":  # a read of no state: not in the log
                self._answer(client, encode(self._stream_urls(client, msg["id"], msg["args"])))
                continue
            answer = await self.execute(client.operator, msg["id"], msg["name"], msg["args"])
            self._answer(client, encode(answer))

    def _stream_urls(self, client: _Client, cid: str, args: Any) -> Wire:
        """``camera.stream_urls``: any role (walls too) may watch the cameras it is sent."""
        try:
            validate_args("camera.stream_urls", args)
            data = self.media.stream_urls(client.operator.id, args.get("camera_ids"))
        except ProtocolError as exc:
            return result_error(cid, exc.code, exc.message)
        except LookupError as exc:
            return result_error(cid, "unavailable", str(exc))
        return result_ok(cid, None, data)

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
        operators = None
        if name in ("alert.transfer", "operator.list"):
            known = await self._run_db(db.list_operators, self.engine)
            operators = {op.id: op for op in known}
        early: Wire | None = None
        refusal: ProtocolError | Refused | None = None
        if name in COMMANDER_COMMANDS:
            try:
                early = await self._commander_command(actor, name, args)
            except (ProtocolError, Refused) as exc:
                refusal = exc

        def build(state: DistrictState, ts: str) -> list[Wire]:
            # Run by the writer against the committed state (of every process on a shared log).
            authorize(actor, training=self.training)
            validate_args(name, args)
            if name in COMMANDER_COMMANDS:
                if refusal is not None:
                    raise refusal
                pending.data = early
                return []
            bodies = decide(
                state,
                actor,
                name,
                args,
                ts,
                training=self.training,
                operators=operators,
            )
            if name == "operator.list" and operators is not None:
                pending.data = {
                    "operators": [
                        {"id": op.id, "name": op.name, "role": op.role} for op in operators.values()
                    ]
                }
            elif name in QUERY_COMMANDS:
                pending.data = answer_query(state, name, args)
            return bodies

        pending = _Pending(
            [], now_ts(self.clock), self._future(), build, _Command(operator, cid, name, args)
        )
        answer: Wire = await self._queue(pending)
        return answer

    async def _commander_command(self, actor: Actor, name: str, args: Any) -> Wire:
        """``source.list`` and ``inventory.import``: work outside the event log, for commanders.

        Returns the result's ``data``. Raises Refused (or ProtocolError) to refuse.
        """
        authorize(actor, training=self.training)
        validate_args(name, args)
        if name in SIGHTING_COMMANDS:
            return await sighting_command(self, actor, name, args)
        if actor.role != "commander":
            raise Refused("forbidden", f"only a commander may use {name}")
        if name == "source.list":
            found = await self._run_db(sources.list_sources, self.engine)
            return {
                "sources": [
                    {
                        "name": s.name,
                        "kind": s.kind,
                        "created": format_ts(s.created),
                        "revoked": s.revoked,
                        "last_seen": format_ts(s.last_seen) if s.last_seen else None,
                        "accepted": s.accepted,
                        "refused": s.refused,
                        "last_error": s.last_error,
                    }
                    for s in found
                ]
            }
        if name == "device.unregistered":
            devices = [] if self.ingest is None else list(self.ingest.unregistered.values())
            return {"devices": [d.to_wire() for d in reversed(devices)]}
        if name == "device.assign":
            device, unit_id = args["device"], args["unit_id"]
            try:
                await self._run_db(
                    lambda: inventory.assign_device(self.engine, unit_id, device, actor.name)
                )
            except LookupError as exc:
                raise Refused("not_found", str(exc)) from None
            except ValueError as exc:
                raise Refused("invalid", str(exc)) from None
            await self.sync_inventory()
            return {"device": device, "unit_id": unit_id}
        crs = args.get("crs", "wgs84")
        loop = asyncio.get_running_loop()
        parsed: list[Parsed] = []
        for item in args["files"]:
            try:
                data = base64.b64decode(item["data"], validate=True)
            except (binascii.Error, ValueError):
                raise Refused("invalid", f"{item['name']}: data is not base64") from None
            parsed.append(await loop.run_in_executor(None, read_bytes, item["name"], data, crs))
        report: inventory.Report = await self._run_db(
            lambda: inventory.import_files(
                self.engine, parsed, dry_run=bool(args.get("dry_run")), who=actor.name
            )
        )
        if report.errors:
            lines = [str(p) for p in report.errors]
            more = f"\n… and {len(lines) - 20} more" if len(lines) > 20 else ""
            raise Refused(
                "invalid",
                f"nothing imported: {len(lines)} error(s)\n" + "\n".join(lines[:20]) + more,
            )
        if report.rev is not None:
            await self.sync_inventory()
        return report.to_wire()


_FIX_PREFIX = '{"type":"unit.position"'
_UNIT_ID = re.compile(r'"unit_id":"((?:[^"\\]|\\.)*)"')
_SEQ = re.compile(r'"seq":(\d+)')


def _last_state_seq(events: list[Wire], last: int) -> int:
    for event in reversed(events):
        if event["type"] != "unit.position":
            return int(event["seq"])
    return last


def _ticks_to_pages(client: _Client) -> None:
    # Latest wins for the fixes it was given while it kept up, not sent yet: their pages.
    for _, pages in client.ticks:
        client.pages.update(pages)
    client.ticks.clear()


def _fix_unit(body: str) -> str | None:
    """The unit of a stored ``unit.position`` body (bodies are encoded type-first), or None."""
    if not body.startswith(_FIX_PREFIX):
        return None
    match = _UNIT_ID.search(body)
    return match.group(1) if match else None


def _seq_of(body: str) -> int:
    match = _SEQ.search(body)
    return int(match.group(1)) if match else 0


def _audited_args(name: str, args: Any) -> Any:
    # An imported file may hold camera passwords: the audit keeps its name, size and digest.
    if name != "inventory.import" or not isinstance(args, dict):
        return args
    files = [
        {
            "name": f.get("name"),
            "bytes": len(str(f.get("data", ""))) * 3 // 4,
            "sha256": hashlib.sha256(str(f.get("data", "")).encode()).hexdigest(),
        }
        for f in args.get("files", [])
        if isinstance(f, dict)
    ]
    return {**args, "files": files}


def _audited_answer(name: str, answer: Wire) -> Wire:
    # Sightings are personal data kept for the retention period only: the audit (and the
    # idempotency record) keep how many a search found, not the sightings themselves.
    data = answer.get("data")
    if name == where_next.NAME and isinstance(data, dict):
        return {**answer, "data": where_next.audit_data(data)}
    if name != "sighting.search" or not isinstance(data, dict):
        return answer
    return {**answer, "data": {"count": len(data.get("sightings", ()))}}


def _first_chunk(engine: Engine, after: int, upto: int) -> list[str]:
    return next(db.read_events(engine, after, upto), [])


def _valid_login(login: Any) -> bool:
    return (
        isinstance(login, dict)
        and isinstance(login.get("name"), str)
        and isinstance(login.get("password"), str)
        and 0 < len(login["name"]) <= 200
        and 0 < len(login["password"]) <= db.MAX_PASSWORD
    )
