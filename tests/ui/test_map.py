"""The map panel in a real Qt WebEngine page: offline, batched, clickable, readable back.

One page is shared by the whole module (loading WebEngine is the slow part); each test changes
the Store and waits on the page's answers, never on a fixed delay.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication

from console import geo
from console.protocol.codec import validate_args
from tests.ui.map_env import (
    N_UNITS,
    NOW,
    MapEnv,
    alert_wire,
    js,
    js_until,
    position_wire,
    unit_wire,
)
from tests.waiting import wait_until
from widgets.map import register_map_scheme
from widgets.map.style import token, unit_color

# WebEngine needs both before the QApplication exists; pytest imports test modules before
# any fixture creates it. (tests/conftest.py does the same for every test session.)
QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
register_map_scheme()


@pytest.fixture(scope="module")
def env(qapp: QApplication) -> Iterator[MapEnv]:
    e = MapEnv()
    wait_until(lambda: e.panel.is_ready, timeout=30, what="the map page to come up")
    js_until(e.panel, "ConsoleMap.counts().units", lambda n: n == N_UNITS)
    yield e
    e.panel.close()
    e.panel.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_page_loads_offline(env: MapEnv) -> None:
    counts = js(env.panel, "ConsoleMap.counts()")
    assert counts == {"units": N_UNITS, "alerts": 3, "cameras": 5, "layers": 2, "streets": 142}
    assert env.recorder.urls, "the interceptor saw no request at all"
    assert any(u.endswith("/leaflet/leaflet.js") for u in env.recorder.urls)
    remote = [u for u in env.recorder.urls if not u.startswith(("console-map:", "qrc:", "data:"))]
    assert remote == []
    assert js(env.panel, "typeof L.version") == "string"


def test_one_marker_per_unit_through_the_store(env: MapEnv) -> None:
    before = len(env.store.units)
    env.apply(
        {"type": "unit.upsert", "unit": unit_wire(90)},
        {"type": "unit.position", **position_wire(90)},
        {"type": "unit.upsert", "unit": unit_wire(91)},
        {"type": "unit.position", **position_wire(91)},
    )
    count = js_until(env.panel, "ConsoleMap.unitMarkerCount()", lambda n: n == before + 2)
    assert count == len(env.store.units) == len(env.store.positions)


def test_positions_go_to_the_page_in_one_call_per_tick(env: MapEnv) -> None:
    calls: list[str] = []
    page = env.panel.page
    original = page.runJavaScript

    def spy(script: str, *args: Any) -> None:
        calls.append(script)
        original(script, *args)

    def moved(k: int) -> dict[str, Any]:
        wire = position_wire(k, 1.0)
        return {"type": "unit.position", **wire, "lat": wire["lat"] + 0.0005}

    page.runJavaScript = spy  # type: ignore[method-assign]
    try:
        env.apply(*(moved(k) for k in range(N_UNITS)))
        env.panel.flush()
    finally:
        del page.runJavaScript
    assert len(calls) == 1
    prefix = "ConsoleMap.apply("
    assert calls[0].startswith(prefix)
    batch = json.loads(calls[0][len(prefix) : -1])
    assert len(batch["pos"]) == 4 * N_UNITS
    want = moved(3)
    got = js_until(
        env.panel,
        "ConsoleMap.unitLatLng('U003')",
        lambda ll: ll is not None and abs(ll[0] - want["lat"]) < 2e-6,
        what="U003 to move",
    )
    assert got[1] == pytest.approx(want["lon"], abs=2e-6)


def test_status_change_recolours_the_unit(env: MapEnv) -> None:
    available = unit_color(env.theme, "available")
    dispatched = unit_color(env.theme, "dispatched")
    assert available != dispatched
    assert js(env.panel, "ConsoleMap.unitColor('U005')") == available
    env.apply({"type": "unit.status", "unit_id": "U005", "status": "dispatched"})
    js_until(env.panel, "ConsoleMap.unitColor('U005')", lambda c: c == dispatched)
    # Its neighbours keep their colour.
    assert js(env.panel, "ConsoleMap.unitColor('U006')") == available


def test_silent_unit_turns_grey_with_its_age_and_stays(env: MapEnv) -> None:
    stale = token(env.theme, "map_unit_stale")
    env.apply({"type": "unit.position", **position_wire(0, age_s=270.0)})
    env.panel.flush()
    assert js(env.panel, "ConsoleMap.staleLabel('U000')") is None  # 4 min 30 s: still live
    env.clock.now = NOW + 60  # 5 min 30 s since U000's last fix
    js_until(env.panel, "ConsoleMap.staleLabel('U000')", lambda s: s == "5 min")
    assert js(env.panel, "ConsoleMap.unitColor('U000')") == stale
    assert js(env.panel, "ConsoleMap.unitLatLng('U000')") is not None  # never removed
    env.apply({"type": "unit.position", **position_wire(0, age_s=-60.0)})  # a fresh fix
    js_until(env.panel, "ConsoleMap.staleLabel('U000')", lambda s: s is None)
    assert js(env.panel, "ConsoleMap.unitColor('U000')") == unit_color(env.theme, "available")


def test_clicking_an_alert_selects_it_for_every_panel(env: MapEnv) -> None:
    seen: list[object] = []
    env.bridge.sig_alert_selected.connect(seen.append)
    # The same path as a mouse click: fire Leaflet's click on the marker.
    js(env.panel, "(ConsoleMap.alerts.get('A002').m.fire('click'), true)")
    wait_until(lambda: env.store.selected_alert_id == "A002", what="the alert selection")
    assert seen == ["A002"]
    env.bridge.sig_alert_selected.disconnect(seen.append)


def test_clicking_a_unit_emits_its_id(env: MapEnv) -> None:
    clicked: list[str] = []
    env.panel.sig_unit_clicked.connect(clicked.append)
    js(env.panel, "(ConsoleMap.units.get('U007').m.fire('click'), true)")
    wait_until(lambda: clicked, what="sig_unit_clicked")
    assert clicked == ["U007"]


def test_selected_alert_is_centred_and_marked(env: MapEnv) -> None:
    env.bridge.select_alert("A003")
    alert = env.store.alerts["A003"]
    centre = js_until(
        env.panel,
        "[ConsoleMap.map.getCenter().lat, ConsoleMap.map.getCenter().lng]",
        lambda c: abs(c[0] - alert.lat) < 1e-4 and abs(c[1] - alert.lon) < 1e-4,
        what="the map to centre on A003",
    )
    assert centre
    assert "selected" in js(env.panel, "ConsoleMap.alertClasses('A003')")
    assert "selected" not in js(env.panel, "ConsoleMap.alertClasses('A002')")


def test_new_alert_pulses_until_acknowledged_and_goes_when_closed(env: MapEnv) -> None:
    env.apply({"type": "alert.new", "alert": alert_wire(7, "new", priority=1)})
    classes = js_until(env.panel, "ConsoleMap.alertClasses('A007')", lambda c: bool(c))
    assert "pulse" in classes and "p1" in classes
    env.apply(
        {"type": "alert.updated", "alert": {**alert_wire(7, "acknowledged", 1), "version": 2}}
    )
    js_until(env.panel, "ConsoleMap.alertClasses('A007')", lambda c: "pulse" not in c)
    env.apply({"type": "alert.updated", "alert": {**alert_wire(7, "closed", 1), "version": 3}})
    js_until(env.panel, "ConsoleMap.alerts.has('A007')", lambda has: has is False)


def test_layer_switch_hides_and_shows_a_layer(env: MapEnv) -> None:
    shown = "ConsoleMap.map.hasLayer(ConsoleMap.groups.units)"
    env.panel.set_layer_visible("units", False)
    js_until(env.panel, shown, lambda v: v is False)
    assert not env.panel._actions["units"].isChecked()
    env.panel._actions["units"].setChecked(True)  # the toolbar switch
    js_until(env.panel, shown, lambda v: v is True)
    assert env.panel.layer_visible("units")


def test_page_gcj02_offset_matches_console_geo(env: MapEnv) -> None:
    lat, lon = js(env.panel, "ConsoleMap.wgsToGcj(39.911954, 116.377817)")
    assert (lat, lon) == pytest.approx(geo.wgs84_to_gcj02(39.911954, 116.377817), abs=1e-9)


def test_tile_base_layer_in_gcj02_shifts_what_is_drawn(env: MapEnv) -> None:
    # A local template (404s are fine): the interceptor of the first test stays meaningful.
    template = "console-map://app/tiles/{z}/{x}/{y}.png"
    wire = env.store.positions["U004"]
    env.panel.set_base_layer(template, gcj02=True)
    want = geo.wgs84_to_gcj02(wire.lat, wire.lon)
    got = js_until(
        env.panel,
        "ConsoleMap.unitLatLng('U004')",
        lambda ll: ll is not None and abs(ll[0] - want[0]) < 2e-6,
        what="U004 drawn in GCJ-02",
    )
    assert got[1] == pytest.approx(want[1], abs=2e-6)
    assert js(env.panel, "ConsoleMap.tiles._url") == template
    assert js(env.panel, "ConsoleMap.map.hasLayer(ConsoleMap.groups.base)") is False
    env.panel.set_base_layer(None)  # back to the built-in map, in WGS-84
    js_until(
        env.panel,
        "ConsoleMap.unitLatLng('U004')",
        lambda ll: ll is not None and abs(ll[0] - wire.lat) < 2e-6,
        what="U004 back in WGS-84",
    )
    assert js(env.panel, "ConsoleMap.map.hasLayer(ConsoleMap.groups.base)") is True


# ---- drawing an e-fence

FENCE_CORNERS = [(39.810, 109.970), (39.810, 109.985), (39.822, 109.985), (39.822, 109.970)]


def draw_fence(env: MapEnv, clicks: list[tuple[float, float]], name: str) -> list[tuple[Any, ...]]:
    """Draw mode on, clicks through the page's click function, Finish, name it; the requests."""
    panel = env.panel
    requested: list[tuple[Any, ...]] = []
    panel.sig_command_requested.connect(lambda *a: requested.append(a))
    panel.fence_dialog = None
    panel.findChild(QAction, "mapDrawFence").trigger()
    js_until(panel, "ConsoleMap.draw.on", lambda on: on is True, what="draw mode")
    for lat, lon in clicks:
        panel.run_js(f"ConsoleMap.drawClick({lat!r}, {lon!r})")
    js_until(panel, "ConsoleMap.drawVertexCount()", lambda n: n == len(clicks))
    assert js(panel, "ConsoleMap.draw.line.options.dashArray") == "6 4"
    panel.findChild(QAction, "mapDrawFinish").trigger()
    dialog = wait_until(lambda: panel.fence_dialog, what="the name dialog")
    # open(), not exec(): nothing blocks, and only the console window waits for the name.
    assert dialog.isVisible()
    assert dialog.windowModality() is Qt.WindowModality.WindowModal
    assert not panel.is_drawing
    assert js(panel, "ConsoleMap.draw.on") is False
    dialog.setTextValue(name)
    dialog.accept()
    wait_until(lambda: requested, what="layer.create requested")
    return requested


def test_draw_fence_requests_layer_create(env: MapEnv) -> None:
    ((name, args, done),) = draw_fence(env, FENCE_CORNERS, " 万达广场东侧围栏 ")
    assert name == "layer.create"
    assert args["kind"] == "efence" and args["name"] == "万达广场东侧围栏"
    assert "万达广场东侧围栏" in done
    ring = args["geojson"]["geometry"]["coordinates"][0]
    assert ring == [[lon, lat] for lat, lon in [*FENCE_CORNERS, FENCE_CORNERS[0]]]
    validate_args("layer.create", args)  # what the backend checks first


def test_draw_fence_on_a_gcj02_base_map_sends_wgs84(env: MapEnv) -> None:
    env.panel.set_base_layer("console-map://app/tiles/{z}/{x}/{y}.png", gcj02=True)
    try:
        js_until(env.panel, "ConsoleMap.gcj02", lambda on: on is True, what="gcj02 base")
        shown = [geo.wgs84_to_gcj02(lat, lon) for lat, lon in FENCE_CORNERS]
        ((_, args, _),) = draw_fence(env, shown, "学校周界")
    finally:
        env.panel.set_base_layer(None)
    ring = args["geojson"]["geometry"]["coordinates"][0]
    assert len(ring) == len(FENCE_CORNERS) + 1 and ring[0] == ring[-1]
    for (lon, lat), (want_lat, want_lon) in zip(ring, FENCE_CORNERS, strict=False):
        assert lat == pytest.approx(want_lat, abs=1e-6)
        assert lon == pytest.approx(want_lon, abs=1e-6)
    # Not the display coordinates: the GCJ-02 shift here is hundreds of metres.
    assert abs(ring[0][0] - shown[0][1]) > 1e-3


def test_escape_cancels_drawing(env: MapEnv) -> None:
    panel = env.panel
    panel.findChild(QAction, "mapDrawFence").trigger()
    js_until(panel, "ConsoleMap.draw.on", lambda on: on is True, what="draw mode")
    panel.run_js("ConsoleMap.drawClick(39.81, 109.97)")
    js_until(panel, "ConsoleMap.drawVertexCount()", lambda n: n == 1)
    panel.run_js("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'}))")
    wait_until(lambda: not panel.is_drawing, what="drawing cancelled")
    assert js(
        panel, "[ConsoleMap.draw.on, ConsoleMap.drawVertexCount(), ConsoleMap.draw.line]"
    ) == [
        False,
        0,
        None,
    ]
    # Clicks no longer draw.
    panel.run_js("ConsoleMap.drawClick(39.81, 109.97)")
    assert js(panel, "ConsoleMap.drawVertexCount()") == 0
