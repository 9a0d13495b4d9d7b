/*
 * A sighting trajectory (轨迹) on the console map, kept apart from map.js.
 *
 * Python (widgets/map/trajectory.py) calls ConsoleTrajectory.show(route) with
 *   {points: [{n, lat, lon, time, camera, value, snapshot}], legs: [{guess: bool}], upto}
 * (legs[i] joins points i and i + 1; a guess is drawn dashed), ConsoleTrajectory.upto(i) for
 * the time slider (points after i are faded) and ConsoleTrajectory.clear().
 * show() returns the milliseconds it took (the bench reads it).
 *
 * The numbered points and their times are painted on one canvas over the map (above the
 * label canvas), and the legs are four multi-segment polylines (solid or dashed, before or
 * after the slider): 500 DOM markers and 499 polylines took the page hundreds of
 * milliseconds to build and to move on every pan.
 *
 * The canvas layer and the four polylines are made once and kept (clear() empties them): a new
 * canvas per search was resized to the map on its first frame and the old one, with its
 * layer class and polylines, left to the page's garbage collector, which is what made one draw
 * in ten take 100 ms. The hover boxes' HTML is made when a point is hovered, not per search.
 */
(function () {
  "use strict";

  const T = { group: null, markers: [], lines: [], route: null, layer: null };
  window.ConsoleTrajectory = T;
  const ORANGE = "#ff9f1a";

  const style = document.createElement("style");
  style.textContent =
    // Above the label canvas (z-index 450), under the hover box.
    ".traj-canvas { position: absolute; top: 0; left: 0; pointer-events: none; z-index: 460; }" +
    // The hover box lives in the map container above both canvases, which a Leaflet tooltip
    // inside the map pane cannot rise above.
    ".traj-tip { position: absolute; z-index: 1000; display: none; pointer-events: none;" +
    " transform: translate(-50%, calc(-100% - 16px)); background: #fff; color: #111;" +
    " padding: 6px 8px; border-radius: 4px; box-shadow: 0 1px 4px rgba(0,0,0,0.5);" +
    " font: 12px sans-serif; white-space: nowrap; }";
  document.head.appendChild(style);

  // map.js's, which is loaded first.
  const esc = (text) => window.ConsoleMap.esc(text);
  const disp = (lat, lon) => window.ConsoleMap.disp(lat, lon);

  // A point as the slider and the hover box see it (what a Leaflet marker offered); its hover
  // box's HTML (trajTip) is made on the first hover.
  class Point {
    constructor(ll) { this.ll = ll; this.trajTip = null; this.options = { opacity: 1 }; }
    getLatLng() { return this.ll; }
  }

  function tipOf(p) {
    let tip = "<b>" + p.n + ". " + esc(p.camera) + "</b><br>" + esc(p.time) + " · " + esc(p.value);
    if (p.snapshot) tip += '<br><img class="traj-snap" src="' + esc(p.snapshot) + '" width="160">';
    return tip;
  }

  // Built on the first show: this file may be parsed before leaflet.js has run.
  const makeLayer = () => L.Layer.extend({
    onAdd(map) {
      this._c = L.DomUtil.create("canvas", "traj-canvas", map.getContainer());
      map.on("move resize zoomend viewreset", this.schedule, this);
      map.on("zoomstart", this._hide, this);
      map.on("mousemove", this._hover, this);
      map.on("mouseout", T.hideTip);
      this.schedule();
    },
    onRemove(map) {
      map.off("move resize zoomend viewreset", this.schedule, this);
      map.off("zoomstart", this._hide, this);
      map.off("mousemove", this._hover, this);
      map.off("mouseout", T.hideTip);
      if (this._raf) cancelAnimationFrame(this._raf);
      this._raf = 0;
      this._c.remove();
    },
    _hide() { this._c.style.display = "none"; },
    schedule() {
      if (this._raf) return;
      this._raf = requestAnimationFrame(() => { this._raf = 0; this.draw(); });
    },
    draw() {
      const map = this._map, size = map.getSize();
      this._c.style.display = "";
      const ctx = window.ConsoleMap.clearCanvas(this._c, size);
      if (!T.markers.length) return;
      ctx.lineJoin = "round";
      const pts = T.route ? T.route.points : [];
      T.markers.forEach((m, i) => {
        const p = map.latLngToContainerPoint(m.ll);
        if (p.x < -80 || p.y < -20 || p.x > size.x + 20 || p.y > size.y + 20) return;
        ctx.globalAlpha = m.options.opacity;
        ctx.beginPath();
        ctx.arc(p.x, p.y, 11, 0, 2 * Math.PI);
        ctx.fillStyle = ORANGE; ctx.fill();
        ctx.lineWidth = 1; ctx.strokeStyle = "#111"; ctx.stroke();
        ctx.fillStyle = "#111"; ctx.font = "bold 12px sans-serif";
        ctx.textAlign = "center"; ctx.textBaseline = "middle";
        ctx.fillText(String(pts[i].n), p.x, p.y + 0.5);
        ctx.font = "11px sans-serif"; ctx.textAlign = "left";
        ctx.lineWidth = 3; ctx.strokeStyle = "#000";
        ctx.strokeText(pts[i].time, p.x + 15, p.y);
        ctx.fillStyle = "#ffd28a"; ctx.fillText(pts[i].time, p.x + 15, p.y);
      });
      ctx.globalAlpha = 1;
    },
    _hover(e) {
      // The nearest point within 12 px of the pointer (the last drawn wins a tie).
      let best = -1, bestD = 144;
      T.markers.forEach((m, i) => {
        const p = this._map.latLngToContainerPoint(m.ll);
        const d = (p.x - e.containerPoint.x) ** 2 + (p.y - e.containerPoint.y) ** 2;
        if (d <= bestD) { best = i; bestD = d; }
      });
      if (best < 0) T.hideTip(); else T.showTip(best);
    },
  });

  let tipBox = null;

  // The hover box of point i (its camera, time, value and snapshot), or none.
  T.showTip = function (i) {
    const m = T.markers[i], map = window.ConsoleMap.map;
    if (!m) return;
    if (!tipBox) {
      tipBox = L.DomUtil.create("div", "traj-tip", map.getContainer());
      map.on("movestart zoomstart", T.hideTip);
    }
    if (tipBox.dataset.point !== String(i)) {
      if (m.trajTip == null) m.trajTip = tipOf(T.route.points[i]);
      tipBox.innerHTML = m.trajTip;
      tipBox.dataset.point = String(i);
    }
    const p = map.latLngToContainerPoint(m.getLatLng());
    tipBox.style.left = p.x + "px";
    tipBox.style.top = p.y + "px";
    tipBox.style.display = "block";
  };

  T.hideTip = function () {
    if (tipBox) tipBox.style.display = "none";
  };

  // Nothing drawn; the (empty) layer and polylines stay for the next show.
  T.clear = function () {
    T.hideTip();
    if (tipBox) delete tipBox.dataset.point;
    T.markers = []; T.route = null;
    T.lines.forEach((l) => l.setLatLngs([]));
    if (T.layer) T.layer.schedule();
  };

  // The layer and the four polylines, made on the first show.
  function ensureLayers(map) {
    if (T.layer) return;
    T.group = L.layerGroup().addTo(map);
    // Solid and dashed legs, bright (up to the slider) and faded (after it).
    T.lines = [false, true].flatMap((guess) => [0.9, 0.2].map((opacity) => L.polyline([], {
      color: ORANGE, weight: 4, opacity: opacity, dashArray: guess ? "6 8" : null,
      className: guess ? "traj-guess" : "traj-leg", interactive: false,
    }).addTo(T.group)));
    T.layer = new (makeLayer())().addTo(map);
  }

  T.show = function (route) {
    const t0 = performance.now();
    T.clear();
    const map = window.ConsoleMap.map;
    ensureLayers(map);
    T.route = route;
    const pts = route.points.map((p) => disp(p.lat, p.lon));
    T.markers = pts.map((ll) => new Point(L.latLng(ll)));
    if (pts.length) {
      // Only when the route is not already in view at the zoom it would get: a redraw of the
      // whole map costs more than drawing the route.
      const bounds = L.latLngBounds(pts).pad(0.2);
      if (map.getBoundsZoom(bounds) !== map.getZoom() || !map.getBounds().contains(bounds)) {
        map.fitBounds(bounds, { animate: false });
      }
    }
    T.upto(route.upto == null ? route.points.length - 1 : route.upto);
    return performance.now() - t0;
  };

  T.upto = function (last) {
    T.markers.forEach((m, i) => { m.options.opacity = i <= last ? 1 : 0.25; });
    const segs = [[], [], [], []];
    const pts = T.markers.map((m) => m.ll);
    (T.route ? T.route.legs : []).forEach((leg, i) => {
      segs[(leg.guess ? 2 : 0) + (i < last ? 0 : 1)].push([pts[i], pts[i + 1]]);
    });
    T.lines.forEach((l, k) => l.setLatLngs(segs[k]));
    if (T.layer) T.layer.schedule();
    return last;
  };

  // What a test reads: the points drawn, and how many legs are dashed and solid.
  T.summary = function () {
    const count = (k) => T.lines[k].getLatLngs().length + T.lines[k + 1].getLatLngs().length;
    return { points: T.markers.length, guesses: T.lines.length ? count(2) : 0,
      solid: T.lines.length ? count(0) : 0 };
  };
})();
