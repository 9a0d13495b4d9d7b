"""Protocol 2 positions: each fix encoded once for every client, also for the clients behind.

A client that keeps up gets each group of fixes as the frames the backend encoded once for all
such clients. A client that falls behind gets the newest fix of each unit instead (latest wins),
and from shared frames too: the units are kept in pages of ``PAGE_UNITS``, each page holding
the newest fix of each of its units and, once asked for, that as one encoded frame (encoded
again only after the page changed, whichever client asks). A client behind holds only the
numbers of the pages that changed since it was last sent them, the page waiting longest first;
its sender sends each one's current frame. So what a client behind costs does not grow with
how far behind it is or with how many others are behind, the fixes it gets are the newest when
they are sent, and its answers wait behind one small page, not behind a backlog.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterable
from typing import Any

#: Units in a page: a console applying 3,000 events a second takes 33 ms over one.
PAGE_UNITS = 100
#: Fixes in one frame to the clients that keep up (the demo simulator's tick at 10,000 units).
FRAME_EVENTS = 1000
#: Bytes the kernel may hold unsent for a client: what it has not read waits in the backend
#: (answers first, fixes latest-wins), not in megabytes of socket buffer ahead of its answers.
#: Bytes in flight (within the client's receive window) are not limited by this.
UNSENT_BYTES = 32 << 10


def positions_frame(bodies: Iterable[str]) -> str:
    """One ``positions`` frame of encoded ``unit.position`` events."""
    return '{"type":"positions","events":[' + ",".join(bodies) + "]}"


def positions_frames(bodies: list[str]) -> list[str]:
    """``bodies`` as frames of at most ``FRAME_EVENTS`` fixes."""
    return [
        positions_frame(bodies[i : i + FRAME_EVENTS]) for i in range(0, len(bodies), FRAME_EVENTS)
    ]


class PositionPages:
    """The newest fix of every unit, in pages of ``page_units`` units, each encoded on demand.

    Args:
        page_units: units per page (a unit keeps the page it first moved in).
    """

    def __init__(self, page_units: int = PAGE_UNITS) -> None:
        self.page_units = page_units
        self._page_of: dict[str, int] = {}
        self._fixes: list[dict[str, str]] = []
        self._frames: list[str | None] = []
        self.encoded = 0  # page frames encoded so far (each shared by every client sent it)

    def update(self, fixes: dict[str, str]) -> dict[int, None]:
        """Keep ``fixes`` (unit id -> encoded fix, the newest) and return the pages they touch,
        in order (a dict used as an ordered set, ready for ``dict.update``)."""
        touched: dict[int, None] = {}
        page_of, pages = self._page_of, self._fixes
        for unit, body in fixes.items():
            page = page_of.get(unit)
            if page is None:
                page = self._place(unit)
            pages[page][unit] = body
            touched[page] = None
        frames = self._frames
        for page in touched:
            frames[page] = None
        return touched

    def frame(self, page: int) -> str:
        """The page's newest fixes as one ``positions`` frame (the same string until it changes)."""
        frame = self._frames[page]
        if frame is None:
            frame = self._frames[page] = positions_frame(self._fixes[page].values())
            self.encoded += 1
        return frame

    def _place(self, unit: str) -> int:
        if not self._fixes or len(self._fixes[-1]) >= self.page_units:
            self._fixes.append({})
            self._frames.append(None)
        page = len(self._fixes) - 1
        self._page_of[unit] = page
        return page


def limit_unsent(transport: Any) -> None:
    """Let the kernel hold at most ``UNSENT_BYTES`` not yet sent on this connection (where the
    platform has ``TCP_NOTSENT_LOWAT``).

    Without it, a client that does not read has megabytes queued in the kernel (on loopback
    the send buffer grows to 4 MiB) ahead of its next answer, and the backend, seeing its own
    write buffer empty, takes it for a client that keeps up. A client that reads costs nothing
    more: what it reads at once is sent at once, never counted as unsent.
    """
    sock = transport.get_extra_info("socket") if transport is not None else None
    option = getattr(socket, "TCP_NOTSENT_LOWAT", None)
    if sock is None or option is None:
        return
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, option, UNSENT_BYTES)
