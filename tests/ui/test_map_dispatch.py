"""Right-click an alert on the map → "dispatch nearest available unit" → the backend agrees."""

from __future__ import annotations

import json
import time

from console.domain.model import AlertStatus
from tests import factories
from tests.live import ALERT_ARGS, open_client
from tests.ui.consoles import LiveConsoles
from tests.waiting import LoopRunner, until


def test_dispatch_nearest_from_the_map(aloop: LoopRunner, live_console: LiveConsoles) -> None:
    me = live_console.operator("wang")

    async def scenario() -> None:
        backend, url = await live_console.backend()
        await backend.append(
            [
                factories.patrol_car("U01", "P1001"),
                factories.patrol_car("U02", "P1002"),
                factories.position("U01", 39.86),
                factories.position("U02", 39.83),
            ]
        )
        console = await live_console.console(url, me, panels=("map",))
        store, panel = console.store, console.map
        assert panel is not None
        await until(lambda: panel.is_ready, timeout=30, what="map page")
        other = await open_client(url, me)
        await other.run("alert.create", ALERT_ARGS)
        alert_id = other.events[-1]["alert"]["id"]
        await until(lambda: alert_id in store.alerts, what="alert")
        panel.flush()
        drawn: list[object] = []
        panel.run_js(f"window.ConsoleMap.alerts.has({alert_id!r})", drawn.append)
        await until(lambda: drawn == [True], what="alert on the map")

        # The page's right-click handler (what Leaflet's contextmenu calls).
        panel.run_js(f"window.ConsoleMap.contextAlert({alert_id!r})")
        menu = await until(lambda: getattr(panel, "context_menu", None), what="menu")
        assert store.selected_alert_id == alert_id
        menu.actions()[0].trigger()
        await until(
            lambda: store.alerts[alert_id].status is AlertStatus.DISPATCHED, what="dispatched"
        )
        assert store.alerts[alert_id].unit_ids == ("U02",)  # 1.1 km beats 4.4 km
        await other.ws.close()

    aloop.run(scenario())


# A real mouse gesture in the page: press on the unit's marker (whatever element is on top
# there), move, release over the alert's symbol. Leaflet's own handlers do the rest.
DRAG_JS = """(() => {
  const CM = window.ConsoleMap, map = CM.map, box = map.getContainer().getBoundingClientRect();
  const from = CM.unitPoint(%(unit)s);
  const to = map.latLngToContainerPoint(CM.alerts.get(%(alert)s).m.getLatLng());
  const at = (p) => ({clientX: box.left + p[0], clientY: box.top + p[1], button: 0,
                      bubbles: true, cancelable: true, view: window});
  const down = document.elementFromPoint(box.left + from[0], box.top + from[1]);
  down.dispatchEvent(new MouseEvent("mousedown", at(from)));
  const started = CM.drag !== null;
  const mid = [(from[0] + to.x) / 2, (from[1] + to.y) / 2];
  map.getContainer().dispatchEvent(new MouseEvent("mousemove", at(mid)));
  map.getContainer().dispatchEvent(new MouseEvent("mousemove", at([to.x, to.y])));
  const over = map.getContainer().classList.contains("cm-drop-ok");
  map.getContainer().dispatchEvent(new MouseEvent("mouseup", at([to.x, to.y])));
  return JSON.stringify(
    [down === CM.unitRenderer._container, started, over, CM.drag === null,
     map.dragging.enabled()]);
})()"""


def test_drag_a_unit_onto_an_alert_dispatches_it(
    aloop: LoopRunner, live_console: LiveConsoles
) -> None:
    me = live_console.operator("wang")

    async def scenario() -> None:
        backend, url = await live_console.backend()
        off = factories.patrol_car("U03", "P1003")
        off["unit"]["status"] = "off_duty"
        await backend.append(
            [
                factories.patrol_car("U01", "P1001"),
                factories.patrol_car("U02", "P1002"),
                off,
                {**factories.position("U01", 39.826), "lon": 109.975},
                {**factories.position("U02", 39.821), "lon": 109.981},
                {**factories.position("U03", 39.815), "lon": 109.985},
            ]
        )
        console = await live_console.console(url, me, start=False, panels=("map",))
        window, store, panel = console.window, console.store, console.map
        assert panel is not None
        window.resize(1200, 800)
        await live_console.start(console)
        await until(lambda: panel.is_ready, timeout=30, what="map page")
        other = await open_client(url, me)
        await other.run("alert.create", ALERT_ARGS)
        first = other.events[-1]["alert"]["id"]
        await other.run("alert.create", {**ALERT_ARGS, "lat": 39.812, "lon": 109.99})
        second = other.events[-1]["alert"]["id"]
        await until(lambda: second in store.alerts, what="alerts")
        panel.centre_on(39.819, 109.982, 14)
        panel.flush()

        async def page(script: str) -> object:
            box: list[object] = []
            panel.run_js(script, box.append)
            await until(lambda: box, what=script)
            return box[0]

        drawn = (
            f"ConsoleMap.alerts.has({second!r}) && ConsoleMap.unitPoint('U03') !== null"
            " && ConsoleMap.map.getZoom() === 14 && !ConsoleMap.map._animatingZoom"
            " && !ConsoleMap.unitRenderer._redrawRequest"
        )
        deadline = time.monotonic() + 15
        while await page(drawn) is not True:  # each check waits on the page's answer
            assert time.monotonic() < deadline, "alerts and units on the map"
            panel.flush()

        # U01 is not the nearest unit to the first alert (U02 is): the operator's choice wins.
        result = await page(DRAG_JS % {"unit": "'U01'", "alert": repr(first)})
        assert json.loads(str(result)) == [True, True, True, True, True]
        await until(lambda: store.alerts[first].status is AlertStatus.DISPATCHED, what="dispatched")
        assert store.alerts[first].unit_ids == ("U01",)
        assert store.selected_alert_id == first
        # The answer shows where the operator asked: on the map.
        await until(lambda: "P1001 dispatched to" in panel.base_error.text(), what="done text")
        assert panel.base_error.isVisible() and panel.base_error.objectName() == "bannerInfo"

        # An off-duty unit: the backend refuses, the operator reads why, nothing changes.
        panel.flush()  # the selection, which zooms in on the alert, goes first
        alert = store.alerts[first]
        on_alert = (
            "(() => { const c = ConsoleMap.map.getCenter(); return !ConsoleMap.map._animatingZoom"
            f" && Math.abs(c.lat - {alert.lat}) < 1e-4 && Math.abs(c.lng - {alert.lon}) < 1e-4;"
            " })()"
        )
        while await page(on_alert) is not True:
            assert time.monotonic() < deadline + 15, "the map centred on the selected alert"
        panel.centre_on(39.819, 109.982, 14)
        while await page(drawn) is not True:
            assert time.monotonic() < deadline + 15, "the map back at zoom 14"
        result = await page(DRAG_JS % {"unit": "'U03'", "alert": repr(second)})
        assert json.loads(str(result))[0] is True
        await until(lambda: "off duty" in panel.base_error.text(), what="the refusal")
        assert panel.base_error.objectName() == "bannerError"
        assert not window.alerts.banner.isVisible()  # not in the alert queue's banner
        assert (
            store.alerts[second].status is AlertStatus.NEW and store.alerts[second].unit_ids == ()
        )

        # Released away from any alert: no command at all.
        sent: list[object] = []
        panel.sig_command_requested.connect(lambda *a: sent.append(a))
        far = await page(
            "(() => { const CM = ConsoleMap; CM.dragStart('U02');"
            " CM.dragMove(39.83, 109.95); return JSON.stringify(CM.dragDrop(39.83, 109.95)); })()"
        )
        assert far == "null" and sent == []
        await other.ws.close()

    aloop.run(scenario())
