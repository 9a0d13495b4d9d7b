"""The demo district simulator, by concern.

* :mod:`~backend_stub.sim.simulator`: :class:`DistrictSimulator`, composed of the parts below.
* :mod:`~backend_stub.sim.movement`: units moving along the street graph, position reports,
  PDT GPS reports.
* :mod:`~backend_stub.sim.following`: unit statuses: operators' decisions (dispatch, release,
  cancel, merge), response phases, random status changes on patrol.
* :mod:`~backend_stub.sim.incidents`: alert arrivals and alert making.
* :mod:`~backend_stub.sim.radio`: radio calls and emergency alarms.
* :mod:`~backend_stub.sim.common`: unit state, id series, arrival streams, geometry.
"""

from backend_stub.sim.common import PDT_GPS_S, UNIT_STATUSES
from backend_stub.sim.simulator import DistrictSimulator

__all__ = ["PDT_GPS_S", "UNIT_STATUSES", "DistrictSimulator"]
