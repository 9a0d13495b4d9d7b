"""``dispatch-backend``: serve the wire contract, manage operators.

Examples::

    dispatch-backend serve --demo --seed 7
    dispatch-backend operator add wang --role operator
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Sequence

from backend_stub import db

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
        default="http://127.0.0.1:8554",
        help="base URL of the demo cameras' streams",
    )
    s.add_argument("--training", action="store_true", help="a training backend (trainers act)")
    s.add_argument("-v", "--verbose", action="store_true", help="debug logging")

    o = sub.add_parser("operator", help="manage operator accounts")
    osub = o.add_subparsers(dest="action", required=True)
    a = osub.add_parser("add", help="create an operator; prints its token as the last line")
    a.add_argument("name")
    a.add_argument("--role", required=True, choices=db.ROLES)
    a.add_argument("--db", default=None)
    a.add_argument("--reissue", action="store_true", help="issue a new token if NAME exists")
    return p


def _positive(value: float, name: str) -> None:
    if not value > 0:
        raise SystemExit(f"dispatch-backend: {name} must be greater than 0")


async def _serve(args: argparse.Namespace) -> None:
    from backend_stub.server import Backend

    engine = db.open_engine(args.db or db.default_url())
    backend = Backend(engine, training=args.training)
    try:
        port = await backend.start(args.host, args.port)
    except OSError as exc:
        raise SystemExit(
            f"dispatch-backend: cannot listen on {args.host}:{args.port}: {exc}"
        ) from None
    if args.demo:
        from backend_stub.demo import run_demo

        await run_demo(
            backend,
            seed=args.seed,
            units=args.units,
            position_hz=args.position_hz,
            alert_rate=args.alert_rate,
            radio_rate=args.radio_rate,
            stream_base=args.stream_base,
        )
    print(f"listening on ws://{args.host}:{port}/ws (head seq {backend.committed_seq})", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("shutting down")
    await backend.stop()
    engine.dispose()
    with contextlib.suppress(BrokenPipeError):  # whoever started us may be gone already
        print("stopped", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``dispatch-backend``."""
    args = _parser().parse_args(argv)
    if args.command == "operator":
        engine = db.open_engine(args.db or db.default_url())
        try:
            token = db.add_operator(engine, args.name, args.role, reissue=args.reissue)
        except ValueError as exc:
            print(f"dispatch-backend: {exc}", file=sys.stderr)
            return 1
        finally:
            engine.dispose()
        print(f"operator {args.name} ({args.role}) token:")
        print(token)
        return 0
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
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
