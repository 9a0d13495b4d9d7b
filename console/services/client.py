"""The asyncio websocket client: connect, hello, resume, reconnect with backoff, commands.

A thin transport around :class:`console.protocol.session.ClientSession`. It feeds the Store
and reports connection state; it knows nothing of Qt. Commands issued while disconnected
stay pending and are sent (exactly once, by id) after the next welcome.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import ssl
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from console.domain.store import Store
from console.protocol.codec import ProtocolError, decode, encode
from console.protocol.session import (
    ClientSession,
    CommandAnswered,
    EventsReceived,
    GapDetected,
    PositionsReceived,
    ServerError,
    SnapshotReceived,
    Welcomed,
)
from console.services.recorder import Recorder
from console.storage.outbox import Outbox

log = logging.getLogger("console.client")

MAX_INBOUND_FRAME = 64 << 20  # snapshots of a large district exceed the 1 MiB command limit
OFFLOAD_FRAME = 16 << 10  # frames larger than this are parsed and validated off the loop


class LinkState(StrEnum):
    """What the status bar shows about the backend link."""

    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"
    UNAUTHORIZED = "unauthorized"


@dataclass(frozen=True, slots=True)
class LinkStatus:
    """The link state plus the details the operator needs."""

    state: LinkState
    detail: str = ""
    retry_at: float | None = None
    operator: str | None = None
    role: str | None = None


class BackoffPolicy:
    """Exponential backoff with jitter: 0.5 s, 1 s, 2 s ... capped, reset when live."""

    def __init__(self, first: float = 0.5, cap: float = 15.0, rng: random.Random | None = None):
        self.first = first
        self.cap = cap
        self.attempt = 0
        self._rng = rng or random.Random()

    def next_delay(self) -> float:
        """The delay before the next attempt."""
        base = min(self.cap, self.first * (2**self.attempt))
        self.attempt += 1
        return float(base * (0.8 + 0.4 * self._rng.random()))

    def reset(self) -> None:
        """Start again from the first delay."""
        self.attempt = 0


class BackendClient:
    """Keeps one console connected to its backend.

    Args:
        url: ``ws://`` or ``wss://`` URL of the backend.
        token: the operator's token.
        store: the Store fed with snapshots and events.
        on_status: called with every link status change.
        on_answer: called with every command answer.
        offline_after: seconds of failed attempts after which the state reads "offline".
        ca_file: PEM file of the CA(s) that sign the backend's certificate for ``wss://``
            (the system store when None).
        outbox: keeps unanswered commands on disk: they are re-sent (same ids, so exactly
            once) after a restart of the console.
        login: ``(name, password)`` to sign in with instead of ``token``; the token the
            backend issues replaces it (``on_token``) and the password is forgotten.
        on_token: called with ``(token, expires)`` when the backend issues a token.
    """

    def __init__(
        self,
        url: str,
        token: str | None,
        store: Store,
        *,
        on_status: Callable[[LinkStatus], None] | None = None,
        on_answer: Callable[[CommandAnswered], None] | None = None,
        session: ClientSession | None = None,
        backoff: BackoffPolicy | None = None,
        offline_after: float = 30.0,
        clock: Callable[[], float] = time.time,
        ca_file: str | None = None,
        outbox: Outbox | None = None,
        login: tuple[str, str] | None = None,
        on_token: Callable[[str, str | None], None] | None = None,
        recorder: Recorder | None = None,
    ) -> None:
        self.url = url
        self.token = token
        self.ca_file = ca_file
        self.outbox = outbox
        self.recorder = recorder
        self._login = login
        self._on_token = on_token or (lambda t, e: None)
        self._outbox_io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")
        self._restored = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._kept: set[str] = set()  # ids whose outbox row is on disk
        self._sent: set[str] = set()  # ids sent on the current connection
        self.store = store
        self.session = session or ClientSession()
        self.backoff = backoff or BackoffPolicy()
        self.offline_after = offline_after
        self.clock = clock
        self.status = LinkStatus(LinkState.CONNECTING)
        self._on_status = on_status or (lambda s: None)
        self._on_answer = on_answer or (lambda a: None)
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._waiters: dict[str, asyncio.Future[CommandAnswered]] = {}
        self._arrivals: deque[tuple[float, int]] = deque()
        self._down_since: float | None = None
        self._decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ws-decode")
        self._spoke_latest = False  # the last hello asked for the newest protocol

    # ------------------------------------------------------------------ public

    def start(self) -> None:
        """Start the connection loop on the running event loop."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="backend-link")

    async def stop(self) -> None:
        """Close the connection and stop reconnecting."""
        task, self._task = self._task, None
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._decoder.shutdown(wait=True)
        self._decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ws-decode")
        self._outbox_io.shutdown(wait=True)  # every outbox write is on disk
        self._outbox_io = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")

    def reconnect_now(self) -> None:
        """Drop the current connection (if any) and reconnect at once."""
        self.backoff.reset()
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self.start()

    @property
    def head_seq(self) -> int | None:
        """The newest seq the backend is known to hold."""
        return self.session.head_seq

    def event_rate(self, window: float = 5.0) -> float:
        """Events per second received over the last ``window`` seconds."""
        now = self.clock()
        while self._arrivals and self._arrivals[0][0] < now - window:
            self._arrivals.popleft()
        return sum(n for _, n in self._arrivals) / window

    def command(self, name: str, args: dict[str, Any]) -> asyncio.Future[CommandAnswered]:
        """Send a command (now, or after reconnecting); the future gets its answer.

        Raises:
            ProtocolError: the arguments break the command's schema (nothing is sent).
        """
        pending = self.session.command(name, args)
        future: asyncio.Future[CommandAnswered] = asyncio.get_running_loop().create_future()
        self._waiters[pending.id] = future
        if self.outbox is not None:
            self._background(self._keep_then_send(pending.id, name, args, pending.message))
        elif self._ws is not None and self.session.welcomed:
            self._background(self._send(pending.message))
        return future

    def _background(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _keep_then_send(
        self, cid: str, name: str, args: dict[str, Any], message: dict[str, Any]
    ) -> None:
        # On disk before it leaves: a crash after the send cannot lose it.
        assert self.outbox is not None
        await asyncio.get_running_loop().run_in_executor(
            self._outbox_io, self.outbox.add, cid, name, args
        )
        self._kept.add(cid)
        if (
            self._ws is not None
            and self.session.welcomed
            and cid in self.session.pending
            and cid not in self._sent
        ):
            self._sent.add(cid)
            await self._send(message)

    async def _restore_outbox(self) -> None:
        if self.outbox is None or self._restored:
            return
        entries = await asyncio.get_running_loop().run_in_executor(
            self._outbox_io, self.outbox.entries
        )
        for entry in entries:
            if entry.command_id not in self.session.pending:
                self.session.restore(entry.command_id, entry.name, entry.args)
        self._kept.update(e.command_id for e in entries)
        self._restored = True
        if entries:
            log.info("%d command(s) from the outbox will be sent", len(entries))

    def _forget(self, cid: str) -> None:
        if self.outbox is not None:
            asyncio.get_running_loop().run_in_executor(self._outbox_io, self.outbox.remove, cid)

    # ------------------------------------------------------------------ internals

    def _set_status(self, status: LinkStatus) -> None:
        self.status = status
        self._on_status(status)

    async def _send(self, message: dict[str, Any]) -> None:
        ws = self._ws
        if ws is None:
            return
        with contextlib.suppress(ConnectionClosed):
            await ws.send(encode(message))

    async def _run(self) -> None:
        await self._restore_outbox()
        while True:
            if self.status.state is not LinkState.RECONNECTING:
                self._set_status(LinkStatus(LinkState.CONNECTING, self.url))
            try:
                reason = await self._connect_once()
            except asyncio.CancelledError:
                raise
            except (OSError, TimeoutError, InvalidHandshake, ConnectionClosed) as exc:
                reason = _describe(exc)
            except InvalidURI as exc:
                self._set_status(LinkStatus(LinkState.OFFLINE, f"bad backend URL: {exc}"))
                return
            finally:
                self._ws = None
            if reason is None:  # unauthorized or unsupported: retrying cannot help
                return
            now = self.clock()
            if self._down_since is None:
                self._down_since = now
            delay = self.backoff.next_delay()
            if now - self._down_since >= self.offline_after:
                state = LinkState.OFFLINE
            else:
                state = LinkState.RECONNECTING
            self._set_status(LinkStatus(state, reason, retry_at=now + delay))
            await asyncio.sleep(delay)

    async def _connect_once(self) -> str | None:
        tls: ssl.SSLContext | None = None
        if self.url.startswith("wss://"):
            tls = ssl.create_default_context(cafile=self.ca_file)
        async with connect(
            self.url, max_size=MAX_INBOUND_FRAME, open_timeout=5, ping_interval=10, ssl=tls
        ) as ws:
            self._ws = ws
            self._spoke_latest = self.session.wanted_protocol != 1
            await ws.send(encode(self.session.hello(self.token, self._login)))
            loop = asyncio.get_running_loop()
            async for raw in ws:
                try:
                    if len(raw) > OFFLOAD_FRAME:
                        # Big batches and snapshots: JSON parsing and schema checks run on a
                        # worker so the GUI thread keeps painting (frames stay in order: one
                        # worker, awaited one at a time).
                        message = await loop.run_in_executor(
                            self._decoder, decode, raw, MAX_INBOUND_FRAME
                        )
                    else:
                        message = decode(raw)
                    outcomes = self.session.receive(message)
                except ProtocolError as exc:
                    log.warning("dropped a bad message from the backend: %s", exc.message)
                    continue
                for outcome in outcomes:
                    stop = await self._handle(ws, outcome)
                    if stop is not None:
                        return stop or None
        return "the backend closed the connection"

    async def _handle(self, ws: ClientConnection, outcome: object) -> str | None:
        """Act on one session outcome; a non-None return ends this connection."""
        if isinstance(outcome, EventsReceived | PositionsReceived):
            if isinstance(outcome, PositionsReceived):
                self.store.apply_positions(outcome.events)
            else:
                self.store.apply_many(outcome.events)
            if self.recorder is not None:  # after the Store: keyframes see the applied state
                self.recorder.on_events(outcome.events)
            self._arrivals.append((self.clock(), len(outcome.events)))
        elif isinstance(outcome, SnapshotReceived):
            self.store.load_snapshot(outcome.seq, outcome.state)
            if self.recorder is not None:
                self.recorder.on_snapshot(outcome.seq, outcome.state)
        elif isinstance(outcome, CommandAnswered):
            if outcome.name == "operator.list" and outcome.command_id not in self._waiters:
                # The client's own query (on welcome): not the UI's business.
                if outcome.ok and outcome.data is not None:
                    self.store.name_operators(outcome.data.get("operators", []))
                return None
            if self.recorder is not None:
                self.recorder.on_command(outcome.name, outcome.args, outcome)
            self._kept.discard(outcome.command_id)
            self._forget(outcome.command_id)
            self._on_answer(outcome)
            waiter = self._waiters.pop(outcome.command_id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(outcome)
        elif isinstance(outcome, Welcomed):
            if outcome.token is not None:
                self.token, self._login = outcome.token, None
                self._on_token(outcome.token, outcome.token_expires)
            self.backoff.reset()
            self._down_since = None
            self._set_status(
                LinkStatus(LinkState.LIVE, "", None, outcome.operator_name, outcome.role)
            )
            self._sent.clear()
            self.store.name_operator(outcome.operator_id, outcome.operator_name)
            for stale in [c.id for c in self.session.pending.values() if c.name == "operator.list"]:
                del self.session.pending[stale]  # asked on a connection that dropped
            for message in self.session.unsent_after_reconnect():
                if self.outbox is not None and message["id"] not in self._kept:
                    continue  # sent by _keep_then_send once it is on disk
                self._sent.add(message["id"])
                await ws.send(encode(message))
            if outcome.role != "wall":  # the wall role may send no command at all
                # [ext] who is who: history and owners carry operator ids, people read names.
                # A read-only query sent directly (no outbox); an older backend says invalid.
                ask = self.session.command("operator.list", {})
                self._sent.add(ask.id)
                await ws.send(encode(ask.message))
        elif isinstance(outcome, GapDetected):
            log.warning("seq gap (expected %d, got %d): resuming", outcome.expected, outcome.got)
            return f"seq gap at {outcome.expected}: resuming"
        elif isinstance(outcome, ServerError):
            downgraded = self.session.wanted_protocol == 1 and self._spoke_latest
            if outcome.code == "unsupported_protocol" and downgraded:
                self._spoke_latest = False  # an older backend: say hello again in protocol 1
                return "the backend speaks protocol 1 only"
            if outcome.code in ("unauthorized", "unsupported_protocol"):
                self._set_status(LinkStatus(LinkState.UNAUTHORIZED, outcome.message))
                return ""
            log.warning("backend error %s: %s", outcome.code, outcome.message)
        return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"certificate not trusted: {exc.verify_message or exc}"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed: {exc.reason or exc}"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused: is the backend running?"
    if isinstance(exc, TimeoutError):
        return "the backend did not answer in time"
    if isinstance(exc, ConnectionClosed):
        return "connection lost"
    if isinstance(exc, InvalidHandshake):
        return f"not a dispatch backend at this URL ({exc})"
    return str(exc) or type(exc).__name__
