"""Recorded audio for simulated radio calls: spoken dispatch phrases served over HTTP.

At setup a pool of short clips (default 40) is made once and cached in a folder: a PTT key-up
chirp, a dispatch phrase spoken by espeak-ng (Mandarin and English, e.g. "指挥中心，P1023
收到，正在前往现场"), a roger beep and a squelch tail, with a little hiss so it sounds like a
radio. Emergency calls get their own clips (an alarm warble before the voice). Each call id
maps to one clip of its pool by a stable hash, so making the pool is the only setup cost and
any number of calls can be served; the voice of a clip therefore does not name the real caller.

The clips are 16-bit mono WAV (22.05 kHz, what espeak-ng writes): every player opens it and it
needs no encoder. The server speaks plain HTTP/1.1 with ``Range`` support (libVLC seeks in an
HTTP file with range requests): ``GET /radio/{kind}/{call_id}.wav``.

Run ``python -m backend_stub.radio_audio --port 8555`` to make the pool and serve it.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import concurrent.futures
import contextlib
import hashlib
import logging
import math
import os
import random
import re
import shutil
import signal
import subprocess
import threading
import wave
from collections.abc import Sequence
from pathlib import Path

from backend_stub.loop_thread import LoopThread

log = logging.getLogger(__name__)

RATE = 22050
POOL_SIZE = 40
EMERGENCY_POOL_SIZE = 6
_VERSION = "v1"  # bump when the clip recipe changes: old caches are then ignored
_ID_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

_ZH_PHRASES = (
    "指挥中心，{cs} 收到，正在前往现场",
    "{cs} 呼叫指挥中心，已到达现场，正在处置",
    "指挥中心收到，{cs} 请注意安全，保持联络",
    "{cs} 报告，现场秩序正常，请求结束警情",
    "{cs} 收到指令，五分钟后到达",
    "指挥中心，{cs} 正在盘查一辆可疑车辆",
    "{cs} 报告，嫌疑人已控制，请求增援一辆车",
    "指挥中心，{cs} 巡逻到达重点路段，一切正常",
    "{cs} 请前往人民路口协助交通疏导",
    "{cs} 报告，伤者已送医，现场已移交",
)
_EN_PHRASES = (
    "Control, {cs}, copy, en route to the scene",
    "{cs} on scene, situation under control",
    "Control copies, {cs}, stand by for further instructions",
    "{cs} requesting a plate check, over",
    "{cs} clear, back in service",
)
_EMERGENCY_PHRASES = (
    "紧急呼叫，{cs} 遭遇袭击，请求立即支援",
    "{cs} 紧急求助，现场有人持刀，请求增援",
    "Emergency, {cs}, officer needs assistance, send backup now",
)


def _callsign(rng: random.Random) -> str:
    return f"P{rng.randrange(1001, 1100)}"


def clip_texts(n: int, emergency: bool = False, seed: int = 350) -> list[tuple[str, str]]:
    """``(espeak voice, text)`` of the ``n`` clips of a pool, always the same for one seed."""
    rng = random.Random(f"{seed}-{emergency}")
    out = []
    for i in range(n):
        if emergency:
            template = _EMERGENCY_PHRASES[i % len(_EMERGENCY_PHRASES)]
        elif i % 4 == 3:
            template = _EN_PHRASES[(i // 4) % len(_EN_PHRASES)]
        else:
            template = _ZH_PHRASES[i % len(_ZH_PHRASES)]
        voice = "cmn" if any(ord(c) > 0x2E80 for c in template) else "en-us"
        out.append((voice, template.format(cs=_callsign(rng))))
    return out


def _tone(freqs: Sequence[float], seconds: float, volume: float = 0.35) -> array.array[int]:
    """A sequence of sine beeps (equal parts), with short fades so they do not click."""
    out = array.array("h")
    part = int(RATE * seconds / len(freqs))
    fade = max(1, int(RATE * 0.004))
    for f in freqs:
        for i in range(part):
            env = min(1.0, i / fade, (part - i) / fade)
            out.append(int(32767 * volume * env * math.sin(2 * math.pi * f * i / RATE)))
    return out


def _noise(seconds: float, volume: float, rng: random.Random) -> array.array[int]:
    return array.array("h", (int(rng.gauss(0, 32767 * volume)) for _ in range(int(RATE * seconds))))


def _speak(text: str, voice: str, espeak: str) -> array.array[int]:
    """Samples of ``text`` spoken by espeak-ng (at RATE, mono, 16-bit)."""
    out = subprocess.run(
        [espeak, "-v", voice, "-s", "165", "--stdout", text],
        capture_output=True,
        check=True,
        timeout=60,
    )
    import io

    with wave.open(io.BytesIO(out.stdout)) as w:
        if w.getframerate() != RATE or w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise RuntimeError(f"unexpected espeak-ng output {w.getparams()}")
        frames = w.readframes(w.getnframes())
    samples = array.array("h")
    # espeak streams a WAV header with a bogus length to stdout: keep what was read.
    samples.frombytes(frames[: len(frames) // 2 * 2])
    return samples


def make_clip(path: Path, voice: str, text: str, emergency: bool, espeak: str) -> Path:
    """Write one radio clip (key-up chirp, voice, roger beep, squelch tail) to ``path``."""
    rng = random.Random(text)
    speech = _speak(text, voice, espeak)
    hiss = 0.012
    samples = array.array("h")
    if emergency:
        samples += _tone((1400, 900) * 4, 1.2, 0.4)
    # The voice is kept as espeak-ng wrote it: per-sample effects in pure Python would make the
    # pool take seconds; the chirps, hiss and squelch tail around it are what says "radio".
    samples += _tone((1200, 1600), 0.14) + _noise(0.08, hiss, rng) + speech
    samples += _noise(0.06, hiss, rng) + _tone((1800,), 0.09) + _noise(0.18, 0.06, rng)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(samples.tobytes())
    tmp.replace(path)
    return path


def pool_paths(folder: Path, n: int, emergency: bool = False) -> list[Path]:
    """Where the clips of a pool live in the cache folder."""
    prefix = "emergency" if emergency else "voice"
    return [folder / f"{prefix}-{_VERSION}-{i:03d}.wav" for i in range(n)]


def prepare_pool(
    folder: Path,
    n: int = POOL_SIZE,
    n_emergency: int = EMERGENCY_POOL_SIZE,
    workers: int = 4,
    espeak: str | None = None,
) -> tuple[list[Path], list[Path]]:
    """Make (once) the voice and emergency clip pools; returns their paths.

    Raises:
        FileNotFoundError: espeak-ng is not installed and a clip is missing.
    """
    folder.mkdir(parents=True, exist_ok=True)
    exe = espeak or shutil.which("espeak-ng") or shutil.which("espeak")
    jobs = []
    pools: list[list[Path]] = []
    for emergency, count in ((False, n), (True, n_emergency)):
        paths = pool_paths(folder, count, emergency)
        pools.append(paths)
        for path, (voice, text) in zip(paths, clip_texts(count, emergency), strict=True):
            if not path.is_file():
                jobs.append((path, voice, text, emergency))
    if jobs:
        if exe is None:
            raise FileNotFoundError("espeak-ng is needed to make the radio clips")
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(make_clip, p, v, t, e, exe) for p, v, t, e in jobs]
            for f in futures:
                f.result()
        log.info("made %d radio clips in %s", len(jobs), folder)
    return pools[0], pools[1]


def pick(call_id: str, size: int) -> int:
    """The pool slot of a call: a stable hash, the same in every process."""
    digest = hashlib.blake2s(call_id.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big") % size


class RadioAudioServer:
    """Serves one clip per radio call over HTTP from a thread of its own.

    Args:
        folder: Clip cache folder (made on ``start`` if missing).
        host: Listen address.
        port: Listen port; 0 picks a free one (kept for later restarts).
        pool_size: Number of voice clips; calls share them by a hash of their id.
    """

    def __init__(
        self,
        folder: str | os.PathLike[str],
        host: str = "127.0.0.1",
        port: int = 0,
        pool_size: int = POOL_SIZE,
    ) -> None:
        self.folder = Path(folder)
        self.host = host
        self.port = port
        self.pool_size = pool_size
        self._voice: list[Path] = []
        self._emergency: list[Path] = []
        self._runner = LoopThread("radio-audio")
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.requests = 0
        """HTTP requests answered so far (for tests and logs)."""

    @property
    def base_url(self) -> str:
        """``http://host:port`` of the server."""
        return f"http://{self.host}:{self.port}"

    def url_for(self, call_id: str, kind: str = "group") -> str:
        """The ``audio_url`` of a call (emergency calls get an alarm clip)."""
        pool = "emergency" if kind == "emergency" else "voice"
        return f"{self.base_url}/radio/{pool}/{call_id}.wav"

    def path_for(self, call_id: str, kind: str = "group") -> Path:
        """The clip file served for a call (after ``prepare`` or ``start``)."""
        if not self._voice:
            self.prepare()
        if kind == "emergency":
            return self._emergency[pick(call_id, len(self._emergency))]
        return self._voice[pick(call_id, len(self._voice))]

    def prepare(self) -> None:
        """Make the clip pools now (blocking; a few seconds the first time, then cached)."""
        self._voice, self._emergency = prepare_pool(self.folder, self.pool_size)

    @property
    def running(self) -> bool:
        """True between ``start()`` and ``stop()``."""
        return self._server is not None

    def start(self) -> int:
        """Make the clips if needed and start serving in a background thread; returns the port."""
        if self._server is not None:
            return self.port
        if not self._voice:
            self.prepare()
        try:
            self._runner.start(self._start())
        except BaseException:
            self._server = None
            raise
        log.info("radio audio on %s", self.base_url)
        return self.port

    def stop(self) -> None:
        """Close the port and drop every client."""
        if not self._runner.running:
            return
        self._runner.stop(self._shutdown())
        self._server = None

    def __enter__(self) -> RadioAudioServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- loop side

    async def _start(self) -> None:
        self._server = await asyncio.start_server(
            self._on_client, self.host, self.port, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        if server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2)

    def _resolve(self, target: str) -> Path | None:
        parts = target.split("?", 1)[0].strip("/").split("/")
        if len(parts) != 3 or parts[0] != "radio" or not parts[2].endswith(".wav"):
            return None
        call_id = parts[2][:-4]
        if parts[1] not in ("voice", "emergency") or not _ID_RE.match(call_id):
            return None
        return self.path_for(call_id, "emergency" if parts[1] == "emergency" else "group")

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:  # keep-alive: libVLC sends a new range request on seek
                try:
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
                except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                request = lines[0].split()
                headers = {
                    k.strip().lower(): v.strip()
                    for k, _, v in (line.partition(":") for line in lines[1:] if line)
                }
                if len(request) != 3 or request[0] not in ("GET", "HEAD"):
                    await self._reply(writer, 405, b"method not allowed\n")
                    return
                path = self._resolve(request[1])
                if path is None:
                    await self._reply(writer, 404, b"not found\n")
                    continue
                self.requests += 1
                body = path.read_bytes()
                await self._send_file(writer, body, headers.get("range"), request[0] == "HEAD")
                if headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, OSError):
            return
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    @staticmethod
    async def _send_file(
        writer: asyncio.StreamWriter, body: bytes, byte_range: str | None, head_only: bool
    ) -> None:
        size = len(body)
        start, end = 0, size - 1
        status = "200 OK"
        m = re.fullmatch(r"bytes=(\d*)-(\d*)", byte_range or "")
        if m and (m.group(1) or m.group(2)):
            if m.group(1):
                start = int(m.group(1))
                end = min(int(m.group(2)), size - 1) if m.group(2) else size - 1
            else:
                start = max(0, size - int(m.group(2)))
            if start >= size or start > end:
                writer.write(
                    f"HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{size}\r\n"
                    "Content-Length: 0\r\n\r\n".encode()
                )
                await writer.drain()
                return
            status = "206 Partial Content"
        extra = f"Content-Range: bytes {start}-{end}/{size}\r\n" if status[0:3] == "206" else ""
        head = (
            f"HTTP/1.1 {status}\r\nContent-Type: audio/wav\r\nAccept-Ranges: bytes\r\n"
            f"{extra}Content-Length: {end - start + 1}\r\nCache-Control: max-age=86400\r\n\r\n"
        )
        writer.write(head.encode())
        if not head_only:
            writer.write(body[start : end + 1])
        await writer.drain()

    @staticmethod
    async def _reply(writer: asyncio.StreamWriter, code: int, body: bytes) -> None:
        reason = {404: "Not Found", 405: "Method Not Allowed"}.get(code, "Error")
        writer.write(
            f"HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        await writer.drain()


def default_folder() -> Path:
    """The per-user cache folder for radio clips."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("dispatch-console")) / "radio-clips"


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: make the clip pool and serve it."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8555, help="listen port (0 picks a free one)")
    p.add_argument("--folder", type=Path, default=None, help="clip cache folder")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    server = RadioAudioServer(args.folder or default_folder(), args.host, args.port)
    server.start()
    print(f"radio audio on {server.base_url} (e.g. {server.url_for('R-000001')})", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
