"""CAP 1.2 (OASIS Common Alerting Protocol): ``POST /api/cap`` (``docs/integration.md`` §5).

The body is one CAP 1.2 ``<alert>``, sent with ``Authorization: Bearer KEY`` (a source of kind
``cap``). It is parsed with a hardened parser (no DTD, no entities, no network, no huge
trees; any ``DOCTYPE`` is refused) and validated against the OASIS schema shipped in
``resources/cap/CAP-v1.2.xsd``. Then, by ``msgType``:

* ``Alert`` — a new alert: ``info/event`` → title, ``info/description`` → description,
  severity/urgency → priority (Extreme or Immediate → 1, Severe → 2, Moderate → 3, else 4), the
  first ``area`` circle or polygon → ``lat``/``lon`` (its centre), ``areaDesc`` → address.
* ``Update`` — the alert its ``references`` name is updated with the message's info.
* ``Cancel`` — that alert is cancelled (closed, disposition ``cancelled``), or, when units are
  already on it, only noted in its history.

``sender`` + ``identifier`` is idempotent: a message already taken answers with the same alert
id and changes nothing. Answers: 201 ``{"alert_id": ...}``; 400 ``{"error": reason}``; 401; 413
beyond 1 MiB. Only ``status`` Actual and Exercise messages make alerts; Test, System and Draft
are refused (nothing to dispatch).
"""

from __future__ import annotations

import functools
import importlib.resources
import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web
from lxml import etree

from backend_stub.ingest.core import checked
from backend_stub.ingest.doors.common import (
    TITLE_MAX,
    ExternalRefs,
    clip,
    decide_alert,
    keyed_document,
    new_alert,
    refusal,
    stamp,
    with_ref,
)
from backend_stub.ingest.hardened_xml import DtdRefused, XMLSyntaxError, make_parser, parse
from backend_stub.ingest.http import add_door
from backend_stub.state import DistrictState, Refused, _release

if TYPE_CHECKING:
    from backend_stub.ingest.core import Ingest
    from backend_stub.server import Backend

log = logging.getLogger("backend.cap")

Wire = dict[str, Any]
NS = "urn:oasis:names:tc:emergency:cap:1.2"
_Q = "{" + NS + "}"
KIND = "manual"
TAKEN_STATUSES = ("Actual", "Exercise")


class CapError(ValueError):
    """A document that is not a CAP 1.2 alert this door can take (the reason is the text)."""


@dataclass(frozen=True, slots=True)
class CapInfo:
    """What the door takes from a message's ``info`` (the one it reads)."""

    title: str
    description: str
    priority: int
    position: tuple[float, float] | None
    address: str
    severity: str
    urgency: str


@dataclass(frozen=True, slots=True)
class CapMessage:
    """One validated CAP 1.2 alert message."""

    identifier: str
    sender: str
    sent: str
    status: str
    msg_type: str
    references: tuple[tuple[str, str, str], ...]
    note: str
    info: CapInfo | None

    @property
    def key(self) -> str:
        """The idempotency key of the message: ``cap:<sender>:<identifier>``."""
        return cap_key(self.sender, self.identifier)


def cap_key(sender: str, identifier: str) -> str:
    """``cap:<sender>:<identifier>``: how an alert remembers a CAP message."""
    return f"cap:{sender}:{identifier}"


@functools.cache
def schema() -> Any:
    """The OASIS CAP 1.2 schema (``resources/cap/CAP-v1.2.xsd``), loaded once."""
    source = importlib.resources.files("resources") / "cap" / "CAP-v1.2.xsd"
    return etree.XMLSchema(etree.fromstring(source.read_bytes(), make_parser()))


def parse_cap(data: bytes) -> CapMessage:
    """Parse and validate one CAP 1.2 ``<alert>`` document.

    Raises:
        CapError: not XML, a DOCTYPE or entity declaration, invalid against the schema, or a
            message this door cannot use (an Update without references, a bad circle...).
    """
    if not data.strip():
        raise CapError("the body is empty: send a CAP 1.2 <alert>")
    try:
        root = parse(data, make_parser())
    except DtdRefused:
        raise CapError("a DOCTYPE or entity declaration is not allowed in a CAP message") from None
    except XMLSyntaxError as exc:
        raise CapError(f"not well-formed XML: {exc}") from None
    except ValueError as exc:  # e.g. a str with an encoding declaration
        raise CapError(f"not XML: {exc}") from None
    validator = schema()
    if not validator.validate(root):
        error = validator.error_log.last_error
        where = f"line {error.line}: " if error is not None and error.line else ""
        message = error.message if error is not None else "invalid"
        raise CapError(f"not a valid CAP 1.2 alert: {where}{message}")
    msg_type = _text(root, "msgType")
    references = _references(_text(root, "references"))
    if msg_type in ("Update", "Cancel") and not references:
        raise CapError(f"a {msg_type} message needs references (sender,identifier,sent)")
    infos = root.findall(_Q + "info")
    return CapMessage(
        identifier=_text(root, "identifier"),
        sender=_text(root, "sender"),
        sent=_text(root, "sent"),
        status=_text(root, "status"),
        msg_type=msg_type,
        references=references,
        note=_text(root, "note"),
        info=_info(infos) if infos else None,
    )


def _text(element: Any, name: str) -> str:
    child = element.find(_Q + name)
    if child is None or child.text is None:
        return ""
    return str(child.text).strip()


def _references(text: str) -> tuple[tuple[str, str, str], ...]:
    out = []
    for triple in text.split():
        parts = triple.split(",")
        if len(parts) != 3 or not parts[0] or not parts[1]:
            raise CapError(f"references: {triple[:80]!r} is not sender,identifier,sent")
        out.append((parts[0], parts[1], parts[2]))
    return tuple(out)


def priority_of(severity: str, urgency: str) -> int:
    """Extreme or Immediate → 1, Severe → 2, Moderate → 3, anything else → 4."""
    if severity == "Extreme" or urgency == "Immediate":
        return 1
    if severity == "Severe":
        return 2
    if severity == "Moderate":
        return 3
    return 4


def _info(infos: list[Any]) -> CapInfo:
    # One info per language: the Chinese one when there is one, else the first.
    chosen = next((i for i in infos if _text(i, "language").lower().startswith("zh")), infos[0])
    severity, urgency = _text(chosen, "severity"), _text(chosen, "urgency")
    position, address = None, ""
    for info in [chosen, *(i for i in infos if i is not chosen)]:
        for area in info.findall(_Q + "area"):
            if not address:
                address = _text(area, "areaDesc")
            for shape in area:
                if not isinstance(shape.tag, str):
                    continue  # not an element
                tag = etree.QName(shape).localname
                if tag == "circle" and shape.text:
                    position = circle_centre(shape.text)
                elif tag == "polygon" and shape.text:
                    position = polygon_centre(shape.text)
                else:
                    continue
                address = _text(area, "areaDesc") or address
                break
            if position is not None:
                break
        if position is not None:
            break
    headline = _text(chosen, "headline")
    return CapInfo(
        title=clip(_text(chosen, "event") or headline, TITLE_MAX),
        description=_text(chosen, "description") or headline,
        priority=priority_of(severity, urgency),
        position=position,
        address=address,
        severity=severity,
        urgency=urgency,
    )


def _point(text: str) -> tuple[float, float]:
    try:
        lat_s, lon_s = text.split(",")
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise CapError(f"{text[:40]!r} is not a WGS-84 'lat,lon' pair") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise CapError(f"position {text[:40]!r} is out of range")
    return lat, lon


def circle_centre(text: str) -> tuple[float, float]:
    """The centre of a CAP circle ``"lat,lon radius"`` (radius in km)."""
    parts = text.split()
    if len(parts) != 2:
        raise CapError(f"circle {text[:60]!r} is not 'lat,lon radius'")
    try:
        radius = float(parts[1])
    except ValueError:
        raise CapError(f"circle {text[:60]!r}: the radius is not a number") from None
    if not math.isfinite(radius) or radius < 0:
        raise CapError(f"circle {text[:60]!r}: the radius is not a distance")
    return _point(parts[0])


def polygon_centre(text: str) -> tuple[float, float]:
    """The centre (mean of the vertices) of a CAP polygon ``"lat,lon lat,lon ..."``."""
    points = [_point(p) for p in text.split()]
    if len(points) < 4 or points[0] != points[-1]:
        raise CapError("a polygon needs at least four points, the last repeating the first")
    ring = points[:-1]
    lat = sum(p[0] for p in ring) / len(ring)
    lon = sum(p[1] for p in ring) / len(ring)
    return lat, lon


# ---------------------------------------------------------------- decided by the writer


@dataclass
class Outcome:
    """What a CAP message did: the alert it names, and whether it changed anything."""

    alert_id: str = ""
    changed: bool = False


def decide_cap(
    state: DistrictState, refs: ExternalRefs, msg: CapMessage, source: str, ts: str
) -> tuple[Outcome, list[Wire]]:
    """The events a CAP message causes against the committed state.

    Raises:
        Refused: ``not_found`` (references to no alert taken here) or ``invalid``.
    """
    known = refs.get(msg.key)
    if known is not None:
        return Outcome(known), []  # taken before: same id, nothing new
    if msg.msg_type == "Alert":
        return _alert(state, msg, source, ts)
    target = _referenced(state, refs, msg)
    alert = state.alerts[target]
    if msg.msg_type == "Update":
        return Outcome(target, True), checked([_update(alert, msg, ts)], ts)
    if msg.msg_type == "Cancel":
        return Outcome(target, True), checked(_cancel(state, alert, msg, ts), ts)
    raise Refused("invalid", f"msgType {msg.msg_type} is not handled (Alert, Update, Cancel)")


def _alert(
    state: DistrictState, msg: CapMessage, source: str, ts: str
) -> tuple[Outcome, list[Wire]]:
    info = msg.info
    if info is None:
        raise Refused("invalid", "the alert has no info: nothing to show")
    if info.position is None:
        raise Refused("invalid", "the alert has no area with a circle or polygon: no position")
    lat, lon = info.position
    body = new_alert(
        state,
        ts,
        ref=msg.key,
        kind=KIND,
        priority=info.priority,
        title=_title(msg, info),
        description=info.description,
        lat=lat,
        lon=lon,
        address=info.address,
        note=f"CAP {source}: {msg.sender} {msg.identifier}",
        extra={"feed": source, "cap_status": msg.status},
    )
    return Outcome(body["alert"]["id"], True), checked([body], ts)


def _title(msg: CapMessage, info: CapInfo) -> str:
    return f"[Exercise] {info.title}" if msg.status == "Exercise" else info.title


def _referenced(state: DistrictState, refs: ExternalRefs, msg: CapMessage) -> str:
    # The newest referenced message that names an alert taken here.
    for sender, identifier, _sent in reversed(msg.references):
        alert_id = refs.get(cap_key(sender, identifier))
        if alert_id is not None and alert_id in state.alerts:
            return alert_id
    named = " ".join(f"{s},{i}" for s, i, _ in msg.references)[:200]
    raise Refused("not_found", f"the {msg.msg_type} references no alert taken here ({named})")


def _update(alert: Wire, msg: CapMessage, ts: str) -> Wire:
    info = msg.info
    note = f"CAP Update {msg.identifier}"
    if info is not None:
        note += f": {info.title}"
    new = with_ref(stamp(alert, ts, "updated", note), msg.key)
    if info is not None:
        new["title"] = _title(msg, info)
        if info.description:
            new["description"] = clip(info.description, 4000)
        new["priority"] = info.priority
        if info.position is not None:
            new["lat"], new["lon"] = round(info.position[0], 7), round(info.position[1], 7)
        if info.address:
            new["address"] = clip(info.address, 4000)
    return {"type": "alert.updated", "alert": new}


def _cancel(state: DistrictState, alert: Wire, msg: CapMessage, ts: str) -> list[Wire]:
    reason = msg.note or (msg.info.description if msg.info else "") or "cancelled by the sender"
    if alert["status"] == "closed":
        note = f"CAP Cancel {msg.identifier}: already closed"
        new = with_ref(stamp(alert, ts, "note", note), msg.key)
        return [{"type": "alert.updated", "alert": new}]
    if alert["unit_ids"]:
        # Units are on it: a commander decides; the cancel is only noted.
        note = f"CAP Cancel {msg.identifier} (units assigned, not closed): {reason}"
        new = with_ref(stamp(alert, ts, "cancel_requested", note), msg.key)
        return [{"type": "alert.updated", "alert": new}]
    new = with_ref(stamp(alert, ts, "cancelled", f"CAP Cancel {msg.identifier}: {reason}"), msg.key)
    new["status"] = "closed"
    new["disposition"] = "cancelled"
    new["unit_ids"] = []
    return [{"type": "alert.updated", "alert": new}, *_release(state, alert["unit_ids"])]


# ---------------------------------------------------------------- the door


@add_door
def cap_door(app: web.Application, backend: Backend, ingest: Ingest) -> None:
    """``POST /api/cap``."""
    refs = ExternalRefs(backend)

    async def post(request: web.Request) -> web.Response:
        got = await keyed_document(request, backend, ingest, "cap", "a CAP message")
        if isinstance(got, web.Response):
            return got
        name, data = got
        try:
            msg = parse_cap(data)
            if msg.status not in TAKEN_STATUSES:
                raise CapError(f"status {msg.status}: only Actual and Exercise messages are taken")
        except CapError as exc:
            ingest.count(name, error=str(exc)[:500])
            return refusal(400, str(exc))
        except Exception as exc:  # lxml refusing in a way of its own: still bad input
            log.warning("CAP document from %s not read: %r", name, exc)
            ingest.count(name, error="the document could not be read")
            return refusal(400, "the document could not be read as a CAP 1.2 alert")
        outcome = Outcome()

        def build(state: DistrictState, ts: str) -> list[Wire]:
            nonlocal outcome
            outcome, bodies = decide_cap(state, refs, msg, name, ts)
            return bodies

        return await decide_alert(
            backend, ingest, name, build, lambda: outcome.alert_id, f"CAP message {msg.identifier}"
        )

    app.router.add_post("/api/cap", post)
