"""Drive the backend's event log from the demo district simulator."""

from __future__ import annotations

import asyncio
import logging
import time

from backend_stub.district import build_district
from backend_stub.server import Backend
from backend_stub.simulator import DistrictSimulator

log = logging.getLogger("backend.demo")

TICK_S = 0.1
MAX_BACKLOG = 200_000


async def run_demo(
    backend: Backend,
    *,
    seed: int,
    units: int,
    position_hz: float,
    alert_rate: float,
    radio_rate: float,
    stream_base: str,
) -> None:
    """Build the demo district, seed or restore it in the state, and start simulating."""
    loop = asyncio.get_running_loop()
    district = await loop.run_in_executor(None, lambda: build_district(seed, n_units=units))
    backend.state.talkgroups = {t["id"]: t for t in district.to_wire_talkgroups()}
    sim = DistrictSimulator(
        district,
        seed=seed,
        position_hz=position_hz,
        alert_rate=alert_rate,
        radio_rate=radio_rate,
        first_alert_number=backend.state.alert_counter + 1,
    )
    state = backend.state
    if not state.units:
        cameras = district.to_wire_cameras(stream_base)
        events = [e for e in sim.initial_events() if e["type"] != "camera.upsert"]
        events += [{"type": "camera.upsert", "camera": c} for c in cameras]
        await backend.append(events)
        log.info(
            "demo district seeded: %d units, %d cameras, %d grids",
            len(district.units),
            len(cameras),
            len(district.grids),
        )
    else:
        sim.restore(state.units, state.positions, next_alert_number=state.alert_counter + 1)
        log.info("demo district restored: %d units", len(state.units))
    backend.spawn(_simulate(backend, sim), "simulator")


async def _simulate(backend: Backend, sim: DistrictSimulator) -> None:
    state = backend.state
    next_tick = time.monotonic()
    while True:
        next_tick += TICK_S
        await asyncio.sleep(max(0.0, next_tick - time.monotonic()))
        if backend.backlog > MAX_BACKLOG:
            continue  # the database is behind: let it catch up rather than grow memory
        # One counter for alert ids: the simulator's and the operators' never collide.
        sim.next_alert_number = max(sim.next_alert_number, state.alert_counter + 1)
        events = sim.tick(time.time())
        state.alert_counter = max(state.alert_counter, sim.next_alert_number - 1)
        if events:
            backend.append(events)
