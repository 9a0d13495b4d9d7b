"""Stream tokens (backend) and signed stream URLs (console), with an injected clock."""

from __future__ import annotations

import pytest

from backend_stub.media.tokens import StreamTokens, TokenError
from console.stream_urls import StreamUrls


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_token_opens_its_camera_stream_only_until_it_expires() -> None:
    clock = Clock()
    tokens = StreamTokens(b"k" * 32, ttl_s=600, clock=clock)
    token, expires = tokens.issue("op-1", "C1", "main")
    assert expires == clock.now + 600
    assert tokens.check(token, "C1", "main") == "op-1"
    for camera, stream in (("C1", "sub"), ("C2", "main")):
        with pytest.raises(TokenError, match="not valid"):
            tokens.check(token, camera, stream)
    with pytest.raises(TokenError, match="not valid"):
        StreamTokens(b"x" * 32, clock=clock).check(token, "C1", "main")  # another backend
    forged = token.replace(token.split(".")[2], "b3AtMg")  # another operator's name
    with pytest.raises(TokenError):
        tokens.check(forged, "C1", "main")
    for bad in (None, "", "a.b", "1.2.3.4"):
        with pytest.raises(TokenError):
            tokens.check(bad, "C1", "main")
    clock.now += 600
    with pytest.raises(TokenError, match="expired"):
        tokens.check(token, "C1", "main")


def test_revoking_an_operator_voids_the_tokens_it_had() -> None:
    clock = Clock()
    tokens = StreamTokens(clock=clock)
    old, _ = tokens.issue("op-1", "C1", "main")
    other, _ = tokens.issue("op-2", "C1", "main")
    tokens.revoke("op-1")
    with pytest.raises(TokenError, match="revoked"):
        tokens.check(old, "C1", "main")
    assert tokens.check(other, "C1", "main") == "op-2"
    clock.now += 5  # signed in again: new tokens work
    assert tokens.check(tokens.issue("op-1", "C1", "main")[0], "C1", "main") == "op-1"


def test_the_console_plays_signed_urls_and_renews_at_half_their_life() -> None:
    clock = Clock(100.0)
    urls = StreamUrls(clock)
    plain = "http://10.1.2.3:8766/media/C1/main"
    assert urls.due() and urls.sign(plain) == plain
    n = urls.apply(
        {"streams": {"C1": {"main": plain + "?token=abc", "sub": plain[:-4] + "sub?token=d"}},
         "expires": "2027-01-01T00:00:00Z", "ttl_s": 600}
    )  # fmt: skip
    assert n == 2 and urls.sign(plain) == plain + "?token=abc"
    assert urls.sign("rtsp://elsewhere/x") == "rtsp://elsewhere/x"
    assert not urls.due()
    clock.now += 299
    assert not urls.due()
    clock.now += 1
    assert urls.due()
    urls.failed()
    assert not urls.due()
    urls.expire()
    assert urls.due()
