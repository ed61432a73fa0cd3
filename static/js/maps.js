/* Decimetro maps: the ONE shared module for every Leaflet map (no tile server, so they work offline).
 * Load it after vendor/leaflet/leaflet.js and before any page script that uses it (choropleth.js,
 * dashboard-map.js, dup_map.js).
 *
 * Shared building blocks (window.Decimetro):
 *   esc(s), locale(), comuneHref(template, code)  -- HTML escaping, Intl locale, "000000" URL templates
 *   baseMap(id, options, attribution)             -- L.map without tiles, credit "© ISTAT, elaborazione openpolis"
 *   loadComuni(url)                               -- the comuni GeoJSON (cached, ETag-served), fetched ONCE per page
 *   quantileBreaks(values, k), classColor(v, breaks, palette, none)  -- quantile classes of the positive values
 *   legend(map, className), mapLegend(map), classLegend({...})        -- legend controls and their markup
 *   classLabel(c, format, words)                  -- one class's limits, never overlapping the next class
 *   paintSwatches(el)                             -- colours the legend's <i data-swatch> (no style="": CSP)
 *   bindTooltip(layer, html)                      -- sticky tooltip, class "comune-tooltip"
 *   showError(el, label, cls)                     -- data-error="1" and an alert inside the map
 *   comuniMap(el, {style, tooltip, href, ...})    -- geometry + style + tooltips + click (a tap: the tooltip first,
 *                                                    a second tap the page); data-loaded="1" when drawn
 *   choropleth(el, {values, palette, ...})        -- comuniMap coloured by quantile classes, with a legend
 * Page maps:
 *   outlineMap(id, geometry): one comune's boundary. Auto-drawn for every [data-outline-geometry] element
 *     (the id of its <script type="application/json"> geometry): no inline JavaScript.
 *   zoneMap(id): the comuni coloured by zona omogenea; zones from <script id="map-zones">, legend "map-legend"
 *     with one link per zone (?zona=<slug>), kept in the URL (back button works); click opens the comune page.
 */
(function () {
  "use strict";

  var D = (window.Decimetro = window.Decimetro || {});
  var ATTRIBUTION = "© ISTAT, elaborazione openpolis";
  /* Okabe–Ito colour-blind safe palette, plus a dark grey for the eighth zone. */
  var ZONE_PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#555555"];

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function locale() {
    return (document.documentElement.lang || "it").slice(0, 2) === "en" ? "en-GB" : "it-IT";
  }

  function comuneHref(template, code) {
    return template.replace("000000", encodeURIComponent(code));
  }

  /* fadeAnimation off: a closed tooltip leaves the DOM at once instead of lingering 200 ms at opacity 0 next to
   * the new one (no tiles to fade anyway). */
  function baseMap(id, options, attribution) {
    var opts = { zoomSnap: 0.25, attributionControl: true, fadeAnimation: false };
    Object.keys(options || {}).forEach(function (k) { opts[k] = options[k]; });
    var map = L.map(id, opts);
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(attribution || ATTRIBUTION);
    return map;
  }

  /* One request per URL and page, however many maps use it (the browser revalidates it with its ETag). */
  var comuni = {};
  function loadComuni(url) {
    if (!comuni[url]) {
      comuni[url] = fetch(url, { headers: { Accept: "application/geo+json" } }).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      });
    }
    return comuni[url];
  }

  /* Upper bounds of k quantile classes over the positive values (at most k, no duplicates). */
  function quantileBreaks(values, k) {
    var sorted = values.filter(function (v) { return v > 0; }).sort(function (a, b) { return a - b; });
    var out = [];
    if (!sorted.length) return out;
    for (var i = 1; i <= k; i++) {
      var b = sorted[Math.min(sorted.length - 1, Math.ceil((i * sorted.length) / k) - 1)];
      if (out.indexOf(b) < 0) out.push(b);
    }
    return out;
  }

  /* The class colour of v: the darkest classes of the palette when there are fewer breaks than colours. */
  function classColor(v, breaks, palette, none) {
    if (!v) return none;
    for (var i = 0; i < breaks.length; i++) {
      if (v <= breaks[i]) return palette[i + palette.length - breaks.length];
    }
    return palette[palette.length - 1];
  }

  /* A legend control (bottom right) whose clicks and scrolls do not reach the map; returns its <div>. */
  function legend(map, className) {
    var control = L.control({ position: "bottomright" });
    var box = null;
    control.onAdd = function () {
      box = L.DomUtil.create("div", className || "legend");
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    };
    control.addTo(map);
    return box;
  }

  /* The legend of the main map pages (/territorio/mappa/): #map-legend, drawn later by the page. */
  function mapLegend(map) {
    var div = legend(map, "legend");
    div.id = "map-legend";
    return div;
  }

  /* The classes of n+1 limits: class i holds (edges[i], edges[i+1]], the first also edges[0]. */
  function edgeClasses(edges) {
    var out = [];
    for (var i = 0; i + 1 < edges.length; i++) out.push({ low: edges[i], high: edges[i + 1], lower_open: i > 0 });
    return out;
  }

  /* One class as the legend writes it, never overlapping the next: "0 – 1", "oltre 1 fino a 3" (amounts), or
   * "2 – 118" (counts: the server sends low = previous limit + 1 and lower_open false). */
  function classLabel(c, format, words) {
    words = words || {};
    if (c.low === c.high) return format(c.high);
    if (c.lower_open) return (words.above || "oltre") + " " + format(c.low) + " " + (words.upTo || "fino a") + " " + format(c.high);
    return format(c.low) + " – " + format(c.high);
  }

  /* Legend markup of classed values: o.classes ({low, high, lower_open}) or o.edges (the n+1 class limits),
   * o.colors the n colours, o.words {above, upTo} the words of open classes. */
  function classLegend(o) {
    var classes = o.classes || edgeClasses(o.edges);
    var html = "<strong>" + esc(o.title) + "</strong><ul>";
    for (var i = 0; i < classes.length; i++) {
      html += '<li data-class="' + i + '"><i aria-hidden="true" data-swatch="' + esc(o.colors[i]) + '"></i>' +
        esc(classLabel(classes[i], o.format, o.words)) + "</li>";
    }
    html += '<li><i aria-hidden="true" data-swatch="' + esc(o.noneColor) + '"></i>' + esc(o.noneLabel) + "</li></ul>";
    if (o.note != null) html += '<span class="small">' + esc(o.note) + "</span>";
    return html;
  }

  /* Colour the legend swatches written as <i data-swatch="#rrggbb"> in el: through the CSSOM, which the
     Content-Security-Policy allows (a style="" attribute in markup it refuses). */
  function paintSwatches(el) {
    el.querySelectorAll("[data-swatch]").forEach(function (i) { i.style.background = i.dataset.swatch; });
    return el;
  }

  function bindTooltip(layer, html) {
    layer.bindTooltip(html, { sticky: true, className: "comune-tooltip" });
  }

  function showError(el, label, cls) {
    el.dataset.error = "1";
    var msg = document.createElement("p");
    msg.className = "alert alert-danger " + (cls || "m-3");
    msg.setAttribute("role", "alert");
    msg.textContent = label || el.dataset.labelError || "Errore nel caricamento della mappa.";
    el.appendChild(msg);
  }

  /* The comuni of the territory on a map in el: o.style(feature), o.tooltip(feature) -> HTML, o.href(feature) ->
   * URL or null (click), o.onLoad(layer, map, fc) after drawing; o.mapOptions, o.attribution, o.padding, o.geojson
   * (default el.dataset.geojson), o.labelError, o.errorClass. Returns the map; map.ready resolves to the layer. */
  function comuniMap(el, o) {
    var map = baseMap(el.id, o.mapOptions, o.attribution);
    var tapped = null;
    var pad = o.padding == null ? 10 : o.padding;
    map.ready = loadComuni(o.geojson || el.dataset.geojson)
      .then(function (fc) {
        var layer = L.geoJSON(fc, {
          style: o.style,
          onEachFeature: function (f, l) {
            if (o.tooltip) bindTooltip(l, o.tooltip(f));
            if (o.href) {
              l.on("click", function (e) {
                /* A tap shows the tooltip (Leaflet opens it on click); a second tap on the same comune opens
                 * its page. A mouse click opens the page at once (the tooltip came with the hover). */
                var oe = e && e.originalEvent;
                if (oe && oe.pointerType === "touch" && o.tooltip && tapped !== l) {
                  tapped = l;
                  l.openTooltip(e.latlng);
                  return;
                }
                var target = o.href(f);
                if (target) window.location.href = target;
              });
            }
          }
        }).addTo(map);
        if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { padding: [pad, pad] });
        if (o.onLoad) o.onLoad(layer, map, fc);
        el.dataset.loaded = "1";
        return layer;
      })
      .catch(function (err) {
        el.removeAttribute("aria-busy");
        showError(el, o.labelError, o.errorClass);
        if (window.console) console.error(err);
      });
    return map;
  }

  /* A choropleth of o.values {ISTAT code: number} in k quantile classes of o.palette (o.none for no value), with a
   * legend (o.legendTitle, o.noneLabel, o.format). Tooltip: name and value; click: the comune page. */
  function choropleth(el, o) {
    var palette = o.palette;
    var values = o.values;
    var breaks = quantileBreaks(Object.keys(values).map(function (k) { return values[k]; }), palette.length);
    var format = o.format || String;
    return comuniMap(el, {
      mapOptions: o.mapOptions,
      padding: o.padding,
      errorClass: o.errorClass,
      labelError: o.labelError,
      style: function (f) {
        return { color: "#ffffff", weight: 0.8, fillColor: classColor(values[f.properties.codice_istat], breaks, palette, o.none), fillOpacity: 0.9 };
      },
      tooltip: function (f) {
        var v = values[f.properties.codice_istat];
        return "<strong>" + esc(f.properties.name) + "</strong><br>" + (v ? esc(format(v)) : esc(o.noneLabel));
      },
      href: function (f) { return comuneHref(o.comuneUrl || el.dataset.comuneUrl, f.properties.codice_istat); },
      onLoad: function (layer, map) {
        var div = legend(map, "legend small");
        div.innerHTML = classLegend({
          title: o.legendTitle, edges: [0].concat(breaks), colors: palette.slice(palette.length - breaks.length),
          format: format, noneColor: o.none, noneLabel: o.noneLabel
        });
        paintSwatches(div);
      }
    });
  }

  function outlineMap(id, geometry) {
    var map = baseMap(id);
    var layer = L.geoJSON({ type: "Feature", geometry: geometry, properties: {} }, {
      style: { color: "#0066cc", weight: 2, fillOpacity: 0.25 }
    }).addTo(map);
    map.fitBounds(layer.getBounds(), { padding: [10, 10] });
    document.getElementById(id).dataset.loaded = "1";
    return map;
  }

  function slugify(s) {
    return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  }

  function readZones(fc) {
    var el = document.getElementById("map-zones");
    var zones = el ? JSON.parse(el.textContent) : [];
    if (zones.length) return zones;
    /* Fallback: the zones named by the features, alphabetically. */
    var names = [];
    fc.features.forEach(function (f) {
      var z = f.properties.zona_omogenea;
      if (z && names.indexOf(z) < 0) names.push(z);
    });
    return names.sort().map(function (n) { return { slug: slugify(n), name: n }; });
  }

  function selectedSlug(zones) {
    var slug = new URLSearchParams(window.location.search).get("zona");
    return zones.some(function (z) { return z.slug === slug; }) ? slug : null;
  }

  function zoneMap(id) {
    var el = document.getElementById(id);
    var labels = el.dataset;
    var zones = [];
    var byName = {};
    var selected = null;
    var zoneOf = function (f) { return byName[f.properties.zona_omogenea] || null; };
    var style = function (f) {
      var z = zoneOf(f);
      var color = z ? z.color : "#999999";
      if (!selected) return { color: "#ffffff", weight: 1, fillColor: color, fillOpacity: 0.75 };
      if (z && z.slug === selected) return { color: "#1a1a1a", weight: 2, fillColor: color, fillOpacity: 0.85 };
      return { color: "#ffffff", weight: 1, fillColor: "#bbbbbb", fillOpacity: 0.3 };
    };

    function setup(fc) {
      zones = readZones(fc);
      zones.forEach(function (z, i) { z.color = ZONE_PALETTE[i % ZONE_PALETTE.length]; byName[z.name] = z; });
      selected = selectedSlug(zones);
    }

    return comuniMap(el, {
      style: function (f) { return style(f); },
      tooltip: function (f) {
        var p = f.properties;
        var residents = p.population == null ? "—" : p.population.toLocaleString("it-IT");
        return "<strong>" + esc(p.name) + "</strong><br>" + esc(p.zona_omogenea || "—") +
          "<br>" + residents + " " + esc(labels.labelResidents || "residenti");
      },
      href: function (f) { return comuneHref(labels.comuneUrl, f.properties.codice_istat); },
      onLoad: function (layer, map, fc) {
        setup(fc);
        mapLegend(map);

        function drawLegend() {
          var div = document.getElementById("map-legend");
          var html = "<strong>" + esc(labels.legendTitle || "Zona omogenea") + "</strong><ul>";
          zones.forEach(function (z) {
            var current = z.slug === selected;
            html += '<li><a href="?zona=' + encodeURIComponent(z.slug) + '" data-zona="' + esc(z.slug) + '"' +
              (current ? ' aria-current="true" class="fw-bold"' : "") + ">" +
              '<i aria-hidden="true" data-swatch="' + esc(z.color) + '"></i>' + esc(z.name) + "</a></li>";
          });
          html += "</ul>";
          if (selected) html += '<a href="?" data-zona="">' + esc(labels.labelAll || "Tutte le zone") + "</a>";
          div.innerHTML = html;
          paintSwatches(div);
        }

        function drawSelection() {
          var status = document.getElementById("map-selection");
          if (!status) return;
          var zone = zones.filter(function (z) { return z.slug === selected; })[0];
          status.innerHTML = zone
            ? esc(status.dataset.labelSelected) + " <strong>" + esc(zone.name) + "</strong> · " +
              '<a href="?" data-zona="">' + esc(status.dataset.labelAll) + "</a>"
            : "";
        }

        function apply(fitToo) {
          layer.setStyle(style);
          var bounds = L.latLngBounds([]);
          layer.eachLayer(function (l) {
            var z = zoneOf(l.feature);
            var shown = !selected || (z && z.slug === selected);
            if (selected && shown) l.bringToFront();
            if (shown) bounds.extend(l.getBounds());
          });
          drawLegend();
          drawSelection();
          if (fitToo && bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
        }

        /* Zone links (legend and status line) change the URL without reloading the page. */
        document.addEventListener("click", function (e) {
          var a = e.target.closest && e.target.closest("a[data-zona]");
          if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
          e.preventDefault();
          selected = a.dataset.zona || null;
          var url = new URL(window.location.href);
          if (selected) url.searchParams.set("zona", selected); else url.searchParams.delete("zona");
          window.history.pushState({ zona: selected }, "", url);
          apply(true);
        });
        window.addEventListener("popstate", function () {
          selected = selectedSlug(zones);
          apply(true);
        });
        apply(true);
      }
    });
  }

  D.esc = esc;
  D.locale = locale;
  D.comuneHref = comuneHref;
  D.baseMap = baseMap;
  D.loadComuni = loadComuni;
  D.quantileBreaks = quantileBreaks;
  D.classColor = classColor;
  D.legend = legend;
  D.mapLegend = mapLegend;
  D.classLegend = classLegend;
  D.classLabel = classLabel;
  D.paintSwatches = paintSwatches;
  D.bindTooltip = bindTooltip;
  D.showError = showError;
  D.comuniMap = comuniMap;
  D.choropleth = choropleth;
  D.outlineMap = outlineMap;
  D.zoneMap = zoneMap;

  /* Outline maps declared in the markup: <div id="x-map" data-outline-geometry="x-geometry">. */
  function drawOutlines() {
    document.querySelectorAll("[data-outline-geometry]").forEach(function (el) {
      var source = document.getElementById(el.dataset.outlineGeometry);
      if (source && el.id && !el.dataset.loaded) outlineMap(el.id, JSON.parse(source.textContent));
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawOutlines);
  else drawOutlines();
})();
