"""Persistence of the backend: event log, snapshots, operators and command results.

SQLAlchemy 2.x Core/ORM over any URL (SQLite by default, PostgreSQL for scale-out). All
functions here are blocking; the server calls them from its single writer thread.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir
from sqlalchemy import (
    BigInteger,
    Boolean,
    Engine,
    Float,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROLES = ("operator", "commander", "trainer", "wall")


class Base(DeclarativeBase):
    """Declarative base of the backend's tables."""


class EventRow(Base):
    """One event of the log; ``body`` is the exact JSON sent on the wire."""

    __tablename__ = "events"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)


class SnapshotRow(Base):
    """A full state snapshot at ``seq`` so a restart need not replay the whole log."""

    __tablename__ = "snapshots"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created: Mapped[float] = mapped_column(Float)
    state: Mapped[str] = mapped_column(Text)


class OperatorRow(Base):
    """An operator account; the token is kept only as a salted hash."""

    __tablename__ = "operators"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    salt: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(128))
    created: Mapped[float] = mapped_column(Float)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class CommandRow(Base):
    """The first answer to each command id, so a re-sent command gets the same answer."""

    __tablename__ = "commands"
    operator_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    command_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    result: Mapped[str] = mapped_column(Text)
    created: Mapped[float] = mapped_column(Float)


@dataclass(frozen=True, slots=True)
class Operator:
    """An authenticated operator."""

    id: str
    name: str
    role: str


def default_url() -> str:
    """The default database: a SQLite file in the user data directory."""
    path = Path(user_data_dir("dispatch-console", appauthor=False)) / "backend.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def open_engine(url: str) -> Engine:
    """Create the engine and the tables; SQLite gets WAL and NORMAL sync."""
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.close()

    Base.metadata.create_all(engine)
    return engine


def _hash(salt: str, secret: str) -> str:
    return hashlib.sha256((salt + secret).encode()).hexdigest()


def add_operator(engine: Engine, name: str, role: str, *, reissue: bool = False) -> str:
    """Create an operator (or, with ``reissue``, give an existing one a new token).

    Returns:
        The token ``<operator id>.<secret>``; only its salted hash is stored.

    Raises:
        ValueError: unknown role, or the name exists and ``reissue`` is false.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    name = name.strip()
    if not name:
        raise ValueError("operator name must not be empty")
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    with engine.begin() as conn:
        row = conn.execute(select(OperatorRow.id).where(OperatorRow.name == name)).first()
        if row is not None:
            if not reissue:
                raise ValueError(f"operator {name!r} exists (use --reissue for a new token)")
            op_id = row[0]
            conn.execute(
                update(OperatorRow)
                .where(OperatorRow.id == op_id)
                .values(role=role, salt=salt, token_hash=_hash(salt, secret), revoked=False)
            )
        else:
            op_id = "op-" + uuid.uuid4().hex[:12]
            conn.execute(
                insert(OperatorRow).values(
                    id=op_id,
                    name=name,
                    role=role,
                    salt=salt,
                    token_hash=_hash(salt, secret),
                    created=time.time(),
                    revoked=False,
                )
            )
    return f"{op_id}.{secret}"


def authenticate(engine: Engine, token: str | None) -> Operator | None:
    """Return the operator a token belongs to, or None."""
    if not token or "." not in token or len(token) > 400:
        return None
    op_id, secret = token.split(".", 1)
    with engine.connect() as conn:
        row = conn.execute(select(OperatorRow).where(OperatorRow.id == op_id)).first()
    if row is None or row.revoked:
        return None
    if not hmac.compare_digest(row.token_hash, _hash(row.salt, secret)):
        return None
    return Operator(row.id, row.name, row.role)


def head_seq(engine: Engine) -> int:
    """The last seq in the event log (0 when empty)."""
    with engine.connect() as conn:
        value = conn.execute(select(func.max(EventRow.seq))).scalar()
    return int(value or 0)


def first_seq(engine: Engine) -> int:
    """The first seq still held in the event log (0 when empty)."""
    with engine.connect() as conn:
        value = conn.execute(select(func.min(EventRow.seq))).scalar()
    return int(value or 0)


def write_events(
    engine: Engine,
    events: Sequence[tuple[int, str, str]],
    commands: Sequence[tuple[str, str, str, str]] = (),
) -> None:
    """Durably append events ``(seq, type, body)`` and command answers in one transaction."""
    now = time.time()
    with engine.begin() as conn:
        if events:
            conn.execute(insert(EventRow), [{"seq": s, "type": t, "body": b} for s, t, b in events])
        if commands:
            conn.execute(
                insert(CommandRow),
                [
                    {"operator_id": o, "command_id": c, "name": n, "result": r, "created": now}
                    for o, c, n, r in commands
                ],
            )


def read_events(engine: Engine, after: int, upto: int, chunk: int = 5000) -> Iterator[list[str]]:
    """Yield the stored bodies of events with ``after < seq <= upto``, in chunks."""
    cursor = after
    while cursor < upto:
        with engine.connect() as conn:
            rows = conn.execute(
                select(EventRow.seq, EventRow.body)
                .where(EventRow.seq > cursor, EventRow.seq <= upto)
                .order_by(EventRow.seq)
                .limit(chunk)
            ).all()
        if not rows:
            return
        cursor = rows[-1][0]
        yield [r[1] for r in rows]


def find_command(engine: Engine, operator_id: str, command_id: str) -> dict[str, Any] | None:
    """The stored first answer to a command, if any."""
    with engine.connect() as conn:
        row = conn.execute(
            select(CommandRow.result).where(
                CommandRow.operator_id == operator_id, CommandRow.command_id == command_id
            )
        ).first()
    return None if row is None else dict(json.loads(row[0]))


def save_snapshot(engine: Engine, seq: int, state_json: str, keep: int = 2) -> None:
    """Store a snapshot and drop all but the newest ``keep``."""
    with engine.begin() as conn:
        conn.execute(delete(SnapshotRow).where(SnapshotRow.seq == seq))
        conn.execute(insert(SnapshotRow).values(seq=seq, created=time.time(), state=state_json))
        old = conn.execute(
            select(SnapshotRow.seq).order_by(SnapshotRow.seq.desc()).offset(keep)
        ).all()
        if old:
            conn.execute(delete(SnapshotRow).where(SnapshotRow.seq.in_([r[0] for r in old])))


def latest_snapshot(engine: Engine) -> tuple[int, str] | None:
    """The newest snapshot ``(seq, state JSON)``, if any."""
    with engine.connect() as conn:
        row = conn.execute(
            select(SnapshotRow.seq, SnapshotRow.state).order_by(SnapshotRow.seq.desc()).limit(1)
        ).first()
    return None if row is None else (int(row[0]), str(row[1]))
