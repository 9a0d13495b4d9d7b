"""Map tools in a real WebEngine page: heading arrows, trails, follow a unit, measure, search."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from console.protocol.codec import format_ts
from tests.ui.map_env import NOW, MapEnv, js, js_until, position_wire
from tests.waiting import wait_until
from widgets.map.style import unit_color


@pytest.fixture(scope="module")
def env(qapp: QApplication) -> Iterator[MapEnv]:
    e = MapEnv()
    wait_until(lambda: e.panel.is_ready, timeout=30, what="the map page to come up")
    js_until(e.panel, "ConsoleMap.counts().units", lambda n: n > 0)
    yield e
    e.panel.close()
    e.panel.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def move(env: MapEnv, k: int, lat: float, lon: float, heading: float | None = 90.0) -> None:
    """A fresh fix for unit ``k`` at the env's clock."""
    wire: dict[str, Any] = {
        **position_wire(k),
        "lat": lat,
        "lon": lon,
        "heading_deg": heading,
        "fix_ts": format_ts(env.clock.now),
    }
    env.apply({"type": "unit.position", **wire})


def rgb(color: str) -> tuple[int, int, int]:
    c = QColor(color)
    return (c.red(), c.green(), c.blue())


def near(pixel: list[int], color: tuple[int, int, int], tol: int = 40) -> bool:
    return pixel[3] > 100 and all(abs(a - b) <= tol for a, b in zip(pixel[:3], color, strict=False))


def labels_redrawn(env: MapEnv) -> None:
    """Wait for the label canvas to be repainted after the last batch."""
    env.panel.flush()
    js_until(env.panel, "!ConsoleMap.labels._raf", lambda v: v is True, what="labels drawn")


# ---- heading


def test_heading_arrow_points_where_the_unit_goes(env: MapEnv) -> None:
    panel = env.panel
    colour = rgb(unit_color(env.theme, "available"))
    lat, lon = 39.8155, 109.9655
    for heading, ahead, behind in ((90.0, (9, 0), (-9, 0)), (0.0, (0, -9), (0, 9))):
        move(env, 21, lat, lon, heading)
        js_until(panel, "ConsoleMap.unitHeading('U021')", lambda h, want=heading: h == int(want))
        panel.centre_on(lat, lon, 17)
        js_until(panel, "ConsoleMap.map.getZoom()", lambda z: z == 17)
        labels_redrawn(env)
        x, y = js(panel, "ConsoleMap.unitPoint('U021')")
        front = js(panel, f"ConsoleMap.labelPixel({x + ahead[0]}, {y + ahead[1]})")
        back = js(panel, f"ConsoleMap.labelPixel({x + behind[0]}, {y + behind[1]})")
        assert near(front, colour), (heading, front)
        assert back[3] == 0, (heading, back)
    # No heading (a fix without course): no arrow at all (it pointed east a moment ago).
    move(env, 21, lat, lon, None)
    js_until(panel, "ConsoleMap.unitHeading('U021')", lambda h: h == -1)
    labels_redrawn(env)
    x, y = js(panel, "ConsoleMap.unitPoint('U021')")
    assert js(panel, f"ConsoleMap.labelPixel({x + 9}, {y})")[3] == 0


def test_callsign_label_only_at_close_zoom(env: MapEnv) -> None:
    panel = env.panel
    panel.centre_on(39.8155, 109.9655, 17)
    js_until(panel, "ConsoleMap.map.getZoom()", lambda z: z == 17)
    labels_redrawn(env)
    # The callsign sits 12 px above the marker: scan that row for painted text.
    row = (
        "(() => { const [x, y] = ConsoleMap.unitPoint('U021'); let n = 0;"
        " for (let dx = -14; dx <= 14; dx++) n += ConsoleMap.labelPixel(x + dx, y - 12)[3] > 0;"
        " return n; })()"
    )
    assert js(panel, row) > 3
    panel.centre_on(39.8155, 109.9655, 14)
    js_until(panel, "ConsoleMap.map.getZoom()", lambda z: z == 14)
    labels_redrawn(env)
    assert js(panel, row) == 0


# ---- trails


def test_trails_are_bounded_and_switchable(env: MapEnv) -> None:
    panel = env.panel
    action = panel._actions["trails"]
    assert not action.isChecked() and not panel.layer_visible("trails")
    lat, lon = 39.8300, 109.9400
    start = env.clock.now
    for step in range(4):  # east, 20 s apart: 4 trail points
        env.clock.now = start + 20 * step
        move(env, 22, lat, lon + 0.0004 * step)
        env.panel.flush()  # one tick per fix, as at 1 Hz
    pts = js_until(panel, "ConsoleMap.trailPoints('U022')", lambda p: len(p) >= 4)
    assert pts[-1][1] == pytest.approx(lon + 0.0012, abs=1e-6)
    # Drawn only when switched on: the middle of the trail, behind the unit.
    panel.centre_on(lat, lon + 0.0006, 17)
    js_until(panel, "ConsoleMap.map.getZoom()", lambda z: z == 17)
    mid = (
        "(() => { const q = ConsoleMap.map.latLngToContainerPoint("
        f"[{lat}, {lon + 0.0005}]); return ConsoleMap.labelPixel(q.x, q.y); }})()"
    )
    labels_redrawn(env)
    assert js(panel, mid)[3] == 0
    action.trigger()
    assert panel.layer_visible("trails")
    labels_redrawn(env)
    assert near(js(panel, mid), rgb(unit_color(env.theme, "available")), tol=90)
    # Bounded: twelve minutes on, one new fix; the old points are gone.
    env.clock.now = start + 12 * 60
    move(env, 22, lat, lon + 0.002)
    pts = js_until(panel, "ConsoleMap.trailPoints('U022')", lambda p: len(p) == 1)
    assert pts[0][1] == pytest.approx(lon + 0.002, abs=1e-6)
    panel.set_trail_minutes(30)
    with pytest.raises(ValueError, match="1-120"):
        panel.set_trail_minutes(0)
    env.panel.flush()
    assert js_until(panel, "ConsoleMap.trailMinutes", lambda m: m == 30) == 30
    action.trigger()
    assert not panel.layer_visible("trails")
    env.clock.now = NOW


# ---- follow a unit

CENTRE_JS = "[ConsoleMap.map.getCenter().lat, ConsoleMap.map.getCenter().lng]"


def test_follow_keeps_the_unit_centred_until_the_operator_pans(env: MapEnv) -> None:
    panel, tools = env.panel, env.panel.tools
    lat, lon = 39.8200, 109.9500
    move(env, 23, lat, lon)
    panel.centre_on(39.80, 109.99, 15)
    js_until(panel, CENTRE_JS, lambda c: abs(c[0] - 39.80) < 1e-4, what="the map elsewhere")
    # The unit's menu (a right-click on its marker) offers "Follow P1023".
    js(panel, "(ConsoleMap.units.get('U023').m.fire('contextmenu'), true)")
    menu = wait_until(lambda: tools.context_menu, what="the unit's menu")
    follow = menu.actions()[0]
    assert follow.text() == "Follow P1023"
    follow.trigger()
    wait_until(lambda: tools.following == "U023", what="following")
    assert tools.follow_action.isChecked() and "P1023" in tools.follow_action.text()
    js_until(panel, CENTRE_JS, lambda c: abs(c[0] - lat) < 1e-4 and abs(c[1] - lon) < 1e-4)
    for step in range(1, 3):
        move(env, 23, lat + 0.003 * step, lon + 0.002 * step)
        want = (lat + 0.003 * step, lon + 0.002 * step)
        js_until(
            panel,
            CENTRE_JS,
            lambda c, w=want: abs(c[0] - w[0]) < 1e-4 and abs(c[1] - w[1]) < 1e-4,
            what=f"the map to follow step {step}",
        )
    # The operator drags the map: following stops, the map stays where they put it.
    js(
        panel,
        "(ConsoleMap.map.fire('dragstart'),"
        " ConsoleMap.map.panBy([200, 0], {animate: false}), true)",
    )
    wait_until(lambda: tools.following is None, what="follow stopped")
    assert not tools.follow_action.isChecked() and tools.follow_action.text() == "Follow"
    centre = js(panel, CENTRE_JS)
    move(env, 23, lat + 0.01, lon + 0.01)
    js_until(panel, "ConsoleMap.unitLatLng('U023')", lambda ll: abs(ll[0] - (lat + 0.01)) < 1e-6)
    assert js(panel, CENTRE_JS) == pytest.approx(centre, abs=1e-9)


def test_follow_can_be_switched_off_in_the_toolbar(env: MapEnv) -> None:
    tools = env.panel.tools
    tools.follow_unit("U024")
    wait_until(lambda: tools.following == "U024", what="following")
    tools.follow_action.trigger()  # unchecks it
    assert tools.following is None
    assert js_until(env.panel, "ConsoleMap.follow", lambda f: f is None) is None


# ---- measure


def test_measure_shows_the_haversine_length(env: MapEnv) -> None:
    panel, tools = env.panel, env.panel.tools
    tools.measure_action.trigger()
    assert tools.is_measuring
    js_until(panel, "ConsoleMap.measure.on", lambda on: on is True)
    # Three clicks: 0.01° of latitude north (1,112 m), then 0.01° of longitude east (≈ 855 m).
    pts = [(39.80, 109.95), (39.81, 109.95), (39.81, 109.96)]
    for lat, lon in pts:
        panel.run_js(f"ConsoleMap.measureClick({lat}, {lon})")
    want = geo_len(pts)
    assert 1950 < want < 1980
    text = f"{want / 1000:.2f} km"
    wait_until(lambda: tools.measure_text == text, what="the length")
    assert js_until(panel, "ConsoleMap.measureText()", lambda t: t == text) == text
    # Short distances in metres.
    tools.set_measuring(False)
    assert js_until(panel, "ConsoleMap.measureText()", lambda t: t is None) is None
    tools.set_measuring(True)
    panel.run_js("ConsoleMap.measureClick(39.80, 109.95); ConsoleMap.measureClick(39.803, 109.95)")
    wait_until(lambda: tools.measure_text == "334 m", what="metres")
    assert js_until(panel, "ConsoleMap.measureText()", lambda t: t == "334 m") == "334 m"
    # Drawing a fence ends measuring (one click mode at a time).
    panel.set_drawing(True)
    assert not tools.is_measuring
    js_until(panel, "[ConsoleMap.measure.on, ConsoleMap.draw.on]", lambda v: v == [False, True])
    panel.set_drawing(False)


def geo_len(pts: list[tuple[float, float]]) -> float:
    from console import geo

    return geo.path_length_m(pts)


def test_distance_text_and_gcj02_paths() -> None:
    from console import geo
    from widgets.map.tools import distance_text, measured_path

    assert distance_text(849.6) == "850 m"
    assert distance_text(1234.0) == "1.23 km"
    assert distance_text(12_345.0) == "12.3 km"
    a, b = (39.80, 109.95), (39.81, 109.96)
    shown = [geo.wgs84_to_gcj02(*a), geo.wgs84_to_gcj02(*b)]
    path = measured_path('{"gcj02": true, "pts": %s}' % [list(p) for p in shown])
    assert path is not None
    assert geo.path_length_m(path) == pytest.approx(geo.haversine_m(*a, *b), abs=0.01)
    assert measured_path("not json") is None
    assert geo.path_length_m([a]) == 0.0


# ---- search


def test_search_ranks_units_grids_fences_and_addresses() -> None:
    from console.domain.store import Store
    from tests.ui.map_env import alert_wire, snapshot_state
    from widgets.map.search import search_map

    store = Store()
    state = snapshot_state()
    state["alerts"].append({**alert_wire(9), "address": "东胜区天骄北路12号万达广场"})
    state["alerts"].append({**alert_wire(8, "closed"), "address": "天骄北路88号"})
    store.load_snapshot(1, state)
    # Callsign and radio id: exact first, then prefixes.
    hits = search_map(store, "p1002")
    assert [h.id for h in hits][:1] == ["U002"] and all(h.kind == "unit" for h in hits)
    assert [h.id for h in search_map(store, "4600107")] == ["U007"]
    # A grid by name or id, centred on its outline (a 0.01° square from 39.80, 109.95).
    (grid,) = search_map(store, "第1网格")
    assert (grid.kind, grid.id) == ("grid", "G1")
    assert (grid.lat, grid.lon) == pytest.approx((39.805, 109.955), abs=1e-6)
    assert search_map(store, "g1")[0].id == "G1"
    # An address finds the open alert there (not the closed one), and the fence of that name.
    found = search_map(store, "万达广场")
    assert [(h.kind, h.id) for h in found] == [("efence", "F1"), ("alert", "A009")]
    assert search_map(store, "天骄北路") == [found[1]]
    assert search_map(store, "  ") == [] and search_map(store, "无此地址") == []


def ime_type(widget: Any, text: str) -> None:
    """Chinese text as an input method commits it (QTest.keyClicks handles Latin-1 only)."""
    from PySide6.QtGui import QInputMethodEvent

    event = QInputMethodEvent("", [])
    event.setCommitString(text)
    QCoreApplication.sendEvent(widget, event)


def test_search_box_takes_the_map_there(env: MapEnv) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    panel, tools = env.panel, env.panel.tools
    box = tools.search
    assert box.placeholderText() == "Callsign, radio id, grid or address…"
    box.setFocus()
    ime_type(box, "交通街道")
    assert box.completions == ["交通街道第1网格 · G1"]
    QTest.keyClick(box, Qt.Key.Key_Return)
    js_until(
        panel,
        CENTRE_JS,
        lambda c: abs(c[0] - 39.805) < 1e-4 and abs(c[1] - 109.955) < 1e-4,
        what="the map on the grid",
    )
    assert js(panel, "ConsoleMap.highlighted") == "G1"
    assert js(panel, "ConsoleMap.pinged !== null") is True
    # A unit by radio id.
    box.clear()
    QTest.keyClicks(box, "4600107")
    QTest.keyClick(box, Qt.Key.Key_Return)
    pos = env.store.positions["U007"]
    js_until(panel, CENTRE_JS, lambda c: abs(c[0] - pos.lat) < 1e-4 and abs(c[1] - pos.lon) < 1e-4)
    # Picked from the suggestions: "p101" offers P1010…P1019 (and nothing else).
    box.clear()
    QTest.keyClicks(box, "p101")
    popup = box.completer().popup()
    wait_until(popup.isVisible, what="the suggestions")
    assert box.completions[0] == "P1010 · 4600110" and len(box.completions) == 10
    popup.setCurrentIndex(popup.model().index(3, 0))
    QTest.keyClick(popup, Qt.Key.Key_Return)
    pos = env.store.positions["U013"]
    js_until(panel, CENTRE_JS, lambda c: abs(c[0] - pos.lat) < 1e-4 and abs(c[1] - pos.lon) < 1e-4)
    # An address selects its alert for every panel.
    box.clear()
    ime_type(box, "达拉特路")
    QTest.keyClick(box, Qt.Key.Key_Return)
    wait_until(lambda: env.store.selected_alert_id is not None, what="an alert selected")
    alert = env.store.alerts[env.store.selected_alert_id]
    assert "达拉特路" in alert.address
    js_until(
        panel, CENTRE_JS, lambda c: abs(c[0] - alert.lat) < 1e-4 and abs(c[1] - alert.lon) < 1e-4
    )
    # Nothing found: said next to the box, the map stays.
    centre = js(panel, CENTRE_JS)
    box.clear()
    ime_type(box, "无此地址")
    QTest.keyClick(box, Qt.Key.Key_Return)
    assert tools.search_status.text() == "Nothing on the map matches “无此地址”."
    assert js(panel, CENTRE_JS) == pytest.approx(centre, abs=1e-9)
    QTest.keyClick(box, Qt.Key.Key_Backspace)
    assert tools.search_status.text() == ""
