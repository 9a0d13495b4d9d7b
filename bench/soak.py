"""Soak: N consoles against a demo backend, next to a bare websockets broadcast server.

    .venv/bin/python bench/soak.py                      # 20 consoles, 10,000 units at 1 Hz, 60 s
                                                        # then busy console and 50 consoles, 30 s
    .venv/bin/python bench/soak.py --minutes 30 --baseline-seconds 120   # for the record
    .venv/bin/python bench/soak.py --postgres           # also: two processes on one PostgreSQL

Phase 1 runs ``dispatch-backend serve --demo`` in a subprocess (SQLite); the consoles (spread
over a few worker processes so the measuring side is not the bottleneck) count events per
second, check seq for gaps, and one console per backend sends a ``log.write`` every 0.5 s to
time commands. Then, against the same backend, a busy console (protocol 2, a client that
applies at most 3,000 events a second and sends a ``log.write`` every 0.5 s: its result p99
and position age p99, drops) and 50 consoles (protocol 2: each one's lag at the end, gaps,
drops), both with the clients of ``bench/busy_console.py`` (``--busy-seconds``,
``--many-seconds``; 0 leaves one out). The backend's memory is sampled every 10 s over all three
(growth: from the first sample, taken once the consoles have caught up, to the last). With
``--postgres``, a second phase
starts a throwaway PostgreSQL server (Debian's ``postgresql`` package, ``PG_BIN``) and two
``serve --demo`` processes on it (one simulates, the other serves the same log through
LISTEN/NOTIFY); half the consoles connect to each. The last phase runs a bare ``websockets``
server that broadcasts the same volume of position events (the baseline: no database, no
state, no schema). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
RSS_EVERY_S = 10.0


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# ---------------------------------------------------------------- console workers


async def _console(url: str, token: str, seconds: float, commands: bool) -> dict[str, Any]:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    events = gaps = 0
    last: int | None = None
    latencies: list[float] = []
    sent: dict[str, float] = {}
    closed: str | None = None
    # No client keepalive: a console process that falls behind would time its own pings out
    # (the pong waits behind megabytes of queued frames). The backend's pings and its slow-
    # consumer limit still apply; a console it drops is counted as "dropped".
    async with connect(url, max_size=64 << 20, open_timeout=60, ping_interval=None) as ws:
        hello = {"type": "hello", "protocol": 1, "token": token, "resume_from": None}
        await ws.send(json.dumps(hello))
        start = time.monotonic()
        end = start + seconds

        synced = asyncio.Event()

        async def commander() -> None:
            await synced.wait()  # time commands in steady state, not during the first snapshot
            n = 0
            while time.monotonic() < end:
                n += 1
                cid = f"soak-{os.getpid()}-{n}"
                sent[cid] = time.monotonic()
                cmd = {"type": "command", "id": cid, "name": "log.write", "args": {"text": "soak"}}
                with contextlib.suppress(ConnectionClosed):
                    await ws.send(json.dumps(cmd))
                await asyncio.sleep(0.5)

        task = asyncio.create_task(commander()) if commands else None
        with contextlib.suppress(TimeoutError):
            while (left := end - time.monotonic()) > 0:
                try:
                    msg = json.loads(await asyncio.wait_for(ws.recv(), left))
                except ConnectionClosed as exc:
                    closed = str(exc)
                    break
                kind = msg.get("type")
                if kind == "snapshot":
                    last = msg["seq"]
                    synced.set()
                    continue
                if kind == "result":
                    t0 = sent.pop(msg["id"], None)
                    if t0 is not None:
                        latencies.append(time.monotonic() - t0)
                    continue
                for e in msg["events"] if kind == "batch" else [msg]:
                    if "seq" not in e:
                        continue
                    if last is not None and e["seq"] != last + 1:
                        gaps += 1
                    last = e["seq"]
                    events += 1
        if task is not None:
            task.cancel()
    return {
        "events": events,
        "gaps": gaps,
        "seconds": seconds,
        "latencies": latencies,
        "dropped": closed,
    }


async def _worker(urls: list[str], token: str, clients: int, seconds: float) -> None:
    # Console i talks to backend i mod n; the first console on each backend times commands.
    results = await asyncio.gather(
        *(
            _console(urls[i % len(urls)], token, seconds, commands=(i < len(urls)))
            for i in range(clients)
        )
    )
    for i, r in enumerate(results):
        r["backend"] = i % len(urls)
    print(json.dumps(results), flush=True)


async def _run_consoles(
    urls: list[str], token: str, clients: int, seconds: float
) -> list[dict[str, Any]]:
    workers = min(clients, max(1, (os.cpu_count() or 2) - 1), 8)
    shares = [clients // workers + (1 if i < clients % workers else 0) for i in range(workers)]
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            __file__,
            "--worker",
            ",".join(urls),
            token,
            str(n),
            str(seconds),
            stdout=asyncio.subprocess.PIPE,
        )
        for n in shares
        if n
    ]
    out: list[dict[str, Any]] = []
    for p in procs:
        stdout, _ = await p.communicate()
        out.extend(json.loads(stdout.decode().strip().splitlines()[-1]))
    return out


class RssSampler:
    """Samples the resident memory of some processes every ``RSS_EVERY_S`` seconds."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.samples: list[list[int]] = []
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            self.samples.append([_rss_kib(pid) for pid in self.pids])
            await asyncio.sleep(RSS_EVERY_S)

    def stop(self) -> dict[str, Any]:
        """Take the last sample; the figures (MiB) per process: start, end, max, growth."""
        if self._task is not None:
            self._task.cancel()
        self.samples.append([_rss_kib(pid) for pid in self.pids])
        out = []
        for i in range(len(self.pids)):
            series = [s[i] for s in self.samples]
            out.append(
                {
                    "rss_start_mib": round(series[0] / 1024, 1),
                    "rss_end_mib": round(series[-1] / 1024, 1),
                    "rss_max_mib": round(max(series) / 1024, 1),
                    "rss_growth_mib": round((series[-1] - series[0]) / 1024, 1),
                }
            )
        return {**out[0], "processes": out} if len(out) > 1 else out[0]


def _summary(results: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    lat = sorted(x for r in results for x in r["latencies"])
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000 if lat else None
    rates = [r["events"] / seconds for r in results]
    return {
        "clients": len(results),
        "events_per_s_per_client": round(sum(rates) / max(1, len(rates)), 1),
        "events_per_s_min_client": round(min(rates), 1) if rates else 0,
        "seq_gaps": sum(r["gaps"] for r in results),
        "consoles_dropped": sum(1 for r in results if r.get("dropped")),
        "commands": len(lat),
        "command_p99_ms": None if p99 is None else round(p99, 1),
    }


# ---------------------------------------------------------------- phase 1: the backend


async def _read_listening(proc: asyncio.subprocess.Process) -> str:
    assert proc.stdout is not None
    while True:
        line = (await asyncio.wait_for(proc.stdout.readline(), 600)).decode()
        if not line:
            raise SystemExit("the backend exited before listening")
        if line.startswith("listening on "):
            return line.split()[2]


async def _phase_backend(args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    from backend_stub import db

    db_url = f"sqlite:///{tmp / 'soak.sqlite3'}"
    engine = db.open_engine(db_url)
    token = db.add_operator(engine, "soak", "commander")
    engine.dispose()
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "backend_stub", "serve", "--demo", "--port", "0"),
        *("--db", db_url, "--units", str(args.units), "--position-hz", str(args.hz)),
        *("--command-rate", "1000", "--max-connections", "1000"),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        url = await _read_listening(proc)
        consoles = asyncio.create_task(_run_consoles([url], token, args.clients, args.seconds))
        await asyncio.sleep(min(10.0, args.seconds / 4))  # consoles connected and caught up
        rss = RssSampler([proc.pid])
        rss.start()
        t0 = time.monotonic()
        figures = _summary(await consoles, args.seconds)
        print("backend:", json.dumps(figures), flush=True)
        if args.busy_seconds:
            figures["busy_console"] = await _phase_busy(args, url, token, proc.pid)
        if args.many_seconds:
            figures["many_consoles"] = await _phase_many(args, url, token, proc.pid)
        memory = rss.stop()
        memory["rss_sampled_s"] = round(time.monotonic() - t0)
    finally:
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
    return {**figures, **memory}


BUSY_FIGURES = (
    "commands",
    "answered",
    "result_p50_ms",
    "result_p99_ms",
    "result_max_ms",
    "position_age_p50_s",
    "position_age_p99_s",
    "events_applied_per_s",
    "behind_max_s",
    "drops",
    "connections",
    "snapshots",
    "gaps",
)
MANY_FIGURES = (
    "clients",
    "fixes_per_s_per_client",
    "fixes_per_s_min_client",
    "delivered_vs_produced",
    "lag_p99_ms",
    "lag_end_max_s",
    "clients_lag_end_over_1s",
    "gaps",
    "drops",
    "command_p99_ms",
    "not_ready",
    "server_cpu_pct",
)


async def _phase_busy(args: argparse.Namespace, url: str, token: str, pid: int) -> dict[str, Any]:
    """The busy console of bench/busy_console.py (protocol 2), on the soak's backend."""
    from bench import busy_console as bc

    spec = {
        "url": url,
        "token": token,
        "protocol": 2,
        "seconds": args.busy_seconds,
        "apply_rate": 3000.0,
        "slow_transport": True,
    }
    phase = await bc._run_phase("busy", [spec], 1, pid)
    b = bc._busy_summary(phase, await bc._head_seq(url, token))
    out = {"seconds": args.busy_seconds, **{k: b[k] for k in BUSY_FIGURES}}
    print("busy console (3,000 events/s, protocol 2):", json.dumps(out), flush=True)
    return out


async def _phase_many(args: argparse.Namespace, url: str, token: str, pid: int) -> dict[str, Any]:
    """``--many`` consoles of bench/busy_console.py (protocol 2), on the soak's backend."""
    from bench import busy_console as bc

    specs = bc._fan_specs(args.many, 2, url, token, args.many_seconds)
    m = bc._fan_summary(await bc._run_phase("fan", specs, 2, pid))
    out = {"seconds": args.many_seconds, **{k: m[k] for k in MANY_FIGURES}}
    print(f"{args.many} consoles (protocol 2):", json.dumps(out), flush=True)
    return out


# ---------------------------------------------------------------- phase 2: two on PostgreSQL


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _postgres(tmp: Path) -> Iterator[str]:
    """A throwaway PostgreSQL server (fsync on, as in production); yields its SQLAlchemy URL."""
    if not (PG_BIN / "initdb").exists():
        raise SystemExit(f"--postgres: no PostgreSQL server in {PG_BIN} (Debian: postgresql-15)")
    data = tmp / "pg"
    data.mkdir()
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root
        shutil.chown(data, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    pgdata = data / "data"
    subprocess.run(
        [*run_as, str(PG_BIN / "initdb"), "-D", str(pgdata), "-U", "postgres", "-A", "trust"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *run_as,
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(pgdata),
            "-w",
            "-l",
            str(data / "log"),
            "-o",
            f"-p {port} -h 127.0.0.1 -k {data}",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*run_as, str(PG_BIN / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"],
            check=False,
            capture_output=True,
        )


async def _phase_postgres(args: argparse.Namespace, db_url: str) -> dict[str, Any]:
    from backend_stub import db

    engine = db.open_engine(db_url)
    token = db.add_operator(engine, "soak", "commander")
    engine.dispose()
    procs = []
    try:
        for _ in range(2):
            procs.append(
                await asyncio.create_subprocess_exec(
                    *(sys.executable, "-m", "backend_stub", "serve", "--demo", "--port", "0"),
                    *("--db", db_url, "--units", str(args.units)),
                    *("--position-hz", str(args.hz)),
                    *("--command-rate", "1000", "--max-connections", "1000"),
                    cwd=ROOT,
                    stdout=asyncio.subprocess.PIPE,
                    stderr=asyncio.subprocess.DEVNULL,
                )
            )
        urls = [await _read_listening(p) for p in procs]
        consoles = asyncio.create_task(_run_consoles(urls, token, args.clients, args.seconds))
        await asyncio.sleep(min(10.0, args.seconds / 4))
        rss = RssSampler([p.pid for p in procs])
        rss.start()
        results = await consoles
        memory = rss.stop()
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            await p.wait()
    per_backend = []
    for b in range(len(procs)):
        mine = [r for r in results if r.get("backend") == b]
        per_backend.append(_summary(mine, args.seconds))
    return {
        **_summary(results, args.seconds),
        **memory,
        "per_process": per_backend,
    }


# ---------------------------------------------------------------- phase 3: the baseline


async def _bare_server(units: int, hz: float) -> None:
    from websockets.asyncio.server import broadcast, serve

    clients: set[Any] = set()
    seq = 0

    async def handler(ws: Any) -> None:
        await ws.recv()  # the hello
        await ws.send(json.dumps({"type": "snapshot", "seq": seq, "state": {}}))
        clients.add(ws)
        try:
            async for raw in ws:
                msg = json.loads(raw)
                await ws.send(json.dumps({"type": "result", "id": msg["id"], "ok": True}))
        finally:
            clients.discard(ws)

    rng = random.Random(7)
    async with serve(handler, "127.0.0.1", 0, max_size=1 << 20) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"listening on ws://127.0.0.1:{port}/ws", flush=True)
        tick = 0.1
        per_tick = units * hz * tick
        carry = 0.0
        next_tick = time.monotonic()
        while True:
            carry += per_tick
            n, carry = int(carry), carry - int(carry)
            events = []
            for _ in range(n):
                seq += 1
                events.append(
                    {
                        "type": "unit.position",
                        "seq": seq,
                        "ts": "2026-11-28T00:00:00.000Z",
                        "unit_id": f"U-{rng.randrange(units):05d}",
                        "lat": 39.8 + rng.random() / 10,
                        "lon": 109.9 + rng.random() / 10,
                        "speed_kmh": 30.0,
                        "heading_deg": 90.0,
                        "source": "gps",
                        "fix_ts": "2026-11-28T00:00:00.000Z",
                    }
                )
            for i in range(0, len(events), 1000):
                chunk = events[i : i + 1000]
                broadcast(clients, json.dumps({"type": "batch", "events": chunk}))
            next_tick += tick
            await asyncio.sleep(max(0.0, next_tick - time.monotonic()))


async def _phase_bare(args: argparse.Namespace) -> dict[str, Any]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        __file__,
        "--bare-server",
        str(args.units),
        str(args.hz),
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        url = await _read_listening(proc)
        rss0 = _rss_kib(proc.pid)
        results = await _run_consoles([url], "bare", args.clients, args.baseline_seconds)
        rss1 = _rss_kib(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        await proc.wait()
    return {
        **_summary(results, args.baseline_seconds),
        "seconds": args.baseline_seconds,
        "rss_growth_mib": round((rss1 - rss0) / 1024, 1),
    }


async def _main(args: argparse.Namespace, pg_url: str | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        backend = await _phase_backend(args, Path(tmp))
    shared = None
    if pg_url is not None:
        shared = await _phase_postgres(args, pg_url)
        print("two backends on PostgreSQL:", json.dumps(shared), flush=True)
    bare = await _phase_bare(args)
    print("bare websockets:", json.dumps(bare), flush=True)
    bare_rate = max(1e-9, bare["events_per_s_per_client"])
    out = {
        "bench": "soak",
        "clients": args.clients,
        "units": args.units,
        "position_hz": args.hz,
        "seconds": args.seconds,
        "backend": backend,
        "bare_websockets": bare,
        "delivered_ratio_vs_bare": round(backend["events_per_s_per_client"] / bare_rate, 3),
    }
    busy, many = backend.get("busy_console"), backend.get("many_consoles")
    print(
        f"backend RSS {backend['rss_start_mib']} -> {backend['rss_end_mib']} MiB "
        f"({backend['rss_growth_mib']:+} MiB over {backend['rss_sampled_s']} s)"
        + (
            f"; busy console result p99 {busy['result_p99_ms']} ms (target < 250), position "
            f"age p99 {busy['position_age_p99_s']} s (< 2), drops {busy['drops']} (0)"
            if busy
            else ""
        )
        + (
            f"; {many['clients']} consoles lag at end max {many['lag_end_max_s']} s (< 1), "
            f"gaps {many['gaps']} (0), drops {many['drops']} (0)"
            if many
            else ""
        ),
        flush=True,
    )
    if shared is not None:
        out["postgres_two_processes"] = shared
        out["postgres_delivered_ratio_vs_bare"] = round(
            shared["events_per_s_per_client"] / bare_rate, 3
        )
    return out


def main() -> None:
    """Entry point."""
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        urls, token, n, seconds = sys.argv[2:6]
        asyncio.run(_worker(urls.split(","), token, int(n), float(seconds)))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--bare-server":
        with contextlib.suppress(KeyboardInterrupt):
            signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
            asyncio.run(_bare_server(int(sys.argv[2]), float(sys.argv[3])))
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--units", type=int, default=10_000)
    p.add_argument("--hz", "--position-hz", type=float, default=1.0, dest="hz")
    p.add_argument("--seconds", type=float, default=60.0, help="each phase (default 60)")
    p.add_argument("--minutes", type=float, default=None, help="each phase, in minutes")
    p.add_argument(
        "--busy-seconds", type=float, default=30.0, help="the busy console phase (0: none)"
    )
    p.add_argument(
        "--many-seconds", type=float, default=30.0, help="the many consoles phase (0: none)"
    )
    p.add_argument("--many", type=int, default=50, help="consoles in the many consoles phase")
    p.add_argument(
        "--baseline-seconds",
        type=float,
        default=None,
        help="the bare websockets phase (default: as long as the others); its rate is steady,"
        " so a long soak can keep it short",
    )
    p.add_argument(
        "--postgres",
        action="store_true",
        help="also run two backend processes on one PostgreSQL (started here, PG_BIN)",
    )
    args = p.parse_args()
    if args.minutes is not None:
        args.seconds = args.minutes * 60
    if args.baseline_seconds is None:
        args.baseline_seconds = args.seconds
    if not args.postgres:
        print(json.dumps(asyncio.run(_main(args, None))), flush=True)
        return
    with tempfile.TemporaryDirectory(prefix="soak-pg-") as tmp:
        os.chmod(tmp, 0o755)  # the postgres user must reach its data directory
        with _postgres(Path(tmp)) as pg_url:
            figures = asyncio.run(_main(args, pg_url))
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
