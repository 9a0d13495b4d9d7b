/*
 * The console map page: live layers over a Leaflet map built by folium.
 *
 * Python pushes one batch per tick with ConsoleMap.apply(batch) (see widgets/map/panel.py for
 * the batch format) and hears clicks through the QWebChannel object "mapBridge".
 * Units and cameras are canvas circle markers (preferCanvas); alerts are a few DOM markers so
 * that new ones can pulse with CSS. Names (streets, grids, callsigns, ages, camera clusters)
 * are painted on one overlay canvas, redrawn on move/zoom and after each batch.
 */
(function () {
  "use strict";

  const CM = {
    map: null,
    py: null,
    palette: {},
    gcj02: false,
    units: new Map(),      // id -> {id, m: circleMarker, status, callsign, stale: label|null, hd}
    byKey: [],             // page key (from Python) -> the same unit entry
    staleIds: new Set(),   // ids of units drawn as stale
    alerts: new Map(),     // id -> {m: marker, a: [id, lat, lon, prio, status, title]}
    cameras: new Map(),    // id -> {m: circleMarker, lat, lon, name, online}
    layers: new Map(),     // id -> {g: geoJSON layer, kind, name, c: [lat, lon], sub}
    streets: [],           // {name, main, ll: [[lat, lon], ...]}
    groups: {},
    visible: { units: true, alerts: true, cameras: true, grids: true, trails: false },
    trails: new Map(),     // unit id -> flat [lat, lon, t, ...] in display coordinates, oldest first
    trailMinutes: 10,      // how far back a trail reaches
    now: 0,                // wall clock of the last batch with fixes (epoch s, from Python)
    selected: null,
    draw: { on: false, pts: [], line: null },  // fence drawing: display [lat, lon] vertices
    measure: { on: false, pts: [], line: null, tip: null },  // display [lat, lon] vertices
    follow: null,          // id of the unit the map keeps centred
    drag: null,            // {id, line, moved}: a unit being dragged onto an alert
    labelCanvas: null,
    lastApplyMs: 0,
  };
  window.ConsoleMap = CM;

  // ---- GCJ-02 display offset (same formula as console/geo.py, checked by a UI test)
  const A = 6378245.0, EE = 0.00669342162296594323;
  function tLat(x, y) {
    let r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(y * Math.PI) + 40 * Math.sin(y / 3 * Math.PI)) * 2 / 3;
    r += (160 * Math.sin(y / 12 * Math.PI) + 320 * Math.sin(y * Math.PI / 30)) * 2 / 3;
    return r;
  }
  function tLon(x, y) {
    let r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20 * Math.sin(6 * x * Math.PI) + 20 * Math.sin(2 * x * Math.PI)) * 2 / 3;
    r += (20 * Math.sin(x * Math.PI) + 40 * Math.sin(x / 3 * Math.PI)) * 2 / 3;
    r += (150 * Math.sin(x / 12 * Math.PI) + 300 * Math.sin(x / 30 * Math.PI)) * 2 / 3;
    return r;
  }
  CM.wgsToGcj = function (lat, lon) {
    if (!(lon > 73.66 && lon < 135.05 && lat > 3.86 && lat < 53.55)) return [lat, lon];
    let dLat = tLat(lon - 105, lat - 35), dLon = tLon(lon - 105, lat - 35);
    const rad = lat / 180 * Math.PI;
    const magic = 1 - EE * Math.sin(rad) * Math.sin(rad), sm = Math.sqrt(magic);
    dLat = (dLat * 180) / ((A * (1 - EE)) / (magic * sm) * Math.PI);
    dLon = (dLon * 180) / (A / sm * Math.cos(rad) * Math.PI);
    return [lat + dLat, lon + dLon];
  };
  // Where a WGS-84 point is drawn (GCJ-02 on a Chinese base map); the layer scripts use it too.
  function disp(lat, lon) { return CM.gcj02 ? CM.wgsToGcj(lat, lon) : [lat, lon]; }
  CM.disp = disp;
  // A canvas over the map, sized to it at the screen's pixel ratio and cleared: its 2D
  // context, drawing in CSS pixels (the label layer and the trajectory layer draw on one each).
  CM.clearCanvas = function (c, size) {
    const dpr = window.devicePixelRatio || 1;
    if (c.width !== size.x * dpr || c.height !== size.y * dpr) {
      c.width = size.x * dpr; c.height = size.y * dpr;
      c.style.width = size.x + "px"; c.style.height = size.y + "px";
    }
    const ctx = c.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, size.x, size.y);
    return ctx;
  };
  // Text made safe to put into HTML, for every script of the page.
  CM.esc = function (text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, (c) => (
      { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
  };
  const geoOpts = () => ({ coordsToLatLng: (c) => L.latLng(disp(c[1], c[0])) });

  // Replaces Canvas._draw for the unit canvas (circle markers only): one path per style
  // instead of one fill and stroke per marker, which is what makes 10,000 units cheap to paint.
  function drawCirclesByStyle() {
    const ctx = this._ctx, bounds = this._redrawBounds, styles = new Map();
    for (let order = this._drawFirst; order; order = order.next) {
      const l = order.layer;
      if (!l._point || l._empty() || (bounds && !(l._pxBounds && l._pxBounds.intersects(bounds)))) continue;
      const o = l.options, key = o.fillColor + "|" + o.fillOpacity + "|" + o.color + "|" + o.weight;
      let list = styles.get(key);
      if (!list) { list = []; styles.set(key, list); }
      list.push(l);
    }
    ctx.save();
    if (bounds) {
      const size = bounds.getSize();
      ctx.beginPath(); ctx.rect(bounds.min.x, bounds.min.y, size.x, size.y); ctx.clip();
    }
    this._drawing = true;
    for (const list of styles.values()) {
      const o = list[0].options;
      ctx.beginPath();
      for (const l of list) {
        const p = l._point, r = Math.max(Math.round(l._radius), 1);
        ctx.moveTo(p.x + r, p.y);
        ctx.arc(p.x, p.y, r, 0, 2 * Math.PI);
      }
      ctx.globalAlpha = o.fillOpacity; ctx.fillStyle = o.fillColor; ctx.fill();
      if (o.stroke && o.weight) {
        ctx.globalAlpha = o.opacity; ctx.lineWidth = o.weight; ctx.strokeStyle = o.color; ctx.stroke();
      }
    }
    this._drawing = false;
    ctx.restore();
  }

  // ---- set-up
  CM.init = function (map) {
    CM.map = map;
    map.setMinZoom(9);
    map.options.zoomSnap = 0.25;
    map.setMaxZoom(19);
    const names = ["base", "grids", "cameras", "units", "alerts"];
    for (const n of names) CM.groups[n] = L.layerGroup().addTo(map);
    // Units get their own pane above every other canvas: a canvas added later to the overlay
    // pane (a drag line, a first fence) would otherwise cover them and swallow their clicks.
    map.createPane("cmUnits").style.zIndex = 420;
    CM.unitRenderer = L.canvas({ padding: 0.1, pane: "cmUnits" });
    // Leaflet 1.9.4 (vendored) internals: a batch of moves asks for one full repaint of the
    // unit canvas; any partial repaint requested in the same frame is widened to full.
    const redraw = CM.unitRenderer._redraw;
    CM.unitRenderer._redraw = function () {
      if (this._cmFull) { this._redrawBounds = null; this._cmFull = false; }
      return redraw.call(this);
    };
    CM.unitRenderer._draw = drawCirclesByStyle;
    CM.camRenderer = L.canvas({ padding: 0.2 });
    CM.labels = new (makeLabelLayer())().addTo(map);
    map.on("zoomend", updateCameraVisibility);
    map.on("click", (e) => {
      CM.drawClick(e.latlng.lat, e.latlng.lng);
      CM.measureClick(e.latlng.lat, e.latlng.lng);
    });
    // A pan by the operator ends "follow" (a zoom does not).
    map.on("dragstart", () => CM.stopFollow(true));
    map.on("mousemove", (e) => { if (CM.drag) CM.dragMove(e.latlng.lat, e.latlng.lng); });
    map.on("mouseup", (e) => { if (CM.drag) CM.dragDrop(e.latlng.lat, e.latlng.lng); });
    document.addEventListener("mouseup", () => { if (CM.drag) CM.dragCancel(); });
    map.on("dblclick", () => { if (CM.draw.on) CM.drawFinish(); });
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && CM.draw.on) CM.drawCancel(true);
    });
    if (window.qt && window.qt.webChannelTransport) {
      new QWebChannel(window.qt.webChannelTransport, function (channel) {
        CM.py = channel.objects.mapBridge;
        CM.py.pageReady();
      });
    }
  };

  // ---- the batch from Python
  CM.apply = function (b) {
    const t0 = performance.now();
    if (b.theme) applyTheme(b.theme);
    if (b.reset) reset();
    if ("base" in b) setBase(b.base);
    if (b.streets) setStreets(b.streets);
    if (b.layers) for (const l of b.layers) upsertLayer(l);
    if (b.cameras) for (const c of b.cameras) upsertCamera(c);
    if (b.units) for (const u of b.units) upsertUnit(u);
    if (b.trailMinutes) CM.trailMinutes = b.trailMinutes;
    if (b.now) CM.now = b.now;
    if (b.pos) applyPositions(b.pos);
    if (b.stale) for (const s of b.stale) setStale(s[0], s[1]);
    if (b.alerts) for (const a of b.alerts) upsertAlert(a);
    if (b.alertsGone) for (const id of b.alertsGone) removeAlert(id);
    if (b.visible) for (const k in b.visible) setVisible(k, b.visible[k]);
    if (b.legend) setLegend(b.legend);
    if ("select" in b) select(b.select, b.centre !== false);
    if (b.fit) CM.map.fitBounds([[b.fit[1], b.fit[0]], [b.fit[3], b.fit[2]]], { padding: [24, 24] });
    CM.labels.schedule();
    CM.lastApplyMs = performance.now() - t0;
    return CM.lastApplyMs;
  };

  function applyTheme(t) {
    CM.palette = t;
    const s = document.documentElement.style;
    for (const k in t.css) s.setProperty("--cm-" + k, t.css[k]);
  }

  function reset() {
    for (const n in CM.groups) CM.groups[n].clearLayers();
    CM.units.clear(); CM.byKey = []; CM.staleIds.clear(); CM.alerts.clear(); CM.cameras.clear(); CM.layers.clear();
    CM.streets = [];
  }

  // ---- base map: a tile template, or the built-in one drawn from the district's streets
  function setBase(base) {
    if (CM.tiles) { CM.map.removeLayer(CM.tiles); CM.tiles = null; }
    const gcj02 = !!(base && base.gcj02);
    if (gcj02 !== CM.gcj02) CM.trails.clear();  // trail points are in display coordinates
    CM.gcj02 = gcj02;
    CM.tileErrors = 0;
    if (base && base.url) {
      // A local MBTiles file says which zooms it has: deeper zooms scale its last level up,
      // and no tile outside its bounds is asked for.
      const o = { maxZoom: 19, zIndex: 1 };
      if (base.maxNative != null) o.maxNativeZoom = base.maxNative;
      if (base.minNative != null) o.minNativeZoom = base.minNative;
      if (base.bounds) o.bounds = [[base.bounds[1], base.bounds[0]], [base.bounds[3], base.bounds[2]]];
      CM.tiles = L.tileLayer(base.url, o).addTo(CM.map);
      CM.tiles.on("tileerror", () => { CM.tileErrors++; });
      CM.map.removeLayer(CM.groups.base);
    } else {
      CM.groups.base.addTo(CM.map);
    }
  }

  function setStreets(streets) {
    const p = CM.palette, g = CM.groups.base;
    g.clearLayers();
    CM.streets = [];
    const minor = [], main = [];
    for (const s of streets) {
      const ll = s[2].map((c) => disp(c[0], c[1]));
      CM.streets.push({ name: s[0], main: s[1], ll: ll });
      (s[1] ? main : minor).push(ll);
    }
    // Two multi-polylines (casing + fill) instead of one layer per street: fewer paths to draw.
    const opts = { interactive: false, renderer: CM.baseRenderer || (CM.baseRenderer = L.canvas()) };
    g.addLayer(L.polyline(minor, { ...opts, color: p.streetMinor, weight: 2 }));
    g.addLayer(L.polyline(main, { ...opts, color: p.streetCasing, weight: 6 }));
    g.addLayer(L.polyline(main, { ...opts, color: p.streetMain, weight: 3.5, opacity: 0.55 }));
  }

  // ---- grids and e-fences
  function upsertLayer(l) {
    const [id, kind, name, geojson] = l;
    const old = CM.layers.get(id);
    if (old) CM.groups.grids.removeLayer(old.g);
    const p = CM.palette, fence = kind === "efence";
    // An imported district also brings its boundary (a solid outline) and police stations
    // (Point features: drawn as small rings, never Leaflet's image markers).
    const style = fence
      ? { color: p.fence, weight: 2, dashArray: "6 4", fillColor: p.fence, fillOpacity: 0.08 }
      : kind === "boundary"
        ? { color: p.grid, weight: 2.5, opacity: 0.9, fill: false }
        : { color: p.grid, weight: 1, opacity: 0.8, dashArray: "3 3", fill: false };
    const pointToLayer = (_f, ll) => L.circleMarker(ll, {
      radius: 5, weight: 2, color: p.grid, fillColor: p.bg, fillOpacity: 1,
    });
    const g = L.geoJSON(geojson, {
      ...geoOpts(), style: () => style, pointToLayer, interactive: false,
    });
    CM.groups.grids.addLayer(g);
    const b = g.getBounds();
    const c = b.isValid() ? b.getCenter() : null;
    const props = (geojson && geojson.properties) || {};
    CM.layers.set(id, { g, kind, name, c: c && [c.lat, c.lng], sub: props.subdistrict || null });
  }

  // ---- cameras: markers at close zoom, counted clusters (on the label canvas) below it
  const CAMERA_ZOOM = 15;
  function upsertCamera(c) {
    const [id, lat, lon, name, online] = c;
    const ll = disp(lat, lon);
    let e = CM.cameras.get(id);
    const color = online ? CM.palette.camera : CM.palette.cameraOffline;
    if (!e) {
      const m = L.circleMarker(ll, {
        renderer: CM.camRenderer, radius: 3.5, weight: 1, color: CM.palette.bg,
        fillColor: color, fillOpacity: 1,
      });
      m.on("click", () => CM.py && CM.py.cameraClicked(id));
      e = { m, lat: ll[0], lon: ll[1], name, online };
      CM.cameras.set(id, e);
      CM.groups.cameras.addLayer(m);
    } else {
      e.m.setLatLng(ll); e.lat = ll[0]; e.lon = ll[1]; e.name = name;
      if (e.online !== online) { e.online = online; e.m.setStyle({ fillColor: color }); }
    }
  }
  function updateCameraVisibility() {
    const show = CM.visible.cameras && CM.map.getZoom() >= CAMERA_ZOOM;
    if (show && !CM.map.hasLayer(CM.groups.cameras)) CM.groups.cameras.addTo(CM.map);
    if (!show && CM.map.hasLayer(CM.groups.cameras)) CM.map.removeLayer(CM.groups.cameras);
  }

  // ---- units
  function unitColor(e) {
    return e.stale !== null ? CM.palette.stale : (CM.palette.unit[e.status] || CM.palette.stale);
  }
  function upsertUnit(u) {
    const [id, callsign, status, key] = u;
    let e = CM.units.get(id);
    if (!e) {
      e = { id, m: null, status, callsign, stale: null, hd: -1 };
      CM.units.set(id, e);
      CM.byKey[key] = e;
      return;
    }
    CM.byKey[key] = e;
    e.callsign = callsign;
    if (e.status !== status) {
      e.status = status;
      // Style changes only on a state change (mass setStyle freezes Leaflet, #7557).
      if (e.m) e.m.setStyle({ fillColor: unitColor(e) });
    }
  }
  function applyPositions(pos) {
    // Flat ints: key, lat µdeg, lon µdeg, heading (-1 unknown), repeated.
    const group = CM.groups.units, moved = [];
    for (let i = 0; i < pos.length; i += 4) {
      const e = CM.byKey[pos[i]];
      if (!e) continue;
      let lat = pos[i + 1] / 1e6, lon = pos[i + 2] / 1e6;
      if (CM.gcj02) [lat, lon] = CM.wgsToGcj(lat, lon);
      e.hd = pos[i + 3];
      addTrailPoint(e.id, lat, lon);
      if (e.m) {
        // Not setLatLng: that does per-marker redraw bookkeeping; one full redraw is cheaper.
        e.m._latlng = new L.LatLng(lat, lon);
        if (e.m._map) moved.push(e.m);
      } else {
        const id = e.id;
        e.m = L.circleMarker([lat, lon], {
          renderer: CM.unitRenderer, radius: 5, weight: 1.5, color: CM.palette.bg,
          fillColor: unitColor(e), fillOpacity: 1,
        });
        e.m.on("click", () => CM.clickUnit(id));
        e.m.on("contextmenu", () => CM.contextUnit(id));
        e.m.on("mousedown", (ev) => {
          const o = ev.originalEvent;
          if (o && o.button !== 0) return;
          if (o) L.DomEvent.stopPropagation(o);  // not a map pan: a drag of this unit
          CM.dragStart(id);
        });
        group.addLayer(e.m);
      }
    }
    if (CM.follow) {
      const f = CM.units.get(CM.follow);
      if (f && f.m && !CM.map._animatingZoom) CM.map.setView(f.m.getLatLng(), CM.map.getZoom(), { animate: false });
    }
    if (moved.length) {
      for (const m of moved) m._project();  // pixel position and hit-test bounds
      CM.unitRenderer._cmFull = true;
      const r = CM.unitRenderer;
      if (r._map) r._redrawRequest = r._redrawRequest || L.Util.requestAnimFrame(r._redraw, r);
    }
  }
  // ---- trails: one point per unit every TRAIL_STEP_S, none older than trailMinutes.
  // Points are kept projected at zoom 0 (Web Mercator pixels): drawing one is then two
  // multiply-adds instead of a projection, which is what keeps 10,000 trails cheap to paint.
  const TRAIL_STEP_S = 10, TRAIL_MAX_UNITS = 1000;
  function addTrailPoint(id, lat, lon) {
    const now = CM.now;
    let t = CM.trails.get(id);
    if (!t) { t = []; CM.trails.set(id, t); }
    if (t.length && now - t[t.length - 1] < TRAIL_STEP_S) return;
    const p = CM.map.options.crs.latLngToPoint(L.latLng(lat, lon), 0);
    t.push(p.x, p.y, now);
    const oldest = now - CM.trailMinutes * 60;
    let cut = 0;
    while (cut < t.length && t[cut + 2] < oldest) cut += 3;
    if (cut) t.splice(0, cut);
  }
  CM.trailPoints = (id) => {
    const t = CM.trails.get(id), oldest = CM.now - CM.trailMinutes * 60, out = [];
    if (t) {
      for (let i = 0; i < t.length; i += 3) {
        if (t[i + 2] < oldest) continue;
        const ll = CM.map.options.crs.pointToLatLng(L.point(t[i], t[i + 1]), 0);
        out.push([ll.lat, ll.lng]);
      }
    }
    return out;
  };
  const TRAIL_ZOOM = 13, HEADING_ZOOM = 14, HEADING_MAX_IN_VIEW = 2500;
  function drawTrails(ctx, map, bounds) {
    if (!CM.visible.trails || !CM.visible.units || map.getZoom() < TRAIL_ZOOM) return;
    const oldest = CM.now - CM.trailMinutes * 60, byColor = new Map();
    // Container point of a zoom-0 point: scale, minus the pixel origin, plus the pane offset.
    const k = map.options.crs.scale(map.getZoom()) / map.options.crs.scale(0);
    const origin = map.getPixelOrigin(), pane = map._getMapPanePos();
    const dx = pane.x - origin.x, dy = pane.y - origin.y;
    // Moving units first: when too many are in view, theirs are the trails worth drawing.
    const busy = [], idle = [];
    for (const [id, t] of CM.trails) {
      const e = CM.units.get(id);
      if (!e || !e.m || !bounds.contains(e.m.getLatLng())) continue;
      (e.status === "available" || e.status === "off_duty" ? idle : busy).push([e, t]);
    }
    for (const [e, t] of busy.concat(idle).slice(0, TRAIL_MAX_UNITS)) {
      const c = unitColor(e);
      let list = byColor.get(c);
      if (!list) { list = []; byColor.set(c, list); }
      list.push([t, e.m._point ? map.layerPointToContainerPoint(e.m._point) : map.latLngToContainerPoint(e.m.getLatLng())]);
    }
    ctx.save();
    ctx.lineWidth = 2.5; ctx.lineJoin = "round"; ctx.lineCap = "round"; ctx.globalAlpha = 0.6;
    for (const [color, list] of byColor) {
      ctx.beginPath();
      for (const [t, head] of list) {
        let started = false;
        for (let i = 0; i < t.length; i += 3) {
          if (t[i + 2] < oldest) continue;
          const x = t[i] * k + dx, y = t[i + 1] * k + dy;
          if (started) ctx.lineTo(x, y); else { ctx.moveTo(x, y); started = true; }
        }
        if (started) ctx.lineTo(head.x, head.y);
      }
      ctx.strokeStyle = color; ctx.stroke();
    }
    ctx.restore();
  }

  // Heading: a small arrowhead just outside the marker, pointing where the unit is going.
  // Drawn from cached sprites (one per colour and 10° of heading): a blit per unit is what
  // keeps thousands of arrows cheap on a software-rendered canvas; paths were 10-50x slower.
  const SPRITES = new Map(), SPRITE = 32;
  function headingSprite(color, bucket, bg) {
    const key = color + "|" + bucket + "|" + bg;
    let c = SPRITES.get(key);
    if (c) return c;
    const dpr = window.devicePixelRatio || 1;
    c = document.createElement("canvas");
    c.width = c.height = SPRITE * dpr;
    const g = c.getContext("2d"), h = SPRITE / 2, r = bucket * 10 / 180 * Math.PI;
    const s = Math.sin(r), k = Math.cos(r);
    g.scale(dpr, dpr);
    g.beginPath();
    g.moveTo(h + 13 * s, h - 13 * k);
    g.lineTo(h + 7 * s - 4.5 * k, h - 7 * k - 4.5 * s);
    g.lineTo(h + 7 * s + 4.5 * k, h - 7 * k + 4.5 * s);
    g.closePath();
    g.lineWidth = 1; g.strokeStyle = bg; g.stroke();
    g.fillStyle = color; g.fill();
    SPRITES.set(key, c);
    return c;
  }
  function drawHeading(ctx, q, hd, color, bg) {
    const bucket = Math.round(hd / 10) % 36;
    ctx.drawImage(headingSprite(color, bucket, bg), q.x - SPRITE / 2, q.y - SPRITE / 2, SPRITE, SPRITE);
  }

  function setStale(id, label) {
    const e = CM.units.get(id);
    if (!e) return;
    const was = e.stale !== null;
    e.stale = label;
    if (label !== null) CM.staleIds.add(id); else CM.staleIds.delete(id);
    if (was !== (label !== null) && e.m) {
      e.m.setStyle({ fillColor: unitColor(e), fillOpacity: label !== null ? 0.7 : 1 });
    }
  }

  // ---- alerts
  function alertIcon(a, selected) {
    const [id, , , prio, status] = a;
    let cls = "cm-alert p" + prio;
    if (status === "new") cls += " pulse";
    if (selected) cls += " selected";
    return L.divIcon({ className: "", html: '<div class="' + cls + '"><span>' + prio +
      "</span></div>", iconSize: [18, 18], iconAnchor: [9, 9] });
  }
  function upsertAlert(a) {
    const id = a[0];
    const ll = disp(a[1], a[2]);
    let e = CM.alerts.get(id);
    if (!e) {
      const m = L.marker(ll, { icon: alertIcon(a, CM.selected === id), title: a[5], riseOnHover: true,
        zIndexOffset: (5 - a[3]) * 100 });
      m.on("click", () => CM.clickAlert(id));
      m.on("contextmenu", () => CM.contextAlert(id));
      e = { m, a };
      CM.alerts.set(id, e);
      CM.groups.alerts.addLayer(m);
    } else {
      const restyle = e.a[3] !== a[3] || e.a[4] !== a[4];
      e.a = a;
      e.m.setLatLng(ll);
      if (restyle) e.m.setIcon(alertIcon(a, CM.selected === id));
    }
  }
  function removeAlert(id) {
    const e = CM.alerts.get(id);
    if (e) { CM.groups.alerts.removeLayer(e.m); CM.alerts.delete(id); }
  }
  function select(id, centre) {
    const prev = CM.alerts.get(CM.selected);
    CM.selected = id;
    if (prev) prev.m.setIcon(alertIcon(prev.a, false));
    const e = CM.alerts.get(id);
    if (!e) return;
    e.m.setIcon(alertIcon(e.a, true));
    if (centre) CM.map.setView(e.m.getLatLng(), Math.max(CM.map.getZoom(), 15));
  }

  // Centre on a WGS-84 position. A view change made while a zoom animation runs is undone
  // when that animation ends (Leaflet 1.9), so wait for it first.
  // An animated setView starts its animation on the next frame, hence the frame wait too.
  CM.centreOn = function (lat, lon, zoom) {
    const map = CM.map, ll = disp(lat, lon);
    requestAnimationFrame(() => {
      if (map._animatingZoom) { map.once("zoomend", () => CM.centreOn(lat, lon, zoom)); return; }
      map.setView(ll, zoom == null ? map.getZoom() : zoom, { animate: false });
    });
  };

  // A search hit: a ring that pulses at the place for a few seconds; a grid or fence found by
  // name also has its outline drawn bold meanwhile.
  CM.ping = function (lat, lon, layerId) {
    if (CM.pinged) { CM.map.removeLayer(CM.pinged); CM.pinged = null; }
    const icon = L.divIcon({ className: "", html: '<div class="cm-ping"></div>', iconSize: [36, 36], iconAnchor: [18, 18] });
    const m = L.marker(disp(lat, lon), { icon, interactive: false, keyboard: false, zIndexOffset: -100 }).addTo(CM.map);
    CM.pinged = m;
    const l = layerId ? CM.layers.get(layerId) : null;
    if (l) l.g.setStyle({ weight: 4, dashArray: null, opacity: 1 });
    CM.highlighted = l ? layerId : null;
    setTimeout(() => {
      if (CM.pinged === m) { CM.map.removeLayer(m); CM.pinged = null; }
      if (l && CM.layers.get(layerId) === l) l.g.resetStyle();
      if (CM.highlighted === layerId) CM.highlighted = null;
    }, 4000);
  };

  // ---- clicks (the same functions Leaflet's click handlers call; tests call them too)
  CM.clickAlert = function (id) { if (CM.py) CM.py.alertClicked(id); };
  CM.clickUnit = function (id) { if (CM.py) CM.py.unitClicked(id); };
  CM.contextAlert = function (id) { if (CM.py) CM.py.alertContext(id); };
  CM.contextUnit = function (id) { if (CM.py) CM.py.unitContext(id); };

  // ---- follow a unit: the map stays centred on it until the operator pans
  CM.startFollow = function (id) {
    const e = CM.units.get(id);
    if (!e || !e.m) return false;
    CM.follow = id;
    CM.map.setView(e.m.getLatLng(), Math.max(CM.map.getZoom(), 15), { animate: false });
    return true;
  };
  CM.stopFollow = function (tellPython) {
    if (!CM.follow) return;
    CM.follow = null;
    if (tellPython && CM.py) CM.py.followStopped();
  };

  // ---- measure: clicks add points; Python computes the length and sends the text back
  function measureRedraw() {
    const m = CM.measure;
    if (m.line) { CM.map.removeLayer(m.line); m.line = null; }
    if (!m.pts.length) { if (m.tip) { CM.map.removeLayer(m.tip); m.tip = null; } return; }
    const color = CM.palette.text || "#fff";
    m.line = L.layerGroup([
      L.polyline(m.pts, { color: CM.palette.bg || "#000", weight: 5, opacity: 0.6, interactive: false }),
      L.polyline(m.pts, { color: color, weight: 2, dashArray: "4 4", interactive: false }),
      ...m.pts.map((p) => L.circleMarker(p, { radius: 3, color: color, weight: 1, fillColor: color,
        fillOpacity: 1, interactive: false })),
    ]).addTo(CM.map);
  }
  CM.setMeasuring = function (on) {
    const m = CM.measure;
    m.on = !!on; m.pts = [];
    measureRedraw();
    CM.map.getContainer().style.cursor = m.on ? "crosshair" : "";
  };
  CM.measureClick = function (lat, lon) {
    const m = CM.measure;
    if (!m.on) return;
    const last = m.pts[m.pts.length - 1];
    if (last && last[0] === lat && last[1] === lon) return;
    m.pts.push([lat, lon]);
    measureRedraw();
    if (CM.py) CM.py.measureChanged(JSON.stringify({ gcj02: CM.gcj02, pts: m.pts }));
  };
  CM.setMeasureText = function (text) {
    const m = CM.measure;
    if (!m.pts.length) return;
    const at = m.pts[m.pts.length - 1];
    if (!m.tip) {
      m.tip = L.tooltip({ permanent: true, direction: "right", offset: [8, 0], className: "cm-measure" });
    }
    m.tip.setLatLng(at).setContent(text);
    if (!CM.map.hasLayer(m.tip)) m.tip.addTo(CM.map);
  };
  CM.measureText = () => (CM.measure.tip && CM.map.hasLayer(CM.measure.tip) ? CM.measure.tip.getContent() : null);

  // ---- drag a unit onto an alert: dispatch it there (Python sends alert.dispatch)
  const DROP_PX = 18;
  CM.dragStart = function (id) {
    const e = CM.units.get(id);
    if (!e || !e.m || CM.draw.on || CM.measure.on) return;
    CM.drag = { id, line: null, moved: false };
    CM.map.dragging.disable();
  };
  CM.dragMove = function (lat, lon) {
    const d = CM.drag, e = d && CM.units.get(d.id);
    if (!e) return;
    d.moved = true;
    const pts = [e.m.getLatLng(), [lat, lon]];
    if (d.line) d.line.setLatLngs(pts);
    else {
      d.line = L.polyline(pts, { color: unitColor(e), weight: 3, dashArray: "2 6", interactive: false }).addTo(CM.map);
      CM.map.getContainer().style.cursor = "grabbing";
    }
    const target = alertAt(lat, lon);
    CM.map.getContainer().classList.toggle("cm-drop-ok", !!target);
  };
  function alertAt(lat, lon) {
    const q = CM.map.latLngToContainerPoint([lat, lon]);
    let best = null, bestD = DROP_PX;
    for (const [id, a] of CM.alerts) {
      const d = CM.map.latLngToContainerPoint(a.m.getLatLng()).distanceTo(q);
      if (d <= bestD) { best = id; bestD = d; }
    }
    return best;
  }
  CM.dragDrop = function (lat, lon) {
    const d = CM.drag;
    if (!d) return null;
    const target = d.moved ? alertAt(lat, lon) : null;
    CM.dragCancel();
    if (target && CM.py) CM.py.unitDropped(d.id, target);
    return target;
  };
  CM.dragCancel = function () {
    const d = CM.drag;
    if (!d) return;
    CM.drag = null;
    if (d.line) CM.map.removeLayer(d.line);
    const c = CM.map.getContainer();
    c.style.cursor = ""; c.classList.remove("cm-drop-ok");
    CM.map.dragging.enable();
  };

  // ---- drawing a new e-fence: clicks add vertices (a dashed line), double-click finishes.
  // The vertices go to Python in display coordinates with the datum they were drawn in;
  // Python converts them back to WGS-84.
  const DRAW_MAX = 499;  // + the closing vertex = the protocol's 500 positions
  function drawRedraw() {
    const d = CM.draw;
    if (d.line) { CM.map.removeLayer(d.line); d.line = null; }
    if (!d.pts.length) return;
    d.line = L.polyline(d.pts, { color: CM.palette.fence || "#e040fb", weight: 2, dashArray: "6 4",
      interactive: false }).addTo(CM.map);
  }
  CM.setDrawing = function (on) {
    const d = CM.draw;
    d.on = !!on; d.pts = [];
    drawRedraw();
    CM.map.getContainer().style.cursor = d.on ? "crosshair" : "";
    if (d.on) CM.map.doubleClickZoom.disable(); else CM.map.doubleClickZoom.enable();
  };
  CM.drawClick = function (lat, lon) {
    const d = CM.draw;
    if (!d.on || d.pts.length >= DRAW_MAX) return;
    const last = d.pts[d.pts.length - 1];
    if (last && last[0] === lat && last[1] === lon) return;  // the second click of a dblclick
    d.pts.push([lat, lon]);
    drawRedraw();
  };
  CM.drawFinish = function () {
    const d = CM.draw;
    if (!d.on) return false;
    if (d.pts.length < 3) return false;
    const msg = JSON.stringify({ gcj02: CM.gcj02, pts: d.pts });
    CM.setDrawing(false);
    if (CM.py) CM.py.fenceDrawn(msg);
    return true;
  };
  CM.drawCancel = function (tellPython) {
    CM.setDrawing(false);
    if (tellPython && CM.py) CM.py.drawCancelled();
  };
  CM.drawVertexCount = () => CM.draw.pts.length;

  // ---- layer switches and legend
  function setVisible(name, on) {
    CM.visible[name] = on;
    if (name === "trails") return;  // painted on the label canvas, redrawn after this batch
    if (name === "cameras") { updateCameraVisibility(); return; }
    const g = CM.groups[name];
    if (!g) return;
    if (on && !CM.map.hasLayer(g)) g.addTo(CM.map);
    if (!on && CM.map.hasLayer(g)) CM.map.removeLayer(g);
  }
  function setLegend(items) {
    if (CM.legend) CM.map.removeControl(CM.legend);
    CM.legend = L.control({ position: "bottomleft" });
    CM.legend.onAdd = function () {
      const div = L.DomUtil.create("div", "cm-legend");
      for (const it of items) {
        const row = L.DomUtil.create("div", "", div);
        const sw = L.DomUtil.create("span", "sw " + (it.shape || ""), row);
        sw.style.background = it.color;
        sw.style.borderColor = it.color;
        row.appendChild(document.createTextNode(it.label));
      }
      return div;
    };
    CM.legend.addTo(CM.map);
  }

  // ---- read-backs for tests and the benchmark
  CM.unitMarkerCount = () => { let n = 0; for (const e of CM.units.values()) if (e.m) n++; return n; };
  CM.unitColor = (id) => { const e = CM.units.get(id); return e && e.m ? e.m.options.fillColor : null; };
  CM.unitLatLng = (id) => { const e = CM.units.get(id); if (!e || !e.m) return null; const p = e.m.getLatLng(); return [p.lat, p.lng]; };
  CM.unitHeading = (id) => { const e = CM.units.get(id); return e ? e.hd : null; };
  CM.unitPoint = (id) => { const e = CM.units.get(id); if (!e || !e.m) return null; const q = CM.map.latLngToContainerPoint(e.m.getLatLng()); return [q.x, q.y]; };
  // The colour painted on the label canvas (headings, trails, names) at a container point.
  CM.labelPixel = (x, y) => { const d = CM.labels._c.getContext("2d").getImageData(Math.round(x), Math.round(y), 1, 1).data; return [d[0], d[1], d[2], d[3]]; };
  CM.staleLabel = (id) => { const e = CM.units.get(id); return e ? e.stale : null; };
  CM.alertClasses = (id) => { const e = CM.alerts.get(id); return e && e.m._icon ? e.m._icon.firstChild.className : null; };
  CM.counts = () => ({ units: CM.unitMarkerCount(), alerts: CM.alerts.size, cameras: CM.cameras.size,
    layers: CM.layers.size, streets: CM.streets.length });

  // ---- names on one canvas over the map
  // Built lazily: map.js may be parsed before leaflet.js has run.
  const makeLabelLayer = () => L.Layer.extend({
    onAdd(map) {
      this._c = L.DomUtil.create("canvas", "cm-labels", map.getContainer());
      map.on("move resize zoomend viewreset", this.schedule, this);
      map.on("zoomstart", () => { this._c.style.display = "none"; });
      map.on("zoomend", () => { this._c.style.display = ""; });
      this.schedule();
    },
    schedule() {
      if (this._raf) return;
      this._raf = requestAnimationFrame(() => { this._raf = 0; this.draw(); });
    },
    draw() {
      const map = CM.map, size = map.getSize();
      const ctx = CM.clearCanvas(this._c, size);
      const z = map.getZoom(), bounds = map.getBounds().pad(0.05), p = CM.palette;
      const boxes = [];
      const free = (x, y, w, h) => {
        for (const b of boxes) if (x < b[0] + b[2] && b[0] < x + w && y < b[1] + b[3] && b[1] < y + h) return false;
        boxes.push([x, y, w, h]);
        return true;
      };
      const text = (s, x, y, font, color, angle) => {
        ctx.font = font;
        const w = ctx.measureText(s).width, h = parseInt(font, 10) || 12;
        if (!angle && !free(x - w / 2 - 2, y - h / 2 - 2, w + 4, h + 4)) return;
        ctx.save();
        ctx.translate(x, y);
        if (angle) ctx.rotate(angle);
        ctx.textAlign = "center"; ctx.textBaseline = "middle";
        ctx.lineWidth = 3; ctx.strokeStyle = p.bg; ctx.lineJoin = "round";
        ctx.strokeText(s, 0, 0);
        ctx.fillStyle = color; ctx.fillText(s, 0, 0);
        ctx.restore();
      };
      const pt = (lat, lon) => map.latLngToContainerPoint([lat, lon]);
      drawTrails(ctx, map, bounds);
      // Units first: their callsigns and ages matter more than place names.
      if (CM.visible.units) {
        // Below HEADING_ZOOM only stale units carry a label: walk those, not all 10,000.
        const walk = z >= HEADING_ZOOM ? CM.units.values() : Array.from(CM.staleIds, (id) => CM.units.get(id));
        const shown = [];
        for (const e of walk) {
          if (e && e.m && bounds.contains(e.m.getLatLng())) shown.push(e);
        }
        // Thousands of arrows at zoom 14 are a carpet, not information (and cost a frame).
        const arrows = z >= HEADING_ZOOM + 1 || shown.length <= HEADING_MAX_IN_VIEW;
        for (const e of shown) {
          const ll = e.m.getLatLng();
          // The marker's projected point when it has one: no projection per unit per frame.
          const q = e.m._point && e.m._map ? map.layerPointToContainerPoint(e.m._point) : map.latLngToContainerPoint(ll);
          if (e.stale !== null && z >= 13) {
            text(e.stale, q.x, q.y - 12, "bold 11px sans-serif", p.staleText, 0);
          } else if (z >= 16) {
            text(e.callsign, q.x, q.y - 12, "11px sans-serif", p.text, 0);
          }
          if (arrows && z >= HEADING_ZOOM && e.hd >= 0 && e.stale === null) {
            drawHeading(ctx, q, e.hd, p.unit[e.status] || p.stale, p.bg);
          }
        }
      }
      // Camera clusters below CAMERA_ZOOM: one square per 64 px cell with its count.
      if (CM.visible.cameras && z < CAMERA_ZOOM && CM.cameras.size) {
        const cells = new Map();
        for (const [, e] of CM.cameras) {
          if (!bounds.contains([e.lat, e.lon])) continue;
          const q = pt(e.lat, e.lon);
          const k = Math.floor(q.x / 64) + ":" + Math.floor(q.y / 64);
          const cell = cells.get(k);
          if (cell) { cell.n++; cell.x += q.x; cell.y += q.y; } else cells.set(k, { n: 1, x: q.x, y: q.y });
        }
        ctx.font = "bold 10px sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
        for (const [, cell] of cells) {
          const x = cell.x / cell.n, y = cell.y / cell.n, r = cell.n > 1 ? 6 + Math.min(5, Math.log2(cell.n)) : 2.5;
          ctx.globalAlpha = 0.75; ctx.fillStyle = p.camera;
          ctx.fillRect(x - r, y - r, 2 * r, 2 * r);
          ctx.globalAlpha = 1;
          if (cell.n > 1) { ctx.fillStyle = p.bg; ctx.fillText(String(cell.n), x, y); }
        }
      }
      // Fence names always; grid names at close zoom; sub-district names when zoomed out.
      if (CM.visible.grids) {
        const subs = new Map();
        for (const [, l] of CM.layers) {
          if (!l.c) continue;
          if (l.kind === "efence") {
            const q = pt(l.c[0], l.c[1]);
            text(l.name, q.x, q.y, "bold 12px sans-serif", p.fence, 0);
          } else if (z >= 15) {
            if (!bounds.contains(l.c)) continue;
            const q = pt(l.c[0], l.c[1]);
            text(l.name, q.x, q.y, "11px sans-serif", p.gridText, 0);
          } else if (l.sub) {
            const s = subs.get(l.sub) || { n: 0, lat: 0, lon: 0 };
            s.n++; s.lat += l.c[0]; s.lon += l.c[1];
            subs.set(l.sub, s);
          }
        }
        for (const [name, s] of subs) {
          const q = pt(s.lat / s.n, s.lon / s.n);
          text(name, q.x, q.y, (z >= 13 ? "bold 15px" : "bold 12px") + " sans-serif", p.subText, 0);
        }
      }
      // Street names along the street, every ~450 px; main roads from zoom 14, others from 15.
      if (CM.map.hasLayer(CM.groups.base) && z >= 14) {
        for (const s of CM.streets) {
          if (!s.main && z < 15) continue;
          let last = null;
          for (let i = 0; i + 1 < s.ll.length; i++) {
            const a = pt(s.ll[i][0], s.ll[i][1]), b = pt(s.ll[i + 1][0], s.ll[i + 1][1]);
            const mx = (a.x + b.x) / 2, my = (a.y + b.y) / 2;
            if (mx < 0 || my < 0 || mx > size.x || my > size.y) continue;
            if (last && Math.hypot(mx - last[0], my - last[1]) < 450) continue;
            const len = Math.hypot(b.x - a.x, b.y - a.y);
            ctx.font = "12px sans-serif";
            if (len < ctx.measureText(s.name).width + 8) continue;
            let ang = Math.atan2(b.y - a.y, b.x - a.x);
            if (ang > Math.PI / 2) ang -= Math.PI; else if (ang < -Math.PI / 2) ang += Math.PI;
            if (!free(mx - 10, my - 10, 20, 20)) continue;
            text(s.name, mx, my, "12px sans-serif", s.main ? p.streetText : p.gridText, ang);
            last = [mx, my];
          }
        }
      }
    },
  });
})();
