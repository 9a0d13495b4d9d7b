"""Sans-I/O client side of the protocol: handshake, seq tracking, resume, commands and results.

``ClientSession`` takes decoded messages in and gives back what happened (session events)
plus messages to send. It owns no socket, no clock and no Qt, so it is tested by feeding it
messages. The asyncio transport in ``console.services.client`` drives it.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from console.protocol.codec import ProtocolError, validate_args
from console.protocol.schema import PROTOCOL_LATEST, PROTOCOL_VERSION

Message = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Welcomed:
    """The server accepted the hello."""

    operator_id: str
    operator_name: str
    role: str
    head_seq: int
    token: str | None = None  # [ext] issued when the hello signed in by name and password
    token_expires: str | None = None


@dataclass(frozen=True, slots=True)
class SnapshotReceived:
    """A full state snapshot at ``seq`` (events after it follow)."""

    seq: int
    state: dict[str, Any]


@dataclass(frozen=True, slots=True)
class EventsReceived:
    """New events, in seq order, none already applied."""

    events: list[Message]


@dataclass(frozen=True, slots=True)
class PositionsReceived:
    """[ext] Protocol 2: the newest fixes of units that moved (``unit.position`` events with
    their seq; not every fix, and not in seq order with the other events)."""

    events: list[Message]


@dataclass(frozen=True, slots=True)
class GapDetected:
    """An event arrived out of order: the transport must reconnect with ``resume_from``."""

    expected: int
    got: int


@dataclass(frozen=True, slots=True)
class CommandAnswered:
    """The server answered a command."""

    command_id: str
    name: str
    args: dict[str, Any]
    ok: bool
    seq: int | None
    code: str | None
    message: str | None
    data: dict[str, Any] | None = None  # [ext] a query's answer (alert.history)


@dataclass(frozen=True, slots=True)
class ServerError:
    """The server sent a connection-level error (``unauthorized``, ``bad_message``, ...)."""

    code: str
    message: str


SessionEvent = (
    Welcomed
    | SnapshotReceived
    | EventsReceived
    | PositionsReceived
    | GapDetected
    | CommandAnswered
    | ServerError
)


@dataclass(slots=True)
class PendingCommand:
    """A command sent (or waiting to be sent) and not yet answered."""

    id: str
    name: str
    args: dict[str, Any]
    message: Message = field(repr=False)


class ClientSession:
    """Protocol state of one console across connections.

    Args:
        client_name: sent in the hello as ``client``.
        new_id: makes command ids (injected so tests are deterministic).
    """

    def __init__(
        self,
        client_name: str = "dispatch-console/0.1",
        new_id: Callable[[], str] | None = None,
    ) -> None:
        self.client_name = client_name
        #: The protocol asked for in the hello: 2, or 1 after a backend that speaks only 1
        #: refused it (``unsupported_protocol``); ``protocol`` is what the welcome agreed.
        self.wanted_protocol = PROTOCOL_LATEST
        self.protocol = PROTOCOL_VERSION
        self.last_seq: int | None = None
        self.head_seq: int | None = None
        self.welcomed = False
        self.pending: OrderedDict[str, PendingCommand] = OrderedDict()
        self._new_id = new_id or (lambda: uuid.uuid4().hex)

    def hello(self, token: str | None, login: tuple[str, str] | None = None) -> Message:
        """Start a connection: reset per-connection state, return the hello to send.

        Args:
            token: the operator's token.
            login: [ext] ``(name, password)`` to sign in with instead; the welcome then
                carries a new token.
        """
        self.welcomed = False
        msg: Message = {
            "type": "hello",
            "protocol": self.wanted_protocol,
            "token": None if login else token,
            "client": self.client_name,
            "resume_from": self.last_seq,
        }
        if login is not None:
            msg["login"] = {"name": login[0], "password": login[1]}
        return msg

    def restore(self, cid: str, name: str, args: dict[str, Any]) -> PendingCommand:
        """Re-queue a command kept from an earlier run (an outbox), with its original id."""
        msg = {"type": "command", "id": cid, "name": name, "args": args}
        cmd = PendingCommand(cid, name, args, msg)
        self.pending[cid] = cmd
        return cmd

    def command(self, name: str, args: dict[str, Any]) -> PendingCommand:
        """Queue a command; raises ProtocolError(``invalid``) for bad arguments.

        The command stays pending (and is re-sent by :meth:`unsent_after_reconnect`) until the
        server answers it; its id makes the re-send idempotent.
        """
        validate_args(name, args)
        cid = self._new_id()
        msg = {"type": "command", "id": cid, "name": name, "args": args}
        cmd = PendingCommand(cid, name, args, msg)
        self.pending[cid] = cmd
        return cmd

    def unsent_after_reconnect(self) -> list[Message]:
        """Commands to (re-)send after a welcome: every one not yet answered, in order."""
        return [c.message for c in self.pending.values()]

    def receive(self, msg: Message) -> list[SessionEvent]:
        """Take one validated inbound message; return what happened."""
        kind = msg["type"]
        if kind == "welcome":
            self.welcomed = True
            self.protocol = int(msg["protocol"])
            self.head_seq = msg["head_seq"]
            op = msg["operator"]
            token = msg.get("token")
            expires = msg.get("token_expires")
            return [
                Welcomed(
                    op["id"],
                    op["name"],
                    op["role"],
                    msg["head_seq"],
                    token if isinstance(token, str) else None,
                    expires if isinstance(expires, str) else None,
                )
            ]
        if kind == "error":
            if msg["code"] == "unsupported_protocol" and self.wanted_protocol != PROTOCOL_VERSION:
                self.wanted_protocol = PROTOCOL_VERSION  # an older backend: speak 1 next time
            return [ServerError(msg["code"], msg["message"])]
        if not self.welcomed:
            raise ProtocolError("bad_message", f"{kind!r} before welcome")
        if kind == "snapshot":
            self.last_seq = msg["seq"]
            self._bump_head(msg["seq"])
            return [SnapshotReceived(msg["seq"], msg["state"])]
        if kind == "result":
            return self._result(msg)
        if kind == "positions":
            return [PositionsReceived(msg["events"])]
        if kind == "batch" and "from" in msg:
            return self._framed(msg)
        events = msg["events"] if kind == "batch" else [msg]
        return self._events(events)

    def _framed(self, msg: Message) -> list[SessionEvent]:
        # Protocol 2: seqs skip the fixes; ``from`` says where this batch takes over.
        if self.last_seq is not None and msg["from"] > self.last_seq + 1:
            return [GapDetected(self.last_seq + 1, msg["from"])]
        last = -1 if self.last_seq is None else self.last_seq
        fresh = [e for e in msg["events"] if e["seq"] > last]
        self.last_seq = max(last, msg.get("upto", msg["events"][-1]["seq"]))
        self._bump_head(self.last_seq)
        return [EventsReceived(fresh)] if fresh else []

    def _bump_head(self, seq: int) -> None:
        if self.head_seq is None or seq > self.head_seq:
            self.head_seq = seq

    def _events(self, events: list[Message]) -> list[SessionEvent]:
        fresh: list[Message] = []
        for event in events:
            seq = event["seq"]
            if self.last_seq is not None and seq <= self.last_seq:
                continue  # already applied (a resume may overlap)
            expected = 1 if self.last_seq is None else self.last_seq + 1
            if self.last_seq is not None and seq != expected:
                out: list[SessionEvent] = [EventsReceived(fresh)] if fresh else []
                return [*out, GapDetected(expected, seq)]
            fresh.append(event)
            self.last_seq = seq
            self._bump_head(seq)
        return [EventsReceived(fresh)] if fresh else []

    def _result(self, msg: Message) -> list[SessionEvent]:
        cmd = self.pending.pop(msg["id"], None)
        if cmd is None:
            return []  # an answer to a re-send we already had: idempotent, nothing to do
        err = msg.get("error") or {}
        return [
            CommandAnswered(
                cmd.id,
                cmd.name,
                cmd.args,
                bool(msg["ok"]),
                msg.get("seq"),
                err.get("code"),
                err.get("message"),
                msg.get("data") if isinstance(msg.get("data"), dict) else None,
            )
        ]
