"""The demo simulator's radio calls and alerts take the doors' checks on a real backend.

A simulated call on a talkgroup the inventory does not list is refused as an rdio-scanner
upload would be, an alert that is not a valid protocol event is refused as a CAP or JSON alarm
would be; each refusal is counted with its reason and nothing of it reaches the event log.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from backend_stub import db
from backend_stub.alert_body import alert_body
from backend_stub.inventory.read import read_bytes
from backend_stub.inventory.store import import_files
from backend_stub.server import Backend
from console.protocol.codec import format_ts
from tests.live import start_backend

TALKGROUPS = b"id,name,system,kind\n2001,Command,1,command\n"


@pytest.fixture
async def backend(tmp_path: Path) -> AsyncIterator[Backend]:
    db_url = f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    engine = db.open_engine(db_url)
    report = import_files(engine, [read_bytes("talkgroups.csv", TALKGROUPS)])
    assert not report.errors
    engine.dispose()
    started, _url = await start_backend(db_url, http_port=0)
    try:
        yield started
    finally:
        await started.stop()
        started.engine.dispose()


def _call(call_id: str, talkgroup: str) -> dict[str, Any]:
    call = {
        "id": call_id,
        "talkgroup": talkgroup,
        "source_radio_id": "3201001",
        "target_radio_id": None,
        "kind": "group",
        "start_ts": format_ts(1_800_000_000.0),
        "duration_s": 3.0,
        "audio_url": None,
        "lat": 39.8,
        "lon": 109.9,
        "encrypted": False,
    }
    return {"type": "radio.call", "call": call}


def _alert(alert_id: str, priority: int) -> dict[str, Any]:
    body = alert_body(
        alert_id,
        format_ts(1_800_000_000.0),
        kind="call_110",
        priority=priority,
        title="110报警：纠纷",
        description="",
        lat=39.8,
        lon=109.9,
        address="",
        grid_id="",
        note="",
        camera_ids=[],
    )
    return {"type": "alert.new", "alert": body}


async def test_simulated_calls_and_alerts_pass_the_doors_checks(backend: Backend) -> None:
    assert backend.ingest is not None
    good_call, bad_call = _call("RC-1", "2001"), _call("RC-2", "9999")
    good_alert, bad_alert = _alert("A-000001", 2), _alert("A-000002", 9)
    other = {"type": "unit.status", "unit_id": "U-1", "status": "available"}

    out = backend.ingest.simulated([good_call, bad_call, good_alert, bad_alert, other])

    assert out == [good_call, good_alert, other]
    counts = backend.ingest.take_counts()["sim"]
    assert (counts.accepted, counts.refused) == (2, 2)

    assert backend.ingest.simulated([bad_call]) == []
    reason = backend.ingest.take_counts()["sim"].last_error
    assert "talkgroup 9999" in reason and "inventory" in reason
    assert backend.ingest.simulated([bad_alert]) == []
    assert "invalid" in backend.ingest.take_counts()["sim"].last_error
