"""The console's command outbox: commands not yet answered, kept on disk.

A command is written here before it is sent and removed once the backend answers it, so a
console killed (even with SIGKILL) and restarted sends it again with the same id. The
backend answers a repeated id with its first answer and changes nothing, so every command
takes effect exactly once.

SQLite through SQLAlchemy, one small row per command. The methods block (a few ms each);
:class:`console.services.client.BackendClient` calls them from a worker thread.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Float, Integer, String, Text, create_engine, delete, event, select
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class _Base(DeclarativeBase):
    """Declarative base of the outbox table."""


class OutboxRow(_Base):
    """One command waiting for its answer."""

    __tablename__ = "outbox"
    n: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    command_id: Mapped[str] = mapped_column(String(128), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    args: Mapped[str] = mapped_column(Text)
    created: Mapped[float] = mapped_column(Float)


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A command kept in the outbox."""

    command_id: str
    name: str
    args: dict[str, Any]
    created: float


class Outbox:
    """Commands issued and not yet answered, persisted in a SQLite file.

    Args:
        path: the SQLite file (created with its directory when missing).
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._engine: Engine = create_engine(f"sqlite:///{self.path}", future=True)
        self._lock = threading.Lock()

        @event.listens_for(self._engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # FULL: an entry the operator was shown as queued survives a power cut too.
            cur.execute("PRAGMA synchronous=FULL")
            cur.close()

        _Base.metadata.create_all(self._engine)

    def add(self, command_id: str, name: str, args: dict[str, Any]) -> None:
        """Keep a command (a second add of the same id changes nothing)."""
        row = {
            "command_id": command_id,
            "name": name,
            "args": json.dumps(args, ensure_ascii=False),
            "created": time.time(),
        }
        with self._lock, self._engine.begin() as conn:
            conn.execute(insert(OutboxRow).values(**row).on_conflict_do_nothing())

    def remove(self, command_id: str) -> None:
        """Forget a command: the backend answered it."""
        with self._lock, self._engine.begin() as conn:
            conn.execute(delete(OutboxRow).where(OutboxRow.command_id == command_id))

    def entries(self) -> list[OutboxEntry]:
        """Every kept command, oldest first."""
        with self._lock, self._engine.connect() as conn:
            rows = conn.execute(select(OutboxRow).order_by(OutboxRow.n)).all()
        return [OutboxEntry(r.command_id, r.name, json.loads(r.args), r.created) for r in rows]

    def __len__(self) -> int:
        return len(self.entries())

    def close(self) -> None:
        """Release the database file."""
        self._engine.dispose()
