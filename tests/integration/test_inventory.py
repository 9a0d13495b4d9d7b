"""The inventory through its real doors: ``dispatch-backend import/export/source/demo-data`` as
processes, a real ``serve`` process that turns another process's import into events, and the
commanders' websocket commands ``inventory.import`` and ``source.list``
(``shared/integration.md`` §1-2).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import csv
import io
import json
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from backend_stub import db, sources
from backend_stub.inventory import store
from backend_stub.inventory.read import read_bytes
from console.protocol.codec import validate_message
from tests.live import Client, Running, open_client, start_backend

ROOT = Path(__file__).resolve().parents[2]
SECRET = "S3cret"
CAMERA_URL = f"rtsp://admin:{SECRET}@10.1.2.3/ch1"
REDACTED_URL = "rtsp://10.1.2.3/ch1"
LAT, LON = 39.81, 109.98
WITHIN = 5.0  # the contract: imported changes reach the consoles within 5 s
PROBLEM = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<message>\S.*)$")

UNITS_CSV = (
    "id,callsign,kind,radio_id,talkgroup,station,status,device_ids\n"
    "U1,东胜巡逻一组,patrol_car,4600101,1001,东胜派出所,available,jt808:13912345678\n"
    "U2,鄂尔多斯步巡,foot,4600102,1001,富兴派出所,,osmand:860123\n"
)
RETIRE_U2_CSV = "id,callsign,kind,retired\nU2,鄂尔多斯步巡,foot,true\n"
CAMERAS_CSV = (
    "id,name,lat,lon,main,sub,ptz,username,password\n"
    f"C1,伊金霍洛街交叉口,{LAT},{LON},{CAMERA_URL},,true,admin,{SECRET}\n"
)
TALKGROUPS_CSV = "id,name,system,kind\n1001,东胜区指挥调度,1,group\n"


def _square(lon: float, lat: float, d: float) -> list[list[float]]:
    return [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]


def _grids(*features: tuple[str, str, Any]) -> str:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": g,
                "properties": {"kind": k, "id": i, "name": f"网格{i}"},
            }
            for k, i, g in features
        ],
    }
    return json.dumps(doc, ensure_ascii=False)


GRIDS_GEOJSON = _grids(
    ("grid", "G1", {"type": "Polygon", "coordinates": [_square(LON - 0.01, LAT - 0.01, 0.02)]})
)


def write_files(directory: Path, **files: str) -> list[Path]:
    """``units_csv=...`` → ``directory/units.csv`` (``grids_geojson`` → ``grids.geojson``)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for key, text in files.items():
        stem, _, ext = key.rpartition("_")
        path = directory / f"{stem}.{ext}"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def inventory_files() -> dict[str, str]:
    return {
        "talkgroups_csv": TALKGROUPS_CSV,
        "grids_geojson": GRIDS_GEOJSON,
        "units_csv": UNITS_CSV,
        "cameras_csv": CAMERAS_CSV,
    }


# ---------------------------------------------------------------- processes


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "backend_stub", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def acli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """:func:`cli` without blocking the event loop (the websocket clients keep reading)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "backend_stub",
        *map(str, args),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    assert proc.returncode is not None
    return subprocess.CompletedProcess(
        list(args), proc.returncode, out.decode("utf-8"), err.decode("utf-8")
    )


def problems_of(stderr: str) -> list[tuple[str, int, str]]:
    """The ``FILE:LINE: message`` lines of a refused import; every other line is the summary."""
    lines = stderr.strip().splitlines()
    assert lines, "a refused import prints its errors"
    *problem_lines, summary = lines
    assert re.fullmatch(r"dispatch-backend: \d+ error\(s\); nothing was imported", summary), summary
    found = []
    for line in problem_lines:
        match = PROBLEM.match(line)
        assert match, f"not FILE:LINE: message: {line!r}"
        found.append((match["file"], int(match["line"]), match["message"]))
    return found


def token_of(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


class Serve:
    """``dispatch-backend serve`` as a process; its stderr goes to a file (read at the end)."""

    def __init__(self, proc: asyncio.subprocess.Process, url: str, stderr: Path) -> None:
        self.proc = proc
        self.url = url
        self.stderr_path = stderr
        self.stdout = ""

    @classmethod
    async def start(cls, db_url: str, tmp_path: Path) -> Serve:
        stderr = tmp_path / "serve.stderr"
        with stderr.open("wb") as err:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "backend_stub",
                "serve",
                "--port",
                "0",
                "--db",
                db_url,
                "-v",
                cwd=ROOT,
                stdout=asyncio.subprocess.PIPE,
                stderr=err,
            )
        assert proc.stdout is not None
        seen: list[str] = []

        async def listening() -> str:
            assert proc.stdout is not None
            while True:
                line = (await proc.stdout.readline()).decode("utf-8")
                if not line:
                    raise AssertionError(f"serve exited: {seen} {stderr.read_text()[-2000:]}")
                seen.append(line)
                found = re.search(r"listening on (ws://127\.0\.0\.1:\d+/ws) \(head seq \d+\)", line)
                if found:
                    return found[1]

        try:
            url = await asyncio.wait_for(listening(), 30)
        except BaseException:
            await cls(proc, "", stderr).stop()
            raise
        server = cls(proc, url, stderr)
        server.stdout = "".join(seen)
        return server

    async def stop(self) -> None:
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.terminate()
        assert self.proc.stdout is not None
        try:
            rest = await asyncio.wait_for(self.proc.stdout.read(), 15)
            await asyncio.wait_for(self.proc.wait(), 15)
        except TimeoutError:
            self.proc.kill()
            rest = b""
            await self.proc.wait()
        self.stdout += rest.decode("utf-8", "replace")

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")


@contextlib.asynccontextmanager
async def serving(db_url: str, tmp_path: Path) -> AsyncIterator[Serve]:
    server = await Serve.start(db_url, tmp_path)
    try:
        yield server
    finally:
        await server.stop()


# ---------------------------------------------------------------- websocket helpers


def record(client: Client) -> list[str]:
    """Every frame ``client`` receives from now on, raw; plus its welcome and snapshot."""
    frames = [json.dumps(client.welcome, ensure_ascii=False)]
    if client.snapshot is not None:
        frames.append(json.dumps(client.snapshot, ensure_ascii=False))
    receive = client.ws.recv

    async def recv(*args: Any, **kwargs: Any) -> Any:
        raw = await receive(*args, **kwargs)
        frames.append(raw if isinstance(raw, str) else raw.decode("utf-8"))
        return raw

    client.ws.recv = recv  # type: ignore[method-assign]
    return frames


def assert_clean(frames: list[str]) -> None:
    """No secret in any frame, and every frame is one the console accepts."""
    for raw in frames:
        assert SECRET not in raw, raw[:500]
        assert "admin:" not in raw, raw[:500]
        validate_message(json.loads(raw))


def event_key(m: dict[str, Any]) -> tuple[str, str] | None:
    kind, _, what = str(m.get("type", "")).partition(".")
    if what == "upsert" and isinstance(m.get(kind), dict):
        return m["type"], m[kind]["id"]
    if what == "retired":
        return m["type"], m[f"{kind}_id"]
    return None


async def wait_events(
    client: Client, want: set[tuple[str, str]], within: float = WITHIN
) -> dict[tuple[str, str], dict[str, Any]]:
    """Read until every ``(type, id)`` in ``want`` arrived; at most ``within`` seconds."""
    got: dict[tuple[str, str], dict[str, Any]] = {}

    def pred(m: dict[str, Any]) -> bool:
        key = event_key(m)
        if key is not None:
            got[key] = m
        return want <= set(got)

    try:
        await asyncio.wait_for(client.until(pred, timeout=within), within)
    except TimeoutError:
        raise AssertionError(f"within {within} s only {sorted(got)} of {sorted(want)}") from None
    return got


def b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def import_args(dry_run: bool = False, **files: str) -> dict[str, Any]:
    """``units_csv="..."`` → the ``inventory.import`` args with ``units.csv``."""
    named = []
    for key, text in files.items():
        stem, _, ext = key.rpartition("_")
        named.append({"name": f"{stem}.{ext}", "data": b64(text)})
    return {"files": named, "crs": "wgs84", "dry_run": dry_run}


def ids(items: list[dict[str, Any]], key: str = "id") -> set[str]:
    return {item[key] for item in items}


def stored(db_url: str) -> tuple[int, dict[str, list[dict[str, Any]]]]:
    engine = db.open_engine(db_url)
    try:
        return store.head_rev(engine), {k: store.items(engine, k) for k in store.ROW_KIND}
    finally:
        engine.dispose()


# ---------------------------------------------------------------- the CLI


def test_cli_import_dry_run_reimport_and_errors(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'inv.sqlite3'}"
    paths = write_files(tmp_path / "good", **inventory_files())

    dry = cli("import", "--db", db_url, "--dry-run", *paths)
    assert dry.returncode == 0, dry.stderr
    assert "dry run: nothing was changed" in dry.stdout
    assert "units: 2 new, 0 updated, 0 retired, 0 unchanged" in dry.stdout
    assert stored(db_url) == (0, {k: [] for k in store.ROW_KIND})

    done = cli("import", "--db", db_url, *paths)
    assert done.returncode == 0, done.stderr
    assert "imported (revision 1)" in done.stdout
    for kind, n in (("talkgroups", 1), ("layers", 1), ("units", 2), ("cameras", 1)):
        assert f"{kind}: {n} new, 0 updated, 0 retired, 0 unchanged" in done.stdout
    assert all(PROBLEM.match(line) for line in done.stderr.splitlines()), done.stderr
    assert SECRET not in done.stdout + done.stderr
    rev, items = stored(db_url)
    assert rev == 1 and ids(items["units"]) == {"U1", "U2"}
    assert items["cameras"][0]["grid_id"] == "G1"  # computed from the grid imported with it

    again = cli("import", "--db", db_url, *paths)
    assert again.returncode == 0, again.stderr
    assert "nothing to change" in again.stdout
    assert stored(db_url)[0] == 1

    bad_dir = tmp_path / "bad"
    bad = write_files(
        bad_dir,
        units_csv=(
            "id,callsign,kind,device_ids\n"
            "U1,改名,patrol_car,jt808:13912345678\n"
            "U3,,foot,\n"  # line 3: no callsign
            "U4,新车,patrol_car,jt808:1\n"
            "U5,新车,patrol_car,imei:42\n"  # line 5: not a device scheme
        ),
        grids_geojson=_grids(
            ("grid", "G2", {"type": "Polygon", "coordinates": [_square(LON, LAT, 0.01)]}),
            ("station", "S1", {"type": "Polygon", "coordinates": [_square(LON, LAT, 0.01)]}),
        ),
        people_csv="id\n1\n",
    )
    refused = cli("import", "--db", db_url, *bad, bad_dir / "missing.geojson")
    assert refused.returncode == 1
    assert refused.stdout == ""
    found = {(Path(f).name, line) for f, line, _m in problems_of(refused.stderr)}
    assert found == {
        ("units.csv", 3),
        ("units.csv", 5),
        ("grids.geojson", 2),
        ("people.csv", 0),
        ("missing.geojson", 0),
    }
    assert all(f.startswith(str(bad_dir)) for f, _l, _m in problems_of(refused.stderr))
    assert stored(db_url) == (1, items)  # all or nothing

    # A dry run with errors fails the same way.
    assert cli("import", "--db", db_url, "--dry-run", *bad).returncode == 1


def test_cli_import_crs_and_size_limit(tmp_path: Path) -> None:
    from console.geo import wgs84_to_gcj02

    db_url = f"sqlite:///{tmp_path / 'inv.sqlite3'}"
    glat, glon = wgs84_to_gcj02(LAT, LON)
    (cameras,) = write_files(
        tmp_path, cameras_csv=f"id,name,lat,lon,main\nC1,A,{glat!r},{glon!r},http://10.0.0.1/a\n"
    )
    big = cli("import", "--db", db_url, "--max-file-mb", "0.00001", cameras)
    assert big.returncode == 1
    ((_f, line, message),) = problems_of(big.stderr)
    assert line == 0 and "over the limit" in message
    done = cli("import", "--db", db_url, "--crs", "gcj02", cameras)
    assert done.returncode == 0, done.stderr
    (camera,) = stored(db_url)[1]["cameras"]
    assert abs(camera["lat"] - LAT) < 1e-5 and abs(camera["lon"] - LON) < 1e-5
    assert cli("import", "--db", db_url, "--crs", "epsg3857", cameras).returncode == 2


def test_cli_export_with_and_without_secrets(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'inv.sqlite3'}"
    assert (
        cli("import", "--db", db_url, *write_files(tmp_path, **inventory_files())).returncode == 0
    )

    plain = tmp_path / "out" / "cameras.csv"
    plain.parent.mkdir()
    done = cli("export", "--db", db_url, "--kind", "cameras", "-o", plain)
    assert done.returncode == 0, done.stderr
    assert f"1 cameras written to {plain}" in done.stderr
    text = plain.read_text(encoding="utf-8")
    assert SECRET not in text and "admin" not in text
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["main"] == REDACTED_URL and "password" not in row
    assert row["name"] == "伊金霍洛街交叉口"

    full = tmp_path / "out" / "cameras-secret.csv"
    assert (
        cli("export", "--db", db_url, "--kind", "cameras", "-o", full, "--with-secrets").returncode
        == 0
    )
    (row,) = csv.DictReader(io.StringIO(full.read_text(encoding="utf-8")))
    assert (row["main"], row["username"], row["password"]) == (CAMERA_URL, "admin", SECRET)

    layers = tmp_path / "out" / "layers.geojson"
    assert cli("export", "--db", db_url, "--kind", "layers", "-o", layers).returncode == 0
    doc = json.loads(layers.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection"
    assert [f["properties"]["id"] for f in doc["features"]] == ["G1"]

    units = tmp_path / "out" / "units.csv"
    assert cli("export", "--db", db_url, "--kind", "units", "-o", units).returncode == 0
    rows = list(csv.DictReader(io.StringIO(units.read_text(encoding="utf-8"))))
    assert [(r["id"], r["device_ids"]) for r in rows] == [
        ("U1", "jt808:13912345678"),
        ("U2", "osmand:860123"),
    ]

    nowhere = cli("export", "--db", db_url, "--kind", "units", "-o", tmp_path / "no" / "x.csv")
    assert nowhere.returncode == 1
    assert nowhere.stderr.startswith("dispatch-backend: cannot write")
    assert "Traceback" not in nowhere.stderr


def test_cli_sources_add_list_revoke(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'src.sqlite3'}"
    added = cli("source", "add", "fleet-808", "--kind", "jt808", "--db", db_url)
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"src-[0-9a-f]{12}\.[\w-]{20,}", key), key
    other = token_of(cli("source", "add", "tak.phones", "--kind", "cot", "--db", db_url))

    twice = cli("source", "add", "fleet-808", "--kind", "jt808", "--db", db_url)
    assert twice.returncode == 1 and "exists" in twice.stderr and key not in twice.stderr
    assert cli("source", "add", "x", "--kind", "fax", "--db", db_url).returncode == 2
    assert cli("source", "add", "bad name!", "--kind", "cot", "--db", db_url).returncode == 1

    listed = cli("source", "list", "--db", db_url)
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.strip().splitlines()
    assert header.split("\t")[:3] == ["name", "kind", "state"]
    assert [r.split("\t")[:3] for r in rows] == [
        ["fleet-808", "jt808", "active"],
        ["tak.phones", "cot", "active"],
    ]
    for secret in (key, key.split(".", 1)[1], other.split(".", 1)[1]):
        assert secret not in listed.stdout

    engine = db.open_engine(db_url)
    try:
        assert sources.authenticate_source(engine, key, "jt808") == "fleet-808"
        assert sources.authenticate_source(engine, key, "cot") is None
        revoked = cli("source", "revoke", "fleet-808", "--db", db_url)
        assert revoked.returncode == 0, revoked.stderr
        assert sources.authenticate_source(engine, key, "jt808") is None  # at once
        assert sources.authenticate_source(engine, other, "cot") == "tak.phones"
    finally:
        engine.dispose()
    rows = cli("source", "list", "--db", db_url).stdout.strip().splitlines()[1:]
    assert [r.split("\t")[:3] for r in rows] == [
        ["fleet-808", "jt808", "revoked"],
        ["tak.phones", "cot", "active"],
    ]
    missing = cli("source", "revoke", "nobody", "--db", db_url)
    assert missing.returncode == 1 and "nobody" in missing.stderr


def test_cli_demo_data_imports_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    done = cli("demo-data", out, "--units", "30")
    assert done.returncode == 0, done.stderr
    paths = [Path(p) for p in done.stdout.split()]
    assert sorted(p.name for p in paths) == [
        "cameras.csv",
        "grids.geojson",
        "talkgroups.csv",
        "units.csv",
    ]
    assert all(p.is_file() and p.parent == out for p in paths)
    db_url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    imported = cli("import", "--db", db_url, *paths)
    assert imported.returncode == 0, imported.stderr
    assert imported.stderr == ""  # not even a warning
    assert "units: 30 new" in imported.stdout
    rev, items = stored(db_url)
    assert rev == 1 and len(items["units"]) == 30 and len(items["cameras"]) > 0
    assert all(u["device_ids"] for u in items["units"])
    assert "nothing to change" in cli("import", "--db", db_url, *paths).stdout


# ---------------------------------------------------------------- a serve process


async def test_serve_process_shows_another_process_import_as_events(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    token = token_of(await acli("operator", "add", "boss", "--role", "commander", "--db", db_url))
    async with serving(db_url, tmp_path) as server:
        watcher = await open_client(server.url, token)
        frames = record(watcher)
        assert watcher.snapshot is not None
        assert watcher.snapshot["state"]["units"] == []

        done = await acli(
            "import", "--db", db_url, *write_files(tmp_path / "a", **inventory_files())
        )
        assert done.returncode == 0, done.stderr
        got = await wait_events(
            watcher,
            {
                ("unit.upsert", "U1"),
                ("unit.upsert", "U2"),
                ("camera.upsert", "C1"),
                ("talkgroup.upsert", "1001"),
                ("layer.upsert", "G1"),
            },
        )
        camera = got[("camera.upsert", "C1")]["camera"]
        assert camera["streams"] == {"main": REDACTED_URL, "sub": REDACTED_URL}
        assert camera["grid_id"] == "G1" and camera["ptz"] is True
        unit = got[("unit.upsert", "U1")]["unit"]
        assert (unit["callsign"], unit["status"], unit["device_ids"]) == (
            "东胜巡逻一组",
            "available",
            ["jt808:13912345678"],
        )
        assert got[("talkgroup.upsert", "1001")]["talkgroup"]["alias"] == "东胜区指挥调度"

        retire = await acli(
            "import", "--db", db_url, *write_files(tmp_path / "b", units_csv=RETIRE_U2_CSV)
        )
        assert retire.returncode == 0, retire.stderr
        assert "units: 0 new, 0 updated, 1 retired" in retire.stdout
        await wait_events(watcher, {("unit.retired", "U2")})

        fresh = await open_client(server.url, token)
        frames += record(fresh)
        assert fresh.snapshot is not None
        state = fresh.snapshot["state"]
        assert ids(state["units"]) == {"U1"}  # U2 retired: out of the snapshot
        assert "U1" not in ids(state["positions"], "unit_id")  # no position reported yet
        assert ids(state["cameras"]) == {"C1"}
        assert ids(state["talkgroups"]) == {"1001"}
        assert ids(state["layers"]) == {"G1"}

        # A commander's own import over the websocket, secrets in the file.
        c2 = (
            "id,name,lat,lon,main,username,password\n"
            f"C2,二号,{LAT},{LON},rtsp://admin:{SECRET}@10.1.2.4/ch1,admin,{SECRET}\n"
        )
        args = import_args(cameras_csv=c2)
        answer = await fresh.run("inventory.import", args)
        assert answer["ok"] is True, answer
        assert answer["data"]["applied"] is True
        await wait_events(watcher, {("camera.upsert", "C2")})
        await fresh.ws.close()
        await watcher.ws.close()

        audit = await acli("audit", "export", "--db", db_url)
        assert audit.returncode == 0, audit.stderr
        entries = [json.loads(line) for line in audit.stdout.splitlines()]
        (entry,) = [e for e in entries if e["name"] == "inventory.import"]
        assert [f["name"] for f in entry["args"]["files"]] == ["cameras.csv"]
        for text in (audit.stdout, audit.stderr):
            assert SECRET not in text and "admin:" not in text
            assert args["files"][0]["data"] not in text
    assert_clean(frames)
    assert "listening on" in server.stdout
    for text in (server.stdout, server.stderr):
        assert SECRET not in text and "admin:" not in text
    assert "inventory revision" in server.stderr  # it did log the sync, without secrets


# ---------------------------------------------------------------- websocket commands


async def test_inventory_import_command_by_a_commander(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    commander = await open_client(running.url, running.tokens["commander"])
    watcher = await open_client(running.url, running.tokens["operator"])
    frames = record(commander) + record(watcher)
    args = import_args(
        talkgroups_csv=TALKGROUPS_CSV,
        grids_geojson=GRIDS_GEOJSON,
        units_csv=UNITS_CSV,
        cameras_csv=CAMERAS_CSV,
    )

    dry = await commander.run("inventory.import", {**args, "dry_run": True})
    assert dry["ok"] is True, dry
    assert dry["data"]["applied"] is False and dry["data"]["errors"] == []
    assert dry["data"]["counts"]["units"]["new"] == 2
    assert stored(running.db_url)[0] == 0

    answer = await commander.run("inventory.import", args)
    assert answer["ok"] is True, answer
    data = answer["data"]
    assert data["applied"] is True and data["error_count"] == 0
    assert {k: c["new"] for k, c in data["counts"].items()} == {
        "talkgroups": 1,
        "layers": 1,
        "units": 2,
        "cameras": 1,
    }
    want = {
        ("unit.upsert", "U1"),
        ("unit.upsert", "U2"),
        ("camera.upsert", "C1"),
        ("talkgroup.upsert", "1001"),
        ("layer.upsert", "G1"),
    }
    # The commander's events came before its result; the other console gets them too.
    assert want <= {event_key(e) for e in commander.events}
    await wait_events(watcher, want)

    again = await commander.run("inventory.import", args)
    assert again["ok"] is True and again["data"]["applied"] is False  # nothing to change

    fresh = await open_client(running.url, running.tokens["wall"])
    frames += record(fresh)
    assert fresh.snapshot is not None
    assert ids(fresh.snapshot["state"]["units"]) == {"U1", "U2"}
    assert fresh.snapshot["state"]["positions"] == []
    assert_clean(frames)
    assert SECRET not in caplog.text


@pytest.mark.parametrize("role", ["operator", "trainer", "wall"])
async def test_inventory_import_by_a_non_commander_is_forbidden(
    running: Running, role: str
) -> None:
    client = await open_client(running.url, running.tokens[role])
    answer = await client.run("inventory.import", import_args(units_csv=UNITS_CSV))
    assert answer["ok"] is False
    assert answer["error"]["code"] == "forbidden"
    listed = await client.run("source.list", {})
    assert listed["ok"] is False and listed["error"]["code"] == "forbidden"
    assert stored(running.db_url) == (0, {k: [] for k in store.ROW_KIND})
    fresh = await open_client(running.url, running.tokens["commander"])
    assert fresh.snapshot is not None and fresh.snapshot["state"]["units"] == []
    assert [e for e in client.events if event_key(e) is not None] == []


async def test_inventory_import_of_a_bad_file_lists_its_lines(running: Running) -> None:
    commander = await open_client(running.url, running.tokens["commander"])
    frames = record(commander)
    bad_units = "id,callsign,kind\nU1,甲,car\nU2,,car\nU1,丙,car\n"
    bad_cameras = (
        "id,name,lat,lon,main,password\n"
        f"C1,A,{LAT},{LON},{CAMERA_URL},{SECRET}\n"
        f"C2,B,95,{LON},{CAMERA_URL},{SECRET}\n"
    )
    answer = await commander.run(
        "inventory.import",
        import_args(talkgroups_csv=TALKGROUPS_CSV, units_csv=bad_units, cameras_csv=bad_cameras),
    )
    assert answer["ok"] is False, answer
    assert answer["error"]["code"] == "invalid"
    first, *lines = answer["error"]["message"].splitlines()
    assert first == "nothing imported: 3 error(s)"
    assert [PROBLEM.match(line) is not None for line in lines] == [True] * 3, lines
    assert {(m["file"], int(m["line"])) for m in map(PROBLEM.match, lines) if m} == {
        ("units.csv", 3),
        ("units.csv", 4),
        ("cameras.csv", 3),
    }
    assert "first on line 2" in answer["error"]["message"]
    assert stored(running.db_url) == (0, {k: [] for k in store.ROW_KIND})

    not_b64 = await commander.run(
        "inventory.import", {"files": [{"name": "units.csv", "data": "***"}]}
    )
    assert not_b64["ok"] is False and not_b64["error"]["code"] == "invalid"
    assert "units.csv" in not_b64["error"]["message"]
    shp = await commander.run(
        "inventory.import", {"files": [{"name": "grids.shp", "data": b64("x")}]}
    )
    assert shp["ok"] is False and shp["error"]["code"] == "invalid"
    assert re.search(r"^grids\.shp:0: ", shp["error"]["message"], re.M)
    assert stored(running.db_url)[0] == 0
    assert_clean(frames)


async def test_source_list_shows_cli_sources_and_never_a_key(running: Running) -> None:
    keys = [
        token_of(await acli("source", "add", name, "--kind", kind, "--db", running.db_url))
        for name, kind in (("fleet-808", "jt808"), ("tak.phones", "cot"), ("rdio", "rdio"))
    ]
    revoked = await acli("source", "revoke", "tak.phones", "--db", running.db_url)
    assert revoked.returncode == 0, revoked.stderr
    commander = await open_client(running.url, running.tokens["commander"])
    frames = record(commander)
    answer = await commander.run("source.list", {})
    assert answer["ok"] is True, answer
    listed = answer["data"]["sources"]
    assert [(s["name"], s["kind"], s["revoked"]) for s in listed] == [
        ("fleet-808", "jt808", False),
        ("rdio", "rdio", False),
        ("tak.phones", "cot", True),
    ]
    assert all(s["accepted"] == 0 and s["refused"] == 0 and s["last_seen"] is None for s in listed)
    assert all(set(s) >= {"created", "last_error"} for s in listed)
    engine = db.open_engine(running.db_url)
    try:
        with engine.connect() as conn:
            hidden = [
                v
                for row in conn.execute(select(sources.SourceRow.salt, sources.SourceRow.key_hash))
                for v in row
            ]
    finally:
        engine.dispose()
    for raw in frames:
        for secret in [*keys, *(k.split(".", 1)[1] for k in keys), *hidden]:
            assert secret not in raw
    assert_clean(frames)


async def test_a_backend_started_after_an_import_serves_it(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'later.sqlite3'}"
    engine = db.open_engine(db_url)
    token = db.add_operator(engine, "boss", "commander")
    files = [
        read_bytes(key.replace("_", "."), text.encode()) for key, text in inventory_files().items()
    ]
    assert store.import_files(engine, files).rev == 1
    engine.dispose()
    backend, url = await start_backend(db_url)
    try:
        client = await open_client(url, token)
        frames = record(client)
        assert client.snapshot is not None
        state = client.snapshot["state"]
        assert ids(state["units"]) == {"U1", "U2"}
        assert ids(state["cameras"]) == {"C1"} and ids(state["layers"]) == {"G1"}
        assert_clean(frames)
        await client.ws.close()
    finally:
        await backend.stop()
        backend.engine.dispose()


async def test_a_camera_url_the_import_accepts_does_not_stall_the_inventory(
    running: Running,
) -> None:
    # A camera URL with credentials and a port out of range passes the reader's checks.
    # Accepted, it must reach the consoles like any other item (without its credentials),
    # and the rest of its import with it; or else it must be refused as invalid.
    commander = await open_client(running.url, running.tokens["commander"])
    watcher = await open_client(running.url, running.tokens["operator"])
    frames = record(watcher)
    cameras = f"id,name,lat,lon,main\nC9,A,{LAT},{LON},rtsp://admin:{SECRET}@10.1.2.3:99999/ch1\n"
    try:
        answer = await asyncio.wait_for(
            commander.run(
                "inventory.import", import_args(units_csv=UNITS_CSV, cameras_csv=cameras)
            ),
            WITHIN,
        )
    except Exception as exc:  # the connection died, or no answer came
        raise AssertionError(f"inventory.import got no answer: {exc!r}") from None
    if answer["ok"] is False:
        assert answer["error"]["code"] == "invalid"
        assert "cameras.csv:2: " in answer["error"]["message"]
    else:
        await wait_events(watcher, {("unit.upsert", "U1"), ("camera.upsert", "C9")})
    assert_clean(frames)
