"""The doors on the HTTP port beyond OsmAnd: each module registers its routes with
:func:`backend_stub.ingest.http.add_door` when imported here.

* :mod:`.rdio` — ``POST /api/call-upload``, rdio-scanner's call upload (trunk-recorder, SDRTrunk).
* :mod:`.cap` — ``POST /api/cap``, CAP 1.2 alerts.
* :mod:`.alarms` — ``POST /api/alerts``, JSON alarms.
* :mod:`.sightings` — ``POST /api/sightings``, plate reads and face matches.
* :mod:`.snapshots` — ``GET /snapshots/{alert_id}``, an alert's snapshot for a console.
"""

from backend_stub.ingest.doors import alarms, cap, rdio, sightings, snapshots

__all__ = ["alarms", "cap", "rdio", "sightings", "snapshots"]
