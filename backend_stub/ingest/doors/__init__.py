"""The doors on the HTTP port beyond OsmAnd: each module registers its routes with
:func:`backend_stub.ingest.http.add_door` when imported here.

* :mod:`.rdio` — ``POST /api/call-upload``, rdio-scanner's call upload (trunk-recorder, SDRTrunk).
* :mod:`.cap` — ``POST /api/cap``, CAP 1.2 alerts.
* :mod:`.alarms` — ``POST /api/alerts``, JSON alarms.
"""

from backend_stub.ingest.doors import alarms, cap, rdio

__all__ = ["alarms", "cap", "rdio"]
