"""The inventory tables: one all-or-nothing import, exports, and changes for running backends.

An import is one transaction that writes every record of every file (``inventory`` rows keyed
by kind and id, the full record with secrets as JSON) and one ``inventory_imports`` row, whose
id is the revision every changed row carries. A running backend polls the newest revision and
turns the rows changed since the last one it saw into events (:mod:`.wire`), so an import by
``dispatch-backend import`` in another process reaches the consoles within seconds.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Engine, Float, Integer, String, Text, func, select, update
from sqlalchemy import insert as sa_insert
from sqlalchemy.orm import Mapped, mapped_column

from backend_stub.db import Base
from backend_stub.inventory.read import (
    COLUMNS,
    MAX_FILE_BYTES,
    Parsed,
    Problem,
    Record,
    read_file,
    redact_url,
)

#: Inventory kinds and the kind name their rows carry.
ROW_KIND = {"units": "unit", "cameras": "camera", "talkgroups": "talkgroup", "layers": "layer"}
SECRET_FIELDS = ("username", "password")
_CHUNK = 2000


class InventoryRow(Base):
    """One inventory item: the whole record (secrets included) as JSON, never sent as is."""

    __tablename__ = "inventory"
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    rev: Mapped[int] = mapped_column(Integer, index=True)


class ImportRow(Base):
    """One import that changed the inventory; its id is the revision of the rows it wrote."""

    __tablename__ = "inventory_imports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ts: Mapped[float] = mapped_column(Float)
    who: Mapped[str] = mapped_column(String(120))
    files: Mapped[str] = mapped_column(Text)
    counts: Mapped[str] = mapped_column(Text)


@dataclass
class Report:
    """What an import found and did: problems, and per kind the new/updated/retired counts."""

    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    rev: int | None = None  # the revision written (None: nothing written)

    @property
    def errors(self) -> list[Problem]:
        """The problems that refused the import."""
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        """The problems reported with a successful import."""
        return [p for p in self.problems if p.warning]

    def summary(self) -> str:
        """One line per kind: ``units: 3 new, 1 updated, 0 retired, 2 unchanged``."""
        return "\n".join(
            f"{kind}: {c['new']} new, {c['updated']} updated, {c['retired']} retired, "
            f"{c['unchanged']} unchanged"
            for kind, c in self.counts.items()
        )

    def to_wire(self) -> dict[str, Any]:
        """The report as a command result's ``data``."""
        return {
            "applied": self.rev is not None,
            "errors": [str(p) for p in self.errors[:500]],
            "warnings": [str(p) for p in self.warnings[:500]],
            "error_count": len(self.errors),
            "counts": self.counts,
        }


def _existing(engine: Engine, kind: str) -> dict[str, tuple[Record, bool]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(InventoryRow.id, InventoryRow.body, InventoryRow.retired).where(
                InventoryRow.kind == ROW_KIND[kind]
            )
        ).all()
    return {str(r[0]): (json.loads(r[1]), bool(r[2])) for r in rows}


def plan_import(engine: Engine, files: Sequence[Parsed]) -> tuple[Report, list[dict[str, Any]]]:
    """Check ``files`` against each other and the stored inventory; what an import would write.

    Returns:
        The report (with every problem of the files and of the whole) and the rows to write.
    """
    report = Report(problems=[p for f in files for p in f.problems])
    by_kind: dict[str, list[Parsed]] = {}
    for parsed in files:
        if parsed.kind:
            by_kind.setdefault(parsed.kind, []).append(parsed)
    for kind, group in by_kind.items():
        if len(group) > 1 and kind != "layers":
            for extra in group[1:]:
                report.problems.append(
                    Problem(extra.file, 0, f"a second {kind} file in one import")
                )
    stored = {kind: _existing(engine, kind) for kind in ROW_KIND}
    merged: dict[str, dict[str, tuple[Parsed, int, Record, Record | None]]] = {}
    for kind, group in by_kind.items():
        out = merged.setdefault(kind, {})
        for parsed in group:
            for line, record in parsed.records:
                if record["id"] in out:
                    first = out[record["id"]][0]
                    report.problems.append(
                        Problem(parsed.file, line, f"id {record['id']!r} is also in {first.file}")
                    )
                    continue
                found = stored[kind].get(record["id"])
                old = found[0] if found else None
                body = _merge(kind, old, record, parsed.columns)
                out[record["id"]] = (
                    parsed,
                    line,
                    body,
                    None if old is None else _complete(kind, dict(old)),
                )
    _check_units(report, merged, stored)
    _place(report, merged, stored)
    rows: list[dict[str, Any]] = []
    for kind, items in merged.items():
        counts = {"new": 0, "updated": 0, "retired": 0, "unchanged": 0}
        for ident, (_parsed, _line, body, old) in items.items():
            retired = bool(body.get("retired"))
            was_retired = bool(old.get("retired")) if old else False
            if old == body:
                counts["unchanged"] += 1
                continue
            if old is None:
                counts["retired" if retired else "new"] += 1
            elif retired and not was_retired:
                counts["retired"] += 1
            else:
                counts["updated"] += 1
            rows.append({"kind": ROW_KIND[kind], "id": ident, "body": body, "retired": retired})
        report.counts[kind] = counts
    return report, rows


def _complete(kind: str, body: Record) -> Record:
    # Every column present, so a field left out and an empty one compare equal (an export,
    # which writes every column, re-imports as "unchanged").
    for column in COLUMNS.get(kind, ()):
        body.setdefault(column.name, _EMPTY.get(column.name, ""))
    body["retired"] = bool(body.get("retired"))
    return body


_EMPTY: dict[str, Any] = {"device_ids": [], "ptz": False, "status": "off_duty", "system": "1"}
_URL_FIELDS = ("main", "sub", "onvif")


def _merge(kind: str, old: Record | None, record: Record, columns: frozenset[str]) -> Record:
    if old is None:
        return _complete(kind, dict(record))
    body = _complete(kind, dict(old))
    for key, value in record.items():
        if key not in columns and key != "id":
            continue
        if key in _URL_FIELDS and value and value == redact_url(str(body.get(key) or "")):
            continue  # an export without secrets: keep the credentials the stored URL has
        body[key] = value
    return body


def _active(
    kind: str,
    merged: dict[str, dict[str, tuple[Parsed, int, Record, Record | None]]],
    stored: dict[str, dict[str, tuple[Record, bool]]],
) -> dict[str, Record]:
    items = {i: b for i, (b, retired) in stored[kind].items() if not retired}
    for ident, (_p, _l, body, _old) in merged.get(kind, {}).items():
        if body.get("retired"):
            items.pop(ident, None)
        else:
            items[ident] = body
    return items


def _check_units(
    report: Report,
    merged: dict[str, dict[str, tuple[Parsed, int, Record, Record | None]]],
    stored: dict[str, dict[str, tuple[Record, bool]]],
) -> None:
    importing = merged.get("units", {})
    if not importing:
        return
    owner: dict[str, str] = {}
    for ident, body in _active("units", merged, stored).items():
        if ident in importing:
            continue
        for device in body.get("device_ids", []):
            owner[device] = ident
    talkgroups = set(_active("talkgroups", merged, stored))
    for ident, (parsed, line, body, _old) in importing.items():
        if body.get("retired"):
            continue
        for device in body.get("device_ids", []):
            if device in owner:
                report.problems.append(
                    Problem(
                        parsed.file, line, f"device {device} already belongs to {owner[device]}"
                    )
                )
            owner[device] = ident
        talkgroup = body.get("talkgroup")
        if talkgroup and talkgroups and talkgroup not in talkgroups:
            report.problems.append(
                Problem(parsed.file, line, f"talkgroup {talkgroup!r} is unknown", warning=True)
            )


def _place(
    report: Report,
    merged: dict[str, dict[str, tuple[Parsed, int, Record, Record | None]]],
    stored: dict[str, dict[str, tuple[Record, bool]]],
) -> None:
    """Cameras and stations: grid from the position when empty; outside the boundary: a warning."""
    cameras = merged.get("cameras", {})
    stations = {i: v for i, v in merged.get("layers", {}).items() if v[2]["kind"] == "station"}
    if not cameras and not stations:
        return
    from shapely import STRtree
    from shapely.geometry import Point, shape

    layers = _active("layers", merged, stored)
    grids = [(i, shape(b["geometry"])) for i, b in layers.items() if b["kind"] == "grid"]
    bounds = [shape(b["geometry"]) for b in layers.values() if b["kind"] == "boundary"]
    tree = STRtree([g for _, g in grids]) if grids else None

    def grid_of(point: Point) -> str | None:
        if tree is None:
            return None
        for index in tree.query(point, predicate="intersects"):
            return grids[int(index)][0]
        return None

    for items, where in ((cameras, "camera"), (stations, "station")):
        for ident, (parsed, line, body, _old) in items.items():
            if body.get("retired"):
                continue
            if where == "camera":
                lat, lon = body["lat"], body["lon"]
            else:
                lon, lat = body["geometry"]["coordinates"][:2]
            point = Point(lon, lat)
            if bounds and not any(b.intersects(point) for b in bounds):
                report.problems.append(
                    Problem(
                        parsed.file,
                        line,
                        f"{where} {ident} at {lat}, {lon} lies outside the district boundary",
                        warning=True,
                    )
                )
            if where == "camera" and not body.get("grid_id"):
                body["grid_id"] = grid_of(point) or ""
            elif where == "station" and not body["properties"].get("grid_id"):
                body["properties"] = {**body["properties"], "grid_id": grid_of(point)}


def import_files(
    engine: Engine, files: Sequence[Parsed], *, dry_run: bool = False, who: str = "cli"
) -> Report:
    """Check and (unless ``dry_run`` or any error) write every file in one transaction."""
    report, rows = plan_import(engine, files)
    if report.errors or dry_run or not rows:
        return report
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    with engine.begin() as conn:
        key = conn.execute(
            sa_insert(ImportRow).values(
                ts=time.time(),
                who=who,
                files=json.dumps([f.file for f in files], ensure_ascii=False),
                counts=json.dumps(report.counts),
            )
        ).inserted_primary_key
        assert key is not None
        rev = int(key[0])
        for start in range(0, len(rows), _CHUNK):
            chunk = [
                {
                    "kind": r["kind"],
                    "id": r["id"],
                    "body": json.dumps(r["body"], ensure_ascii=False, sort_keys=True),
                    "retired": r["retired"],
                    "rev": rev,
                }
                for r in rows[start : start + _CHUNK]
            ]
            stmt = insert(InventoryRow)
            conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["kind", "id"],
                    set_={
                        "body": stmt.excluded.body,
                        "retired": stmt.excluded.retired,
                        "rev": stmt.excluded.rev,
                    },
                ),
                chunk,
            )
    report.rev = rev
    return report


def import_paths(
    engine: Engine,
    paths: Sequence[Path],
    *,
    crs: str = "wgs84",
    dry_run: bool = False,
    who: str = "cli",
    max_bytes: int = MAX_FILE_BYTES,
) -> Report:
    """Read the files at ``paths`` and :func:`import_files` them."""
    parsed = [read_file(p, crs, max_bytes) for p in paths]
    return import_files(engine, parsed, dry_run=dry_run, who=who)


def assign_device(engine: Engine, unit_id: str, device: str, who: str) -> int:
    """Add ``device`` to a unit's ``device_ids`` (an unregistered device, assigned by a
    commander); returns the revision written.

    Raises:
        LookupError: no such unit (or it is retired).
        ValueError: a malformed device id, or one another unit already has.
    """
    from backend_stub.inventory.read import _device_ids

    (device,) = _device_ids(device) or ("",)
    if not device:
        raise ValueError("a device id is scheme:id")
    units = _existing(engine, "units")
    found = units.get(unit_id)
    if found is None or found[1]:
        raise LookupError(f"no unit {unit_id!r}")
    for other, (body, retired) in units.items():
        if other != unit_id and not retired and device in body.get("device_ids", []):
            raise ValueError(f"device {device} already belongs to {other}")
    body = dict(found[0])
    if device in body.get("device_ids", []):
        return head_rev(engine)
    body["device_ids"] = [*body.get("device_ids", []), device]
    with engine.begin() as conn:
        key = conn.execute(
            sa_insert(ImportRow).values(
                ts=time.time(),
                who=who,
                files=json.dumps([f"assign {device} → {unit_id}"], ensure_ascii=False),
                counts=json.dumps({"units": {"updated": 1}}),
            )
        ).inserted_primary_key
        assert key is not None
        rev = int(key[0])
        conn.execute(
            update(InventoryRow)
            .where(InventoryRow.kind == "unit", InventoryRow.id == unit_id)
            .values(body=json.dumps(body, ensure_ascii=False, sort_keys=True), rev=rev)
        )
    return rev


def head_rev(engine: Engine) -> int:
    """The newest inventory revision (0 when nothing was ever imported)."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.max(ImportRow.id))).scalar() or 0)


def changes_after(engine: Engine, rev: int) -> tuple[int, list[tuple[str, Record, bool]]]:
    """``(newest rev, [(kind, body, retired)])`` of the rows written after ``rev``."""
    with engine.connect() as conn:
        head = int(conn.execute(select(func.max(ImportRow.id))).scalar() or 0)
        if head <= rev:
            return head, []
        rows = conn.execute(
            select(InventoryRow.kind, InventoryRow.body, InventoryRow.retired)
            .where(InventoryRow.rev > rev, InventoryRow.rev <= head)
            .order_by(InventoryRow.rev)
        ).all()
    return head, [(str(r[0]), json.loads(r[1]), bool(r[2])) for r in rows]


def items(engine: Engine, kind: str) -> list[Record]:
    """Every stored item of ``kind`` (``units`` ...), retired ones too, by id."""
    return [body for _i, (body, _r) in sorted(_existing(engine, kind).items())]


# ---------------------------------------------------------------- export


def export(engine: Engine, kind: str, out: Path, *, with_secrets: bool = False) -> int:
    """Write ``kind`` as the file an import takes back (CSV, or GeoJSON for layers).

    Without ``with_secrets`` camera user names and passwords are left out and stream URLs lose
    the credentials they carry. Returns the number of items written.
    """
    records = items(engine, kind)
    if kind == "layers":
        features = [
            {
                "type": "Feature",
                "id": r["id"],
                "geometry": r["geometry"],
                "properties": {
                    **r.get("properties", {}),
                    "kind": r["kind"],
                    "id": r["id"],
                    "name": r["name"],
                    **({"retired": True} if r.get("retired") else {}),
                },
            }
            for r in records
        ]
        text = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)
        out.write_text(text + "\n", encoding="utf-8")
        return len(records)
    columns = [c.name for c in COLUMNS[kind]]
    if kind == "cameras" and not with_secrets:
        columns = [c for c in columns if c not in SECRET_FIELDS]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for r in records:
        writer.writerow([_cell(kind, c, r.get(c), with_secrets) for c in columns])
    out.write_text(buffer.getvalue(), encoding="utf-8")
    return len(records)


def _cell(kind: str, column: str, value: Any, with_secrets: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if kind == "cameras" and column in ("main", "sub", "onvif") and not with_secrets:
        return redact_url(str(value))
    return str(value)
