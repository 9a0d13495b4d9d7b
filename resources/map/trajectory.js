/*
 * A sighting trajectory (轨迹) on the console map, kept apart from map.js.
 *
 * Python (widgets/map/trajectory.py) calls ConsoleTrajectory.show(route) with
 *   {points: [{n, lat, lon, time, camera, value, snapshot}], legs: [{guess: bool}], upto}
 * (legs[i] joins points i and i + 1; a guess is drawn dashed), ConsoleTrajectory.upto(i) for
 * the time slider (points after i are faded) and ConsoleTrajectory.clear().
 * show() returns the milliseconds it took (the bench reads it).
 */
(function () {
  "use strict";

  const T = { group: null, markers: [], lines: [], route: null };
  window.ConsoleTrajectory = T;

  const style = document.createElement("style");
  style.textContent =
    ".traj-point .traj-num { width: 22px; height: 22px; border-radius: 11px; background: #ff9f1a;" +
    " color: #111; font: bold 12px sans-serif; text-align: center; line-height: 22px;" +
    " border: 1px solid #111; }" +
    ".traj-point .traj-time { position: absolute; left: 26px; top: 3px; white-space: nowrap;" +
    " color: #ffd28a; font: 11px sans-serif; text-shadow: 0 0 3px #000, 0 0 3px #000; }" +
    ".traj-point { background: none; border: none; }" +
    // The hover box lives in the map container above the label canvas (z-index 450), which
    // a Leaflet tooltip inside the map pane cannot rise above.
    ".traj-tip { position: absolute; z-index: 1000; display: none; pointer-events: none;" +
    " transform: translate(-50%, calc(-100% - 16px)); background: #fff; color: #111;" +
    " padding: 6px 8px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.5);" +
    " font: 12px sans-serif; white-space: nowrap; }";
  document.head.appendChild(style);

  function esc(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, (c) => (
      { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  }

  function disp(lat, lon) {
    const CM = window.ConsoleMap;
    return CM && CM.gcj02 ? CM.wgsToGcj(lat, lon) : [lat, lon];
  }

  let tipBox = null;

  // The hover box of point i (its camera, time, value and snapshot), or none.
  T.showTip = function (i) {
    const m = T.markers[i], map = window.ConsoleMap.map;
    if (!m) return;
    if (!tipBox) {
      tipBox = L.DomUtil.create("div", "traj-tip", map.getContainer());
      map.on("movestart zoomstart", T.hideTip);
    }
    tipBox.innerHTML = m.trajTip;
    const p = map.latLngToContainerPoint(m.getLatLng());
    tipBox.style.left = p.x + "px";
    tipBox.style.top = p.y + "px";
    tipBox.style.display = "block";
  };

  T.hideTip = function () {
    if (tipBox) tipBox.style.display = "none";
  };

  T.clear = function () {
    T.hideTip();
    if (T.group) T.group.remove();
    T.group = null; T.markers = []; T.lines = []; T.route = null;
  };

  T.show = function (route) {
    const t0 = performance.now();
    T.clear();
    const map = window.ConsoleMap.map;
    T.route = route;
    T.group = L.layerGroup().addTo(map);
    const pts = route.points.map((p) => disp(p.lat, p.lon));
    route.legs.forEach((leg, i) => {
      const line = L.polyline([pts[i], pts[i + 1]], {
        color: "#ff9f1a", weight: 4, opacity: 0.9, dashArray: leg.guess ? "6 8" : null,
        className: leg.guess ? "traj-guess" : "traj-leg",
      }).addTo(T.group);
      T.lines.push(line);
    });
    route.points.forEach((p, i) => {
      const icon = L.divIcon({
        className: "traj-point",
        html: '<div class="traj-num">' + p.n + '</div><div class="traj-time">' + esc(p.time) + "</div>",
        iconSize: [24, 24], iconAnchor: [12, 12],
      });
      const m = L.marker(pts[i], { icon: icon, keyboard: false, zIndexOffset: 10000 + i })
        .addTo(T.group);
      let tip = "<b>" + p.n + ". " + esc(p.camera) + "</b><br>" + esc(p.time) + " · " + esc(p.value);
      if (p.snapshot) tip += '<br><img class="traj-snap" src="' + esc(p.snapshot) + '" width="160">';
      m.trajTip = tip;
      m.on("mouseover", () => T.showTip(i));
      m.on("mouseout", T.hideTip);
      T.markers.push(m);
    });
    if (pts.length) map.fitBounds(L.latLngBounds(pts).pad(0.2), { animate: false });
    T.upto(route.upto == null ? route.points.length - 1 : route.upto);
    return performance.now() - t0;
  };

  T.upto = function (last) {
    T.markers.forEach((m, i) => m.setOpacity(i <= last ? 1 : 0.25));
    T.lines.forEach((l, i) => l.setStyle({ opacity: i < last ? 0.9 : 0.2 }));
    return last;
  };

  // What a test reads: the points drawn, and which legs are dashed.
  T.summary = function () {
    return {
      points: T.markers.length,
      guesses: T.lines.filter((l) => !!l.options.dashArray).length,
      solid: T.lines.filter((l) => !l.options.dashArray).length,
    };
  };
})();
