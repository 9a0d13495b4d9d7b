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

Behind means: its sender was still busy when the next group came, or more than
``KEEPS_UP_UNSENT`` bytes written to it are still unsent (the transport's buffer plus the
kernel's, which on loopback grows to megabytes for a client that does not read). Such a client
also gets ``TCP_NOTSENT_LOWAT``, so that what it has not read waits in the backend, where
answers overtake it and fixes are replaced by newer ones, until it keeps up again.
"""

from __future__ import annotations

import contextlib
import socket
import sys
from collections.abc import Iterable
from typing import Any

if sys.platform != "win32":
    import fcntl

#: Units in a page: a console applying 3,000 events a second takes 33 ms over one.
PAGE_UNITS = 100
#: Fixes in one frame to the clients that keep up (the demo simulator's tick at 10,000 units).
FRAME_EVENTS = 1000
#: Bytes the kernel may hold unsent for a client that does not read: what it has not read
#: waits in the backend (answers first, fixes latest-wins), not in megabytes of socket buffer
#: ahead of its answers. Bytes in flight (within its receive window) are not limited by this.
UNSENT_BYTES = 32 << 10
#: A client with this much written to it still unsent is behind (it gets pages, not the
#: frames of each commit): a commit's frame (about 240 KB at 1,000 fixes) is taken at once by
#: a client that reads.
KEEPS_UP_UNSENT = 64 << 10
#: Linux's ioctl for the bytes in a TCP socket's send queue not yet sent (linux/sockios.h).
SIOCOUTQNSD = 0x894B


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


def unsent(transport: Any) -> int:
    """Bytes written to this connection that its client has not taken yet: in the transport's
    buffer and, on Linux, in the kernel's not yet sent (``SIOCOUTQNSD``)."""
    waiting = int(transport.get_write_buffer_size())
    sock = transport.get_extra_info("socket")
    if sock is not None and sys.platform == "linux":
        with contextlib.suppress(OSError, ValueError):
            raw = fcntl.ioctl(sock.fileno(), SIOCOUTQNSD, b"\0\0\0\0")
            waiting += int.from_bytes(raw, sys.byteorder)
    return waiting


def limit_unsent(transport: Any, limit: bool) -> None:
    """Let the kernel hold at most ``UNSENT_BYTES`` not yet sent on this connection (``limit``)
    or what the system allows (where the platform has ``TCP_NOTSENT_LOWAT``).

    Only for a client that does not read what it is sent: on one that keeps up, the limit would
    cost the backend an event-loop turn per ``UNSENT_BYTES`` it sends.
    """
    sock = transport.get_extra_info("socket")
    option = getattr(socket, "TCP_NOTSENT_LOWAT", None)
    if sock is None or option is None:
        return
    with contextlib.suppress(OSError):
        # 0: the system's default (net.ipv4.tcp_notsent_lowat, unlimited unless set).
        sock.setsockopt(socket.IPPROTO_TCP, option, UNSENT_BYTES if limit else 0)
