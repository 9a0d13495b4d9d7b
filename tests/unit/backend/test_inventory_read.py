"""Inventory files to records, and the all-or-nothing import over a real SQLite file.

No sockets and no Qt: ``backend_stub.inventory.read`` (CSV, GeoJSON, Shapefile; UTF-8 or
GB18030; WGS-84, GCJ-02 or BD-09) and ``backend_stub.inventory.store`` (plan, import, export)
as ``shared/integration.md`` §1 describes them.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import shapefile  # pyshp
from sqlalchemy import Engine

from backend_stub import db
from backend_stub.inventory import store
from backend_stub.inventory.read import Parsed, read_bytes, read_file, redact_url
from backend_stub.inventory.wire import camera_wire
from console.geo import gcj02_to_wgs84, wgs84_to_gcj02

SECRET = "S3cret"
CAMERA_URL = f"rtsp://admin:{SECRET}@10.1.2.3/ch1"
# Ordos, Dongsheng district: inside China, so GCJ-02 and BD-09 differ from WGS-84.
LAT, LON = 39.81, 109.98

UNITS_CSV = (
    "id,callsign,kind,radio_id,talkgroup,station,status,device_ids\n"
    "U1,东胜巡逻一组,patrol_car,4600101,1001,东胜派出所,available,jt808:13912345678\n"
    "U2,鄂尔多斯步巡,foot,4600102,1001,富兴派出所,,osmand:860123;cot:ANDROID-abc\n"
)
CAMERAS_CSV = (
    "id,name,lat,lon,main,sub,ptz,username,password\n"
    f"C1,伊金霍洛街交叉口,{LAT},{LON},{CAMERA_URL},,true,admin,{SECRET}\n"
)
TALKGROUPS_CSV = "id,name,system,kind\n1001,东胜区指挥调度,1,group\n"

XIAN_GK_PRJ = (
    'PROJCS["Xian_1980_3_Degree_GK_CM_111E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",'
    'SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",111.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]'
)
WGS84_PRJ = (
    'GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)
CGCS2000_PRJ = (
    'GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",'
    'SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]]'
)
XIAN_GEOGRAPHIC_PRJ = (
    'GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,298.257]],'
    'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]'
)
# EPSG:4214 as GDAL writes OGC WKT 1: another datum, with its shift *to* WGS 84 spelled out.
BEIJING54_PRJ = (
    'GEOGCS["Beijing 1954",DATUM["Beijing_1954",SPHEROID["Krassowsky 1940",6378245,298.3,'
    'AUTHORITY["EPSG","7024"]],TOWGS84[15.8,-154.4,-82.3,0,0,0,0],AUTHORITY["EPSG","6214"]],'
    'PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],'
    'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4214"]]'
)


# ---------------------------------------------------------------- helpers


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = db.open_engine(f"sqlite:///{tmp_path}/x.db")
    yield eng
    eng.dispose()


def write(directory: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def square(lon: float, lat: float, d: float) -> list[list[float]]:
    """A closed counter-clockwise square ring with its south-west corner at lon, lat."""
    return [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]


def polygon(lon: float = LON - 0.01, lat: float = LAT - 0.01, d: float = 0.02) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [square(lon, lat, d)]}


def feature(kind: str, ident: str, geometry: Any, name: str = "", **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"kind": kind, "id": ident, "name": name or f"{kind} {ident}", **props},
    }


def collection(*features: Any) -> bytes:
    doc = {"type": "FeatureCollection", "features": list(features)}
    return json.dumps(doc, ensure_ascii=False).encode()


def errors(parsed: Parsed | store.Report) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in parsed.errors]


def only_error(parsed: Parsed | store.Report) -> tuple[int, str]:
    found = errors(parsed)
    assert len(found) == 1, found
    return found[0]


def by_id(engine: Engine, kind: str) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in store.items(engine, kind)}


def table(engine: Engine) -> dict[str, dict[str, dict[str, Any]]]:
    """Every stored item of every kind: what an import must leave alone when it fails."""
    return {kind: by_id(engine, kind) for kind in store.ROW_KIND}


def import_paths(engine: Engine, *paths: Path, **kwargs: Any) -> store.Report:
    return store.import_paths(engine, list(paths), **kwargs)


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """Baidu's BD-09 offset applied on top of GCJ-02 (the forward transform)."""
    x_pi = math.pi * 3000.0 / 180.0
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * x_pi)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * x_pi)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def write_shapefile(
    directory: Path,
    stem: str,
    shapes: list[tuple[str, str, str, list[list[list[float]]]]],
    *,
    prj: str | None = None,
    encoding: str = "utf-8",
) -> Path:
    """A polygon Shapefile with fields kind, id, name (pyshp), and a .prj when given."""
    directory.mkdir(parents=True, exist_ok=True)
    with shapefile.Writer(
        str(directory / stem), shapeType=shapefile.POLYGON, encoding=encoding
    ) as w:
        w.field("kind", "C", size=20)
        w.field("id", "C", size=40)
        w.field("name", "C", size=100)
        for kind, ident, name, rings in shapes:
            w.poly(rings)
            w.record(kind, ident, name)
    if prj is not None:
        (directory / f"{stem}.prj").write_text(prj, encoding="latin-1")
    return directory / f"{stem}.shp"


def rounded(value: Any) -> Any:
    """Coordinates as the reader keeps them (7 decimals, about a centimetre), lists not tuples."""
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [rounded(v) for v in value]
    return round(value, 7) if isinstance(value, float) else value


def clockwise(lon: float, lat: float, d: float) -> list[list[float]]:
    """A Shapefile outer ring (clockwise)."""
    return list(reversed(square(lon, lat, d)))


# ---------------------------------------------------------------- CSV: encodings


@pytest.mark.parametrize(
    ("name", "text"),
    [("units.csv", UNITS_CSV), ("cameras.csv", CAMERAS_CSV), ("talkgroups.csv", TALKGROUPS_CSV)],
)
def test_utf8_bom_and_gb18030_read_the_same(name: str, text: str) -> None:
    gb = text.encode("gb18030")
    with pytest.raises(UnicodeDecodeError):
        gb.decode("utf-8")  # the test really gives the reader something to detect
    readings = {
        "utf-8": read_bytes(name, text.encode("utf-8")),
        "utf-8 with BOM": read_bytes(name, b"\xef\xbb\xbf" + text.encode("utf-8")),
        "gb18030": read_bytes(name, gb),
        "utf-8, CRLF": read_bytes(name, text.replace("\n", "\r\n").encode("utf-8")),
    }
    for how, parsed in readings.items():
        assert parsed.problems == [], (how, [str(p) for p in parsed.problems])
    first = readings["utf-8"]
    assert len(first.records) == text.count("\n") - 1
    for how, parsed in readings.items():
        assert parsed.records == first.records, how
        assert parsed.columns == first.columns, how
    # The Chinese text arrives as written, the header's BOM does not stick to "id".
    values = [v for _line, r in first.records for v in r.values() if isinstance(v, str)]
    assert any(v in text for v in values if any("\u4e00" <= ch <= "\u9fff" for ch in v))
    assert all(r["id"] for _line, r in readings["utf-8 with BOM"].records)


def test_units_fields_defaults_and_lines() -> None:
    parsed = read_bytes("units.csv", UNITS_CSV.encode())
    (l1, u1), (l2, u2) = parsed.records
    assert (l1, l2) == (2, 3)  # the header is line 1
    assert u1["callsign"] == "东胜巡逻一组"
    assert u1["device_ids"] == ["jt808:13912345678"]
    assert u2["device_ids"] == ["osmand:860123", "cot:ANDROID-abc"]
    assert u2["status"] == "off_duty"  # the default when empty
    tg = read_bytes("talkgroups.csv", b"id,name\n1001,A\n")
    assert tg.records[0][1]["system"] == "1"


def test_latin1_file_is_an_error_naming_its_line() -> None:
    data = "id,callsign,kind\nU1,Alpha,car\nU2,Café,car\n".encode("latin-1")
    parsed = read_bytes("units.csv", data)
    line, message = only_error(parsed)
    assert line == 3
    assert "GB18030" in message and "0xe9" in message
    assert parsed.records == []
    assert str(parsed.errors[0]).startswith("units.csv:3: ")


def test_utf16_file_is_an_error() -> None:
    parsed = read_bytes("units.csv", "id,callsign,kind\nU1,甲,car\n".encode("utf-16"))
    line, message = only_error(parsed)
    assert line == 0 and "UTF-16" in message


# ---------------------------------------------------------------- CSV: checks


@pytest.mark.parametrize(
    ("name", "header", "missing"),
    [
        ("units.csv", "id,kind,radio_id", "callsign"),
        ("cameras.csv", "id,name,lat,lon,sub", "main"),
        ("talkgroups.csv", "name,system", "id"),
    ],
)
def test_missing_required_column_is_an_error_at_line_1(
    name: str, header: str, missing: str
) -> None:
    parsed = read_bytes(name, f"{header}\n{','.join('x' for _ in header.split(','))}\n".encode())
    line, message = only_error(parsed)
    assert line == 1
    assert repr(missing) in message
    assert parsed.records == []


def test_unknown_column_is_a_warning_and_empty_file_an_error() -> None:
    parsed = read_bytes("talkgroups.csv", b"id,name,colour\n1,A,red\n")
    assert parsed.errors == []
    assert [(p.line, p.warning) for p in parsed.problems] == [(1, True)]
    assert "colour" in parsed.problems[0].message
    assert len(parsed.records) == 1
    line, _message = only_error(read_bytes("units.csv", b""))
    assert line == 0


def test_duplicate_id_names_the_first_line() -> None:
    data = b"id,callsign,kind\nU1,A,car\nU2,B,car\nU1,C,car\n"
    parsed = read_bytes("units.csv", data)
    line, message = only_error(parsed)
    assert line == 4
    assert "duplicate id 'U1'" in message and "line 2" in message
    assert [r["id"] for _l, r in parsed.records] == ["U1", "U2"]


def test_bad_values_are_errors_on_their_lines() -> None:
    data = (
        b"id,callsign,kind,status\n"
        b"U1,,car,\n"  # empty callsign
        b"U2,B,car,asleep\n"  # unknown status
        b"U3,C,car,available,extra\n"  # more fields than the header
        b"U4,D,car,busy\n"
    )
    parsed = read_bytes("units.csv", data)
    assert [line for line, _m in errors(parsed)] == [2, 3, 4]
    assert "callsign" in errors(parsed)[0][1]
    assert "status" in errors(parsed)[1][1]
    assert [r["id"] for _l, r in parsed.records] == ["U4"]


@pytest.mark.parametrize(
    ("lat", "lon"),
    [("91", "109.98"), ("-90.5", "109.98"), ("39.81", "181"), ("39.81", "-180.01")],
)
def test_camera_coordinates_out_of_range(lat: str, lon: str) -> None:
    data = f"id,name,lat,lon,main\nC1,A,{lat},{lon},http://10.1.2.3/live\n".encode()
    parsed = read_bytes("cameras.csv", data)
    line, message = only_error(parsed)
    assert line == 2 and "out of range" in message


@pytest.mark.parametrize("value", ["nan", "inf", "north", ""])
def test_camera_coordinates_must_be_finite_numbers(value: str) -> None:
    data = f"id,name,lat,lon,main\nC1,A,{value},109.98,http://10.1.2.3/live\n".encode()
    line, message = only_error(read_bytes("cameras.csv", data))
    assert line == 2 and message.startswith("lat: ")


def test_layer_coordinates_out_of_range() -> None:
    bad = {"type": "Polygon", "coordinates": [square(179.5, 39.0, 1.0)]}  # lon 180.5
    parsed = read_bytes(
        "grids.geojson", collection(feature("grid", "G1", polygon()), feature("grid", "G2", bad))
    )
    line, message = only_error(parsed)
    assert line == 2 and "out of range" in message
    station = feature("station", "S1", {"type": "Point", "coordinates": [LON, 95.0]})
    line, message = only_error(read_bytes("stations.geojson", collection(station)))
    assert line == 1 and "out of range" in message


@pytest.mark.parametrize(
    "devices",
    ["imei:860123", "13912345678", "jt808:", "JT808:13912345678", "jt808:1;sms:2"],
)
def test_bad_device_ids_scheme(devices: str) -> None:
    data = f"id,callsign,kind,device_ids\nU1,A,car,{devices}\n".encode()
    line, message = only_error(read_bytes("units.csv", data))
    assert line == 2
    assert message.startswith("device_ids: ") and "jt808, cot, osmand" in message


def test_camera_stream_schemes() -> None:
    data = (
        "id,name,lat,lon,main,sub,onvif\n"
        f"C1,A,{LAT},{LON},rtsp://10.0.0.1/main,http://10.0.0.1/sub,http://10.0.0.1/onvif\n"
        f"C2,B,{LAT},{LON},file:/srv/video/c2.mp4,,\n"
        f"C3,C,{LAT},{LON},ftp://10.0.0.3/x,,\n"
        f"C4,D,{LAT},{LON},10.0.0.4/x,,\n"
        f"C5,E,{LAT},{LON},,,\n"
    ).encode()
    parsed = read_bytes("cameras.csv", data)
    assert [line for line, _m in errors(parsed)] == [4, 5, 6]
    assert [r["id"] for _l, r in parsed.records] == ["C1", "C2"]


def test_unknown_file_name_is_refused(tmp_path: Path) -> None:
    parsed = read_file(write(tmp_path, "people.csv", "id\n1\n"))
    line, message = only_error(parsed)
    assert line == 0 and "units.csv" in message


# ---------------------------------------------------------------- layers


@pytest.mark.parametrize(
    "doc",
    [
        {"type": "Feature", "geometry": polygon(), "properties": {}},
        polygon(),
        [feature("grid", "G1", polygon())],
        {"type": "FeatureCollection"},
        {"type": "FeatureCollection", "features": {"G1": 1}},
    ],
    ids=["feature", "geometry", "list", "no-features", "features-not-a-list"],
)
def test_geojson_that_is_not_a_feature_collection(doc: Any) -> None:
    parsed = read_bytes("grids.geojson", json.dumps(doc).encode())
    line, message = only_error(parsed)
    assert line == 0 and "FeatureCollection" in message
    assert parsed.records == []


def test_geojson_that_is_not_json() -> None:
    line, message = only_error(read_bytes("grids.geojson", b'{"type": "FeatureCollection",'))
    assert line == 0 and message.startswith("not JSON")


# A bow-tie: its edges cross at the centre. The symmetric one is the textbook drawing; the
# lopsided one is the same mistake with uneven halves.
BOW_TIES = {
    "symmetric": [[LON, LAT], [LON + 0.01, LAT + 0.01], [LON + 0.01, LAT], [LON, LAT + 0.01]],
    "lopsided": [[LON, LAT], [LON + 0.01, LAT + 0.01], [LON + 0.01, LAT], [LON, LAT + 0.02]],
}


@pytest.mark.parametrize("shape", list(BOW_TIES))
def test_self_intersecting_polygon_is_reported_with_its_feature_number(shape: str) -> None:
    ring = [*BOW_TIES[shape], BOW_TIES[shape][0]]
    doc = collection(
        feature("grid", "G1", polygon()),
        feature("grid", "G2", polygon(LON + 0.05)),
        feature("efence", "F1", {"type": "Polygon", "coordinates": [ring]}),
    )
    parsed = read_bytes("fences.geojson", doc)
    line, message = only_error(parsed)
    assert line == 3  # features count from 1
    assert "self-intersect" in message.lower(), message
    assert [r["id"] for _l, r in parsed.records] == ["G1", "G2"]


def test_layer_feature_checks() -> None:
    point = {"type": "Point", "coordinates": [LON, LAT]}
    doc = collection(
        feature("grid", "G1", polygon(), name="东胜一号网格"),  # 1: fine
        feature("station", "S1", polygon()),  # 2: a station is a point
        feature("station", "S2", point),  # 3: fine
        feature("grid", "G2", point),  # 4: a grid is an area
        feature("road", "R1", polygon()),  # 5: unknown kind
        feature("grid", "", polygon()),  # 6: no id
        feature("grid", "G1", polygon()),  # 7: duplicate of feature 1
        {"type": "Point", "coordinates": [LON, LAT]},  # 8: not a Feature
        feature("grid", "G3", {"type": "Polygon", "coordinates": [[[LON, LAT], [LON, LAT]]]}),
        feature("efence", "F1", polygon(), retired="maybe"),  # 10: bad retired
    )
    parsed = read_bytes("layers.geojson", doc)
    found = dict(errors(parsed))
    assert sorted(found) == [2, 4, 5, 6, 7, 8, 9, 10]
    assert "station needs a Point" in found[2] and "Polygon" in found[2]
    assert "Polygon or MultiPolygon" in found[4]
    assert "first at feature 1" in found[7]
    records = {r["id"]: r for _l, r in parsed.records}
    assert sorted(records) == ["G1", "S2"]
    assert records["G1"]["name"] == "东胜一号网格"
    assert records["S2"]["geometry"] == point


def test_geojson_crs_member_is_checked() -> None:
    def doc(name: str) -> bytes:
        return json.dumps(
            {
                "type": "FeatureCollection",
                "crs": {"type": "name", "properties": {"name": name}},
                "features": [feature("grid", "G1", polygon())],
            }
        ).encode()

    assert read_bytes("g.geojson", doc("urn:ogc:def:crs:OGC:1.3:CRS84")).problems == []
    assert read_bytes("g.geojson", doc("urn:ogc:def:crs:EPSG::4490")).problems == []
    line, message = only_error(read_bytes("g.geojson", doc("urn:ogc:def:crs:EPSG::3857")))
    assert line == 0 and "not guessed" in message


# ---------------------------------------------------------------- coordinate systems


def _camera_csv(lat: float, lon: float) -> bytes:
    return f"id,name,lat,lon,main\nC1,A,{lat!r},{lon!r},http://10.1.2.3/live\n".encode()


@pytest.mark.parametrize("crs", ["gcj02", "bd09"])
def test_gcj02_and_bd09_become_wgs84(crs: str) -> None:
    glat, glon = wgs84_to_gcj02(LAT, LON)
    # console.geo's round trip is the yardstick: GCJ-02 back to WGS-84 lands on the point.
    back = gcj02_to_wgs84(glat, glon)
    assert abs(back[0] - LAT) < 1e-7 and abs(back[1] - LON) < 1e-7
    lat, lon = (glat, glon) if crs == "gcj02" else gcj02_to_bd09(glat, glon)
    assert abs(lat - LAT) > 1e-3 or abs(lon - LON) > 1e-3  # the input really is shifted

    cam = read_bytes("cameras.csv", _camera_csv(lat, lon), crs=crs)
    assert cam.problems == []
    record = cam.records[0][1]
    assert abs(record["lat"] - LAT) < 1e-5 and abs(record["lon"] - LON) < 1e-5

    ring = [[x, y] for y, x in (_shift(crs, la, lo) for lo, la in square(LON, LAT, 0.01))]
    station = {"type": "Point", "coordinates": list(reversed(_shift(crs, LAT, LON)))}
    layers = read_bytes(
        "layers.geojson",
        collection(
            feature("grid", "G1", {"type": "Polygon", "coordinates": [ring]}),
            feature("station", "S1", station),
        ),
        crs=crs,
    )
    assert layers.errors == []
    got = {r["id"]: r["geometry"]["coordinates"] for _l, r in layers.records}
    for (lon_out, lat_out), (lon_in, lat_in) in zip(
        got["G1"][0], square(LON, LAT, 0.01), strict=True
    ):
        assert abs(lon_out - lon_in) < 1e-5 and abs(lat_out - lat_in) < 1e-5
    assert abs(got["S1"][0] - LON) < 1e-5 and abs(got["S1"][1] - LAT) < 1e-5


def _shift(crs: str, lat: float, lon: float) -> tuple[float, float]:
    g = wgs84_to_gcj02(lat, lon)
    return g if crs == "gcj02" else gcj02_to_bd09(*g)


def test_wgs84_is_taken_as_is_and_unknown_crs_refused() -> None:
    record = read_bytes("cameras.csv", _camera_csv(LAT, LON)).records[0][1]
    assert (record["lat"], record["lon"]) == (LAT, LON)
    with pytest.raises(ValueError, match="crs"):
        read_bytes("cameras.csv", _camera_csv(LAT, LON), crs="epsg3857")


# ---------------------------------------------------------------- Shapefile


def test_shapefile_written_with_pyshp_reads_back(tmp_path: Path) -> None:
    shp = write_shapefile(
        tmp_path,
        "grids",
        [
            ("grid", "G1", "东胜一号网格", [clockwise(LON, LAT, 0.01)]),
            (
                "efence",
                "F1",
                "two parts",
                [clockwise(LON, LAT, 0.01), clockwise(LON + 0.02, LAT, 0.01)],
            ),
            ("boundary", "B1", "东胜区", [clockwise(LON - 1, LAT - 1, 2)]),
        ],
        prj=WGS84_PRJ,
    )
    parsed = read_file(shp)
    assert parsed.problems == []
    records = {r["id"]: (line, r) for line, r in parsed.records}
    assert sorted(records) == ["B1", "F1", "G1"]
    line, g1 = records["G1"]
    assert line == 1 and g1["kind"] == "grid" and g1["name"] == "东胜一号网格"
    assert g1["geometry"]["type"] == "Polygon"
    ring = g1["geometry"]["coordinates"][0]
    want = rounded(square(LON, LAT, 0.01)[:-1])
    assert sorted(map(tuple, ring[:-1])) == sorted(map(tuple, want))
    assert records["F1"][1]["geometry"]["type"] == "MultiPolygon"
    assert records["F1"][0] == 2 and records["B1"][1]["kind"] == "boundary"


def test_shapefile_with_a_gb18030_dbf_and_no_prj(tmp_path: Path) -> None:
    shp = write_shapefile(
        tmp_path,
        "grids",
        [("grid", "G1", "东胜一号网格", [clockwise(LON, LAT, 0.01)])],
        encoding="gb18030",
    )
    parsed = read_file(shp)
    assert parsed.errors == []
    assert [(p.line, p.warning) for p in parsed.problems] == [(0, True)]  # no .prj
    assert parsed.records[0][1]["name"] == "东胜一号网格"


@pytest.mark.filterwarnings("ignore:Specified encoding")  # pyshp: we pass what the .cpg says
def test_shapefile_with_a_gbk_cpg(tmp_path: Path) -> None:
    shp = write_shapefile(
        tmp_path,
        "grids",
        [("grid", "G1", "东胜一号网格", [clockwise(LON, LAT, 0.01)])],
        prj=CGCS2000_PRJ,
        encoding="gb18030",
    )
    (tmp_path / "grids.cpg").write_text("GBK\n")
    parsed = read_file(shp)
    assert parsed.problems == []
    assert parsed.records[0][1]["name"] == "东胜一号网格"


def test_shapefile_feature_errors_are_numbered(tmp_path: Path) -> None:
    bow_tie = [*BOW_TIES["lopsided"], BOW_TIES["lopsided"][0]]
    shp = write_shapefile(
        tmp_path,
        "grids",
        [
            ("grid", "G1", "ok", [clockwise(LON, LAT, 0.01)]),
            ("grid", "G2", "crossed", [bow_tie]),
            ("road", "R1", "not a layer kind", [clockwise(LON, LAT, 0.01)]),
        ],
        prj=WGS84_PRJ,
    )
    assert [line for line, _m in errors(read_file(shp))] == [2, 3]


def test_shapefile_without_its_dbf_gives_a_clear_error(tmp_path: Path) -> None:
    shp = write_shapefile(tmp_path, "grids", [("grid", "G1", "a", [clockwise(LON, LAT, 0.01)])])
    (tmp_path / "grids.dbf").unlink()
    parsed = read_file(shp)
    line, message = only_error(parsed)
    assert line == 0 and ".dbf" in message and "grids.dbf" in message
    assert str(parsed.errors[0]).startswith(f"{shp}:0: ")


def test_projected_prj_is_refused(tmp_path: Path) -> None:
    shp = write_shapefile(
        tmp_path,
        "grids",
        [("grid", "G1", "a", [clockwise(500000, 4400000, 1000)])],
        prj=XIAN_GK_PRJ,
    )
    parsed = read_file(shp)
    line, message = only_error(parsed)
    assert line == 0
    assert "Xian_1980_3_Degree_GK_CM_111E" in message and "not guessed" in message
    assert parsed.records == []


@pytest.mark.parametrize("prj", [WGS84_PRJ, CGCS2000_PRJ], ids=["wgs84", "cgcs2000"])
def test_wgs84_and_cgcs2000_prj_are_accepted(tmp_path: Path, prj: str) -> None:
    shp = write_shapefile(
        tmp_path, "grids", [("grid", "G1", "a", [clockwise(LON, LAT, 0.01)])], prj=prj
    )
    parsed = read_file(shp)
    assert parsed.problems == [] and len(parsed.records) == 1


@pytest.mark.parametrize(
    "prj", [XIAN_GEOGRAPHIC_PRJ, BEIJING54_PRJ], ids=["xian1980", "beijing1954-towgs84"]
)
def test_prj_of_another_geographic_datum_is_refused(tmp_path: Path, prj: str) -> None:
    # Beijing 1954 and Xian 1980 are longitude/latitude too, but on other datums (tens to a
    # hundred metres off WGS-84): "a .prj naming another system is refused, not guessed".
    shp = write_shapefile(
        tmp_path, "grids", [("grid", "G1", "a", [clockwise(LON, LAT, 0.01)])], prj=prj
    )
    parsed = read_file(shp)
    line, message = only_error(parsed)
    assert line == 0 and "not guessed" in message


# ---------------------------------------------------------------- size limit


def test_file_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "units.csv", UNITS_CSV)
    size = path.stat().st_size
    assert read_file(path, max_bytes=size).problems == []
    parsed = read_file(path, max_bytes=size - 1)
    line, message = only_error(parsed)
    assert line == 0 and "over the limit" in message
    assert parsed.records == []
    line, message = only_error(read_bytes("units.csv", UNITS_CSV.encode(), max_bytes=64))
    assert line == 0 and "over the limit" in message
    shp = write_shapefile(tmp_path, "grids", [("grid", "G1", "a", [clockwise(LON, LAT, 0.01)])])
    line, message = only_error(read_file(shp, max_bytes=64))
    assert line == 0 and "over the limit" in message


def test_size_limit_refuses_the_whole_import(tmp_path: Path, engine: Engine) -> None:
    units = write(tmp_path, "units.csv", UNITS_CSV)
    talkgroups = write(tmp_path, "talkgroups.csv", TALKGROUPS_CSV)
    report = import_paths(engine, talkgroups, units, max_bytes=units.stat().st_size - 1)
    assert report.rev is None and len(report.errors) == 1
    assert store.head_rev(engine) == 0 and table(engine) == {k: {} for k in store.ROW_KIND}


# ---------------------------------------------------------------- the planner


def test_import_writes_every_kind_in_one_revision(tmp_path: Path, engine: Engine) -> None:
    paths = [
        write(tmp_path, "talkgroups.csv", TALKGROUPS_CSV),
        write(tmp_path, "units.csv", UNITS_CSV),
        write(tmp_path, "cameras.csv", CAMERAS_CSV),
        write(tmp_path, "grids.geojson", collection(feature("grid", "G1", polygon()))),
    ]
    report = import_paths(engine, *paths)
    assert report.problems == [] and report.rev == 1
    assert {k: c["new"] for k, c in report.counts.items()} == {
        "talkgroups": 1,
        "units": 2,
        "cameras": 1,
        "layers": 1,
    }
    assert store.head_rev(engine) == 1
    head, rows = store.changes_after(engine, 0)
    assert head == 1
    assert sorted((kind, body["id"]) for kind, body, _r in rows) == [
        ("camera", "C1"),
        ("layer", "G1"),
        ("talkgroup", "1001"),
        ("unit", "U1"),
        ("unit", "U2"),
    ]
    assert store.changes_after(engine, 1) == (1, [])
    # The same files again change nothing and write no revision.
    again = import_paths(engine, *paths)
    assert again.rev is None and again.errors == []
    assert {k: c["unchanged"] for k, c in again.counts.items()} == {
        "talkgroups": 1,
        "units": 2,
        "cameras": 1,
        "layers": 1,
    }
    assert store.head_rev(engine) == 1


def test_dry_run_writes_nothing(tmp_path: Path, engine: Engine) -> None:
    report = import_paths(engine, write(tmp_path, "units.csv", UNITS_CSV), dry_run=True)
    assert report.errors == [] and report.rev is None
    assert report.counts["units"]["new"] == 2  # it says what it would do
    assert store.head_rev(engine) == 0 and store.items(engine, "units") == []


def test_camera_grid_id_computed_from_a_grid_imported_in_the_same_run(
    tmp_path: Path, engine: Engine
) -> None:
    grids = collection(
        feature("grid", "G1", polygon(LON - 0.01, LAT - 0.01, 0.02)),
        feature("grid", "G2", polygon(LON + 0.05, LAT - 0.01, 0.02)),
    )
    cameras = (
        "id,name,lat,lon,main,grid_id\n"
        f"C1,in G1,{LAT},{LON},http://10.0.0.1/a,\n"
        f"C2,in G2,{LAT},{LON + 0.06},http://10.0.0.2/a,\n"
        f"C3,given,{LAT},{LON},http://10.0.0.3/a,G-given\n"
        f"C4,nowhere,{LAT + 1},{LON},http://10.0.0.4/a,\n"
    )
    report = import_paths(
        engine, write(tmp_path, "cameras.csv", cameras), write(tmp_path, "grids.geojson", grids)
    )
    assert report.errors == [] and report.rev is not None
    got = {i: c["grid_id"] for i, c in by_id(engine, "cameras").items()}
    assert got == {"C1": "G1", "C2": "G2", "C3": "G-given", "C4": ""}
    # A cameras.csv without a grid_id column, against the grids now stored.
    more = f"id,name,lat,lon,main\nC5,later,{LAT},{LON + 0.06},http://10.0.0.5/a\n"
    import_paths(engine, write(tmp_path / "b", "cameras.csv", more))
    assert by_id(engine, "cameras")["C5"]["grid_id"] == "G2"


def test_outside_the_boundary_is_a_warning_not_an_error(tmp_path: Path, engine: Engine) -> None:
    layers = collection(
        feature("boundary", "B1", polygon(LON - 0.1, LAT - 0.1, 0.2)),
        feature("station", "S1", {"type": "Point", "coordinates": [LON, LAT]}),
        feature("station", "S2", {"type": "Point", "coordinates": [LON + 1, LAT]}),
    )
    cameras = (
        "id,name,lat,lon,main\n"
        f"C1,inside,{LAT},{LON},http://10.0.0.1/a\n"
        f"C2,outside,{LAT + 1},{LON},http://10.0.0.2/a\n"
    )
    report = import_paths(
        engine, write(tmp_path, "layers.geojson", layers), write(tmp_path, "cameras.csv", cameras)
    )
    assert report.errors == []
    warned = sorted((Path(p.file).name, p.line) for p in report.warnings)
    assert warned == [("cameras.csv", 3), ("layers.geojson", 3)]
    assert all("outside the district boundary" in p.message for p in report.warnings)
    assert report.rev is not None
    assert sorted(by_id(engine, "cameras")) == ["C1", "C2"]
    assert sorted(by_id(engine, "layers")) == ["B1", "S1", "S2"]


def test_reimport_updates_by_id_and_keeps_the_stored_secrets(
    tmp_path: Path, engine: Engine
) -> None:
    import_paths(engine, write(tmp_path / "a", "cameras.csv", CAMERAS_CSV))
    import_paths(engine, write(tmp_path / "a", "units.csv", UNITS_CSV))
    # The camera renamed by a file that has no username/password columns; U2 left out.
    renamed = f"id,name,lat,lon,main\nC1,新名字,{LAT},{LON},{CAMERA_URL}\n"
    units = "id,callsign,kind\nU1,改名,patrol_car\n"
    report = import_paths(
        engine,
        write(tmp_path / "b", "cameras.csv", renamed),
        write(tmp_path / "b", "units.csv", units),
    )
    assert report.errors == []
    assert report.counts["cameras"] == {"new": 0, "updated": 1, "retired": 0, "unchanged": 0}
    camera = by_id(engine, "cameras")["C1"]
    assert camera["name"] == "新名字"
    assert (camera["username"], camera["password"]) == ("admin", SECRET)
    assert camera["ptz"] is True  # a column the file leaves out keeps its value
    stored = by_id(engine, "units")
    assert stored["U1"]["callsign"] == "改名"
    assert stored["U1"]["device_ids"] == ["jt808:13912345678"]
    assert "U2" in stored and not stored["U2"]["retired"]  # nothing is deleted silently
    # An explicit empty password column does clear it.
    cleared = f"id,name,lat,lon,main,password\nC1,新名字,{LAT},{LON},{CAMERA_URL},\n"
    import_paths(engine, write(tmp_path / "c", "cameras.csv", cleared))
    assert by_id(engine, "cameras")["C1"]["password"] == ""


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes", "是"])
def test_retired_true_counts_as_retired(tmp_path: Path, engine: Engine, value: str) -> None:
    import_paths(engine, write(tmp_path / "a", "units.csv", UNITS_CSV))
    rev = store.head_rev(engine)
    retire = f"id,callsign,kind,retired\nU2,鄂尔多斯步巡,foot,{value}\n"
    report = import_paths(engine, write(tmp_path / "b", "units.csv", retire))
    assert report.counts["units"] == {"new": 0, "updated": 0, "retired": 1, "unchanged": 0}
    units = by_id(engine, "units")
    assert units["U2"]["retired"] is True and units["U1"]["retired"] is False
    assert units["U2"]["device_ids"] == ["osmand:860123", "cot:ANDROID-abc"]  # history stays
    _head, rows = store.changes_after(engine, rev)
    assert [(kind, body["id"], retired) for kind, body, retired in rows] == [("unit", "U2", True)]
    # Retiring it again changes nothing; un-retiring it is an update.
    assert import_paths(engine, write(tmp_path / "b", "units.csv", retire)).rev is None
    back = import_paths(engine, write(tmp_path / "c", "units.csv", retire.replace(value, "false")))
    assert back.counts["units"]["updated"] == 1
    assert by_id(engine, "units")["U2"]["retired"] is False


def test_retired_layer_property(tmp_path: Path, engine: Engine) -> None:
    import_paths(engine, write(tmp_path, "g.geojson", collection(feature("grid", "G1", polygon()))))
    doc = collection(feature("grid", "G1", polygon(), retired=True))
    report = import_paths(engine, write(tmp_path, "g.geojson", doc))
    assert report.counts["layers"]["retired"] == 1
    assert by_id(engine, "layers")["G1"]["retired"] is True


def test_device_and_id_conflicts_refuse_the_import(tmp_path: Path, engine: Engine) -> None:
    import_paths(engine, write(tmp_path / "a", "units.csv", UNITS_CSV))
    before = table(engine)
    taken = "id,callsign,kind,device_ids\nU9,新车,patrol_car,jt808:13912345678\n"
    report = import_paths(engine, write(tmp_path / "b", "units.csv", taken))
    line, message = only_error(report)
    assert line == 2 and "already belongs to U1" in message
    g1 = collection(feature("grid", "G1", polygon()))
    report = import_paths(
        engine, write(tmp_path / "b", "a.geojson", g1), write(tmp_path / "b", "b.geojson", g1)
    )
    line, message = only_error(report)
    assert line == 1 and "also in" in message and "a.geojson" in message
    report = import_paths(
        engine,
        write(tmp_path / "c", "units.csv", UNITS_CSV),
        write(tmp_path / "d", "units.csv", UNITS_CSV),
    )
    assert any("second units file" in m for _l, m in errors(report))
    assert table(engine) == before and store.head_rev(engine) == 1


def test_any_error_writes_nothing(tmp_path: Path, engine: Engine) -> None:
    import_paths(engine, write(tmp_path / "a", "units.csv", UNITS_CSV))
    before, rev = table(engine), store.head_rev(engine)
    good_cameras = write(tmp_path / "b", "cameras.csv", CAMERAS_CSV)
    good_grids = write(
        tmp_path / "b", "grids.geojson", collection(feature("grid", "G1", polygon()))
    )
    changed_units = "id,callsign,kind\nU1,改名,car\nU3,新,car\nU4,,car\n"  # line 4 is bad
    bad_units = write(tmp_path / "b", "units.csv", changed_units)
    report = import_paths(engine, good_cameras, good_grids, bad_units)
    assert report.rev is None
    assert [(Path(p.file).name, p.line) for p in report.errors] == [("units.csv", 4)]
    assert table(engine) == before and store.head_rev(engine) == rev
    # One bad layer feature among good CSV files: the same.
    bad_grids = write(
        tmp_path / "c",
        "grids.geojson",
        collection(feature("grid", "G1", polygon()), feature("station", "S1", polygon())),
    )
    report = import_paths(engine, good_cameras, bad_grids)
    assert [(Path(p.file).name, p.line) for p in report.errors] == [("grids.geojson", 2)]
    assert table(engine) == before and store.head_rev(engine) == rev


# ---------------------------------------------------------------- export and secrets


def _export(engine: Engine, tmp_path: Path, kind: str, with_secrets: bool = False) -> str:
    out = tmp_path / f"export-{kind}-{with_secrets}.{'geojson' if kind == 'layers' else 'csv'}"
    store.export(engine, kind, out, with_secrets=with_secrets)
    return out.read_text(encoding="utf-8")


def test_export_without_secrets_has_no_password_nor_url_credentials(
    tmp_path: Path, engine: Engine
) -> None:
    cameras = (
        "id,name,lat,lon,main,sub,onvif,username,password\n"
        f"C1,A,{LAT},{LON},{CAMERA_URL},rtsp://admin:{SECRET}@10.1.2.3/ch2,"
        f"http://admin:{SECRET}@10.1.2.3/onvif/device_service,admin,{SECRET}\n"
    )
    import_paths(engine, write(tmp_path, "cameras.csv", cameras))
    plain = _export(engine, tmp_path, "cameras")
    assert SECRET not in plain and "admin" not in plain
    rows = list(csv.DictReader(io.StringIO(plain)))
    assert "password" not in rows[0] and "username" not in rows[0]
    assert rows[0]["main"] == "rtsp://10.1.2.3/ch1"
    assert rows[0]["sub"] == "rtsp://10.1.2.3/ch2"
    assert rows[0]["onvif"] == "http://10.1.2.3/onvif/device_service"
    full = list(csv.DictReader(io.StringIO(_export(engine, tmp_path, "cameras", True))))
    assert (full[0]["username"], full[0]["password"]) == ("admin", SECRET)
    assert full[0]["main"] == CAMERA_URL
    # The wire form carries no secret either.
    wire = json.dumps(camera_wire(by_id(engine, "cameras")["C1"], None))
    assert SECRET not in wire and "admin" not in wire


def _import_everything(engine: Engine, tmp_path: Path) -> None:
    grids = collection(
        feature("grid", "G1", polygon(), subdistrict="富兴街道"),
        feature("station", "S1", {"type": "Point", "coordinates": [LON, LAT]}),
    )
    report = import_paths(
        engine,
        write(tmp_path, "units.csv", UNITS_CSV),
        write(tmp_path, "cameras.csv", CAMERAS_CSV),
        write(tmp_path, "talkgroups.csv", TALKGROUPS_CSV),
        write(tmp_path, "grids.geojson", grids),
    )
    assert report.errors == [] and report.rev == 1


def _export_everything(engine: Engine, out: Path) -> list[Path]:
    out.mkdir()
    paths = []
    for kind in store.ROW_KIND:
        path = out / (f"{kind}.csv" if kind != "layers" else "layers.geojson")
        store.export(engine, kind, path, with_secrets=True)
        paths.append(path)
    return paths


def _meaning(items: dict[str, dict[str, dict[str, Any]]]) -> dict[str, Any]:
    # An optional field left out and the same field empty mean the same thing.
    return {
        kind: {
            i: {k: v for k, v in body.items() if v not in ("", None)} for i, body in rows.items()
        }
        for kind, rows in items.items()
    }


def test_export_with_secrets_reimports_to_the_same_inventory(
    tmp_path: Path, engine: Engine
) -> None:
    _import_everything(engine, tmp_path)
    before = table(engine)
    report = import_paths(engine, *_export_everything(engine, tmp_path / "out"))
    assert report.errors == []
    assert _meaning(table(engine)) == _meaning(before)
    assert by_id(engine, "cameras")["C1"]["password"] == SECRET


def test_reimporting_an_unchanged_export_reports_nothing_changed(
    tmp_path: Path, engine: Engine
) -> None:
    # Files imported with only some optional columns, exported (every column) and imported
    # again: nothing changed, so nothing is "updated" and no revision is written.
    _import_everything(engine, tmp_path)
    report = import_paths(engine, *_export_everything(engine, tmp_path / "out"))
    updated = {kind: c["updated"] for kind, c in report.counts.items() if c["updated"]}
    assert updated == {}, f"an unchanged export re-imports as updated: {report.counts}"
    assert report.rev is None and store.head_rev(engine) == 1


def test_export_without_secrets_reimports_without_wiping_url_credentials(
    tmp_path: Path, engine: Engine
) -> None:
    # Export, edit a name, import again: the documented round trip keeps stored secrets
    # ("a field the file leaves out keeps its stored value"). Credentials inside the stream
    # URL are secrets too; the export shows the URL without them.
    import_paths(engine, write(tmp_path, "cameras.csv", CAMERAS_CSV))
    exported = tmp_path / "out" / "cameras.csv"
    exported.parent.mkdir()
    store.export(engine, "cameras", exported)
    import_paths(engine, exported)
    camera = by_id(engine, "cameras")["C1"]
    assert camera["password"] == SECRET
    assert camera["main"] == CAMERA_URL, "re-importing the export stripped the URL's credentials"


@pytest.mark.parametrize("password", ["S3c#ret", "S3c?ret", "S3c/ret"])
def test_url_credentials_with_special_characters_do_not_leak(
    tmp_path: Path, engine: Engine, password: str
) -> None:
    # Camera passwords often hold '#', '?' or '/'. Such a URL is accepted on import; its
    # credentials must then stay out of the wire form and of an export without secrets
    # (or the URL must be refused on import).
    main = f"rtsp://admin:{password}@10.1.2.3/ch1"
    report = import_paths(
        engine, write(tmp_path, "cameras.csv", f"id,name,lat,lon,main\nC1,A,{LAT},{LON},{main}\n")
    )
    if report.errors:
        assert [p.line for p in report.errors] == [2]
        assert all(password not in str(p) for p in report.problems)
        return
    assert password not in redact_url(main)
    assert password not in json.dumps(camera_wire(by_id(engine, "cameras")["C1"], None))
    assert password not in _export(engine, tmp_path, "cameras")


def test_url_with_credentials_and_a_bad_port_is_refused_or_redacted(
    tmp_path: Path, engine: Engine
) -> None:
    # Accepted by the reader, such a URL must not make the export (or the wire form) fail.
    main = f"rtsp://admin:{SECRET}@10.1.2.3:99999/ch1"
    report = import_paths(
        engine, write(tmp_path, "cameras.csv", f"id,name,lat,lon,main\nC1,A,{LAT},{LON},{main}\n")
    )
    if report.errors:
        assert [p.line for p in report.errors] == [2]
        return
    text = _export(engine, tmp_path, "cameras")
    assert SECRET not in text
    assert SECRET not in json.dumps(camera_wire(by_id(engine, "cameras")["C1"], None))


def test_layers_export_is_a_feature_collection(tmp_path: Path, engine: Engine) -> None:
    doc = collection(feature("grid", "G1", polygon(), name="东胜一号网格", urban=True))
    import_paths(engine, write(tmp_path, "g.geojson", doc))
    out = json.loads(_export(engine, tmp_path, "layers"))
    assert out["type"] == "FeatureCollection"
    (g1,) = out["features"]
    want = {"kind": "grid", "id": "G1", "name": "东胜一号网格", "urban": True}
    assert g1["properties"] == want
    assert g1["geometry"] == rounded(polygon())
