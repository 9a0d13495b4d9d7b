"""Where a console fetches an alert's snapshot: from the backend, with a camera's stream token.

The snapshot itself sits on the camera platform (the alert's ``snapshot_url``), which the
console may not reach; the backend hands it on at ``GET /snapshots/{alert_id}?token=T`` on its
HTTP port to whoever holds a stream token of the alert's camera (the same access rule as the
camera's video, ``backend_stub/ingest/doors/snapshots.py``). The token comes from the signed
stream URLs this console already keeps (:class:`console.stream_urls.StreamUrls`). A camera
that is not on a gateway (no token known) is asked at its own ``snapshot_url``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from urllib.parse import parse_qs, quote, urlsplit

from console.domain.model import Alert, Camera


def snapshot_request_url(
    alert: Alert, cameras: Mapping[str, Camera], sign: Callable[[str], str]
) -> str | None:
    """The URL to fetch ``alert``'s snapshot from, or None when it has none.

    Args:
        alert: The alert (its ``snapshot_url`` and the camera of its newest sighting).
        cameras: The Store's cameras (their gateway stream URLs).
        sign: A plain stream URL → the same URL with its token (``StreamUrls.sign``).
    """
    if not alert.snapshot_url:
        return None
    camera_id = alert.sighting_camera or (alert.camera_ids[0] if alert.camera_ids else None)
    camera = cameras.get(camera_id) if camera_id else None
    streams = dict(camera.streams) if camera is not None else {}
    gateway = [streams[n] for n in ("sub", "main") if "/media/" in streams.get(n, "")]
    if not gateway:
        return alert.snapshot_url  # a camera on no gateway: its platform's URL as it is
    token = ""
    for plain in gateway:
        found = parse_qs(urlsplit(sign(plain)).query).get("token")
        if found:
            token = found[0]
            break
    # Without a token yet (the console just connected) the backend refuses, and the view
    # asks again shortly with the token then at hand.
    base = gateway[0].split("/media/", 1)[0]
    # The snapshot's own URL in the query: a newer sighting's picture is a new address
    # (nothing cached is shown for it), the same picture is the same one.
    version = hashlib.sha256(alert.snapshot_url.encode()).hexdigest()[:12]
    return f"{base}/snapshots/{quote(alert.id, safe='')}?token={token}&s={version}"
