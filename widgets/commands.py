"""Sending commands, and telling the operator how they went, where they asked.

Every panel asks for commands with a ``sig_command_requested(name, args, done_text)`` signal;
the composition root attaches each to the :class:`CommandRunner` with the panel as the place
its answers go (``reply_to``: anything with ``show_message(text, *, error)``). Commands the
window itself asks for (menus, the toolbar) answer in the window's status area. (The texts
keep the translation context "MainWindow", where they were first written.)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, SignalInstance

from console.protocol.codec import ProtocolError
from console.protocol.session import CommandAnswered

SendCommand = Callable[[str, dict[str, Any]], "asyncio.Future[CommandAnswered]"]
"""Sends a command and gives the future of its answer."""


class MessageSink(Protocol):
    """Where an answer is shown: a panel's banner, or the window's status area."""

    def show_message(self, text: str, *, error: bool) -> None:
        """Show ``text`` for a few seconds (in red when ``error``)."""


class CommandRunner(QObject):
    """Sends commands through one callable and shows each answer to whoever asked.

    Args:
        send: Sends a command (the backend client's, or one that refuses everything).
        names: Operator ids in a refusal → names ("by wang").
        status: Where answers go when the asker has nowhere to show them.
    """

    def __init__(
        self,
        send: SendCommand,
        names: Callable[[str], str],
        status: MessageSink,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.send = send
        self._names = names
        self._status = status

    def attach(self, signal: SignalInstance, reply_to: MessageSink | None = None) -> None:
        """Send what ``signal(name, args, done_text)`` asks for; answers go to ``reply_to``."""
        signal.connect(lambda name, args, done: self.run(name, args, done, reply_to))

    def run(
        self,
        name: str,
        args: dict[str, Any],
        done_text: str,
        reply_to: MessageSink | None = None,
    ) -> None:
        """Send a command; show ``done_text`` when it succeeds, the refusal plainly if not."""
        try:
            future = self.send(name, args)
        except ProtocolError as exc:
            self._sink(reply_to).show_message(exc.message, error=True)
            return
        future.add_done_callback(lambda f: self._on_answered(f, done_text, reply_to))

    def _sink(self, reply_to: MessageSink | None) -> MessageSink:
        # A panel closed while its command was on the way: the status area says it instead.
        if reply_to is None or (isinstance(reply_to, QObject) and not shiboken6.isValid(reply_to)):
            return self._status
        return reply_to

    def _on_answered(
        self, future: asyncio.Future[CommandAnswered], done: str, reply_to: MessageSink | None
    ) -> None:
        if future.cancelled():
            return
        answer = future.result()
        sink = self._sink(reply_to)
        if answer.ok:
            if done:
                sink.show_message(done, error=False)
            return
        message = self._names(answer.message or "")  # "by wang"
        if answer.code == "conflict":
            text = QCoreApplication.translate(
                "MainWindow",
                "Not done — someone else changed this alert first: %1 "
                "The row now shows its current state.",
            ).replace("%1", message)
        else:
            text = (
                QCoreApplication.translate("MainWindow", "Not done (%1): %2")
                .replace("%1", answer.code or "")
                .replace("%2", message)
            )
        sink.show_message(text, error=True)
