"""The media gateway against real sources: a real RTSP server (GStreamer's gst-rtsp-server,
run by the system Python as tools/rtsp_camera.py), real HTTP sources and real files, with
real ffmpeg pulls and real HTTP viewers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from backend_stub.media import MediaGateway, SourceStatus, ffmpeg_argv, source_with_credentials
from backend_stub.media.gateway import file_source
from tests.rtsp import RtspCameras


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 2 s H.264 clip with a keyframe every 10 frames."""
    path = tmp_path_factory.mktemp("clips") / "clip.ts"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
         "testsrc=size=320x180:rate=25:duration=2", "-c:v", "libx264", "-preset", "ultrafast",
         "-g", "10", "-pix_fmt", "yuv420p", "-f", "mpegts", str(path)],
        check=True,
    )  # fmt: skip
    return path


class Served:
    """A gateway on an aiohttp port of its own, with viewer helpers."""

    def __init__(self, gateway: MediaGateway, port: int, session: aiohttp.ClientSession) -> None:
        self.gateway = gateway
        self.port = port
        self.session = session

    def url(self, camera: str, stream: str = "main") -> str:
        return f"http://127.0.0.1:{self.port}/media/{camera}/{stream}"

    async def read(self, camera: str, n: int, stream: str = "main") -> bytes:
        """The first ``n`` bytes a viewer of the camera stream gets."""
        async with self.session.get(self.url(camera, stream)) as response:
            assert response.status == 200, await response.text()
            assert response.headers["Content-Type"] == "video/mp2t"
            return await response.content.readexactly(n)


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., object]]:
    runners: list[web.AppRunner] = []
    gateways: list[MediaGateway] = []
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))

    async def start(sources: dict[str, str], **kwargs: object) -> Served:
        gateway = MediaGateway(lambda cam, _stream: sources.get(cam), **kwargs)  # type: ignore[arg-type]

        async def handler(request: web.Request) -> web.StreamResponse:
            return await gateway.serve(request, request.match_info["cam"], request.match_info["s"])

        app = web.Application()
        app.router.add_get("/media/{cam}/{s}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        gateways.append(gateway)
        return Served(gateway, int(runner.addresses[0][1]), session)

    yield start
    await session.close()
    for gateway in gateways:
        await gateway.close()
    for runner in runners:
        await runner.cleanup()


async def until(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)


def _is_ts(data: bytes) -> bool:
    return all(data[i] == 0x47 for i in range(0, len(data) - 187, 188))


async def test_one_rtsp_pull_serves_three_viewers_and_stops_after_the_last(
    rtsp: Callable[..., RtspCameras], serve: Callable[..., object]
) -> None:
    cams = rtsp("--user", "admin", "--password", "s3cret", "--auth", "digest")
    served: Served = await serve(  # type: ignore[misc]
        {"c1": source_with_credentials(cams.url(1), "admin", "s3cret")}, idle_s=0.5
    )
    data = await asyncio.gather(*(served.read("c1", 188 * 300) for _ in range(3)))
    assert all(_is_ts(d) for d in data)
    assert served.gateway.pulls("c1") == 1
    assert served.gateway.status("c1") == SourceStatus(True)
    await until(lambda: not served.gateway.running())
    sessions = [line for line in cams.stop() if line.startswith("session")]
    assert sessions == ["session /cam1"], "three viewers, one RTSP session at the camera"


async def test_a_wrong_password_is_an_offline_camera_unauthorized(
    rtsp: Callable[..., RtspCameras], serve: Callable[..., object]
) -> None:
    cams = rtsp("--user", "admin", "--password", "s3cret", "--auth", "basic")
    seen: list[SourceStatus] = []
    served: Served = await serve(  # type: ignore[misc]
        {"c1": cams.url(1, "admin", "wrong")}, on_status=lambda _c, _s, st: seen.append(st)
    )
    async with served.session.get(served.url("c1")) as response:
        assert response.status == 502
        assert "unauthorized" in await response.text()
    assert seen[0] == SourceStatus(False, "unauthorized")


async def test_a_camera_that_closes_after_2_s_is_pulled_again_and_the_viewer_goes_on(
    rtsp: Callable[..., RtspCameras], serve: Callable[..., object]
) -> None:
    cams = rtsp("--close-after", "2")
    served: Served = await serve({"c1": cams.url(1)}, backoff_s=0.2)  # type: ignore[misc]
    async with served.session.get(served.url("c1")) as response:
        assert response.status == 200
        await response.content.readexactly(188 * 50)
        await until(lambda: served.gateway.pulls("c1") >= 2)
        await until(lambda: served.gateway.status("c1") == SourceStatus(True))
        more = await response.content.readexactly(188 * 300)  # from the second session
        assert _is_ts(more)
    assert [line for line in cams.stop() if line.startswith("session")][:2] == [
        "session /cam1",
        "session /cam1",
    ]


async def test_a_viewer_that_stops_reading_is_dropped_and_the_others_go_on(
    clip: Path, serve: Callable[..., object]
) -> None:
    served: Served = await serve({"c1": file_source(clip)}, queue_chunks=4)  # type: ignore[misc]
    # A viewer that never takes what it is given (its socket would block the same way).
    channel, stuck = await served.gateway.open("c1", "main")
    async with served.session.get(served.url("c1")) as response:
        assert response.status == 200
        got = 0
        while not stuck.dropped or got < 188 * 400:
            got += len(await response.content.readany())
        assert served.gateway.viewers("c1") == 1
    assert stuck.dropped
    served.gateway.leave(channel, stuck)


async def test_http_sources_and_a_viewer_limit_of_pulls(
    clip: Path, serve: Callable[..., object]
) -> None:
    upstream: Served = await serve({"a": file_source(clip), "b": file_source(clip)})  # type: ignore[misc]
    served: Served = await serve(  # type: ignore[misc]
        {"a": upstream.url("a"), "b": upstream.url("b")}, max_pulls=1
    )
    async with served.session.get(served.url("a")) as playing:
        assert playing.status == 200
        async with served.session.get(served.url("b")) as refused:
            assert refused.status == 503
            assert "limit" in await refused.text()
        assert _is_ts(await playing.content.readexactly(188 * 100))
    async with served.session.get(served.url("nope")) as unknown:
        assert unknown.status == 404


@pytest.fixture
def audio_only(tmp_path: Path) -> Path:
    """A clip with a sound track and no picture."""
    audio = tmp_path / "audio.ts"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
         "sine=duration=2", "-c:a", "aac", "-f", "mpegts", str(audio)],
        check=True,
    )  # fmt: skip
    return audio


async def test_unreachable_and_audio_only_sources(
    audio_only: Path, serve: Callable[..., object]
) -> None:
    served: Served = await serve(  # type: ignore[misc]
        {"gone": "rtsp://127.0.0.1:9/cam", "audio": file_source(audio_only)}
    )
    for camera, reason in (("gone", "unreachable"), ("audio", "no video")):
        async with served.session.get(served.url(camera)) as response:
            assert response.status == 502
            assert reason in await response.text()
        assert served.gateway.status(camera) == SourceStatus(False, reason)


@pytest.fixture
def odd_clip(clip: Path, tmp_path: Path) -> Path:
    """The clip under a name full of shell metacharacters."""
    odd = tmp_path / "cam;touch PWNED;$(touch PWNED2)`touch PWNED3`|x&.ts"
    odd.write_bytes(clip.read_bytes())
    return odd


def _pwned(folder: Path) -> list[Path]:
    return [*folder.glob("PWNED*"), *Path.cwd().glob("PWNED*")]


async def test_shell_metacharacters_in_a_source_are_only_a_name(
    odd_clip: Path, serve: Callable[..., object]
) -> None:
    argv = ffmpeg_argv("ffmpeg", str(odd_clip))
    assert str(odd_clip) in argv  # one argument, as it is
    served: Served = await serve({"c1": str(odd_clip)})  # type: ignore[misc]
    assert _is_ts(await served.read("c1", 188 * 100))
    assert not _pwned(odd_clip.parent)


def test_credentials_go_into_the_url_and_never_replace_the_urls_own() -> None:
    assert (
        source_with_credentials("rtsp://10.0.0.5:554/h264", "ad min", "p@ss:w/rd")
        == "rtsp://ad%20min:p%40ss%3Aw%2Frd@10.0.0.5:554/h264"
    )
    assert source_with_credentials("rtsp://u:p@h/x", "other", "pw") == "rtsp://u:p@h/x"
    assert source_with_credentials("file:/clips/a.mp4", "u", "p") == "file:/clips/a.mp4"
    assert sys.executable  # the tests above ran the RTSP server with the system Python
