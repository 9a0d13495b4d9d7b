"""Persistence of the backend: event log, snapshots, operators and command results.

SQLAlchemy 2.x Core/ORM over any URL (SQLite by default, PostgreSQL for scale-out). All
functions here are blocking; the server calls them from its single writer thread.
"""

from __future__ import annotations

import functools
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
    Connection,
    Engine,
    Float,
    Integer,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from console.protocol.codec import format_ts

ROLES = ("operator", "commander", "trainer", "wall")


class Base(DeclarativeBase):
    """Declarative base of the backend's tables."""


class EventRow(Base):
    """One event of the log; ``body`` is the exact JSON sent on the wire."""

    __tablename__ = "events"
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)


class SeqHeadRow(Base):
    """The last seq handed out (one row; used on PostgreSQL): its row lock orders all writers.

    Several backend processes share one PostgreSQL: each write transaction locks this row,
    reads the events other processes committed since, and moves ``head`` by what it inserts,
    so seq is gap-free and never reused across processes.
    """

    __tablename__ = "seq_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    head: Mapped[int] = mapped_column(BigInteger)


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
    # "scrypt$n$r$p$salt_hex$hash_hex", or None for an account that signs in by token only.
    password_hash: Mapped[str | None] = mapped_column(String(300), nullable=True, default=None)


class SessionTokenRow(Base):
    """A token issued at sign-in: kept as a salted hash, with an expiry."""

    __tablename__ = "session_tokens"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    operator_id: Mapped[str] = mapped_column(String(40), index=True)
    salt: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(128))
    created: Mapped[float] = mapped_column(Float)
    expires: Mapped[float] = mapped_column(Float)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class RevocationRow(Base):
    """``operator revoke`` ran: every token of the operator issued before ``ts`` is dead.

    Running backends poll this table to close the operator's live connections.
    """

    __tablename__ = "revocations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    operator_id: Mapped[str] = mapped_column(String(40))
    ts: Mapped[float] = mapped_column(Float)


class AuditRow(Base):
    """Append-only audit trail: every command decided, with who, when, what and the answer."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ts: Mapped[float] = mapped_column(Float, index=True)
    operator_id: Mapped[str] = mapped_column(String(40))
    operator_name: Mapped[str] = mapped_column(String(120))
    command_id: Mapped[str] = mapped_column(String(128))
    name: Mapped[str] = mapped_column(String(60))
    args: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(Text)


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


@dataclass(frozen=True, slots=True)
class CommandRecord:
    """A decided command: its first answer (idempotency) and its audit entry."""

    operator_id: str
    operator_name: str
    command_id: str
    name: str
    args_json: str
    result_json: str
    ts: float


def default_url() -> str:
    """The default database: a SQLite file in the user data directory."""
    path = Path(user_data_dir("dispatch-console", appauthor=False)) / "backend.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def open_engine(url: str) -> Engine:
    """Create the engine and the tables; SQLite gets WAL and NORMAL sync."""
    # The tables of the inventory and of the live-feed sources live beside their code.
    from backend_stub import sources  # noqa: F401
    from backend_stub.inventory import store  # noqa: F401

    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=5000")
            cur.close()

    if engine.dialect.name == "postgresql":
        # Backend processes starting together must not race on CREATE TABLE.
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": SCHEMA_LOCK})
            try:
                conn.commit()
                Base.metadata.create_all(conn)
                conn.commit()
                _migrate(engine)
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEMA_LOCK})
                conn.commit()
        return engine
    Base.metadata.create_all(engine)
    _migrate(engine)
    return engine


# pg advisory lock keys (any 64-bit numbers, the same in every process).
SCHEMA_LOCK = 0x64_6973_7001
SIMULATION_LOCK = 0x64_6973_7002
DERIVED_LOCK = 0x64_6973_7003
NOTIFY_CHANNEL = "dispatch_events"


def is_shared(engine: Engine) -> bool:
    """Whether several backend processes may share this database (PostgreSQL)."""
    return engine.dialect.name == "postgresql"


def libpq_url(engine: Engine) -> str:
    """The engine's URL as libpq (psycopg) takes it, for LISTEN and advisory-lock sessions."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def _migrate(engine: Engine) -> None:
    # Databases made before sign-in existed lack the password column.
    columns = {c["name"] for c in inspect(engine).get_columns("operators")}
    with engine.begin() as conn:
        if "password_hash" not in columns:
            conn.execute(text("ALTER TABLE operators ADD COLUMN password_hash VARCHAR(300)"))
        # The audit table is append-only in the database itself, not only by convention.
        if engine.dialect.name == "sqlite":
            for op in ("UPDATE", "DELETE"):
                conn.execute(
                    text(
                        f"CREATE TRIGGER IF NOT EXISTS audit_no_{op.lower()} BEFORE {op} ON audit "
                        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
                    )
                )
        elif engine.dialect.name == "postgresql":
            # The shared seq counter starts at the log's head (databases made before it).
            conn.execute(
                text(
                    "INSERT INTO seq_head (id, head) "
                    "SELECT 1, COALESCE(MAX(seq), 0) FROM events ON CONFLICT (id) DO NOTHING"
                )
            )
            conn.execute(
                text(
                    "CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$ "
                    "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; "
                    "$$ LANGUAGE plpgsql"
                )
            )
            conn.execute(text("DROP TRIGGER IF EXISTS audit_append_only ON audit"))
            conn.execute(
                text(
                    "CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit "
                    "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
                )
            )


def token_hash(salt: str, secret: str) -> str:
    # Tokens are 256-bit random secrets: a salted SHA-256 is enough (no dictionary to resist).
    return hashlib.sha256((salt + secret).encode()).hexdigest()


SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MAX_PASSWORD = 1000


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """Hash a password with scrypt and a random salt; the parameters are stored with it."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=64 << 20)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def verify_password(stored: str | None, password: str) -> bool:
    """Check a password against :func:`hash_password` output (constant time)."""
    if not stored or len(password) > MAX_PASSWORD:
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(
            password.encode(),
            salt=bytes.fromhex(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=64 << 20,
        )
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(actual.hex(), digest)


def add_operator(
    engine: Engine,
    name: str,
    role: str,
    *,
    reissue: bool = False,
    password: str | None = None,
) -> str:
    """Create an operator (or, with ``reissue``, give an existing one a new token).

    Args:
        password: lets the operator sign in by name and password (stored as a scrypt hash).

    Returns:
        The token ``<operator id>.<secret>``; only its salted hash is stored.

    Raises:
        ValueError: unknown role, empty name or password, or the name exists and ``reissue``
            is false.
    """
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    name = name.strip()
    if not name:
        raise ValueError("operator name must not be empty")
    if password is not None and not 1 <= len(password) <= MAX_PASSWORD:
        raise ValueError(f"a password has 1 to {MAX_PASSWORD} characters")
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    values: dict[str, Any] = {"role": role, "salt": salt, "token_hash": token_hash(salt, secret)}
    if password is not None:
        values["password_hash"] = hash_password(password)
    with engine.begin() as conn:
        row = conn.execute(select(OperatorRow.id).where(OperatorRow.name == name)).first()
        if row is not None:
            if not reissue:
                raise ValueError(f"operator {name!r} exists (use --reissue for a new token)")
            op_id = row[0]
            conn.execute(
                update(OperatorRow).where(OperatorRow.id == op_id).values(revoked=False, **values)
            )
        else:
            op_id = "op-" + uuid.uuid4().hex[:12]
            conn.execute(
                insert(OperatorRow).values(
                    id=op_id, name=name, created=time.time(), revoked=False, **values
                )
            )
    return f"{op_id}.{secret}"


def authenticate(engine: Engine, token: str | None, now: float | None = None) -> Operator | None:
    """Return the operator a token (an account token or a sign-in token) belongs to, or None."""
    if not token or "." not in token or len(token) > 400:
        return None
    now = time.time() if now is None else now
    key, secret = token.split(".", 1)
    with engine.connect() as conn:
        if key.startswith("tk-"):
            tok = conn.execute(select(SessionTokenRow).where(SessionTokenRow.id == key)).first()
            if tok is None or tok.revoked or tok.expires <= now:
                return None
            if not hmac.compare_digest(tok.token_hash, token_hash(tok.salt, secret)):
                return None
            op = conn.execute(select(OperatorRow).where(OperatorRow.id == tok.operator_id)).first()
            return None if op is None else Operator(op.id, op.name, op.role)
        op = conn.execute(select(OperatorRow).where(OperatorRow.id == key)).first()
    if op is None or op.revoked:
        return None
    if not hmac.compare_digest(op.token_hash, token_hash(op.salt, secret)):
        return None
    return Operator(op.id, op.name, op.role)


def sign_in(
    engine: Engine, name: str, password: str, ttl_s: float, now: float | None = None
) -> tuple[Operator, str, float] | None:
    """Check name and password; on success issue a token that expires after ``ttl_s``.

    Returns:
        ``(operator, token, expires)`` or None for an unknown name or a wrong password. The
        work (scrypt) is the same either way, so timing does not tell which.
    """
    now = time.time() if now is None else now
    with engine.connect() as conn:
        op = conn.execute(select(OperatorRow).where(OperatorRow.name == name.strip())).first()
    stored = op.password_hash if op is not None else None
    ok = verify_password(stored or _dummy_hash(), password)
    if op is None or not stored or not ok:
        return None
    tid = "tk-" + uuid.uuid4().hex[:16]
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    expires = now + ttl_s
    with engine.begin() as conn:
        conn.execute(
            insert(SessionTokenRow).values(
                id=tid,
                operator_id=op.id,
                salt=salt,
                token_hash=token_hash(salt, secret),
                created=now,
                expires=expires,
                revoked=False,
            )
        )
    return Operator(op.id, op.name, op.role), f"{tid}.{secret}", expires


@functools.cache
def _dummy_hash() -> str:
    # Checked against when the name is unknown, so a wrong name costs what a wrong password does.
    return hash_password(secrets.token_urlsafe(16))


def revoke_operator(engine: Engine, name: str, now: float | None = None) -> str:
    """Revoke every token of an operator (account token and sign-in tokens).

    The password still signs in (a new token); running backends close the operator's live
    connections when they see the revocation row.

    Returns:
        The operator id.

    Raises:
        ValueError: no operator of that name.
    """
    now = time.time() if now is None else now
    with engine.begin() as conn:
        row = conn.execute(select(OperatorRow.id).where(OperatorRow.name == name.strip())).first()
        if row is None:
            raise ValueError(f"no operator named {name!r}")
        op_id = str(row[0])
        conn.execute(update(OperatorRow).where(OperatorRow.id == op_id).values(revoked=True))
        conn.execute(
            update(SessionTokenRow).where(SessionTokenRow.operator_id == op_id).values(revoked=True)
        )
        conn.execute(insert(RevocationRow).values(operator_id=op_id, ts=now))
    return op_id


def list_operators(engine: Engine) -> list[Operator]:
    """Every account that is not revoked (transfer targets, ``operator.list``)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(OperatorRow).where(OperatorRow.revoked.is_(False)).order_by(OperatorRow.name)
        ).all()
    return [Operator(r.id, r.name, r.role) for r in rows]


def revocations_after(engine: Engine, last_id: int) -> list[tuple[int, str, float]]:
    """Revocations ``(id, operator id, ts)`` newer than ``last_id``."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(RevocationRow.id, RevocationRow.operator_id, RevocationRow.ts)
            .where(RevocationRow.id > last_id)
            .order_by(RevocationRow.id)
        ).all()
    return [(int(r[0]), str(r[1]), float(r[2])) for r in rows]


def last_revocation(engine: Engine) -> int:
    """The id of the newest revocation (0 when none)."""
    with engine.connect() as conn:
        value = conn.execute(select(func.max(RevocationRow.id))).scalar()
    return int(value or 0)


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
    commands: Sequence[CommandRecord] = (),
) -> None:
    """Durably append events ``(seq, type, body)``, command answers and audit entries.

    One transaction: a command's answer and audit entry are durable exactly when its events are.
    """
    with engine.begin() as conn:
        _insert_events(conn, events, commands)


def _insert_events(
    conn: Connection,
    events: Sequence[tuple[int, str, str]],
    commands: Sequence[CommandRecord],
) -> None:
    if events:
        conn.execute(insert(EventRow), [{"seq": s, "type": t, "body": b} for s, t, b in events])
    if commands:
        conn.execute(
            insert(CommandRow),
            [
                {
                    "operator_id": c.operator_id,
                    "command_id": c.command_id,
                    "name": c.name,
                    "result": c.result_json,
                    "created": c.ts,
                }
                for c in commands
            ],
        )
        conn.execute(
            insert(AuditRow),
            [
                {
                    "ts": c.ts,
                    "operator_id": c.operator_id,
                    "operator_name": c.operator_name,
                    "command_id": c.command_id,
                    "name": c.name,
                    "args": c.args_json,
                    "result": c.result_json,
                }
                for c in commands
            ],
        )


def audit_entries(
    engine: Engine, since: float = 0.0, chunk: int = 1000
) -> Iterator[dict[str, Any]]:
    """Yield the audit trail from ``since`` (epoch seconds) on, oldest first."""
    cursor = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(AuditRow)
                .where(AuditRow.id > cursor, AuditRow.ts >= since)
                .order_by(AuditRow.id)
                .limit(chunk)
            ).all()
        if not rows:
            return
        for r in rows:
            yield {
                "ts": format_ts(r.ts),
                "operator": {"id": r.operator_id, "name": r.operator_name},
                "command_id": r.command_id,
                "name": r.name,
                "args": json.loads(r.args),
                "result": json.loads(r.result),
            }
        cursor = rows[-1].id


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
    try:
        _save_snapshot(engine, seq, state_json, keep)
    except IntegrityError:
        pass  # another process sharing the database wrote the same seq at the same moment


def _save_snapshot(engine: Engine, seq: int, state_json: str, keep: int) -> None:
    with engine.begin() as conn:
        if conn.execute(select(SnapshotRow.seq).where(SnapshotRow.seq == seq)).first() is not None:
            return  # another process sharing the database wrote the same state already
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


class SharedLogWriter:
    """One write transaction on a shared (PostgreSQL) log, opened and committed in two steps.

    :meth:`begin` locks the ``seq_head`` row (other processes' writers wait), and returns the
    events they committed since ``after`` and the stored answers of the given command ids;
    the caller applies those, decides its commands against the result, then :meth:`commit`
    inserts its events with seq following the head, moves the head, notifies the other
    processes (``NOTIFY`` carries the new head) and commits. Used from one thread at a time.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None

    def begin(
        self, after: int, command_keys: Sequence[tuple[str, str]] = ()
    ) -> tuple[int, list[str], dict[tuple[str, str], dict[str, Any]]]:
        """Lock the log; return ``(head, bodies after `after` up to head, stored answers)``."""
        self.rollback()
        conn = self.engine.connect()
        try:
            conn.begin()
            head = int(
                conn.execute(text("SELECT head FROM seq_head WHERE id = 1 FOR UPDATE")).scalar_one()
            )
            bodies = [
                str(r[0])
                for r in conn.execute(
                    select(EventRow.body)
                    .where(EventRow.seq > after, EventRow.seq <= head)
                    .order_by(EventRow.seq)
                )
            ]
            answers: dict[tuple[str, str], dict[str, Any]] = {}
            for op_id, cid in command_keys:
                row = conn.execute(
                    select(CommandRow.result).where(
                        CommandRow.operator_id == op_id, CommandRow.command_id == cid
                    )
                ).first()
                if row is not None:
                    answers[(op_id, cid)] = dict(json.loads(row[0]))
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return head, bodies, answers

    def commit(
        self, events: Sequence[tuple[int, str, str]], commands: Sequence[CommandRecord] = ()
    ) -> None:
        """Insert, move the head to the last event's seq, notify, commit and unlock."""
        conn, self._conn = self._conn, None
        assert conn is not None, "commit without begin"
        try:
            _insert_events(conn, events, commands)
            if events:
                last = events[-1][0]
                conn.execute(update(SeqHeadRow).where(SeqHeadRow.id == 1).values(head=last))
                conn.execute(
                    text("SELECT pg_notify(:channel, :head)"),
                    {"channel": NOTIFY_CHANNEL, "head": str(last)},
                )
            conn.commit()
        finally:
            conn.close()

    def rollback(self) -> None:
        """Give up an open transaction (nothing was decided on it)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


def shared_head(engine: Engine) -> int:
    """The head of a shared log (the seq_head row; committed events only)."""
    with engine.connect() as conn:
        return int(conn.execute(select(SeqHeadRow.head).where(SeqHeadRow.id == 1)).scalar_one())
