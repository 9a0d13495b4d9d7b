"""Live feeds from the systems a command centre already runs (``docs/integration.md`` §2–5).

Every door decodes its own protocol into the same objects (:class:`core.Fix`, radio calls,
alarms) and hands them to :class:`core.Ingest`, the one path into the event log: validated,
de-duplicated, authorised against the inventory (device ids, talkgroups, source keys), counted
per source, then appended. The demo simulator feeds through it too.
"""
