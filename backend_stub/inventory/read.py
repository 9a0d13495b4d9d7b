"""Inventory files to checked records.

Each reader takes one file and returns its records, or problems: errors (the import is refused)
and warnings (it goes ahead). A problem prints as ``FILE:LINE: message``: LINE is the line of a
CSV file (the header is line 1), the feature's number in a layer file (the first feature is 1),
or 0 for the file as a whole. Nothing here touches a database.

Coordinates come out as WGS-84: input in GCJ-02 or BD-09 (``crs``) is converted on the way in.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from console.geo import bd09_to_wgs84, gcj02_to_wgs84

Record = dict[str, Any]
Convert = Callable[[float, float], tuple[float, float]]

#: A file larger than this is refused before it is read (``--max-file-mb`` changes it).
MAX_FILE_BYTES = 100 << 20
CRS_CHOICES = ("wgs84", "gcj02", "bd09")
KINDS = ("units", "cameras", "talkgroups", "layers")
LAYER_KINDS = ("grid", "efence", "boundary", "station")
UNIT_STATUSES = ("available", "dispatched", "en_route", "on_scene", "busy", "off_duty")
DEVICE_SCHEMES = ("jt808", "cot", "osmand")
STREAM_SCHEMES = ("rtsp", "rtsps", "http", "https", "file")
MAX_ID = 128
MAX_DEVICES = 100
MAX_TEXT = 200
_TRUE = {"true", "1", "yes", "y", "是"}
_FALSE = {"false", "0", "no", "n", "否", ""}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a file (``warning``: reported, but the import goes ahead)."""

    file: str
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {'warning: ' if self.warning else ''}{self.message}"


@dataclass
class Parsed:
    """The records of one file, each with its line (or feature number).

    ``columns`` are the fields the file gives: on re-import, a field the file leaves out keeps
    its stored value (an export without secrets re-imports without wiping the passwords).
    """

    kind: str
    file: str
    records: list[tuple[int, Record]] = field(default_factory=list)
    columns: frozenset[str] = frozenset()
    problems: list[Problem] = field(default_factory=list)

    def error(self, line: int, message: str) -> None:
        """Record an error at ``line``."""
        self.problems.append(Problem(self.file, line, message))

    def warn(self, line: int, message: str) -> None:
        """Record a warning at ``line``."""
        self.problems.append(Problem(self.file, line, message, warning=True))

    @property
    def errors(self) -> list[Problem]:
        """The problems that refuse the import."""
        return [p for p in self.problems if not p.warning]


def kind_of(name: str) -> str | None:
    """The inventory kind a file name says (``units.csv`` → ``units``), or None."""
    lower = Path(name).name.lower()
    if lower in ("units.csv", "cameras.csv", "talkgroups.csv"):
        return lower.removesuffix(".csv")
    if lower.endswith((".geojson", ".shp")):
        return "layers"
    return None


def redact_url(url: str) -> str:
    """``url`` without the user name and password it may carry (for wire, logs, exports).

    Cut by hand at the last ``@`` of the authority rather than parsed: a password holding
    ``#``, ``?`` or ``/`` (written unescaped, as people do) fools ``urlsplit`` into finding no
    user name at all. Never raises.
    """
    if "@" not in url:
        return url  # no user info: nothing to strip (and most URLs)
    scheme, sep, rest = url.partition("://")
    if not sep:  # "rtsp:/admin:pw@host", a typo: keep nothing before the "@"
        return "…@" + url.rsplit("@", 1)[1]
    return f"{scheme}://{rest.rsplit('@', 1)[1]}"


# ---------------------------------------------------------------- text and coordinates


def decode_text(parsed: Parsed, data: bytes) -> str | None:
    """UTF-8 (with or without BOM) or GB18030, detected; None (with an error) otherwise."""
    if b"\x00" in data[:4096]:
        parsed.error(0, "the file holds NUL bytes (UTF-16 or binary?): save it as UTF-8")
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        parsed.error(line, f"neither UTF-8 nor GB18030 (byte 0x{data[exc.start]:02x}): re-save it")
        return None


def converter(crs: str) -> Convert:
    """``(lat, lon) → (lat, lon)`` WGS-84 for input in ``crs``."""
    if crs == "gcj02":
        return gcj02_to_wgs84
    if crs == "bd09":
        return bd09_to_wgs84
    if crs == "wgs84":
        return lambda lat, lon: (lat, lon)
    raise ValueError(f"unknown --crs {crs!r}; choose one of {', '.join(CRS_CHOICES)}")


def _in_range(lat: float, lon: float) -> bool:
    return -90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0


# ---------------------------------------------------------------- CSV


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    parse: Callable[[str], Any]
    required: bool = False


def _text(limit: int = MAX_TEXT) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"longer than {limit} characters")
        return value

    return parse


def _required_text(limit: int = MAX_TEXT) -> Callable[[str], str]:
    inner = _text(limit)

    def parse(value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return inner(value)

    return parse


def _bool(value: str) -> bool:
    lower = value.lower()
    if lower in _TRUE:
        return True
    if lower in _FALSE:
        return False
    raise ValueError(f"{value!r} is not true or false")


def _number(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a finite number")
    return number


def _status(value: str) -> str:
    status = value or "off_duty"
    if status not in UNIT_STATUSES:
        raise ValueError(f"{value!r} is not one of {', '.join(UNIT_STATUSES)}")
    return status


def _device_ids(value: str) -> list[str]:
    devices = []
    for part in (p.strip() for p in value.split(";")):
        if not part:
            continue
        scheme, _, ident = part.partition(":")
        if scheme not in DEVICE_SCHEMES or not ident or len(part) > MAX_ID:
            raise ValueError(
                f"{part!r} is not scheme:id with a scheme of {', '.join(DEVICE_SCHEMES)}"
            )
        devices.append(part)
    if len(devices) > MAX_DEVICES:
        raise ValueError(f"more than {MAX_DEVICES} devices")
    return devices


def _stream(value: str, *, required: bool) -> str:
    if not value:
        if required:
            raise ValueError("must not be empty")
        return ""
    scheme = urlsplit(value).scheme.lower() if "://" in value or value.startswith("file:") else ""
    if scheme not in STREAM_SCHEMES:
        raise ValueError(
            f"{redact_url(value)!r} is not a {', '.join(s + ':' for s in STREAM_SCHEMES)} URL"
        )
    if len(value) > 2000:
        raise ValueError("longer than 2000 characters")
    if scheme != "file":
        shown = redact_url(value)
        try:
            parts = urlsplit(shown)
            parts.port  # noqa: B018  (raises ValueError for a port out of range)
        except ValueError:
            raise ValueError(f"{shown!r} has a bad host or port") from None
        if not parts.hostname:
            raise ValueError(f"{shown!r} names no host")
    return value


_ID_COL = _Column("id", _required_text(MAX_ID), required=True)
_RETIRED = _Column("retired", _bool)
COLUMNS: dict[str, tuple[_Column, ...]] = {
    "units": (
        _ID_COL,
        _Column("callsign", _required_text(), required=True),
        _Column("kind", _required_text(), required=True),
        _Column("radio_id", _text()),
        _Column("talkgroup", _text()),
        _Column("station", _text()),
        _Column("status", _status),
        _Column("device_ids", _device_ids),
        _Column("grid_id", _text(MAX_ID)),  # [ext] the unit's patrol grid
        _RETIRED,
    ),
    "cameras": (
        _ID_COL,
        _Column("name", _required_text(), required=True),
        _Column("lat", _number, required=True),
        _Column("lon", _number, required=True),
        _Column("main", lambda v: _stream(v, required=True), required=True),
        _Column("sub", lambda v: _stream(v, required=False)),
        _Column("ptz", _bool),
        _Column("onvif", lambda v: _stream(v, required=False)),
        _Column("username", _text()),
        _Column("password", _text()),
        _Column("grid_id", _text(MAX_ID)),
        _RETIRED,
    ),
    "talkgroups": (
        _ID_COL,
        _Column("name", _required_text(), required=True),
        _Column("system", _text()),
        _Column("kind", _text()),
        _RETIRED,
    ),
}
_DEFAULTS: dict[str, Record] = {
    "units": {"status": "off_duty", "device_ids": []},
    "talkgroups": {"system": "1"},
    "cameras": {"ptz": False},
}


def read_csv(
    kind: str,
    name: str,
    data: bytes,
    crs: str = "wgs84",
) -> Parsed:
    """Read ``units.csv``, ``cameras.csv`` or ``talkgroups.csv``."""
    parsed = Parsed(kind, name)
    text = decode_text(parsed, data)
    if text is None:
        return parsed
    columns = COLUMNS[kind]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        parsed.error(0, "the file is empty (a header row is required)")
        return parsed
    except csv.Error as exc:
        parsed.error(1, f"not CSV: {exc}")
        return parsed
    known = {c.name for c in columns}
    for col in columns:
        if col.required and col.name not in header:
            parsed.error(1, f"missing required column {col.name!r}")
    for dup in sorted({h for h in header if header.count(h) > 1}):
        parsed.error(1, f"column {dup!r} appears twice")
    for extra in (h for h in header if h and h not in known):
        parsed.warn(1, f"unknown column {extra!r} is ignored")
    if parsed.errors:
        return parsed
    parsed.columns = frozenset(h for h in header if h in known)
    to_wgs84 = converter(crs)
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                parsed.error(line, f"{len(row)} fields, but the header names {len(header)}")
                continue
            cells = {h: (row[i].strip() if i < len(row) else "") for i, h in enumerate(header)}
            record: Record = dict(_DEFAULTS.get(kind, {}))
            bad = False
            for col in columns:
                if col.name not in cells:
                    continue
                try:
                    record[col.name] = col.parse(cells[col.name])
                except ValueError as exc:
                    parsed.error(line, f"{col.name}: {exc}")
                    bad = True
            if bad:
                continue
            ident = record["id"]
            if ident in seen:
                parsed.error(line, f"duplicate id {ident!r} (first on line {seen[ident]})")
                continue
            seen[ident] = line
            if kind == "cameras" and not _camera_position(parsed, line, record, to_wgs84):
                continue
            parsed.records.append((line, record))
    except csv.Error as exc:
        parsed.error(reader.line_num, f"not CSV: {exc}")
    return parsed


def _camera_position(
    parsed: Parsed,
    line: int,
    record: Record,
    to_wgs84: Convert,
) -> bool:
    lat, lon = record["lat"], record["lon"]
    if not _in_range(lat, lon):
        parsed.error(line, f"position {lat}, {lon} is out of range (lat -90..90, lon -180..180)")
        return False
    record["lat"], record["lon"] = (round(v, 7) for v in to_wgs84(lat, lon))
    return True


# ---------------------------------------------------------------- layers

_ACCEPTED_CRS = re.compile(
    r"WGS[ _]?(19)?84|CGCS[ _]?2000|China Geodetic Coordinate System 2000|EPSG\D{0,3}(4326|4490)"
    r"|CRS84",
    re.IGNORECASE,
)


def check_prj(parsed: Parsed, wkt: str) -> None:
    """Refuse a ``.prj`` (or GeoJSON ``crs``) that names anything but WGS-84 / CGCS2000 degrees."""
    text = wkt.strip()
    head = text.split("[", 1)[0].strip().upper()
    # TOWGS84[...] is a shift *to* WGS-84 that other datums (Beijing 1954) carry: not a name.
    named = re.sub(r"TOWGS84\s*\[[^\]]*\]", "", text, flags=re.IGNORECASE)
    names = re.findall(r'"([^"]*)"', text)
    label = names[0] if names else text[:80]
    if head.startswith("PROJ") or not _ACCEPTED_CRS.search(named):
        parsed.error(
            0,
            f"coordinate system {label!r} is not WGS-84 or CGCS2000 longitude/latitude: "
            "reproject the file (ogr2ogr -t_srs EPSG:4326); it is not guessed",
        )


def read_geojson(name: str, data: bytes, crs: str = "wgs84") -> Parsed:
    """Read a GeoJSON FeatureCollection of layers."""
    parsed = Parsed("layers", name)
    text = decode_text(parsed, data)
    if text is None:
        return parsed
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        parsed.error(0, f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
        return parsed
    kind = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
    if kind != "FeatureCollection" or not isinstance(doc.get("features"), list):
        parsed.error(0, f"not a GeoJSON FeatureCollection (its type is {kind!r})")
        return parsed
    named = doc.get("crs")
    if isinstance(named, dict):
        check_prj(parsed, json.dumps(named.get("properties", {}).get("name", "")))
        if parsed.errors:
            return parsed
    read_features(parsed, enumerate(doc["features"], 1), crs)
    return parsed


def read_shapefile(path: Path, crs: str = "wgs84") -> Parsed:
    """Read an ESRI Shapefile (``.shp`` with its ``.dbf``, and ``.prj``/``.cpg`` when present)."""
    import shapefile  # pyshp

    parsed = Parsed("layers", str(path))
    sidecars = {p.suffix.lower(): p for p in path.parent.glob(path.stem + ".*")}
    if ".dbf" not in sidecars:
        parsed.error(0, f"a Shapefile needs its .dbf beside it ({path.stem}.dbf is missing)")
        return parsed
    if ".prj" in sidecars:
        check_prj(parsed, sidecars[".prj"].read_text(encoding="latin-1"))
        if parsed.errors:
            return parsed
    else:
        parsed.warn(0, f"no .prj: the coordinates are taken as --crs {crs}")
    encodings = ["utf-8", "gb18030"]
    if ".cpg" in sidecars:
        declared = sidecars[".cpg"].read_text(encoding="latin-1").strip().lower()
        encodings = ["gb18030" if declared in ("gbk", "gb2312", "936", "cp936") else declared]
    last: Exception | None = None
    for encoding in encodings:
        try:
            with shapefile.Reader(str(path), encoding=encoding, encodingErrors="strict") as shp:
                features = [
                    {
                        "type": "Feature",
                        "geometry": sr.shape.__geo_interface__ if sr.shape.points else None,
                        "properties": sr.record.as_dict(),
                    }
                    for sr in shp.iterShapeRecords()
                ]
            break
        except UnicodeDecodeError as exc:
            last = exc
        except shapefile.ShapefileException as exc:
            if "decod" not in str(exc).lower():  # pyshp 3 wraps decoding errors in its own
                parsed.error(0, f"cannot read the Shapefile: {exc}")
                return parsed
            last = exc
        except (OSError, ValueError, struct.error) as exc:
            parsed.error(0, f"cannot read the Shapefile: {exc}")
            return parsed
    else:
        parsed.error(0, f"the .dbf is neither UTF-8 nor GB18030 ({last}): add a .cpg file")
        return parsed
    read_features(parsed, enumerate(features, 1), crs)
    return parsed


_OWN_PROPERTIES = ("kind", "id", "name", "retired")


def read_features(parsed: Parsed, features: Iterable[tuple[int, Any]], crs: str) -> None:
    """Check GeoJSON features and keep them as layer records."""
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    to_wgs84 = converter(crs)
    seen: dict[str, int] = {}
    parsed.columns = frozenset({"kind", "name", "geometry", "properties", "retired"})
    for number, feature in features:
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            parsed.error(number, "not a GeoJSON Feature")
            continue
        props = feature.get("properties")
        props = {str(k).strip(): v for k, v in props.items()} if isinstance(props, dict) else {}
        lower = {k.lower(): v for k, v in props.items()}
        kind = str(lower.get("kind") or "").strip()
        ident = str(lower.get("id") if lower.get("id") is not None else "").strip()
        name = str(lower.get("name") or "").strip()
        if kind not in LAYER_KINDS:
            parsed.error(number, f"properties.kind {kind!r} is not one of {', '.join(LAYER_KINDS)}")
            continue
        if not ident or len(ident) > MAX_ID:
            parsed.error(number, "properties.id must be 1 to 128 characters")
            continue
        if not name or len(name) > MAX_TEXT:
            parsed.error(number, "properties.name must be 1 to 200 characters")
            continue
        if ident in seen:
            parsed.error(number, f"duplicate id {ident!r} (first at feature {seen[ident]})")
            continue
        try:
            retired = _bool(str(lower.get("retired") or "").strip())
        except ValueError as exc:
            parsed.error(number, f"retired: {exc}")
            continue
        geometry = feature.get("geometry")
        want = ("Point",) if kind == "station" else ("Polygon", "MultiPolygon")
        gtype = str(geometry.get("type")) if isinstance(geometry, dict) else ""
        if gtype not in want or not isinstance(geometry, dict):
            parsed.error(number, f"a {kind} needs a {' or '.join(want)} geometry, not {gtype}")
            continue
        try:
            coords = _convert(geometry["coordinates"], to_wgs84, gtype)
        except (TypeError, ValueError, IndexError, KeyError) as exc:
            parsed.error(number, f"bad coordinates: {exc}")
            continue
        geometry = {"type": gtype, "coordinates": coords}
        if gtype != "Point":
            try:
                geom = shape(geometry)
            except (ValueError, TypeError, AttributeError) as exc:
                parsed.error(number, f"bad polygon: {exc}")
                continue
            if not geom.is_empty and not geom.is_valid:  # a bow-tie may have zero net area
                why = explain_validity(geom)
                what = "self-intersecting polygon" if "intersection" in why.lower() else "invalid"
                parsed.error(number, f"{what}: {why}")
                continue
            if geom.is_empty or geom.area <= 0:
                parsed.error(number, "the polygon encloses no area")
                continue
        seen[ident] = number
        extra = {
            k: v for k, v in props.items() if k.lower() not in ("kind", "id", "name", "retired")
        }
        parsed.records.append(
            (
                number,
                {
                    "id": ident,
                    "kind": kind,
                    "name": name,
                    "geometry": geometry,
                    "properties": _json_safe(extra),
                    "retired": retired,
                },
            )
        )


def _convert(coords: Any, to_wgs84: Convert, gtype: str) -> Any:
    if gtype == "Point":
        return _point(coords, to_wgs84)
    polygons = [coords] if gtype == "Polygon" else coords
    if not isinstance(polygons, list) or not polygons:
        raise ValueError("no rings")
    out = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ValueError("a polygon needs at least one ring")
        rings = []
        for ring in polygon:
            if not isinstance(ring, list) or len(ring) < 3:
                raise ValueError("a ring needs at least three positions")
            points = [_point(p, to_wgs84) for p in ring]
            if points[0] != points[-1]:
                points.append(points[0])
            rings.append(points)
        out.append(rings)
    return out[0] if gtype == "Polygon" else out


def _point(p: Any, to_wgs84: Convert) -> list[float]:
    if not isinstance(p, list | tuple) or len(p) < 2:
        raise ValueError(f"{p!r} is not a [lon, lat] position")
    lon, lat = float(p[0]), float(p[1])
    if not (math.isfinite(lon) and math.isfinite(lat)) or not _in_range(lat, lon):
        raise ValueError(f"[{lon}, {lat}] is out of range (lon -180..180, lat -90..90)")
    wlat, wlon = to_wgs84(lat, lon)
    return [round(wlon, 7), round(wlat, 7)]


def _json_safe(props: Record) -> Record:
    # Shapefile attributes may be dates or bytes: keep what JSON can carry.
    out: Record = {}
    for key, value in props.items():
        if value is None or isinstance(value, str | int | float | bool):
            out[key] = value
        else:
            out[key] = str(value)
    return out


# ---------------------------------------------------------------- any file


def read_file(path: Path, crs: str = "wgs84", max_bytes: int = MAX_FILE_BYTES) -> Parsed:
    """Read one inventory file by its name's kind (see :func:`kind_of`)."""
    kind = kind_of(path.name)
    if kind is None:
        parsed = Parsed("", str(path))
        parsed.error(
            0,
            "unknown kind of file: name it units.csv, cameras.csv, talkgroups.csv, "
            "*.geojson or *.shp",
        )
        return parsed
    parsed = Parsed(kind, str(path))
    try:
        size = path.stat().st_size
    except OSError as exc:
        parsed.error(0, f"cannot read it: {exc.strerror or exc}")
        return parsed
    if size > max_bytes:
        parsed.error(
            0, f"{size / (1 << 20):.1f} MiB is over the limit of {max_bytes / (1 << 20):.0f} MiB"
        )
        return parsed
    if path.suffix.lower() == ".shp":
        return read_shapefile(path, crs)
    try:
        data = path.read_bytes()
    except OSError as exc:
        parsed.error(0, f"cannot read it: {exc.strerror or exc}")
        return parsed
    return read_bytes(str(path), data, crs, max_bytes)


def read_bytes(
    name: str, data: bytes, crs: str = "wgs84", max_bytes: int = MAX_FILE_BYTES
) -> Parsed:
    """Read one CSV or GeoJSON inventory file given as bytes (the console's import)."""
    kind = kind_of(name)
    if kind is None or name.lower().endswith(".shp"):
        parsed = Parsed(kind or "", name)
        parsed.error(
            0, "unknown kind of file: name it units.csv, cameras.csv, talkgroups.csv or *.geojson"
        )
        return parsed
    if len(data) > max_bytes:
        parsed = Parsed(kind, name)
        parsed.error(
            0,
            f"{len(data) / (1 << 20):.1f} MiB is over the limit of {max_bytes / (1 << 20):.0f} MiB",
        )
        return parsed
    if kind == "layers":
        return read_geojson(name, data, crs)
    return read_csv(kind, name, data, crs)
