"""The HTTP doors of §4–5 over a real backend: rdio-scanner call uploads (as trunk-recorder and
SDRTrunk send them, with real audio spoken by espeak-ng), CAP 1.2 alerts and JSON alarms, seen
by a real websocket console; keys, duplicates, restarts, refusals (``shared/integration.md``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import wave
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from backend_stub import db, server, sources
from backend_stub.inventory import store
from backend_stub.inventory.read import read_bytes
from backend_stub.server import Backend
from tests.documents import CAP_BILLION_LAUGHS, cap_doc, trunk_recorder_form
from tests.live import Client, open_client, start_backend

pytestmark = pytest.mark.skipif(
    not (shutil.which("ffprobe") and shutil.which("espeak-ng")),
    reason="needs ffprobe (ffmpeg) and espeak-ng",
)

TALKGROUPS_CSV = "id,name,system,kind\n1101,东胜区指挥调度,1,group\n2201,康巴什指挥,7,group\n"
UNITS_CSV = "id,callsign,kind,radio_id,talkgroup\nU1,东胜巡逻一组,patrol_car,4600101,1101\n"
CAMERAS_CSV = "id,name,lat,lon,main\nC1,伊金霍洛街交叉口,39.81,109.98,rtsp://10.1.2.3/ch1\n"
REF_1 = "ops@ordos.example,KSB-2024-0001,2024-05-01T10:00:00+08:00"


@dataclass
class Doors:
    """A backend with its HTTP port, a console's token, and a key of each source kind."""

    backend: Backend
    url: str
    db_url: str
    audio_dir: Path
    token: str
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def http(self) -> str:
        assert self.backend.http is not None
        return f"http://127.0.0.1:{self.backend.http.port}"

    async def console(self) -> Client:
        return await open_client(self.url, self.token)

    async def restart(self) -> None:
        await self.backend.stop()
        self.backend.engine.dispose()
        self.backend, self.url = await start_backend(
            self.db_url, http_port=0, audio_dir=self.audio_dir
        )

    def stored(self) -> list[str]:
        return sorted(p.name for p in self.audio_dir.iterdir()) if self.audio_dir.exists() else []


@pytest.fixture
async def doors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Doors]:
    # The feeds' counts stay in memory for the test to read (no flush to the table meanwhile).
    monkeypatch.setattr(server, "FEED_COUNTS_S", 3600.0)
    db_url = f"sqlite:///{tmp_path / 'backend.sqlite3'}"
    engine = db.open_engine(db_url)
    token = db.add_operator(engine, "operator-1", "operator")
    keys = {
        "rdio": sources.add_source(engine, "trunk-recorder-1", "rdio"),
        "rdio2": sources.add_source(engine, "sdrtrunk-1", "rdio"),
        "cap": sources.add_source(engine, "ordos-cap", "cap"),
        "alerts": sources.add_source(engine, "analytics-1", "alerts"),
        "alerts2": sources.add_source(engine, "analytics-2", "alerts"),
    }
    report = store.import_files(
        engine,
        [
            read_bytes("talkgroups.csv", TALKGROUPS_CSV.encode()),
            read_bytes("units.csv", UNITS_CSV.encode()),
            read_bytes("cameras.csv", CAMERAS_CSV.encode()),
        ],
    )
    assert not report.errors, report.errors
    engine.dispose()
    audio_dir = tmp_path / "audio"
    backend, url = await start_backend(db_url, http_port=0, audio_dir=audio_dir)
    await backend.sync_inventory()
    handle = Doors(backend, url, db_url, audio_dir, token, keys)
    yield handle
    await handle.backend.stop()
    handle.backend.engine.dispose()


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, float]:
    """A real WAV spoken by espeak-ng, and its duration."""
    path = tmp_path_factory.mktemp("speech") / "call.wav"
    subprocess.run(
        ["espeak-ng", "-w", str(path), "Unit one one zero one, on scene at the station"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    with wave.open(str(path)) as w:
        duration = w.getnframes() / w.getframerate()
    return path.read_bytes(), duration


@pytest.fixture(scope="module")
def encoded(
    tmp_path_factory: pytest.TempPathFactory, speech: tuple[bytes, float]
) -> dict[str, bytes]:
    """The speech as trunk-recorder's compressed upload (m4a, AAC) and as MP3."""
    folder = tmp_path_factory.mktemp("encoded")
    (folder / "call.wav").write_bytes(speech[0])
    out = {}
    for ext, codec in (("m4a", "aac"), ("mp3", "libmp3lame")):
        command = ["ffmpeg", "-v", "error", "-i", str(folder / "call.wav"), "-c:a", codec]
        subprocess.run([*command, str(folder / f"call.{ext}")], check=True, timeout=60)
        out[ext] = (folder / f"call.{ext}").read_bytes()
    return out


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A real PNG (ffprobe sees a video stream in it, no audio)."""
    path = tmp_path_factory.mktemp("image") / "x.png"
    command = ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=red:s=16x16"]
    subprocess.run([*command, "-frames:v", "1", str(path)], check=True, timeout=60)
    return path.read_bytes()


async def post_call(http: str, form: aiohttp.FormData) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{http}/api/call-upload", data=form) as response,
    ):
        return response.status, await response.text()


async def post(
    http: str, path: str, body: bytes | str, key: str | None, content_type: str
) -> tuple[int, Any]:
    headers = {"Content-Type": content_type}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    data = body.encode() if isinstance(body, str) else body
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{http}{path}", data=data, headers=headers) as response,
    ):
        text = await response.text()
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, text


async def post_cap(doors: Doors, doc: bytes, key: str | None = None) -> tuple[int, Any]:
    return await post(doors.http, "/api/cap", doc, key or doors.keys["cap"], "application/xml")


async def post_alarm(doors: Doors, body: Any, key: str | None = None) -> tuple[int, Any]:
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    return await post(
        doors.http, "/api/alerts", text, key or doors.keys["alerts"], "application/json"
    )


def is_call(m: dict[str, Any]) -> bool:
    return m.get("type") == "radio.call"


def is_alert(kind: str, alert_id: str | None = None) -> Any:
    return lambda m: m.get("type") == kind and (alert_id is None or m["alert"]["id"] == alert_id)


# ---------------------------------------------------------------- rdio-scanner uploads


async def test_a_trunk_recorder_upload_reaches_the_console_with_its_audio(
    doors: Doors, speech: tuple[bytes, float]
) -> None:
    audio, duration = speech
    console = await doors.console()
    start = int(time.time()) - 60
    status, text = await post_call(
        doors.http, trunk_recorder_form(doors.keys["rdio"], audio, start=start)
    )
    assert (status, text.strip()) == (200, "Call imported successfully.")
    event = await console.until(is_call)
    call = event["call"]
    assert call["id"].startswith("RU-") and len(call["id"]) == 19
    assert call["talkgroup"] == "1101" and call["source_radio_id"] == "4600101"
    assert call["kind"] == "group" and call["encrypted"] is False
    assert call["lat"] is None and call["lon"] is None
    assert call["duration_s"] == pytest.approx(duration, abs=0.05)
    assert call["start_ts"] == time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(start))
    assert call["audio_url"] == f"{doors.http}/audio/{call['id']}.wav"
    async with aiohttp.ClientSession() as session:
        async with session.get(call["audio_url"]) as response:
            assert response.status == 200
            assert await response.read() == audio
        async with session.get(call["audio_url"], headers={"Range": "bytes=0-3"}) as response:
            assert response.status == 206 and await response.read() == b"RIFF"
    assert doors.stored() == [f"{call['id']}.wav"]
    assert doors.backend.ingest is not None
    assert doors.backend.ingest.counts["trunk-recorder-1"].accepted == 1
    await console.ws.close()


async def test_the_same_call_twice_is_one_call_across_restarts(
    doors: Doors, speech: tuple[bytes, float]
) -> None:
    audio, _ = speech
    start = int(time.time()) - 120
    console = await doors.console()
    form = trunk_recorder_form(doors.keys["rdio"], audio, start=start)
    assert (await post_call(doors.http, form))[0] == 200
    first = (await console.until(is_call))["call"]
    # Again (a retry), and from a second recorder in rdio-scanner's own field names.
    again = trunk_recorder_form(doors.keys["rdio"], audio, start=start)
    assert await post_call(doors.http, again) == (200, "Call imported successfully.\n")
    other = aiohttp.FormData()
    other.add_field("audio", audio, filename="a.wav", content_type="audio/x-wav")
    other.add_field("audioFileName", "a.wav")
    other.add_field("audioMime", "audio/x-wav")
    other.add_field("key", doors.keys["rdio2"])
    other.add_field("system", "1")
    other.add_field("talkgroup", "1101")
    other.add_field("source", "4600101")
    other.add_field("timestamp", str(start * 1000))
    assert (await post_call(doors.http, other))[0] == 200
    # A different call after them: the next radio.call the console sees is that one.
    later = trunk_recorder_form(doors.keys["rdio"], audio, start=start + 30)
    assert (await post_call(doors.http, later))[0] == 200
    second = (await console.until(is_call))["call"]
    assert second["id"] != first["id"]
    await console.ws.close()

    await doors.restart()
    console = await doors.console()
    assert (
        await post_call(doors.http, trunk_recorder_form(doors.keys["rdio"], audio, start=start))
    )[0] == 200
    marker = trunk_recorder_form(doors.keys["rdio"], audio, start=start + 60)
    assert (await post_call(doors.http, marker))[0] == 200
    third = (await console.until(is_call))["call"]
    assert third["id"] not in (first["id"], second["id"])
    assert len(doors.stored()) == 3
    await console.ws.close()


async def test_compressed_audio_and_an_emergency_flag(
    doors: Doors, speech: tuple[bytes, float], encoded: dict[str, bytes]
) -> None:
    console = await doors.console()
    start = int(time.time()) - 300
    for n, ext in enumerate(("m4a", "mp3")):
        form = trunk_recorder_form(
            doors.keys["rdio"],
            encoded[ext],
            talkgroup="2201",
            system="7",
            start=start + n,
            extra={"emergency": "1"} if ext == "mp3" else None,
        )
        assert (await post_call(doors.http, form))[0] == 200
        call = (await console.until(is_call))["call"]
        assert call["audio_url"].endswith(f".{ext}")
        assert call["duration_s"] == pytest.approx(speech[1], abs=0.15)
        kind = "emergency" if ext == "mp3" else "group"
        assert (call["kind"], call["talkgroup"], call["system"]) == (kind, "2201", "7")
    await console.ws.close()


async def test_uploads_that_are_not_calls_are_refused_and_store_nothing(
    doors: Doors, speech: tuple[bytes, float], image: bytes
) -> None:
    audio = speech[0]
    key = doors.keys["rdio"]
    not_audio = [
        b"This is not audio, only text pretending to be a wav file. " * 4,
        b"#EXTM3U\n#EXTINF:10,\nfile:///etc/passwd\n#EXTINF:10,\nhttp://127.0.0.1:9/x.wav\n" * 2,
        image,
    ]
    for body in not_audio:
        status, text = await post_call(doors.http, trunk_recorder_form(key, body))
        assert status == 400 and text.startswith("Invalid audio"), (status, text)
    cases = [
        (trunk_recorder_form("src-nobody.secret", audio), 401, "Invalid API key"),
        (trunk_recorder_form(doors.keys["cap"], audio), 401, "Invalid API key"),
        (
            trunk_recorder_form(key, audio, talkgroup=None),
            417,
            "Incomplete call data: no talkgroup",
        ),
        (trunk_recorder_form(key, b"RIFF"), 417, "Incomplete call data: no audio"),
        (trunk_recorder_form(key, audio, talkgroup="9999"), 400, "Unknown talkgroup"),
        (trunk_recorder_form(key, audio, system="7"), 400, "Unknown talkgroup"),
        (trunk_recorder_form(key, audio, start=int(time.time()) + 3600), 400, "Invalid dateTime"),
    ]
    for form, status, text in cases:
        got = await post_call(doors.http, form)
        assert got[0] == status and got[1].startswith(text), (got, text)
    # SDRTrunk's "test connection": key and system, test=1.
    test = aiohttp.FormData({"key": key, "system": "1", "test": "1"})
    test.add_field("x", b"", filename="x")  # multipart, as SDRTrunk sends it
    assert await post_call(doors.http, test) == (417, "Incomplete call data: no talkgroup\n")
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{doors.http}/api/call-upload", data="key=x") as response,
    ):
        assert response.status == 400
    assert doors.stored() == []  # nothing kept, not even a temporary file
    assert doors.backend.ingest is not None
    counts = doors.backend.ingest.counts
    assert counts["trunk-recorder-1"].refused == 3 + 5 and counts["trunk-recorder-1"].accepted == 0
    assert counts["rdio"].refused >= 2


async def test_a_revoked_recorder_is_refused_at_once(
    doors: Doors, speech: tuple[bytes, float]
) -> None:
    form = trunk_recorder_form(doors.keys["rdio2"], speech[0])
    assert (await post_call(doors.http, form))[0] == 200
    sources.revoke_source(doors.backend.engine, "sdrtrunk-1")
    form = trunk_recorder_form(doors.keys["rdio2"], speech[0], start=int(time.time()) - 5)
    assert await post_call(doors.http, form) == (401, "Invalid API key\n")


# ---------------------------------------------------------------- CAP 1.2


async def test_cap_alert_update_cancel_reach_the_console(doors: Doors) -> None:
    console = await doors.console()
    status, answer = await post_cap(doors, cap_doc())
    assert status == 201, answer
    alert_id = answer["alert_id"]
    new = (await console.until(is_alert("alert.new", alert_id)))["alert"]
    assert new["title"] == "危化品泄漏" and new["priority"] == 2 and new["kind"] == "manual"
    assert (new["lat"], new["lon"], new["address"]) == (39.8123, 109.9876, "伊金霍洛西街加油站")
    assert new["external_ref"] == "cap:ops@ordos.example:KSB-2024-0001"

    assert await post_cap(doors, cap_doc()) == (201, {"alert_id": alert_id})  # idempotent
    update = cap_doc(
        "KSB-2024-0002",
        msg_type="Update",
        references=REF_1,
        event="危化品泄漏（扩大）",
        severity="Extreme",
        area="<polygon>39.80,109.90 39.80,110.00 39.90,110.00 39.90,109.90 39.80,109.90</polygon>",
    )
    assert await post_cap(doors, update) == (201, {"alert_id": alert_id})
    updated = (await console.until(is_alert("alert.updated", alert_id)))["alert"]
    assert updated["title"] == "危化品泄漏（扩大）" and updated["priority"] == 1
    assert updated["lat"] == pytest.approx(39.85) and updated["lon"] == pytest.approx(109.95)
    assert updated["version"] == 2

    cancel = cap_doc("KSB-2024-0003", msg_type="Cancel", references=REF_1, note="误报", info=False)
    assert await post_cap(doors, cancel) == (201, {"alert_id": alert_id})
    closed = (await console.until(is_alert("alert.updated", alert_id)))["alert"]
    assert (closed["status"], closed["disposition"]) == ("closed", "cancelled")

    # Idempotent across a restart: the keys are on the alert itself.
    await console.ws.close()
    await doors.restart()
    console = await doors.console()
    for doc in (cap_doc(), update, cancel):
        assert await post_cap(doors, doc) == (201, {"alert_id": alert_id})
    second = cap_doc("KSB-2024-0009", event="道路塌陷")
    status, answer = await post_cap(doors, second)
    assert status == 201 and answer["alert_id"] != alert_id
    # The next alert event the console sees is the new alert: the replays made none.
    event = await console.until(lambda m: m.get("type", "").startswith("alert."))
    assert event["type"] == "alert.new" and event["alert"]["id"] == answer["alert_id"]
    await console.ws.close()


async def test_cap_refusals(doors: Doors) -> None:
    invalid = cap_doc().replace(b"<msgType>Alert</msgType>", b"<msgType>Shout</msgType>")
    for doc, reason in (
        (invalid, "not a valid CAP 1.2 alert"),
        (CAP_BILLION_LAUGHS, "DOCTYPE"),
        (b"<alert", "well-formed"),
        (
            cap_doc("K-5", msg_type="Update", references="x@y,unknown,2024-05-01T10:00:00+08:00"),
            "references no alert",
        ),
        (cap_doc(status="Test"), "only Actual and Exercise"),
    ):
        status, answer = await post_cap(doors, doc)
        assert status == 400 and reason in answer["error"], (status, answer)
    assert (await post_cap(doors, cap_doc(), key="src-nobody.x"))[0] == 401
    assert (await post_cap(doors, cap_doc(), key=doors.keys["alerts"]))[0] == 401
    assert (await post(doors.http, "/api/cap", cap_doc(), None, "application/xml"))[0] == 401
    huge = cap_doc(description="长" * 400_000)
    assert (await post_cap(doors, huge))[0] == 413
    assert doors.backend.state.alerts == {}
    assert doors.backend.ingest is not None
    counts = doors.backend.ingest.counts["ordos-cap"]
    assert (counts.accepted, counts.refused) == (0, 6)


# ---------------------------------------------------------------- JSON alarms


PLATE_ALARM = {
    "ref": "evt-0001",
    "kind": "plate_match",
    "priority": 2,
    "title": "布控车辆：蒙K7S521",
    "lat": 39.8101,
    "lon": 109.9802,
    "description": "卡口抓拍命中布控名单",
    "address": "伊金霍洛街交叉口",
    "camera_id": "C1",
    "snapshot_url": "https://analytics.example/snap/0001.jpg",
    "occurred_at": "2024-05-01T10:00:00+08:00",
    "plate": "蒙K7S521",
}


async def test_json_alarms_are_idempotent_by_ref_per_source(doors: Doors) -> None:
    console = await doors.console()
    status, answer = await post_alarm(doors, PLATE_ALARM)
    assert status == 201, answer
    alert_id = answer["alert_id"]
    alert = (await console.until(is_alert("alert.new", alert_id)))["alert"]
    assert (alert["kind"], alert["priority"], alert["title"]) == (
        "plate_match",
        2,
        "布控车辆：蒙K7S521",
    )
    assert alert["camera_ids"] == ["C1"] and alert["plate"] == "蒙K7S521"
    assert alert["snapshot_url"] == PLATE_ALARM["snapshot_url"]
    assert alert["occurred_at"] == "2024-05-01T02:00:00.000Z"
    assert alert["external_ref"] == "alerts:analytics-1:evt-0001"

    assert await post_alarm(doors, PLATE_ALARM) == (201, {"alert_id": alert_id})
    status, other = await post_alarm(doors, PLATE_ALARM, key=doors.keys["alerts2"])
    assert status == 201 and other["alert_id"] != alert_id  # another source's ref
    event = await console.until(lambda m: m.get("type", "").startswith("alert."))
    assert event["alert"]["id"] == other["alert_id"]

    await console.ws.close()
    await doors.restart()
    assert await post_alarm(doors, PLATE_ALARM) == (201, {"alert_id": alert_id})
    assert len(doors.backend.state.alerts) == 2


async def test_json_alarm_refusals(doors: Doors) -> None:
    base = {k: PLATE_ALARM[k] for k in ("ref", "kind", "priority", "title", "lat", "lon")}
    cases: list[tuple[Any, str]] = [
        ({**base, "kind": "burglary"}, "kind"),
        ({**base, "priority": 0}, "priority"),
        ({**base, "priority": "1"}, "priority"),
        ({**base, "lat": 91}, "lat"),
        ({**base, "lon": "109.9"}, "lon"),
        ({k: v for k, v in base.items() if k != "title"}, "missing field(s): title"),
        ({**base, "camera_id": "C404"}, "camera_id"),
        ({**base, "occurred_at": int(time.time()) + 3600}, "future"),
        ([base], "JSON object"),
        ("{not json", "not JSON"),
    ]
    for body, reason in cases:
        status, answer = await post_alarm(doors, body)
        assert status == 400 and reason in answer["error"], (body, status, answer)
    assert (await post_alarm(doors, base, key="src-x.y"))[0] == 401
    assert (await post_alarm(doors, base, key=doors.keys["cap"]))[0] == 401
    huge = {**base, "description": "x" * (1 << 20)}
    assert (await post_alarm(doors, huge))[0] == 413
    assert doors.backend.state.alerts == {}
    sources.revoke_source(doors.backend.engine, "analytics-1")
    assert (await post_alarm(doors, base))[0] == 401  # revoked: at once
    assert (await post_alarm(doors, base, key=doors.keys["alerts2"]))[0] == 201


async def test_a_flood_from_one_source_is_limited_and_others_go_on(
    doors: Doors, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backend_stub.ingest import core

    monkeypatch.setattr(core, "SOURCE_RATE", (1.0, 5.0))  # a burst of 5, then 1 a second
    base = {k: PLATE_ALARM[k] for k in ("kind", "priority", "title", "lat", "lon")}
    statuses = [(await post_alarm(doors, {**base, "ref": f"flood-{n}"}))[0] for n in range(12)]
    assert statuses.count(201) < 8 and 429 in statuses
    assert statuses[:5] == [201] * 5
    # Refused messages changed nothing: one alert per accepted message.
    assert len(doors.backend.state.alerts) == statuses.count(201)
    # Another source is not held back by the first one's flood.
    status, _ = await post_alarm(doors, {**base, "ref": "other-1"}, key=doors.keys["alerts2"])
    assert status == 201
