/* Decimetro dashboard maps: a small choropleth of the funding per comune (web/dashboard/_map.html).
 *
 * For every .dashboard-map: fetches the comuni GeoJSON at data-geojson (the same cached, ETag-served file as
 * the main map), reads {ISTAT code: euro} from <script id="{data-values}">, colours the comuni with at least
 * one project in 5 quantile classes (sequential blues, colour-blind safe) and the others light grey, adds a
 * legend with the class breaks, a tooltip per comune (name, amount) and a click to the comune's page.
 * Sets data-loaded="1" when drawn (browser tests wait for it). No tile server: works offline.
 */
(function () {
  "use strict";

  var CLASSES = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
  var NONE = "#eeeeee";
  var lang = (document.documentElement.lang || "it").slice(0, 2) === "en" ? "en-GB" : "it-IT";

  function euro(v) {
    return new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(v) + " €";
  }

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  /* Upper bounds of quantile classes over the positive values (at most CLASSES.length, no duplicates). */
  function breaks(values) {
    var sorted = values.filter(function (v) { return v > 0; }).sort(function (a, b) { return a - b; });
    if (!sorted.length) return [];
    var out = [];
    for (var i = 1; i <= CLASSES.length; i++) {
      var b = sorted[Math.min(sorted.length - 1, Math.ceil((i * sorted.length) / CLASSES.length) - 1)];
      if (out.indexOf(b) < 0) out.push(b);
    }
    return out;
  }

  function colour(v, bounds) {
    if (!v) return NONE;
    for (var i = 0; i < bounds.length; i++) {
      if (v <= bounds[i]) return CLASSES[i + CLASSES.length - bounds.length];
    }
    return CLASSES[CLASSES.length - 1];
  }

  function draw(el) {
    var dataEl = document.getElementById(el.dataset.values);
    var values = dataEl ? JSON.parse(dataEl.textContent) : {};
    var bounds = breaks(Object.keys(values).map(function (k) { return values[k]; }));
    var map = L.map(el.id, { zoomSnap: 0.25, scrollWheelZoom: false });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution("© ISTAT, elaborazione openpolis");
    fetch(el.dataset.geojson, { headers: { Accept: "application/geo+json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (fc) {
        var layer = L.geoJSON(fc, {
          style: function (f) {
            return { color: "#ffffff", weight: 0.8, fillColor: colour(values[f.properties.codice_istat], bounds), fillOpacity: 0.9 };
          },
          onEachFeature: function (f, l) {
            var p = f.properties;
            var v = values[p.codice_istat];
            l.bindTooltip("<strong>" + esc(p.name) + "</strong><br>" + (v ? euro(v) : esc(el.dataset.labelNone)),
              { sticky: true, className: "comune-tooltip" });
            l.on("click", function () {
              window.location.href = el.dataset.comuneUrl.replace("000000", encodeURIComponent(p.codice_istat));
            });
          }
        }).addTo(map);
        if (layer.getBounds().isValid()) map.fitBounds(layer.getBounds(), { padding: [5, 5] });
        var legend = L.control({ position: "bottomright" });
        legend.onAdd = function () {
          var div = L.DomUtil.create("div", "legend small");
          var html = "<strong>" + esc(el.dataset.legendTitle) + "</strong><br>";
          var lower = 0;
          bounds.forEach(function (b, i) {
            html += '<i aria-hidden="true" style="background:' + CLASSES[i + CLASSES.length - bounds.length] + '"></i>' +
              euro(lower) + " – " + euro(b) + "<br>";
            lower = b;
          });
          html += '<i aria-hidden="true" style="background:' + NONE + '"></i>' + esc(el.dataset.labelNone);
          div.innerHTML = html;
          return div;
        };
        legend.addTo(map);
        el.dataset.loaded = "1";
      })
      .catch(function (err) {
        el.dataset.error = "1";
        var msg = document.createElement("p");
        msg.className = "alert alert-danger m-2";
        msg.setAttribute("role", "alert");
        msg.textContent = el.dataset.labelError;
        el.appendChild(msg);
        if (window.console) console.error(err);
      });
  }

  function drawAll() {
    if (typeof window.L === "undefined") return;
    document.querySelectorAll(".dashboard-map").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
