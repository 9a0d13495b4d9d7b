"""Live-feed sources (``shared/integration.md`` §2): each feed is a named source with a key.

The key is shown once, when the source is added, and kept only as a salted hash; revoking a
source makes its key fail at once (every check reads the table). Each source also keeps what a
commander's sources view shows: when it last sent, how many messages were accepted and refused,
and the last refusal.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Boolean, Engine, Float, Integer, String, Text, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from backend_stub.db import Base, token_hash

SOURCE_KINDS = ("osmand", "cot", "jt808", "rdio", "cap", "alerts", "sightings")
_NAME = re.compile(r"^[\w.\-]{1,120}$")


class SourceRow(Base):
    """A live-feed source; its key is kept as a salted hash."""

    __tablename__ = "sources"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    salt: Mapped[str] = mapped_column(String(64))
    key_hash: Mapped[str] = mapped_column(String(128))
    created: Mapped[float] = mapped_column(Float)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)
    last_seen: Mapped[float | None] = mapped_column(Float, nullable=True, default=None)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    refused: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True, default=None)


@dataclass(frozen=True, slots=True)
class Source:
    """A source as ``source list`` and the sources view show it (never its key)."""

    name: str
    kind: str
    created: float
    revoked: bool
    last_seen: float | None
    accepted: int
    refused: int
    last_error: str | None


def add_source(engine: Engine, name: str, kind: str) -> str:
    """Create a source; returns its key (shown once: only a salted hash is kept).

    Raises:
        ValueError: a bad name or kind, or a source of that name exists.
    """
    if kind not in SOURCE_KINDS:
        raise ValueError(f"unknown kind {kind!r}; choose one of {', '.join(SOURCE_KINDS)}")
    if not _NAME.match(name):
        raise ValueError("a source name has 1 to 120 letters, digits, '.', '_' or '-'")
    ident = "src-" + uuid.uuid4().hex[:12]
    secret = secrets.token_urlsafe(32)
    salt = secrets.token_hex(16)
    with engine.begin() as conn:
        if conn.execute(select(SourceRow.id).where(SourceRow.name == name)).first() is not None:
            raise ValueError(f"source {name!r} exists (revoke it and add it under a new name)")
        conn.execute(
            insert(SourceRow).values(
                id=ident,
                name=name,
                kind=kind,
                salt=salt,
                key_hash=token_hash(salt, secret),
                created=time.time(),
                revoked=False,
                accepted=0,
                refused=0,
            )
        )
    return f"{ident}.{secret}"


def revoke_source(engine: Engine, name: str) -> None:
    """Revoke a source: its key stops working at once.

    Raises:
        ValueError: no source of that name.
    """
    with engine.begin() as conn:
        done = conn.execute(
            update(SourceRow).where(SourceRow.name == name).values(revoked=True)
        ).rowcount
    if not done:
        raise ValueError(f"no source named {name!r}")


def list_sources(engine: Engine) -> list[Source]:
    """Every source, revoked ones too, by name."""
    with engine.connect() as conn:
        rows = conn.execute(select(SourceRow).order_by(SourceRow.name)).all()
    return [
        Source(
            r.name, r.kind, r.created, r.revoked, r.last_seen, r.accepted, r.refused, r.last_error
        )
        for r in rows
    ]


def authenticate_source(engine: Engine, key: str | None, kind: str) -> str | None:
    """The name of the live source of ``kind`` whose key this is, or None."""
    if not key or "." not in key or len(key) > 400:
        return None
    ident, secret = key.split(".", 1)
    with engine.connect() as conn:
        row = conn.execute(select(SourceRow).where(SourceRow.id == ident)).first()
    if row is None or row.revoked or row.kind != kind:
        return None
    if not hmac.compare_digest(row.key_hash, token_hash(row.salt, secret)):
        return None
    return str(row.name)


class Counts(Protocol):
    """What a feed did since the last flush (``backend_stub.ingest.core.FeedCounts``)."""

    accepted: int
    refused: int
    last_error: str
    last_seen: float


def add_counts(engine: Engine, counts: Mapping[str, Counts]) -> None:
    """Add the feeds' counts to their sources: a feed is a source's name, or a door's kind
    (``jt808``, ``cot``, ``osmand``: devices have no keys), which counts for every active
    source of that kind."""
    with engine.begin() as conn:
        for feed, c in counts.items():
            values: dict[str, object] = {
                "last_seen": c.last_seen,
                "accepted": SourceRow.accepted + c.accepted,
                "refused": SourceRow.refused + c.refused,
            }
            if c.last_error:
                values["last_error"] = c.last_error[:1000]
            target = (SourceRow.name == feed) | (
                (SourceRow.kind == feed) & SourceRow.revoked.is_(False)
            )
            conn.execute(update(SourceRow).where(target).values(**values))
