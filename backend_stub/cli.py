"""``dispatch-backend``: serve the wire contract, manage operators.

Examples::

    dispatch-backend serve --demo --seed 7
    dispatch-backend serve --cert server.pem --key server.key --max-connections 200
    dispatch-backend serve --db postgresql+psycopg://dispatch@db/dispatch --port 8766
        (any number of processes may share one PostgreSQL; see docs/admin-guide.md)
    dispatch-backend operator add wang --role operator --password
    dispatch-backend operator revoke wang
    dispatch-backend audit export --since 2026-11-28T00:00:00Z > audit.jsonl
    dispatch-backend import --dry-run units.csv cameras.csv talkgroups.csv grids.geojson
    dispatch-backend export --kind cameras -o cameras.csv
    dispatch-backend source add fleet-808 --kind jt808      (the key is the last line)
    dispatch-backend demo-data demo-district/
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import getpass
import json
import logging
import signal
import ssl
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from backend_stub import db
from backend_stub.inventory.read import CRS_CHOICES, KINDS, MAX_FILE_BYTES
from backend_stub.sources import SOURCE_KINDS
from console.protocol.codec import format_ts

if TYPE_CHECKING:
    from backend_stub.server import Backend

log = logging.getLogger("backend")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dispatch-backend",
        description="Websocket backend of the dispatch console, with a district simulator.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("serve", help="serve consoles over websockets")
    s.add_argument("--host", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8765, help="listen port (0 picks a free one)")
    s.add_argument("--db", default=None, help="SQLAlchemy URL (default: SQLite in user data dir)")
    s.add_argument("--demo", action="store_true", help="simulate the demo district")
    s.add_argument("--seed", type=int, default=7, help="simulation seed (default 7)")
    s.add_argument("--units", type=int, default=220, help="simulated units (default 220)")
    s.add_argument(
        "--position-hz", type=float, default=0.2, help="position reports per unit per second"
    )
    s.add_argument("--alert-rate", type=float, default=0.05, help="new alerts per second")
    s.add_argument("--radio-rate", type=float, default=0.3, help="radio calls per second")
    s.add_argument(
        "--stream-base",
        default=None,
        help="base URL of an outside server of the demo cameras' streams ({base}/{id}/main;"
        " default: the demo clips through this backend's media gateway)",
    )
    s.add_argument("--training", action="store_true", help="a training backend (trainers act)")
    s.add_argument(
        "--scenario",
        metavar="FILE",
        default=None,
        help="play a scripted training exercise (TOML/JSON, see resources/scenarios/)",
    )
    s.add_argument("--cert", default=None, help="TLS certificate chain (PEM): serve wss://")
    s.add_argument("--key", default=None, help="TLS private key (PEM) of --cert")
    s.add_argument(
        "--max-connections",
        type=int,
        default=1000,
        help="connections served at once; more get HTTP 503 (default 1000)",
    )
    s.add_argument(
        "--command-rate",
        type=float,
        default=50.0,
        help="commands per second per connection (default 50)",
    )
    s.add_argument(
        "--command-burst",
        type=int,
        default=100,
        help="commands a connection may send at once (default 100)",
    )
    s.add_argument(
        "--token-ttl",
        type=float,
        default=12.0,
        help="hours a token issued at sign-in stays valid (default 12)",
    )
    s.add_argument(
        "--http-port",
        type=int,
        default=None,
        help="HTTP port of the feeds (OsmAnd, rdio uploads, CAP, alarms) and recorded audio;"
        " 0 picks one (default: none; with --demo a free one)",
    )
    s.add_argument(
        "--max-pulls",
        type=int,
        default=64,
        help="camera streams the media gateway pulls at once; more viewers get 503 (default 64)",
    )
    s.add_argument("--cot-port", type=int, default=None, help="Cursor-on-Target, TCP and UDP")
    s.add_argument("--jt808-port", type=int, default=None, help="JT/T 808 vehicle terminals")
    s.add_argument(
        "--ingest-host", default="127.0.0.1", help="address of the feed ports (127.0.0.1)"
    )
    s.add_argument(
        "--audio-dir", default=None, help="where uploaded call audio is kept (user data dir)"
    )
    s.add_argument(
        "--sighting-retention-days",
        type=float,
        default=30.0,
        help="how long plate reads and face matches are kept (days, default 30)",
    )
    s.add_argument(
        "--http-public-url",
        default=None,
        help="the HTTP port as consoles reach it, for audio URLs (e.g. http://10.1.2.3:8766;"
        " default http://INGEST_HOST:PORT)",
    )
    s.add_argument("-v", "--verbose", action="store_true", help="debug logging")

    o = sub.add_parser("operator", help="manage operator accounts")
    osub = o.add_subparsers(dest="action", required=True)
    a = osub.add_parser("add", help="create an operator; prints its token as the last line")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=db.ROLES)
    a.add_argument("--db", default=None)
    a.add_argument("--reissue", action="store_true", help="issue a new token if NAME exists")
    pw = a.add_mutually_exclusive_group()
    pw.add_argument(
        "--password", action="store_true", help="set a sign-in password (asked for twice)"
    )
    pw.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    r = osub.add_parser("revoke", help="revoke every token of NAME; live connections close")
    r.add_argument("name")
    r.add_argument("--db", default=None)

    au = sub.add_parser("audit", help="the audit trail of commands")
    ausub = au.add_subparsers(dest="action", required=True)
    ex = ausub.add_parser("export", help="write the audit trail as JSON lines")
    ex.add_argument("--since", default=None, help="RFC 3339 time or epoch seconds")
    ex.add_argument(
        "--name", default=None, help="only this command (e.g. sighting.search, watch.add)"
    )
    ex.add_argument("--db", default=None)
    ex.add_argument("-o", "--output", default="-", help="file to write (default stdout)")

    im = sub.add_parser(
        "import", help="import inventory files (units, cameras, talkgroups, layers)"
    )
    im.add_argument("files", nargs="+", metavar="FILE", help="units.csv, cameras.csv, ... *.shp")
    im.add_argument("--db", default=None)
    im.add_argument(
        "--crs", choices=CRS_CHOICES, default="wgs84", help="coordinates of the files (wgs84)"
    )
    im.add_argument("--dry-run", action="store_true", help="only check; change nothing")
    im.add_argument(
        "--max-file-mb", type=float, default=MAX_FILE_BYTES / (1 << 20), help="largest file taken"
    )
    exp = sub.add_parser("export", help="write the inventory as the files import takes")
    exp.add_argument("--kind", required=True, choices=KINDS)
    exp.add_argument("-o", "--output", required=True, help="file to write")
    exp.add_argument("--db", default=None)
    exp.add_argument(
        "--with-secrets", action="store_true", help="include camera user names and passwords"
    )
    so = sub.add_parser("source", help="live-feed sources and their keys")
    sosub = so.add_subparsers(dest="action", required=True)
    sa = sosub.add_parser("add", help="add a source; prints its key as the last line (once)")
    sa.add_argument("name")
    sa.add_argument("--kind", required=True, choices=SOURCE_KINDS)
    sa.add_argument("--db", default=None)
    sl = sosub.add_parser("list", help="every source with its counts")
    sl.add_argument("--db", default=None)
    sr = sosub.add_parser("revoke", help="revoke a source: its key stops working at once")
    sr.add_argument("name")
    sr.add_argument("--db", default=None)
    dd = sub.add_parser("demo-data", help="write the demo district as inventory files")
    dd.add_argument("directory")
    dd.add_argument("--seed", type=int, default=7)
    dd.add_argument("--units", type=int, default=220)
    dd.add_argument(
        "--stream-base", default=None, help="an outside stream server (default: clip files)"
    )
    return p


def _import(args: argparse.Namespace) -> int:
    from backend_stub.inventory.store import import_paths

    engine = db.open_engine(args.db or db.default_url())
    try:
        report = import_paths(
            engine,
            [Path(f) for f in args.files],
            crs=args.crs,
            dry_run=args.dry_run,
            max_bytes=int(args.max_file_mb * (1 << 20)),
        )
    finally:
        engine.dispose()
    for problem in report.problems:
        print(problem, file=sys.stderr)
    if report.errors:
        print(
            f"dispatch-backend: {len(report.errors)} error(s); nothing was imported",
            file=sys.stderr,
        )
        return 1
    print(report.summary())
    if args.dry_run:
        print("dry run: nothing was changed")
    elif report.rev is None:
        print("nothing to change: the inventory already holds these files")
    else:
        print(f"imported (revision {report.rev})")
    return 0


def _export(args: argparse.Namespace) -> int:
    from backend_stub.inventory.store import export

    engine = db.open_engine(args.db or db.default_url())
    try:
        n = export(engine, args.kind, Path(args.output), with_secrets=args.with_secrets)
    except OSError as exc:
        print(f"dispatch-backend: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"{n} {args.kind} written to {args.output}", file=sys.stderr)
    return 0


def _source(args: argparse.Namespace) -> int:
    from backend_stub import sources

    engine = db.open_engine(args.db or db.default_url())
    try:
        if args.action == "add":
            key = sources.add_source(engine, args.name, args.kind)
            print(f"source {args.name} ({args.kind}) key (shown once):")
            print(key)
        elif args.action == "revoke":
            sources.revoke_source(engine, args.name)
            print(f"source {args.name}: revoked")
        else:
            print("name\tkind\tstate\tlast message\taccepted\trefused\tlast error")
            for src in sources.list_sources(engine):
                seen = format_ts(src.last_seen) if src.last_seen else "-"
                state = "revoked" if src.revoked else "active"
                print(
                    f"{src.name}\t{src.kind}\t{state}\t{seen}\t{src.accepted}\t{src.refused}"
                    f"\t{src.last_error or '-'}"
                )
    except ValueError as exc:
        print(f"dispatch-backend: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    from backend_stub.demo_data import write_demo_data
    from backend_stub.district import build_district

    district = build_district(args.seed, n_units=args.units)
    for path in write_demo_data(district, Path(args.directory), args.stream_base):
        print(path)
    return 0


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if args.password:
        first = getpass.getpass(f"password for {args.name}: ")
        if first != getpass.getpass("again: "):
            raise ValueError("the passwords differ")
        return first
    return None


def _operator(args: argparse.Namespace) -> int:
    engine = db.open_engine(args.db or db.default_url())
    try:
        if args.action == "revoke":
            db.revoke_operator(engine, args.name)
            print(f"operator {args.name}: every token revoked")
            return 0
        password = _read_password(args)
        token = db.add_operator(
            engine, args.name, args.role, reissue=args.reissue, password=password
        )
    except ValueError as exc:
        print(f"dispatch-backend: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    print(f"operator {args.name} ({args.role}) token:")
    print(token)
    return 0


def _since(text: str | None) -> float:
    if text is None:
        return 0.0
    try:
        return float(text)
    except ValueError:
        pass
    from console.protocol.codec import parse_ts

    try:
        return parse_ts(text)
    except ValueError:
        raise SystemExit(f"dispatch-backend: --since {text!r} is not a time") from None


def _audit(args: argparse.Namespace) -> int:
    since = _since(args.since)
    engine = db.open_engine(args.db or db.default_url())
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8")  # noqa: SIM115
    try:
        n = 0
        for entry in db.audit_entries(engine, since):
            if args.name and entry["name"] != args.name:
                continue
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
            n += 1
        out.flush()
    finally:
        if out is not sys.stdout:
            out.close()
        engine.dispose()
    print(f"{n} audit entries", file=sys.stderr)
    return 0


def _tls(args: argparse.Namespace) -> ssl.SSLContext | None:
    if args.cert is None and args.key is None:
        return None
    if args.cert is None or args.key is None:
        raise SystemExit("dispatch-backend: --cert and --key go together")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(args.cert, args.key)
    except (OSError, ssl.SSLError) as exc:
        raise SystemExit(f"dispatch-backend: cannot load the certificate: {exc}") from None
    return context


def _positive(value: float, name: str) -> None:
    if not value > 0:
        raise SystemExit(f"dispatch-backend: {name} must be greater than 0")


async def _serve(args: argparse.Namespace) -> None:
    from backend_stub.server import REVOCATION_POLL_S, Backend

    tls = _tls(args)
    engine = db.open_engine(args.db or db.default_url())
    backend = Backend(
        engine,
        training=args.training,
        command_rate=args.command_rate,
        command_burst=args.command_burst,
        max_connections=args.max_connections,
        token_ttl=args.token_ttl * 3600.0,
        revocation_poll_s=REVOCATION_POLL_S,
        http_port=0 if args.http_port is None and args.demo else args.http_port,
        ingest_host=args.ingest_host,
        audio_dir=Path(args.audio_dir) if args.audio_dir else None,
        cot_port=args.cot_port,
        jt808_port=args.jt808_port,
        http_public_url=args.http_public_url,
        max_pulls=args.max_pulls,
        sighting_retention_days=args.sighting_retention_days,
    )
    try:
        port = await backend.start(args.host, args.port, ssl=tls)
    except OSError as exc:
        raise SystemExit(
            f"dispatch-backend: cannot listen on {args.host}:{args.port}: {exc}"
        ) from None
    if args.demo:
        from backend_stub.demo import run_demo

        async def simulate() -> None:
            await run_demo(
                backend,
                seed=args.seed,
                units=args.units,
                position_hz=args.position_hz,
                alert_rate=args.alert_rate,
                radio_rate=args.radio_rate,
                stream_base=args.stream_base,
            )

        if backend.shared:
            # Several processes on one PostgreSQL: the one holding the simulation lock
            # simulates; the others serve the same district and take over if it dies.
            await _demo_standby(backend, args)
            backend.lead(db.SIMULATION_LOCK, "demo simulation", simulate)
        else:
            try:
                await simulate()
            except FileNotFoundError as exc:  # espeak-ng missing for the radio clips
                await backend.stop()
                raise SystemExit(
                    f"dispatch-backend: --demo cannot start: {exc} "
                    "(install it: apt-get install espeak-ng)"
                ) from None
    if args.scenario:
        from backend_stub.scenario import ScenarioError, load_scenario, run_scenario

        try:
            scenario = load_scenario(args.scenario)
        except (OSError, ScenarioError) as exc:
            await backend.stop()
            raise SystemExit(f"dispatch-backend: scenario {args.scenario}: {exc}") from None
        backend.spawn(run_scenario(backend, scenario), "scenario")
    # The state is millions of long-lived objects: full collections of them stall the event
    # loop for seconds under load (an import of 125,000 items: half its time). Keep what is
    # there out of the collector, and collect the young generation less often.
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    if backend.http is not None:
        print(f"http on {args.ingest_host}:{backend.http.port}", flush=True)
    for name, door in backend.doors.items():
        print(f"{name} on {args.ingest_host}:{door.port}", flush=True)
    scheme = "wss" if tls else "ws"
    print(
        f"listening on {scheme}://{args.host}:{port}/ws (head seq {backend.committed_seq})",
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    stopped = asyncio.create_task(stop.wait())
    failed = asyncio.create_task(backend.failed.wait())
    await asyncio.wait((stopped, failed), return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    failed.cancel()
    if backend.failed.is_set():
        log.error("this backend can no longer serve correctly; stopping")
    log.info("shutting down")
    await backend.stop()
    engine.dispose()
    with contextlib.suppress(BrokenPipeError):  # whoever started us may be gone already
        print("stopped", flush=True)
    if backend.failed.is_set():
        raise SystemExit(1)  # for a supervisor: restart this process


async def _demo_standby(backend: Backend, args: argparse.Namespace) -> None:
    # A standby serves the demo district from its start (the import is decided once in the
    # shared log, whichever process commits it first), and what the demo keeps outside the
    # event log (the simulated past week of hourly counts) is the same in every process.
    from backend_stub.demo import import_district, seed_past_week, serve_demo_clips
    from backend_stub.district import build_district

    district = await asyncio.get_running_loop().run_in_executor(
        None, lambda: build_district(args.seed, n_units=args.units)
    )
    backend.streets = district
    if args.stream_base is None:
        serve_demo_clips(backend, district)  # its consoles watch the same cameras
    await import_district(backend, district, args.stream_base)
    seed_past_week(backend.state, args.seed, args.alert_rate, time.time())


_TOOLS = {"import": _import, "export": _export, "source": _source, "demo-data": _demo_data}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``dispatch-backend``."""
    args = _parser().parse_args(argv)
    if args.command == "operator":
        return _operator(args)
    if args.command == "audit":
        return _audit(args)
    if args.command in _TOOLS:
        return _TOOLS[args.command](args)
    if args.max_connections < 1:
        raise SystemExit("dispatch-backend: --max-connections must be at least 1")
    _positive(args.command_rate, "--command-rate")
    _positive(args.command_burst, "--command-burst")
    _positive(args.token_ttl, "--token-ttl")
    _positive(args.max_pulls, "--max-pulls")
    _positive(args.sighting_retention_days, "--sighting-retention-days")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.demo:
        _positive(args.position_hz, "--position-hz")
        if args.units < 1:
            raise SystemExit("dispatch-backend: --units must be at least 1")
        if args.alert_rate < 0 or args.radio_rate < 0:
            raise SystemExit("dispatch-backend: rates must not be negative")
    with contextlib.suppress(KeyboardInterrupt), asyncio.Runner(loop_factory=_loop()) as runner:
        runner.run(_serve(args))
    return 0


def _loop() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed, else asyncio's own.

    libuv's sockets and callbacks cost a fraction of asyncio's selector loop per read and write,
    and the feeds make tens of thousands of them a second (a JT/T 808 terminal's report and its
    answer, an OsmAnd request, a CoT datagram, the websocket frames to every console).
    """
    try:
        import uvloop
    except ImportError:  # not on Windows; the backend runs on asyncio's loop there
        return None
    return uvloop.new_event_loop


if __name__ == "__main__":
    sys.exit(main())
