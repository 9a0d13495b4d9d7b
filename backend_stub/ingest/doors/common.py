"""What the keyed HTTP doors share: keys, bounded bodies, answers, and alerts from outside.

* :func:`bearer_key` and :func:`authenticate` — a source's key (``Authorization: Bearer KEY``)
  checked against the sources table off the event loop, on every request (a revoked key fails
  at once).
* :func:`read_body` — a request body of at most ``limit`` bytes (413 beyond).
* :class:`ExternalRefs` — the idempotency keys of alerts from other systems
  (``cap:<sender>:<identifier>``, ``alerts:<source>:<ref>``). They live on the alerts
  themselves (``external_ref``, ``external_refs``), so the lookup is rebuilt from the
  committed state after a restart and kept current from the commits.
* :func:`new_alert` and :func:`stamp` — alert wire objects as ``state._create`` shapes them,
  and history entries by no operator (``ingest.core.checked`` takes the last look at every
  event against the protocol's schema before it is appended).
"""

from __future__ import annotations

import asyncio
import copy
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from backend_stub import sources
from backend_stub.alert_body import alert_body
from backend_stub.state import Refused

if TYPE_CHECKING:
    from backend_stub.ingest.core import Ingest
    from backend_stub.server import Backend
    from backend_stub.state import DistrictState

log = logging.getLogger("backend.ingest.doors")

Wire = dict[str, Any]

#: The largest JSON or CAP document the alert doors take.
MAX_DOCUMENT_BYTES = 1 << 20
#: How many message keys an alert remembers (the first, and the newest after it).
MAX_REFS = 200
TITLE_MAX = 200
TEXT_MAX = 4000
#: Times before this (2000-01-01) are not times a feed means.
EARLIEST_S = 946_684_800.0


class TooLarge(Exception):
    """A request body over the door's limit."""


def bearer_key(request: web.Request) -> str | None:
    """The key of ``Authorization: Bearer KEY``, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    return key.strip()


async def authenticate(backend: Backend, key: str | None, kind: str) -> str | None:
    """The name of the live source of ``kind`` whose key this is (read off the event loop)."""
    if not key:
        return None
    loop = asyncio.get_running_loop()
    try:
        return await loop.run_in_executor(
            None, sources.authenticate_source, backend.engine, key, kind
        )
    except Exception:  # the database is away: no key is valid meanwhile
        return None


async def read_body(request: web.Request, limit: int) -> bytes:
    """The whole body, refusing more than ``limit`` bytes (announced or sent).

    Raises:
        TooLarge: the body is larger than ``limit``.
    """
    if request.content_length is not None and request.content_length > limit:
        raise TooLarge()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 << 10):
        size += len(chunk)
        if size > limit:
            raise TooLarge()
        chunks.append(chunk)
    return b"".join(chunks)


def json_answer(status: int, body: Wire) -> web.Response:
    """A JSON answer (UTF-8, characters kept as they are)."""
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def refusal(status: int, reason: str) -> web.Response:
    """``{"error": reason}`` with ``status``."""
    response = json_answer(status, {"error": reason})
    if status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


REF_MAX = 128


def ref_of(body: Wire) -> str:
    """The ``ref`` of a JSON message (idempotent per source), checked.

    Raises:
        ValueError: not a non-empty string (or number) of at most :data:`REF_MAX` characters.
    """
    ref = body["ref"]
    if isinstance(ref, bool) or not isinstance(ref, str | int) or not str(ref).strip():
        raise ValueError("ref must be a non-empty string")
    text = str(ref).strip()
    if len(text) > REF_MAX:
        raise ValueError(f"ref is longer than {REF_MAX} characters")
    return text


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (an ellipsis marks the cut)."""
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ExternalRefs:
    """Message key → alert id, for every alert that came from another system.

    Built lazily from ``backend.state.alerts`` (so it survives a restart: the keys are on the
    alerts), then kept current from every commit. Read it only against the committed state:
    inside a decider run by the writer (``Backend.append_derived``).
    """

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._index: dict[str, str] | None = None
        backend.on_commit(self._on_commit)

    def _build(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for alert in self.backend.state.alerts.values():
            for ref in refs_of(alert):
                index.setdefault(ref, alert["id"])
        return index

    def _on_commit(self, events: list[Wire]) -> None:
        if self._index is None:
            return  # built from the state on first use
        for event in events:
            if event["type"] in ("alert.new", "alert.updated"):
                alert = event["alert"]
                for ref in refs_of(alert):
                    self._index.setdefault(ref, alert["id"])

    def get(self, ref: str) -> str | None:
        """The alert a message key names, if any."""
        if self._index is None:
            self._index = self._build()
        return self._index.get(ref)


def refs_of(alert: Wire) -> list[str]:
    """The message keys an alert carries."""
    refs = alert.get("external_refs")
    if isinstance(refs, list):
        return [r for r in refs if isinstance(r, str)]
    ref = alert.get("external_ref")
    return [ref] if isinstance(ref, str) else []


def with_ref(alert: Wire, ref: str) -> Wire:
    """``alert`` (already a copy) remembering one more message key."""
    refs = [r for r in refs_of(alert) if r != ref]
    refs.append(ref)
    if len(refs) > MAX_REFS:
        refs = [refs[0], *refs[-(MAX_REFS - 1) :]]
    alert["external_refs"] = refs
    return alert


def new_alert(
    state: DistrictState,
    ts: str,
    *,
    ref: str,
    kind: str,
    priority: int,
    title: str,
    description: str,
    lat: float,
    lon: float,
    address: str,
    note: str,
    extra: Wire | None = None,
) -> Wire:
    """An ``alert.new`` body (takes the next alert id from ``state``), as ``_create`` shapes it."""
    alert = alert_body(
        state.next_alert_id(),
        ts,
        kind=kind,
        priority=priority,
        title=clip(title, TITLE_MAX),
        description=clip(description, TEXT_MAX),
        lat=round(lat, 7),
        lon=round(lon, 7),
        address=clip(address, TEXT_MAX),
        grid_id=grid_at(state, lat, lon),
        note=clip(note, 4000),
    )
    alert.update(extra or {})
    alert["external_ref"] = ref
    alert["external_refs"] = [ref]
    return {"type": "alert.new", "alert": alert}


def stamp(alert: Wire, ts: str, action: str, note: str) -> Wire:
    """A copy of ``alert`` one version on, with a history entry by no operator."""
    new = copy.deepcopy(alert)
    new["version"] = alert["version"] + 1
    new["history"].append(
        {"ts": ts, "operator": None, "action": action, "note": clip(note, TEXT_MAX)}
    )
    return new


_GRIDS: dict[str, tuple[Wire, Any]] = {}


def grid_at(state: DistrictState, lat: float, lon: float) -> str | None:
    """The id of the grid layer holding a position, or None."""
    from shapely.geometry import Point, shape

    point = Point(lon, lat)
    for layer in state.layers.values():
        if layer.get("kind") != "grid":
            continue
        cached = _GRIDS.get(layer["id"])
        if cached is None or cached[0] is not layer:
            try:
                geometry = shape(layer["geojson"]["geometry"])
            except Exception:
                continue
            cached = _GRIDS[layer["id"]] = (layer, geometry)
        if cached[1].covers(point):
            return str(layer["id"])
    return None


async def keyed_document(
    request: web.Request, backend: Backend, ingest: Ingest, kind: str, what: str
) -> tuple[str, bytes] | web.Response:
    """The source name and body of a keyed ``POST`` (``Authorization: Bearer KEY`` of a
    source of ``kind``, body at most 1 MiB), or the refusal to answer with (counted)."""
    name = await authenticate(backend, bearer_key(request), kind)
    if name is None:
        ingest.count(kind, error="invalid or missing key")
        return refusal(401, "invalid or missing key (Authorization: Bearer KEY)")
    if not ingest.allow_source(name):
        return refusal(429, "too many messages a second from this source; send it again later")
    try:
        data = await read_body(request, MAX_DOCUMENT_BYTES)
    except TooLarge:
        ingest.count(name, error="body over 1 MiB")
        return refusal(413, f"{what} is at most 1 MiB")
    except Exception as exc:
        ingest.count(name, error="the body could not be read")
        return refusal(400, f"the body could not be read: {exc}")
    return name, data


async def decide_alert(
    backend: Backend,
    ingest: Ingest,
    name: str,
    build: Callable[[DistrictState, str], list[Wire]],
    alert_id: Callable[[], str],
    what: str,
) -> web.Response:
    """Append what ``build`` decides against the committed state; 201 with the alert id, 400
    for a refusal, 503 when the event log cannot take it (counted either way)."""
    try:
        await backend.append_derived(build)
    except Refused as exc:
        ingest.count(name, error=exc.message[:500])
        return refusal(400, exc.message)
    except Exception:
        log.exception("%s from %s not taken", what, name)
        return refusal(503, "the alert could not be stored; try again")
    ingest.count(name)
    return json_answer(201, {"alert_id": alert_id()})
