"""Several backend processes on one PostgreSQL: the commit feed and leadership.

Every process serves consoles and decides commands; the database orders them (see
:class:`backend_stub.db.SharedLogWriter`). What this module adds:

* :class:`HeadListener` — ``LISTEN`` on the log's channel: each group commit in any process
  sends ``NOTIFY`` with the new head seq; the other processes read the events up to it, in
  order, apply them to their state and broadcast them to their consoles.
* :class:`Leadership` — a PostgreSQL session advisory lock held on a connection of its own:
  work that must happen once per district, not once per process (the demo simulation, the
  e-fence rule that derives alerts from positions), runs only in the process holding it. When
  that process dies its session ends, the lock is free, and a standby takes over within
  ``poll_s``. A leader that loses its session, or whose work fails, stops (``lost`` is set):
  it can no longer be sure it is the only one, and a standby should have the lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg

from backend_stub import db

log = logging.getLogger("backend.cluster")

RETRY_S = 1.0
KEEPALIVE_S = 5.0


class HeadListener:
    """Tell a backend about every head another process commits (``LISTEN``/``NOTIFY``).

    Args:
        conninfo: libpq URL of the shared database (:func:`backend_stub.db.libpq_url`).
        on_head: called on the event loop with each new head seq.
    """

    def __init__(self, conninfo: str, on_head: Callable[[int], None]) -> None:
        self.conninfo = conninfo
        self.on_head = on_head
        self.listening = asyncio.Event()

    async def run(self) -> None:
        """Listen until cancelled; reconnect (and catch up on the head) after a failure."""
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
                async with conn:
                    await conn.execute(f"LISTEN {db.NOTIFY_CHANNEL}")
                    # Commits made while we were not listening sent no notification to us.
                    cur = await conn.execute("SELECT head FROM seq_head WHERE id = 1")
                    row = await cur.fetchone()
                    if row is not None:
                        self.on_head(int(row[0]))
                    self.listening.set()
                    async for note in conn.notifies():
                        self.on_head(int(note.payload))
            except (psycopg.Error, OSError, ValueError) as exc:
                self.listening.clear()
                log.warning("commit feed lost (%s); reconnecting in %.0f s", exc, RETRY_S)
                await asyncio.sleep(RETRY_S)


class Leadership:
    """Run ``work`` in exactly one of the processes sharing a database.

    Args:
        conninfo: libpq URL of the shared database.
        key: the advisory lock (one per kind of work, e.g. ``db.SIMULATION_LOCK``).
        what: a name for logs.
        lost: set when the lock's session is lost after it was held.
        poll_s: how often a standby tries to take over.
    """

    def __init__(
        self,
        conninfo: str,
        key: int,
        what: str,
        *,
        lost: asyncio.Event | None = None,
        poll_s: float = 2.0,
    ) -> None:
        self.conninfo = conninfo
        self.key = key
        self.what = what
        self.poll_s = poll_s
        self.leading = asyncio.Event()
        self.lost = lost if lost is not None else asyncio.Event()

    async def run(self, work: Callable[[], Awaitable[Any]]) -> None:
        """Wait for the lock, run ``work``, then hold the lock until cancelled or lost."""
        conn = await self._acquire()
        try:
            log.info("this process leads the %s", self.what)
            self.leading.set()
            try:
                await work()
            except Exception:
                # Holding the lock without doing the work would stall it everywhere: stop,
                # so the lock goes to a standby (and a supervisor restarts this process).
                log.exception("cannot run the %s; stopping", self.what)
                self.lost.set()
                return
            while True:  # the lock lives as long as this session: keep it, and notice loss
                await asyncio.sleep(KEEPALIVE_S)
                try:
                    await conn.execute("SELECT 1")
                except (psycopg.Error, OSError) as exc:
                    log.error("lost the %s lock (%s); stopping", self.what, exc)
                    self.lost.set()
                    return
        finally:
            with contextlib.suppress(psycopg.Error, OSError):
                await conn.close()

    async def _acquire(self) -> psycopg.AsyncConnection[Any]:
        announced = False
        while True:
            conn: psycopg.AsyncConnection[Any] | None = None
            try:
                conn = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
                while True:
                    cur = await conn.execute("SELECT pg_try_advisory_lock(%s)", (self.key,))
                    row = await cur.fetchone()
                    if row is not None and row[0]:
                        return conn
                    if not announced:
                        log.info("another process leads the %s; standing by", self.what)
                        announced = True
                    await asyncio.sleep(self.poll_s)
            except (psycopg.Error, OSError) as exc:
                log.warning("cannot reach the database for the %s lock: %s", self.what, exc)
                if conn is not None:
                    with contextlib.suppress(psycopg.Error, OSError):
                        await conn.close()
                await asyncio.sleep(self.poll_s)
