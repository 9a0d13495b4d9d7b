"""A real RTSP server standing in for IP cameras (GStreamer's gst-rtsp-server), for tests and bench.

Run it with the system Python, which has GStreamer's introspection bindings (python3-gi,
gir1.2-gst-rtsp-server-1.0; installer/system-packages.sh installs them)::

    /usr/bin/python3 tools/rtsp_camera.py --port 0 --cameras 2 --user admin --password 12345

It serves ``rtsp://127.0.0.1:PORT/cam1`` ... ``/camN``: a 640x360 H.264 test picture at 25 fps
with the camera's name and the wall clock burnt in, one session per client (as a camera has),
over TCP interleaved or UDP. With ``--user`` it asks for credentials (``--auth basic`` or
``digest``). ``--close-after S`` drops every client S seconds after it connected (a camera
that closes its sessions), ``--audio-only`` serves no video. It prints ``ready PORT`` once it
listens, and a line ``session /camN`` per RTSP session it starts (what the bench counts).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

import gi  # type: ignore[import-untyped]

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
gi.require_version("GstRtsp", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # type: ignore[import-untyped]  # noqa: E402


def _pipeline(name: str, args: argparse.Namespace) -> str:
    if args.audio_only:
        return (
            "( audiotestsrc is-live=true ! audioconvert ! avenc_aac ! rtpmp4gpay name=pay0 pt=97 )"
        )
    w, h = args.size.split("x")
    return (
        f"( videotestsrc is-live=true pattern={args.pattern} ! "
        f"video/x-raw,width={w},height={h},framerate={args.fps}/1 ! "
        f'textoverlay text="{name}" valignment=top halignment=left font-desc="Sans 20" ! '
        'clockoverlay time-format="%H:%M:%S" valignment=bottom halignment=right '
        'font-desc="Sans 20" ! '
        f"x264enc tune=zerolatency speed-preset=ultrafast key-int-max={args.fps} "
        f"bitrate={args.bitrate} ! video/x-h264,profile=baseline ! "
        "rtph264pay name=pay0 pt=96 config-interval=1 )"
    )


def main(argv: list[str] | None = None) -> int:
    """Serve the cameras until killed."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--port", type=int, default=0, help="listen port on 127.0.0.1 (0 picks one)")
    p.add_argument("--cameras", type=int, default=1)
    p.add_argument("--user", default="")
    p.add_argument("--password", default="")
    p.add_argument("--auth", choices=("basic", "digest"), default="digest")
    p.add_argument("--close-after", type=float, default=0.0)
    p.add_argument("--audio-only", action="store_true")
    p.add_argument("--size", default="640x360")
    p.add_argument("--fps", type=int, default=25)
    p.add_argument("--bitrate", type=int, default=800, help="kbit/s")
    p.add_argument("--pattern", default="smpte")
    p.add_argument(
        "--shared", action="store_true", help="one pipeline per camera for all its sessions"
    )
    args = p.parse_args(argv)
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    for i in range(1, args.cameras + 1):
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(_pipeline(f"cam{i}", args))
        # Default: one pipeline per session, as a camera's encoder per client. Shared: every
        # session of a camera gets the same frames (the bench compares two paths' arrivals).
        factory.set_shared(args.shared)
        if args.user:
            factory.add_role_from_structure(
                Gst.Structure.from_string(
                    "user, media.factory.access=(boolean)true, "
                    "media.factory.construct=(boolean)true"
                )[0]
            )
        mounts.add_factory(f"/cam{i}", factory)
    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        if args.auth == "digest":
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
            auth.add_digest(args.user, args.password, token)
        else:
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
        server.set_auth(auth)

    def on_client(_server: Any, client: Any) -> None:
        started = time.monotonic()

        def on_play(_client: Any, ctx: Any) -> Any:
            print(f"session {ctx.uri.abspath}", flush=True)
            return GstRtsp.RTSPStatusCode.OK

        client.connect("pre-play-request", on_play)
        if args.close_after > 0:

            def close() -> bool:
                if time.monotonic() - started >= args.close_after:
                    client.close()
                    return False
                return True

            GLib.timeout_add(int(args.close_after * 1000), close)

    server.connect("client-connected", on_client)
    if server.attach(None) == 0:
        print("cannot listen", file=sys.stderr)
        return 1
    print(f"ready {server.get_bound_port()}", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
