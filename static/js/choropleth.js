/* Decimetro Web GIS: the choropleth map of /territorio/mappa/ (Leaflet, no tile server: works offline).
 *
 * - Geometry is fetched ONCE from data-geojson (/api/v1/territory/comuni.geojson: strong ETag + gzip, so the
 *   browser revalidates it with a 304); the values come separately: first from the page itself
 *   (<script id="map-payload">), then from data-values (/api/v1/territory/map) when the filters change.
 * - The state is the form #map-filters (Italian names, e.g. ?metrica=projects&missione=M1); each control's
 *   data-api names the API parameter. On change: history.replaceState with the new query, fetch the values,
 *   restyle, redraw legend (#map-legend), the status line (#map-selection), the totals and the download links
 *   (#download-geojson, #download-csv), and put in place the tables of the new state. The page reads the URL
 *   on load (server side).
 * - Classes: the breaks of the payload (quantiles, 5 classes, stated in the legend).
 * - Level "zone": every comune takes the colour of its zona omogenea's value (sum of its comuni); the tooltip
 *   names the zone and a click opens the zone page. Level "comuni": click opens the comune page.
 * - Tooltips: class "comune-tooltip", name in <strong> and the value.
 * - Tables (#map-values, #map-zones-table, inside #map-tables): written once, by the server
 *   (public/_map_tables.html). After a change the script asks the page for them again
 *   (data-fragment-url + "?frammento=tabelle&" + the query) and swaps them in; header buttons sort them
 *   (aria-sort), and the chosen order is kept across changes.
 * - When drawn, #map gets data-loaded="1"; after each refresh data-state="<query>" (browser tests wait for it).
 * - The shared parts (geometry loaded once, tooltips, click, #map-legend control and its class markup, errors)
 *   come from static/js/maps.js (window.Decimetro), which the page loads before this file.
 */
(function () {
  "use strict";

  /* Sequential, colour-blind safe (ColorBrewer YlGnBu, 5 classes); grey for "no value". */
  var PALETTE = ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"];
  var NO_VALUE = "#e6e6e6";
  var ATTRIBUTION = "© ISTAT, elaborazione openpolis; Fonte: Italia Domani";
  var D = window.Decimetro;
  var esc = D.esc;
  var lang = D.locale();

  function fmt(value, unit, digits) {
    if (value === null || value === undefined) return "—";
    var d = digits == null ? (unit === "€" ? 2 : unit === "%" ? 1 : 2) : digits;
    var text = new Intl.NumberFormat(lang, { maximumFractionDigits: d, minimumFractionDigits: 0 }).format(value);
    if (unit === "%") return text + "%";
    return unit ? text + " " + unit : text;
  }

  function colours(n) {
    /* n classes (1..5) spread over the palette. */
    if (n >= PALETTE.length) return PALETTE.slice();
    if (n <= 1) return [PALETTE[2]];
    var out = [];
    for (var i = 0; i < n; i++) out.push(PALETTE[Math.round(i * (PALETTE.length - 1) / (n - 1))]);
    return out;
  }

  function webGis(id) {
    var el = document.getElementById(id);
    if (!el) return null;
    var labels = el.dataset;
    var form = document.getElementById("map-filters");
    var payload = JSON.parse(document.getElementById("map-payload").textContent);
    var layer = null;
    var byComune = {};
    var byZone = {};
    var request = 0;

    function level() {
      var f = form && form.elements.livello;
      return f && f.value === "zone" ? "zone" : "comuni";
    }

    function index() {
      byComune = {};
      byZone = {};
      payload.comuni.forEach(function (a) { byComune[a.key] = a; });
      payload.zones.forEach(function (z) { byZone[z.key] = z; });
    }

    function areaOf(feature) {
      var c = byComune[feature.properties.codice_istat];
      if (level() === "zone") return c && c.zone ? byZone[c.zone] || null : null;
      return c || null;
    }

    function breaks() { return level() === "zone" ? payload.zone_breaks : payload.breaks; }

    /* The classes as the legend writes them (insights.map.legend_classes: never overlapping). */
    function classes() { return (level() === "zone" ? payload.zone_classes : payload.classes) || []; }

    var words = { above: labels.labelAbove, upTo: labels.labelUpTo };

    function colourOf(area) {
      if (!area || area.class_index === null || area.class_index === undefined) return NO_VALUE;
      return colours(Math.max(breaks().length - 1, 1))[area.class_index];
    }

    function style(feature) {
      var area = areaOf(feature);
      var fill = colourOf(area);
      if (level() === "zone") return { color: fill === NO_VALUE ? "#ffffff" : fill, weight: 0.6, fillColor: fill, fillOpacity: 0.85 };
      return { color: "#555555", weight: 0.6, fillColor: fill, fillOpacity: 0.85 };
    }

    function tooltip(feature) {
      var area = areaOf(feature);
      var name = feature.properties.name;
      if (level() === "zone") {
        name = area ? area.name : (feature.properties.zona_omogenea || name);
        name += " (" + (labels.labelZone || "zona") + ")";
      }
      var value = area ? area.value : null;
      return "<strong>" + esc(name) + "</strong><br>" + esc(payload.metric_label) + ": " +
        (value === null ? esc(labels.labelNoValue || "nessun valore") : esc(fmt(value, payload.unit)));
    }

    function href(feature) {
      var code = feature.properties.codice_istat;
      if (level() === "zone") {
        var c = byComune[code];
        return c && c.zone ? labels.zoneUrl.replace("zona-slug", encodeURIComponent(c.zone)) : null;
      }
      return D.comuneHref(labels.comuneUrl, code);
    }

    var map = D.comuniMap(el, {
      geojson: labels.geojson,
      attribution: ATTRIBUTION,
      style: style,
      tooltip: tooltip,
      href: href,
      onLoad: function (l) {
        layer = l;
        redraw();
        el.dataset.state = webQuery().toString();
      }
    });
    var legend = D.mapLegend(map);

    function drawLegend() {
      var c = classes();
      var format = function (v) { return fmt(v, payload.unit, payload.integer ? 0 : null); };
      legend.innerHTML = D.classLegend({
        title: payload.metric_label, classes: c, colors: colours(Math.max(c.length, 1)), format: format, words: words,
        noneColor: NO_VALUE, noneLabel: labels.labelNoValue || "nessun valore",
        note: (labels.labelMethod || "") + (labels.labelClasses || "")
      });
      D.paintSwatches(legend);
      var text = document.getElementById("legend-text");
      if (text) {
        var items = "";
        for (var j = 0; j < c.length; j++) {
          items += "<li>" + esc((labels.labelClass || "Classe") + " " + (j + 1)) + ": " + esc(D.classLabel(c[j], format, words)) + "</li>";
        }
        text.innerHTML = items || "<li>" + esc(labels.labelNoClasses || "") + "</li>";
      }
    }

    /* Why the map is empty, when it is (insights.map.empty_reason). */
    function drawEmpty() {
      var box = document.getElementById("map-empty");
      if (!box) return;
      box.textContent = payload.empty_reason || "";
      box.hidden = !payload.empty_reason;
    }

    function drawTotals() {
      var t = payload.totals;
      var units = { projects: "", funding: "€", funding_per_resident: "€", median_funding_per_resident: "€", payment_progress: "%", not_attributed: "€" };
      document.querySelectorAll("#map-totals [data-total]").forEach(function (dd) {
        var key = dd.dataset.total;
        dd.textContent = fmt(t[key], units[key], key === "projects" ? 0 : null);
      });
      var note = document.querySelector('#map-notes [data-note="rule"]');
      if (note && payload.notes && payload.notes.length) note.textContent = payload.notes[0];
    }

    function drawSelection() {
      var status = document.getElementById("map-selection");
      if (!status) return;
      var parts = ["<strong>" + esc(payload.metric_label) + "</strong>", esc(payload.rule_label)];
      Object.keys(payload.filters).forEach(function (k) {
        var v = payload.filters[k];
        if (k === "zone" && byZone[v]) v = byZone[v].name;
        var label = (payload.filter_labels && payload.filter_labels[k]) || k;
        parts.push('<span class="badge bg-light text-dark border" data-filter>' + esc(label) + ": " + esc(v) + "</span>");
      });
      status.innerHTML = parts.join(" · ");
    }

    /* The chosen order of each table (by id), applied again to the tables of a new state. */
    var sorts = {};

    function loadTables(query) {
      var box = document.getElementById("map-tables");
      if (!box) return Promise.resolve(null);
      var url = box.dataset.fragmentUrl + "?frammento=tabelle" + (query ? "&" + query : "");
      return fetch(url, { headers: { Accept: "text/html" } }).then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.text();
      });
    }

    function swapTables(html) {
      var box = document.getElementById("map-tables");
      if (!box || html === null) return;
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("map-tables");
      if (!fresh) throw new Error("no #map-tables in the fragment");
      box.innerHTML = fresh.innerHTML;
      Object.keys(sorts).forEach(function (id) {
        var table = document.getElementById(id);
        if (table) sortTable(table, sorts[id].key, sorts[id].dir, sorts[id].numeric);
      });
    }

    function sortTable(table, key, dir, numeric) {
      var source = table.id === "map-zones-table" ? payload.zones : payload.comuni;
      var byKey = {};
      source.forEach(function (a) { byKey[a.key] = a; });
      var body = table.querySelector("tbody");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (r1, r2) {
        var a = byKey[r1.dataset.key], b = byKey[r2.dataset.key];
        var x = key === "zone_name" ? (a.zone && byZone[a.zone] ? byZone[a.zone].name : "") : a[key];
        var y = key === "zone_name" ? (b.zone && byZone[b.zone] ? byZone[b.zone].name : "") : b[key];
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        var c = numeric ? x - y : String(x).localeCompare(String(y), lang);
        return dir === "descending" ? -c : c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
      table.querySelectorAll("thead th").forEach(function (th) { th.removeAttribute("aria-sort"); });
      var button = table.querySelector('button[data-sort="' + key + '"]');
      if (button) button.closest("th").setAttribute("aria-sort", dir);
      sorts[table.id] = { key: key, dir: dir, numeric: numeric };
    }

    /* Delegated: the tables are replaced after every change of the filters. */
    document.addEventListener("click", function (e) {
      var button = e.target.closest && e.target.closest("table[data-sortable] button[data-sort]");
      if (!button) return;
      var table = button.closest("table");
      var th = button.closest("th");
      var numeric = button.hasAttribute("data-numeric");
      var current = th.getAttribute("aria-sort");
      var dir = current === "ascending" ? "descending" : current === "descending" ? "ascending" : (numeric ? "descending" : "ascending");
      sortTable(table, button.dataset.sort, dir, numeric);
    });

    function webQuery() {
      var params = new URLSearchParams();
      Array.prototype.forEach.call(form.elements, function (f) {
        if (!f.name || !f.value) return;
        if (f.name === "livello" && f.value === "comuni") return;
        params.set(f.name, f.value);
      });
      return params;
    }

    function apiQuery() {
      var params = new URLSearchParams();
      Array.prototype.forEach.call(form.elements, function (f) {
        if (f.dataset.api && f.value) params.set(f.dataset.api, f.value);
      });
      return params;
    }

    function drawDownloads(query) {
      var g = document.getElementById("download-geojson");
      var c = document.getElementById("download-csv");
      if (g) g.href = labels.geojsonDownload + "?" + query;
      if (c) c.href = labels.csvDownload + "?" + query;
      var x = document.getElementById("download-xlsx");
      var s = document.getElementById("download-csv-standard");
      if (x) x.href = labels.csvDownload + "?" + query + "&formato=xlsx";
      if (s) s.href = labels.csvDownload + "?" + query + "&formato=standard";
    }

    function redraw() {
      index();
      if (layer) {
        layer.setStyle(style);
        layer.eachLayer(function (l) { l.setTooltipContent(tooltip(l.feature)); });
      }
      drawLegend();
      drawSelection();
      drawTotals();
      drawEmpty();
    }

    function refresh() {
      var query = webQuery().toString();
      var url = new URL(window.location.href);
      url.search = query;
      window.history.replaceState(null, "", url);
      drawDownloads(query);
      var mine = ++request;
      el.setAttribute("aria-busy", "true");
      var values = fetch(labels.values + "?" + apiQuery().toString(), { headers: { Accept: "application/json" } })
        .then(function (r) {
          if (!r.ok) throw new Error("HTTP " + r.status);
          return r.json();
        });
      return Promise.all([values, loadTables(query)])
        .then(function (both) {
          if (mine !== request) return;
          payload = both[0];
          redraw();
          swapTables(both[1]);
          el.removeAttribute("aria-busy");
          el.dataset.state = query;
        })
        .catch(function (err) { showError(err); });
    }

    function showError(err) {
      el.removeAttribute("aria-busy");
      D.showError(el);
      if (window.console) console.error(err);
    }

    /* "Trova il tuo comune": the comune of that name is framed, outlined and its tooltip opened; without a
     * match the form goes to the comuni list (its plain action, which also works without JavaScript). */
    var finder = document.getElementById("find-comune");
    var found = null;
    function normal(s) { return String(s || "").toLocaleLowerCase(lang).normalize("NFD").replace(/[\u0300-\u036f]/g, "").trim(); }
    function findComune(name) {
      if (!layer) return false;
      var wanted = normal(name), exact = null, partial = [];
      layer.eachLayer(function (l) {
        var n = normal(l.feature.properties.name);
        if (n === wanted) exact = l;
        else if (wanted && n.indexOf(wanted) >= 0) partial.push(l);
      });
      var hit = exact || (partial.length === 1 ? partial[0] : null);
      if (!hit) return false;
      if (found) layer.resetStyle(found);
      found = hit;
      hit.setStyle({ weight: 3, color: "#1a1a1a" });
      hit.bringToFront();
      map.fitBounds(hit.getBounds(), { maxZoom: 12, padding: [20, 20] });
      hit.openTooltip(hit.getBounds().getCenter());
      var status = document.getElementById("find-comune-status");
      var href = D.comuneHref(labels.comuneUrl, hit.feature.properties.codice_istat);
      if (status) status.innerHTML = '<a href="' + esc(href) + '">' + esc((labels.labelOpen || "Apri la pagina di") + " " + hit.feature.properties.name) + "</a>";
      el.dataset.found = hit.feature.properties.codice_istat;
      return true;
    }
    if (finder) {
      finder.addEventListener("submit", function (e) {
        if (findComune(finder.elements.q.value)) e.preventDefault();
      });
    }

    if (form) {
      form.addEventListener("change", function () { refresh(); });
      form.addEventListener("submit", function (e) { e.preventDefault(); refresh(); });
    }

    index();
    return map;
  }

  D.webGis = webGis;
  document.addEventListener("DOMContentLoaded", function () {
    if (document.getElementById("map") && document.getElementById("map-payload")) webGis("map");
  });
})();
