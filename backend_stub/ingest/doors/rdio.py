"""rdio-scanner's call upload: ``POST /api/call-upload`` (``docs/integration.md`` §4).

trunk-recorder's ``rdioscanner_uploader`` plugin and SDRTrunk's "Rdio Scanner" streaming upload
here unchanged: ``multipart/form-data`` with the fields rdio-scanner reads — ``key``,
``system``, ``talkgroup``, ``source`` (or ``unit``, or the first of ``sources``/``units``),
``dateTime`` (unix seconds or RFC 3339) or ``timestamp`` (unix milliseconds), the ``audio``
file with ``audioName``/``audioType`` (or ``audioFileName``/``audioMime``), and the optional
``frequency``, ``frequencies``, ``patches``, ``talkgroupLabel``, ``systemLabel``, ... (read and
ignored). ``emergency`` (1/true) makes the call an emergency call.

The answers are rdio-scanner's: ``200 Call imported successfully.``; ``401 Invalid API key``;
``417 Incomplete call data: no talkgroup`` (``no audio``, ``no timestamp``) — which is also
what SDRTrunk's connection test (``test=1``) expects; 400 for an unknown talkgroup, a bad time
or audio that is not audio (``ffprobe`` decides, and gives the duration); 413 beyond 20 MiB.
A refused upload stores nothing.

A call is ``system|talkgroup|source|time``: its id is ``RU-`` and 16 hex digits of the SHA-256 of
that, and its audio is stored in the backend's audio folder under that id, served at
``/audio/<id>.<ext>``. The stored file is the mark of a call taken: the same call uploaded again
(a retry, a second recorder) answers 200 and makes no second ``radio.call``, across restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import math
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import BodyPartReader, web

from backend_stub.ingest.core import checked
from backend_stub.ingest.doors.common import EARLIEST_S, authenticate
from backend_stub.ingest.http import MAX_BODY_BYTES, PORT_KEY, add_door, parse_time
from backend_stub.state import Refused
from console.protocol.codec import format_ts, now_ts

if TYPE_CHECKING:
    from backend_stub.ingest.core import Ingest
    from backend_stub.server import Backend

log = logging.getLogger("backend.rdio")

Wire = dict[str, Any]
IMPORTED = "Call imported successfully.\n"
MAX_FIELD_BYTES = 64 << 10
MAX_PARTS = 200
#: rdio-scanner refuses audio of 44 bytes or less (a WAV header and nothing after it).
MIN_AUDIO_BYTES = 45
MAX_DURATION_S = 86400.0
PROBE_TIMEOUT_S = 15.0
PROBES_AT_ONCE = 4
#: Demuxers ffprobe may use on an upload (never playlists, images or network protocols).
AUDIO_DEMUXERS = "wav,w64,mp3,mov,ogg,flac,aac,amr,matroska,aiff,au,caf"
#: ffprobe's format name → the stored file's extension (what /audio/ serves it as).
EXTENSIONS = {
    "wav": ".wav",
    "w64": ".w64",
    "mp3": ".mp3",
    "mov": ".m4a",
    "ogg": ".ogg",
    "flac": ".flac",
    "aac": ".aac",
    "amr": ".amr",
    "matroska": ".webm",
    "aiff": ".aiff",
    "au": ".au",
    "caf": ".caf",
}
_IDENT = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
_TRUE = ("1", "true", "yes", "on")


class Answer(Exception):
    """An upload refused: the HTTP status and rdio-scanner's words for it."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


@dataclass
class Upload:
    """The parts of one upload: text fields, and the audio's bytes."""

    fields: dict[str, str] = field(default_factory=dict)
    audio: bytes | None = None
    audio_name: str = ""


@dataclass(frozen=True, slots=True)
class Probe:
    """What ffprobe found in an upload's audio."""

    duration_s: float
    extension: str


async def read_upload(request: web.Request, limit: int = MAX_BODY_BYTES) -> Upload:
    """The multipart body, part by part, within ``limit`` bytes in all.

    Raises:
        Answer: 400 (not multipart, malformed) or 413 (too large).
    """
    if request.content_length is not None and request.content_length > limit:
        raise Answer(413, f"The upload is larger than {limit >> 20} MiB\n")
    if not request.content_type.startswith("multipart/"):
        raise Answer(400, "Not a multipart content\n")
    upload = Upload()
    total = 0
    try:
        reader = await request.multipart()
        for _ in range(MAX_PARTS + 1):
            part = await reader.next()
            if part is None:
                return upload
            if not isinstance(part, BodyPartReader):  # a nested multipart: not rdio
                raise Answer(400, "Incomplete call data: malformed multipart body\n")
            name = part.name or ""
            cap = limit - total if name == "audio" else min(MAX_FIELD_BYTES, limit - total)
            data = bytearray()
            while chunk := await part.read_chunk(64 << 10):
                data += chunk
                if len(data) > cap:
                    if name == "audio" or total + len(data) > limit:
                        raise Answer(413, f"The upload is larger than {limit >> 20} MiB\n")
                    raise Answer(400, f"The field {name[:40]!r} is too long\n")
            total += len(data)
            if name == "audio":
                if upload.audio is None:
                    upload.audio = bytes(data)
                    upload.audio_name = part.filename or ""
            elif name and name not in upload.fields:
                upload.fields[name] = data.decode("utf-8", "replace").strip()
        raise Answer(400, "Incomplete call data: too many parts\n")
    except Answer:
        raise
    except Exception as exc:  # a malformed body (bad boundary, cut short...)
        raise Answer(400, f"Incomplete call data: malformed multipart body ({exc})\n") from None


def source_of(fields: dict[str, str]) -> str:
    """The radio that talked: ``source``, ``unit``, or the first of ``sources``/``units``."""
    for key in ("source", "unit"):
        value = fields.get(key, "").strip()
        if value and value not in ("0", "-1"):
            return value
    for key, ident in (("sources", "src"), ("units", "id")):
        try:
            items = json.loads(fields.get(key) or "[]")
        except (ValueError, RecursionError):
            continue
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict) and item.get(ident) not in (None, "", 0, -1):
                    found = item[ident]
                    if isinstance(found, float) and found.is_integer():
                        found = int(found)
                    return str(found)
    return ""


def call_time(fields: dict[str, str]) -> float | None:
    """``timestamp`` (unix ms, more precise) or ``dateTime`` (unix s or RFC 3339).

    Raises:
        Answer: 400, a time that is not one.
    """
    for key in ("timestamp", "dateTime"):
        value = fields.get(key, "").strip()
        if not value:
            continue
        try:
            return parse_time(value)
        except ValueError as exc:
            raise Answer(400, f"Invalid {key}: {exc}\n") from None
    return None


def call_id(system: str, talkgroup: str, source: str, start: float) -> str:
    """``RU-`` + 16 hex digits of the SHA-256 of ``system|talkgroup|source|time`` (ms)."""
    key = f"{system}|{talkgroup}|{source}|{round(start * 1000)}"
    return "RU-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def find_talkgroup(talkgroups: dict[str, Wire], system: str, talkgroup: str) -> Wire | None:
    """The inventory's talkgroup ``talkgroup`` of ``system`` (numbers compare as numbers)."""
    found = talkgroups.get(talkgroup)
    if found is not None and str(found.get("system") or "1") == system:
        return found
    if talkgroup.isdigit():
        for tg in talkgroups.values():
            ident = str(tg.get("id", ""))
            same = ident.isdigit() and int(ident) == int(talkgroup)
            if same and str(tg.get("system") or "1") == system:
                return tg
    return None


async def probe(path: Path, timeout: float = PROBE_TIMEOUT_S) -> Probe:
    """Ask ffprobe whether ``path`` is audio, and for how long.

    Raises:
        Answer: 400, not audio (or ffprobe cannot tell within ``timeout``).
    """
    proc = await asyncio.create_subprocess_exec(
        "ffprobe",
        "-v",
        "error",
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        AUDIO_DEMUXERS,
        "-show_entries",
        "format=duration,format_name:stream=codec_type",
        "-of",
        "json",
        f"file:{path}",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), timeout)
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise Answer(400, "Invalid audio: it could not be read in time\n") from None
    if proc.returncode != 0:
        reason = err.decode("utf-8", "replace").strip().splitlines()
        detail = reason[-1].split(": ", 1)[-1][:120] if reason else "unreadable"
        raise Answer(400, f"Invalid audio: not an audio file ({detail})\n")
    try:
        info = json.loads(out)
        streams = info.get("streams") or []
        fmt = info.get("format") or {}
        names = str(fmt.get("format_name", "")).split(",")
        duration = float(fmt.get("duration", "nan"))
    except (ValueError, AttributeError, TypeError):
        raise Answer(400, "Invalid audio: not an audio file\n") from None
    if not any(isinstance(s, dict) and s.get("codec_type") == "audio" for s in streams):
        raise Answer(400, "Invalid audio: the file holds no audio stream\n")
    if not math.isfinite(duration) or duration <= 0:
        raise Answer(400, "Invalid audio: the audio has no duration\n")
    if duration > MAX_DURATION_S:
        raise Answer(400, "Invalid audio: longer than a day\n")
    extension = next((EXTENSIONS[n] for n in names if n in EXTENSIONS), ".bin")
    return Probe(duration, extension)


def stored_audio(audio_dir: Path, ident: str) -> Path | None:
    """The stored audio of call ``ident``, if the call was taken before."""
    for extension in dict.fromkeys(EXTENSIONS.values()):
        path = audio_dir / f"{ident}{extension}"
        if path.exists():
            return path
    return None


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as f:
        f.write(data)


def _keep(temp: Path, final: Path) -> bool:
    # A hard link cannot replace a file: of two uploads of one call, one keeps its audio.
    try:
        os.link(temp, final)
    except FileExistsError:
        return False
    finally:
        temp.unlink(missing_ok=True)
    return True


@dataclass(frozen=True, slots=True)
class CallMeta:
    """What an upload says of its call, checked against the inventory's talkgroups."""

    id: str
    system: str
    talkgroup: str
    source: str
    start: float
    emergency: bool


def read_call(
    upload: Upload, talkgroups: dict[str, Wire], now: float, max_future_s: float
) -> CallMeta:
    """Check an upload's fields (rdio-scanner's order of complaints).

    Raises:
        Answer: 417 incomplete (no talkgroup, audio or time), 400 (bad values, an unknown
            talkgroup, a time in the future).
    """
    fields = upload.fields
    talkgroup = fields.get("talkgroup", "").strip()
    if not talkgroup or talkgroup in ("0", "-1"):
        raise Answer(417, "Incomplete call data: no talkgroup\n")
    if upload.audio is None or len(upload.audio) < MIN_AUDIO_BYTES:
        raise Answer(417, "Incomplete call data: no audio\n")
    start = call_time(fields)
    if start is None:
        raise Answer(417, "Incomplete call data: no timestamp\n")
    if start > now + max_future_s:
        raise Answer(400, "Invalid dateTime: the call is from the future\n")
    if start < EARLIEST_S:
        raise Answer(400, "Invalid dateTime: before 2000\n")
    system = fields.get("system", "").strip() or "1"
    source = source_of(fields)
    for what, value in (("system", system), ("talkgroup", talkgroup), ("source", source)):
        if value and not _IDENT.match(value):
            raise Answer(400, f"Invalid {what}: {value[:40]!r}\n")
    tg = find_talkgroup(talkgroups, system, talkgroup)
    if tg is None:
        raise Answer(400, f"Unknown talkgroup: system {system} talkgroup {talkgroup}\n")
    talkgroup, system = str(tg["id"]), str(tg.get("system") or "1")
    emergency = any(
        fields.get(k, "").strip().lower() in _TRUE for k in ("emergency", "isEmergency")
    )
    return CallMeta(
        call_id(system, talkgroup, source, start), system, talkgroup, source, start, emergency
    )


def radio_call(meta: CallMeta, found: Probe, audio_url: str, feed: str) -> Wire:
    """The ``radio.call`` body of a call taken."""
    call: Wire = {
        "id": meta.id,
        "talkgroup": meta.talkgroup,
        "source_radio_id": meta.source,
        "target_radio_id": None,
        "kind": "emergency" if meta.emergency else "group",
        "start_ts": format_ts(meta.start),
        "duration_s": round(found.duration_s, 3),
        "audio_url": audio_url,
        "lat": None,
        "lon": None,
        "encrypted": False,
        "system": meta.system,
        "feed": feed,
    }
    return {"type": "radio.call", "call": call}


@add_door
def rdio_door(app: web.Application, backend: Backend, ingest: Ingest) -> None:
    """``POST /api/call-upload``."""
    probes = asyncio.Semaphore(PROBES_AT_ONCE)
    # Calls being taken now: a second upload of one waits for the first, then looks again.
    in_flight: dict[str, asyncio.Event] = {}

    async def run(fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, fn, *args)

    async def post(request: web.Request) -> web.Response:
        try:
            upload = await read_upload(request)
        except Answer as exc:
            ingest.count("rdio", error=exc.text.strip()[:500])
            return web.Response(status=exc.status, text=exc.text)
        fields = upload.fields
        name = await authenticate(backend, fields.get("key"), "rdio")
        if name is None:
            ingest.count("rdio", error="Invalid API key")
            return web.Response(status=401, text="Invalid API key\n")
        if not ingest.allow_source(name):
            return web.Response(status=429, text="Too many calls a second; send it again later\n")
        test = fields.get("test", "").strip() not in ("", "0")
        try:
            text, ident = await take(upload, name)
        except Answer as exc:
            if not test:
                ingest.count(name, error=exc.text.strip()[:500])
            return web.Response(status=exc.status, text=exc.text)
        except Exception:
            log.exception("call upload from %s not taken", name)
            return web.Response(status=503, text="The call could not be stored; try again\n")
        ingest.count(name)
        log.debug("call %s from %s: %s", ident, name, text.strip())
        return web.Response(text=text)

    async def take(upload: Upload, name: str) -> tuple[str, str]:
        meta = read_call(upload, backend.state.talkgroups, ingest.clock(), ingest.max_future_s)
        assert upload.audio is not None
        audio_dir: Path = backend.audio_dir
        while (busy := in_flight.get(meta.id)) is not None:
            await busy.wait()
        # Claimed before the next await: a second upload of the same call waits above.
        done = in_flight[meta.id] = asyncio.Event()
        temp = audio_dir / f".upload-{uuid.uuid4().hex}"
        try:
            if await run(stored_audio, audio_dir, meta.id) is not None:
                return IMPORTED, meta.id  # the same call again: one call
            await run(_write, temp, upload.audio)
            async with probes:
                found = await probe(temp)
            final = audio_dir / f"{meta.id}{found.extension}"
            url = f"{app[PORT_KEY].base_url}/audio/{final.name}"
            try:
                bodies = checked([radio_call(meta, found, url, name)], now_ts(ingest.clock))
            except Refused as exc:
                raise Answer(400, f"Invalid call: {exc.message}\n") from None
            if not await run(_keep, temp, final):
                return IMPORTED, meta.id  # another process took it meanwhile
            try:
                await backend.append(bodies)
            except BaseException:
                final.unlink(missing_ok=True)  # not taken: a retry must be able to
                raise
            return IMPORTED, meta.id
        finally:
            del in_flight[meta.id]
            done.set()
            temp.unlink(missing_ok=True)

    app.router.add_post("/api/call-upload", post)
