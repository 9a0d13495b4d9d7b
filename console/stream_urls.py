"""The media gateway's stream URLs with their tokens, as this console last got them.

A camera's ``streams`` on the wire are the backend's gateway URLs without a token; the
gateway answers them only with a short-lived ``token`` that ``camera.stream_urls`` gives
(bound to this operator and to the camera stream). :class:`StreamUrls` keeps the answer and
says when to ask again: at half the tokens' lifetime, so a tile that reconnects always has a
valid one. A playing stream needs no renewal (the gateway checks a token when a viewer
connects), and a URL the console has no token for is played as it is (a camera that is not
on a gateway, or one whose token has not come yet: the tile's retry then finds it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

#: Ask again this often when an answer carried no lifetime or could not be had.
RETRY_S = 10.0


class StreamUrls:
    """Signed URLs by their plain URL, and when to renew them.

    Args:
        clock: Monotonic seconds.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._signed: dict[str, str] = {}
        self._renew_at = 0.0

    def apply(self, data: dict[str, Any]) -> int:
        """Take a ``camera.stream_urls`` answer; returns the number of URLs it carried."""
        n = 0
        for streams in (data.get("streams") or {}).values():
            for url in streams.values():
                if isinstance(url, str) and "?" in url:
                    self._signed[url.split("?", 1)[0]] = url
                    n += 1
        ttl = data.get("ttl_s")
        life = float(ttl) / 2 if isinstance(ttl, int | float) and ttl > 0 else RETRY_S
        self._renew_at = self._clock() + life
        return n

    def failed(self) -> None:
        """Asking did not work (no link, an old backend): ask again in a while."""
        self._renew_at = self._clock() + RETRY_S

    def expire(self) -> None:
        """Ask again at the next chance (a new link: perhaps a restarted backend)."""
        self._renew_at = 0.0

    def due(self) -> bool:
        """Whether it is time to ask for fresh URLs."""
        return self._clock() >= self._renew_at

    def sign(self, url: str) -> str:
        """The URL to play for a camera stream's plain ``url`` (signed when a token is known)."""
        return self._signed.get(url, url)
