"""The demo district simulator; it lives in :mod:`backend_stub.sim`, re-exported here."""

from backend_stub.sim import PDT_GPS_S, UNIT_STATUSES, DistrictSimulator

__all__ = ["PDT_GPS_S", "UNIT_STATUSES", "DistrictSimulator"]
