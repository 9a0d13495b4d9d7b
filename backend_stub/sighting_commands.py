"""The watch-list and sighting commands: ``watch.add``, ``watch.remove``, ``watch.list`` and
``sighting.search`` (``docs/protocol.md``).

They work outside the event log (sightings and watch lists are personal data, kept in their
own tables and for the retention period only) and only for commanders: an operator sees the
alerts a match raises, never the sightings or the list. Every call is in the audit trail (the
backend records each command with who sent it and when; a search keeps its arguments and how
many sightings it found: ``dispatch-backend audit export --name sighting.search``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backend_stub import where_next
from backend_stub.sightings import MAX_SEARCH_DAYS, SEARCH_LIMIT, check_value
from backend_stub.state import Actor, Refused
from console.protocol.codec import format_ts, parse_ts

if TYPE_CHECKING:
    from backend_stub.server import Backend

Wire = dict[str, Any]

SIGHTING_COMMANDS = frozenset(
    {"watch.add", "watch.remove", "watch.list", "sighting.search", where_next.NAME}
)


async def sighting_command(backend: Backend, actor: Actor, name: str, args: Wire) -> Wire:
    """The result ``data`` of one of :data:`SIGHTING_COMMANDS` (arguments already checked
    against the schema).

    Raises:
        Refused: ``forbidden`` (not a commander), ``invalid`` or ``not_found``.
    """
    store = backend.sightings
    if name == where_next.NAME:
        return await where_next.where_next(backend, actor, args)
    if name == "sighting.search":
        span = (parse_ts(args["until"]) - parse_ts(args["since"])) / 86400.0
        if actor.role != "commander":
            over = (
                f" (and a search over {MAX_SEARCH_DAYS:g} days)" if span > MAX_SEARCH_DAYS else ""
            )
            raise Refused(
                "forbidden",
                f"operators see only the watch-list alerts; searching sightings{over} "
                "is for commanders",
            )
        if span < 0:
            raise Refused("invalid", "until is before since")
        if span > MAX_SEARCH_DAYS:
            raise Refused("invalid", f"a search spans at most {MAX_SEARCH_DAYS:g} days")
        try:
            value = check_value(args["kind"], args["value"])
        except ValueError as exc:
            raise Refused("invalid", str(exc)) from None
        found: list[Wire] = await store.run_read(
            store.search,
            args["kind"],
            value,
            parse_ts(args["since"]),
            parse_ts(args["until"]),
            args.get("camera_ids"),
            int(args.get("limit", SEARCH_LIMIT)),
        )
        cameras = backend.state.cameras
        sightings = []
        for s in found:
            camera = cameras.get(s["camera_id"])
            s["ts"] = format_ts(s["ts"])
            s["lat"] = camera["lat"] if camera else None
            s["lon"] = camera["lon"] if camera else None
            s["camera_name"] = camera["name"] if camera else s["camera_id"]
            sightings.append(s)
        return {"kind": args["kind"], "value": value, "sightings": sightings}
    if actor.role != "commander":
        raise Refused("forbidden", f"only a commander may use {name}")
    if name == "watch.list":
        entries = store.active_watch(args.get("kind"))
        return {"entries": [e.to_wire(format_ts) for e in entries]}
    if name == "watch.remove":
        try:
            entry = await store.run_db(store.remove_watch, args["id"])
        except LookupError as exc:
            raise Refused("not_found", str(exc)) from None
        return {"entry": entry.to_wire(format_ts)}
    until = parse_ts(args["until"]) if args.get("until") else None
    try:
        entry = await store.run_db(
            store.add_watch,
            args["kind"],
            args["value"],
            args["reason"],
            int(args.get("priority", 2)),
            until,
            actor.name,
        )
    except ValueError as exc:
        raise Refused("invalid", str(exc)) from None
    return {"entry": entry.to_wire(format_ts)}
