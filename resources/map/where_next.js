/*
 * Where next (精准布控) on the console map, kept apart from map.js and trajectory.js.
 *
 * Python (widgets/map/where_next.py, built by console/where_next.py) calls
 * ConsoleWhereNext.show(overlay) with
 *   {from: {lat, lon, label},
 *    cameras: [{id, lat, lon, label, tip, path: [[lat, lon], ...], guess}],
 *    units: [{id, lat, lon, label, to: [lat, lon]}]}
 * (a guess — no street graph — is drawn dashed) and ConsoleWhereNext.clear().
 */
(function () {
  "use strict";

  const W = { group: null, cameras: [], paths: [], units: [], links: [] };
  window.ConsoleWhereNext = W;

  const style = document.createElement("style");
  style.textContent =
    ".wn-cam .wn-dot { width: 14px; height: 14px; border-radius: 7px; background: #3fd0ff;" +
    " border: 2px solid #0b2530; box-sizing: border-box; }" +
    ".wn-cam .wn-label, .wn-unit .wn-label { position: absolute; left: 18px; top: -1px;" +
    " white-space: nowrap; font: 11px sans-serif; text-shadow: 0 0 3px #000, 0 0 3px #000; }" +
    ".wn-cam .wn-label { color: #9fe6ff; }" +
    ".wn-unit .wn-label { color: #b8f5b0; }" +
    ".wn-unit .wn-dot { width: 12px; height: 12px; background: #5fd35a;" +
    " border: 2px solid #10300e; box-sizing: border-box; transform: rotate(45deg); }" +
    ".wn-from .wn-dot { width: 18px; height: 18px; border-radius: 9px; background: #ff9f1a;" +
    " border: 2px solid #111; box-sizing: border-box; }" +
    ".wn-cam, .wn-unit, .wn-from { background: none; border: none; }";
  document.head.appendChild(style);

  // map.js's, which is loaded first.
  const esc = (text) => window.ConsoleMap.esc(text);
  const disp = (lat, lon) => window.ConsoleMap.disp(lat, lon);

  function marker(cls, size, lat, lon, label, z) {
    const icon = L.divIcon({
      className: cls,
      html: '<div class="wn-dot"></div><div class="wn-label">' + esc(label) + "</div>",
      iconSize: [size, size], iconAnchor: [size / 2, size / 2],
    });
    return L.marker(disp(lat, lon), { icon: icon, keyboard: false, zIndexOffset: z })
      .addTo(W.group);
  }

  W.clear = function () {
    if (W.group) W.group.remove();
    W.group = null; W.cameras = []; W.paths = []; W.units = []; W.links = [];
  };

  W.show = function (overlay) {
    W.clear();
    const map = window.ConsoleMap.map;
    W.group = L.layerGroup().addTo(map);
    const bounds = [disp(overlay.from.lat, overlay.from.lon)];
    overlay.cameras.forEach((c) => {
      const pts = c.path.map((p) => disp(p[0], p[1]));
      W.paths.push(L.polyline(pts, {
        color: "#3fd0ff", weight: 3, opacity: 0.75, dashArray: c.guess ? "6 8" : null,
      }).addTo(W.group));
      const m = marker("wn-cam", 14, c.lat, c.lon, c.label, 9000);
      m.bindTooltip(esc(c.tip), { direction: "top", offset: [0, -8] });
      W.cameras.push(m);
      bounds.push(disp(c.lat, c.lon));
    });
    overlay.units.forEach((u) => {
      W.links.push(L.polyline([disp(u.lat, u.lon), disp(u.to[0], u.to[1])], {
        color: "#5fd35a", weight: 2, opacity: 0.8, dashArray: "2 6",
      }).addTo(W.group));
      W.units.push(marker("wn-unit", 12, u.lat, u.lon, u.label, 9500));
      bounds.push(disp(u.lat, u.lon));
    });
    marker("wn-from", 18, overlay.from.lat, overlay.from.lon, overlay.from.label, 11000);
    map.fitBounds(L.latLngBounds(bounds).pad(0.15), { animate: false });
    return W.cameras.length;
  };

  // What a test reads: what is drawn.
  W.summary = function () {
    return {
      cameras: W.cameras.length,
      units: W.units.length,
      guesses: W.paths.filter((l) => !!l.options.dashArray).length,
    };
  };
})();
