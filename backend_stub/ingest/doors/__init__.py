"""The doors on the HTTP port beyond OsmAnd: each module registers its routes with
:func:`backend_stub.ingest.http.add_door` when imported here."""
