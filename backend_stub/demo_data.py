"""The demo district as inventory files: the same four files a real district imports.

``dispatch-backend demo-data DIR`` writes them; ``serve --demo`` writes them to its cache and
imports them through :mod:`backend_stub.inventory`, so the demo exercises the path real data
takes.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from backend_stub.district import District
from backend_stub.media.gateway import file_source
from backend_stub.streams import clip_paths, default_folder

_VEHICLES = ("patrol_car", "motorcycle", "traffic", "swat")
_UNIT_COLUMNS = (
    *("id", "callsign", "kind", "radio_id", "talkgroup", "station", "status"),
    *("device_ids", "grid_id"),
)


def write_demo_data(
    district: District,
    directory: Path,
    stream_base: str | None = None,
    clip_folder: Path | None = None,
) -> list[Path]:
    """Write ``units.csv``, ``cameras.csv``, ``talkgroups.csv`` and ``grids.geojson``.

    Args:
        district: the generated district.
        directory: where to write (created when missing).
        stream_base: base URL of an outside server of the demo cameras' streams
            (``{base}/{camera}/main``); None: the cameras are the demo clips as ``file:`` URLs
            (``clip_folder``, default the per-user clip cache), which the media gateway serves.

    Returns:
        The files written, in the order an import should name them.
    """
    directory.mkdir(parents=True, exist_ok=True)
    grid_sub = {g.id: g.subdistrict for g in district.grids}
    units = directory / "units.csv"
    with units.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(_UNIT_COLUMNS)
        for k, u in enumerate(district.units):
            # Vehicles report through a JT/T 808 terminal, foot patrols through a tracker app;
            # every unit's PDT radio reports too.
            device = f"jt808:0139{k + 1:08d}" if u.kind in _VEHICLES else f"osmand:86{k + 1:08d}"
            station = grid_sub.get(u.grid_id, "东胜").removesuffix("街道") + "派出所"
            row = (u.id, u.callsign, u.kind, u.radio_id, u.talkgroup, station, "available")
            w.writerow((*row, device, u.grid_id))
    folder = clip_folder or default_folder()
    cameras = directory / "cameras.csv"
    with cameras.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "name", "lat", "lon", "main", "sub", "ptz", "grid_id"])
        for c in district.cameras:
            if stream_base is not None:
                base = stream_base.rstrip("/")
                streams = (f"{base}/{c.id}/main", f"{base}/{c.id}/sub")
            else:
                clips = clip_paths(folder, c.id)
                streams = (file_source(clips["main"]), file_source(clips["sub"]))
            w.writerow((c.id, c.name, c.lat, c.lon, *streams, str(c.ptz).lower(), c.grid_id))
    talkgroups = directory / "talkgroups.csv"
    with talkgroups.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["id", "name", "system", "kind"])
        for t in district.talkgroups:
            w.writerow([t.id, t.alias, "1", "group"])
    grids = directory / "grids.geojson"
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [[[lon, lat] for lon, lat in g.ring]]},
            "properties": {
                "kind": "grid",
                "id": g.id,
                "name": g.name,
                "subdistrict": g.subdistrict,
                "urban": g.urban,
            },
        }
        for g in district.grids
    ]
    grids.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return [talkgroups, grids, units, cameras]
