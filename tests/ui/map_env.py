"""The map panel in a real Qt WebEngine page, offline, with helpers the map tests share:
``MapEnv`` (panel, Store, bridge, clock), ``js``/``js_until`` to read the page, and wire builders
for units, positions, alerts, layers and a snapshot."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtWebEngineCore import QWebEngineUrlRequestInfo, QWebEngineUrlRequestInterceptor

from console.domain.store import Store
from console.protocol.codec import format_ts
from tests.waiting import wait_until
from widgets.bridge import StoreBridge
from widgets.map import MapPanel
from widgets.theme import Theme

NOW = 1_800_000_000.0


N_UNITS = 25


class UrlRecorder(QWebEngineUrlRequestInterceptor):
    """Records every URL the page's profile requests."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        self.urls.append(info.requestUrl().toString())


class Clock:
    """A settable wall clock."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def js(panel: MapPanel, expr: str) -> Any:
    """The value of a JavaScript expression in the page (through JSON, so arrays survive)."""
    box: list[Any] = []
    panel.run_js(f"JSON.stringify({expr})", box.append)
    wait_until(lambda: box, what=expr)
    return json.loads(box[0]) if isinstance(box[0], str) else None


def js_until(panel: MapPanel, script: str, pred: Callable[[Any], bool], what: str = "") -> Any:
    """Evaluate ``script`` until its value satisfies ``pred``; return that value."""
    last: list[Any] = [None]

    def check() -> bool:
        last[0] = js(panel, script)
        return pred(last[0])

    try:
        wait_until(check, what=what or script)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last value {last[0]!r}") from None
    return last[0]


def unit_wire(k: int, status: str = "available") -> dict[str, Any]:
    return {
        "id": f"U{k:03d}",
        "callsign": f"P{1000 + k}",
        "kind": "patrol_car",
        "radio_id": str(4600100 + k),
        "talkgroup": "1101",
        "grid_id": None,
        "status": status,
    }


def position_wire(k: int, age_s: float = 5.0) -> dict[str, Any]:
    return {
        "unit_id": f"U{k:03d}",
        "lat": 39.80 + 0.002 * (k % 10),
        "lon": 109.95 + 0.003 * (k // 10),
        "heading_deg": 90.0,
        "fix_ts": format_ts(NOW - age_s),
    }


def alert_wire(k: int, status: str = "new", priority: int = 2) -> dict[str, Any]:
    return {
        "id": f"A{k:03d}",
        "kind": "call_110",
        "priority": priority,
        "title": f"警情 {k}",
        "description": "",
        "lat": 39.81 + 0.004 * k,
        "lon": 109.97 + 0.005 * k,
        "address": "鄂尔多斯大街与达拉特路交叉口附近",
        "grid_id": None,
        "status": status,
        "created_ts": format_ts(NOW - 60),
        "version": 1,
        "owner": None,
        "unit_ids": [],
        "camera_ids": [],
        "history": [],
    }


def polygon_layer(lid: str, kind: str, name: str, lat: float, lon: float) -> dict[str, Any]:
    ring = [[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01], [lon, lat + 0.01]]
    ring.append(ring[0])
    geometry = {"type": "Polygon", "coordinates": [ring]}
    return {
        "id": lid,
        "kind": kind,
        "name": name,
        "geojson": {"type": "Feature", "geometry": geometry, "properties": {"name": name}},
    }


def snapshot_state() -> dict[str, Any]:
    positions = [position_wire(k) for k in range(N_UNITS)]
    return {
        "units": [unit_wire(k) for k in range(N_UNITS)],
        "positions": positions,
        "alerts": [alert_wire(1, priority=1), alert_wire(2), alert_wire(3, "acknowledged")],
        "cameras": [
            {
                "id": f"C{k}",
                "name": f"路口{k}",
                "lat": 39.805 + 0.001 * k,
                "lon": 109.96,
                "grid_id": None,
                "streams": {"main": "rtsp://127.0.0.1/x", "sub": "rtsp://127.0.0.1/y"},
                "ptz": False,
                "status": "online",
            }
            for k in range(5)
        ],
        "talkgroups": [{"id": "1101", "alias": "交通派出所"}],
        "layers": [
            polygon_layer("G1", "grid", "交通街道第1网格", 39.80, 109.95),
            polygon_layer("F1", "efence", "万达广场电子围栏", 39.82, 109.98),
        ],
        "log": [],
    }


class MapEnv:
    """The shared page: a real Store → StoreBridge → MapPanel."""

    def __init__(self) -> None:
        self.theme = Theme("dark")
        self.clock = Clock(NOW)
        self.store = Store()
        self.bridge = StoreBridge(self.store)
        self.store.load_snapshot(100, snapshot_state())
        self.panel = MapPanel(self.bridge, self.theme, clock=self.clock)
        self.recorder = UrlRecorder()
        self.panel.profile.setUrlRequestInterceptor(self.recorder)
        self.panel.resize(1000, 700)
        self.panel.show()
        self.seq = 100

    def apply(self, *events: dict[str, Any]) -> None:
        for event in events:
            self.seq += 1
            event.setdefault("seq", self.seq)
            event.setdefault("ts", format_ts(self.clock.now))
        self.store.apply_many(events)
