"""Drive the backend's event log from the demo district simulator."""

from __future__ import annotations

import asyncio
import atexit
import logging
import math
import random
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from platformdirs import user_cache_dir

from backend_stub.demo_data import write_demo_data
from backend_stub.district import District, build_district
from backend_stub.inventory.store import import_paths
from backend_stub.radio_audio import RadioAudioServer
from backend_stub.server import Backend
from backend_stub.sightings import Sighting
from backend_stub.sim.sightings import Travellers, demo_watch
from backend_stub.sim.snapshots import render_snapshot
from backend_stub.simulator import DistrictSimulator
from backend_stub.state import DistrictState
from backend_stub.streams import ClipMaker, default_folder

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
    stream_base: str | None = None,
) -> None:
    """Build the demo district, seed or restore it in the state, and start simulating.

    Without ``stream_base`` the demo cameras are clip files that the media gateway serves
    (each clip made the first time its camera is watched).
    """
    loop = asyncio.get_running_loop()
    district = await loop.run_in_executor(None, lambda: build_district(seed, n_units=units))
    backend.streets = district  # where next (sighting.where_next) routes along its streets
    if stream_base is None:
        serve_demo_clips(backend, district)
    # The district first: consoles see it while the radio clips are still being made.
    report, sent = await import_district(backend, district, stream_base)
    # Recorded radio audio: real clips (espeak-ng, made once and cached), served on the
    # backend's HTTP port (a standalone server only for a backend embedded without one).
    audio = RadioAudioServer(Path(user_cache_dir("dispatch-console")) / "radio-audio")
    if backend.http is not None:
        await loop.run_in_executor(None, audio.prepare)
        backend.http.clip_path = audio.path_for
        base = backend.http.base_url
        audio.url_for = lambda call_id, kind="group": (  # type: ignore[method-assign]
            f"{base}/radio/{'emergency' if kind == 'emergency' else 'voice'}/{call_id}.wav"
        )
    else:
        await loop.run_in_executor(None, audio.start)
        atexit.register(audio.stop)
    sim = DistrictSimulator(
        district,
        seed=seed,
        position_hz=position_hz,
        alert_rate=alert_rate,
        radio_rate=radio_rate,
        first_alert_number=backend.state.alert_counter + 1,
        radio_audio=audio.url_for,
    )
    state = backend.state
    # Radio calls are not kept in the state: seq + 1 is above every call number issued.
    sim.restore(
        state.units,
        state.positions,
        next_alert_number=state.alert_counter + 1,
        next_radio_number=state.seq + 1,
    )
    log.info("demo district imported: %s (%d events)", report.replace("\n", "; "), sent)
    seed_past_week(backend.state, seed, alert_rate, time.time())
    backend.on_commit(lambda events: _follow_commands(backend, sim, events))
    backend.spawn(_simulate(backend, sim), "simulator")
    backend.spawn(_sightings(backend, district, seed), "sightings")


async def _sightings(backend: Backend, district: District, seed: int) -> None:
    """The demo's vehicles and people, seen by the cameras they pass, through the ingest path
    of ``POST /api/sightings``; the demo's watch entries (once) so that matches raise alerts."""
    from backend_stub.ingest.doors.sightings import take_sighting

    store = backend.sightings
    if not any(e.created_by == "demo" for e in store.watch.by_id.values()):
        for kind, value, reason, priority in demo_watch():
            await store.run_db(store.add_watch, kind, value, reason, priority, None, "demo")
    store.snapshot_dir = store.snapshot_dir or default_folder() / "snapshots"
    travellers = Travellers(district, seed=seed, start=time.time())
    while True:
        await asyncio.sleep(1.0)
        if backend.ingest is None:
            continue
        for sighting in travellers.tick(time.time()):
            sighting = await with_snapshot(backend, sighting)
            status, answer = await take_sighting(backend, backend.ingest, sighting)
            if status != 201:
                log.debug("demo sighting %s: %s %s", sighting.ref, status, answer)


async def with_snapshot(backend: Backend, sighting: Sighting) -> Sighting:
    """A watched subject's sighting with the snapshot its camera "took" (drawn once per camera
    and subject, off the loop); other sightings as they are (only matches are looked at)."""
    store, http = backend.sightings, backend.http
    camera = backend.state.cameras.get(sighting.camera_id)
    if store.snapshot_dir is None or http is None or camera is None:
        return sighting
    if not store.watch.match(sighting.kind, sighting.value, time.time()):
        return sighting
    path = await asyncio.get_running_loop().run_in_executor(
        None,
        render_snapshot,
        store.snapshot_dir,
        sighting.camera_id,
        str(camera["name"]),
        sighting.kind,
        sighting.value,
    )
    if path is None:
        return sighting
    return replace(sighting, snapshot_url=f"{http.base_url}/snapshots/files/{path.name}")


def serve_demo_clips(backend: Backend, district: District, folder: Path | None = None) -> None:
    """The media gateway makes a demo camera's clips (in ``folder``, default the per-user clip
    cache) when it is first watched."""
    clips = ClipMaker(folder or default_folder(), {c.id: c.name for c in district.cameras})
    backend.media.gateway.prepare = clips.prepare


async def import_district(
    backend: Backend, district: District, stream_base: str | None, clip_folder: Path | None = None
) -> tuple[str, int]:
    """Import the demo district as a real one arrives: its inventory files (again after a
    restart, or in a second process on a shared database: unchanged items add nothing,
    cameras follow a stream server that moved). Returns the import's summary and the number
    of events it caused here."""
    loop = asyncio.get_running_loop()
    report = await loop.run_in_executor(
        None, lambda: _import_demo(backend, district, stream_base, clip_folder)
    )
    return report, await backend.sync_inventory()


def _import_demo(
    backend: Backend, district: District, stream_base: str | None, clip_folder: Path | None
) -> str:
    with tempfile.TemporaryDirectory(prefix="demo-district-") as folder:
        paths = write_demo_data(district, Path(folder), stream_base, clip_folder)
        report = import_paths(backend.engine, paths, who="demo")
    if report.errors:  # the generator and the importer disagree: a bug, not bad input
        raise RuntimeError("the demo district does not import: " + str(report.errors[0]))
    return report.summary()


def seed_past_week(state: DistrictState, seed: int, alert_rate: float, now: float) -> int:
    """Give the demo district a simulated past week of alerts-per-hour counts.

    The dashboard compares today with the 7-day average; a freshly started demo has no past,
    so the hours before this one that have no count get one from a day/night profile (quiet
    at 04:00 local, busy in the evening). Hours already counted are left alone. Returns the
    number of hours filled.
    """
    rng = random.Random(seed * 7919 + 17)
    this_hour = datetime.fromtimestamp(now, UTC).replace(minute=0, second=0, microsecond=0)
    per_hour = max(1.0, alert_rate * 3600 / 40)  # a quiet district's share of the sim rate
    filled = 0
    for back in range(7 * 24, 0, -1):
        hour = this_hour - timedelta(hours=back)
        key = hour.strftime("%Y-%m-%dT%H:00:00Z")
        if key in state.alert_hourly:
            continue
        local = (hour.hour + 8) % 24  # the demo district is in China (UTC+8)
        shape = 0.55 + 0.45 * math.sin((local - 10) / 24 * 2 * math.pi)
        state.alert_hourly[key] = max(0, round(rng.gauss(per_hour * shape, per_hour * 0.15)))
        filled += 1
    return filled


def _follow_commands(
    backend: Backend, sim: DistrictSimulator, events: list[dict[str, Any]]
) -> None:
    """Dispatches, reassignments, releases, cancels and merges move the simulated units."""
    sim.follow(events, backend.state.alerts)


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
        if events and backend.ingest is not None:
            # The simulated fixes take the real devices' path: inventory, staleness, rate.
            events = backend.ingest.simulated(events)
        if events:
            backend.append(events)
            for e in events:
                if e["type"] == "unit.status" and e.get("alert_id"):
                    backend.spawn(
                        backend.report_unit_status(e["unit_id"], e["status"], e["alert_id"]),
                        "unit-report",
                    )
