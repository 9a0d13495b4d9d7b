"""Short-lived signed tokens for the gateway's stream URLs, bound to operator and camera stream.

A token is ``{expires}.{issued}.{operator}.{signature}``: an HMAC-SHA256 (over operator,
camera, stream, issue and expiry time) under a secret of this backend process, so it opens
only the one camera stream it was issued for, only until it expires, and never after its
operator's tokens were revoked. The gateway checks it when a viewer connects; a stream
already playing goes on until the operator is revoked (then it is cut).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable

#: Seconds a stream token is valid; consoles renew well before (``camera.stream_urls``).
DEFAULT_TTL_S = 600.0


class TokenError(Exception):
    """A token that opens nothing; the message says why (for the 401's body)."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class StreamTokens:
    """Issues and checks stream tokens.

    Args:
        secret: The signing key (default: a random one of this process).
        ttl_s: Seconds a token is valid.
        clock: Epoch seconds.
    """

    def __init__(
        self,
        secret: bytes | None = None,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret or secrets.token_bytes(32)
        self.ttl_s = ttl_s
        self.clock = clock
        self._revoked_before: dict[str, float] = {}

    def _sign(self, operator: str, camera: str, stream: str, issued: int, expires: int) -> str:
        msg = f"{operator}\n{camera}\n{stream}\n{issued}\n{expires}".encode()
        return _b64(hmac.new(self._secret, msg, hashlib.sha256).digest()[:24])

    def issue(self, operator: str, camera: str, stream: str) -> tuple[str, float]:
        """A token for ``operator`` to watch ``camera``'s ``stream``; returns it and its expiry."""
        issued = int(self.clock())
        expires = int(issued + self.ttl_s)
        sig = self._sign(operator, camera, stream, issued, expires)
        return f"{expires}.{issued}.{_b64(operator.encode())}.{sig}", float(expires)

    def check(self, token: str | None, camera: str, stream: str) -> str:
        """The operator a valid token was issued to.

        Raises:
            TokenError: No token, a malformed or forged one, one for another camera stream,
                an expired one, or one of a revoked operator.
        """
        if not token:
            raise TokenError("a stream URL needs its token (camera.stream_urls)")
        try:
            exp_text, issued_text, op_text, sig = token.split(".")
            expires, issued = int(exp_text), int(issued_text)
            operator = _unb64(op_text).decode()
        except (ValueError, UnicodeDecodeError):
            raise TokenError("the token is malformed") from None
        if not hmac.compare_digest(sig, self._sign(operator, camera, stream, issued, expires)):
            raise TokenError("the token is not valid for this camera stream")
        if self.clock() >= expires:
            raise TokenError("the token has expired: ask for new stream URLs")
        if issued <= self._revoked_before.get(operator, -1.0):
            raise TokenError("the operator's tokens were revoked")
        return operator

    def revoke(self, operator: str, before: float | None = None) -> None:
        """Tokens of ``operator`` issued up to ``before`` (default: now) stop working."""
        when = self.clock() if before is None else before
        self._revoked_before[operator] = max(when, self._revoked_before.get(operator, when))
