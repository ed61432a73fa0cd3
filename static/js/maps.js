/* Decimetro maps: Leaflet without any tile server, so they work offline.
 *
 * Decimetro.zoneMap(id): the comuni coloured by zona omogenea, from the GeoJSON at data-geojson.
 *   - the zones (order and names) come from the <script id="map-zones"> JSON written by the page;
 *   - legend control with id "map-legend": one link per zone (?zona=<slug>), which highlights it;
 *   - the highlighted zone is kept in the URL (?zona=<slug>), so it can be shared and the back button works;
 *   - a tooltip (class "comune-tooltip") per comune: name, zone, residents; click opens the comune page;
 *   - when the layer is drawn, #map gets data-loaded="1" (browser tests wait for it).
 * Decimetro.outlineMap(id, geometry): one comune's boundary, for the comune page.
 */
(function () {
  "use strict";

  /* Okabe–Ito colour-blind safe palette, plus a dark grey for the eighth zone. */
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#555555"];
  var ATTRIBUTION = "© ISTAT, elaborazione openpolis";

  function baseMap(id) {
    var map = L.map(id, { zoomSnap: 0.25, attributionControl: true });
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(ATTRIBUTION);
    return map;
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
    var map = baseMap(id);
    var labels = el.dataset;

    fetch(el.dataset.geojson, { headers: { Accept: "application/geo+json" } })
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (fc) {
        var zones = readZones(fc);
        var byName = {};
        zones.forEach(function (z, i) { z.color = PALETTE[i % PALETTE.length]; byName[z.name] = z; });
        var selected = selectedSlug(zones);

        var zoneOf = function (f) { return byName[f.properties.zona_omogenea] || null; };
        var style = function (f) {
          var z = zoneOf(f);
          var color = z ? z.color : "#999999";
          if (!selected) return { color: "#ffffff", weight: 1, fillColor: color, fillOpacity: 0.75 };
          if (z && z.slug === selected) return { color: "#1a1a1a", weight: 2, fillColor: color, fillOpacity: 0.85 };
          return { color: "#ffffff", weight: 1, fillColor: "#bbbbbb", fillOpacity: 0.3 };
        };
        var comuneUrl = function (code) { return labels.comuneUrl.replace("000000", encodeURIComponent(code)); };

        var layer = L.geoJSON(fc, {
          style: style,
          onEachFeature: function (f, l) {
            var p = f.properties;
            var residents = p.population == null ? "—" : p.population.toLocaleString("it-IT");
            l.bindTooltip(
              "<strong>" + esc(p.name) + "</strong><br>" + esc(p.zona_omogenea || "—") +
              "<br>" + residents + " " + esc(labels.labelResidents || "residenti"),
              { sticky: true, className: "comune-tooltip" }
            );
            l.on("click", function () { window.location.href = comuneUrl(p.codice_istat); });
          }
        }).addTo(map);

        var legend = L.control({ position: "bottomright" });
        legend.onAdd = function () {
          var div = L.DomUtil.create("div", "legend");
          div.id = "map-legend";
          L.DomEvent.disableClickPropagation(div);
          L.DomEvent.disableScrollPropagation(div);
          return div;
        };
        legend.addTo(map);

        function drawLegend() {
          var div = document.getElementById("map-legend");
          var html = "<strong>" + esc(labels.legendTitle || "Zona omogenea") + "</strong><ul>";
          zones.forEach(function (z) {
            var current = z.slug === selected;
            html += '<li><a href="?zona=' + encodeURIComponent(z.slug) + '" data-zona="' + esc(z.slug) + '"' +
              (current ? ' aria-current="true" class="fw-bold"' : "") + '>' +
              '<i aria-hidden="true" style="background:' + z.color + '"></i>' + esc(z.name) + "</a></li>";
          });
          html += "</ul>";
          if (selected) {
            html += '<a href="?" data-zona="">' + esc(labels.labelAll || "Tutte le zone") + "</a>";
          }
          div.innerHTML = html;
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

        function fit() {
          var bounds = L.latLngBounds([]);
          layer.eachLayer(function (l) {
            var z = zoneOf(l.feature);
            if (!selected || (z && z.slug === selected)) bounds.extend(l.getBounds());
          });
          if (bounds.isValid()) map.fitBounds(bounds, { padding: [10, 10] });
        }

        function apply(fitToo) {
          layer.setStyle(style);
          layer.eachLayer(function (l) {
            var z = zoneOf(l.feature);
            if (selected && z && z.slug === selected) l.bringToFront();
          });
          drawLegend();
          drawSelection();
          if (fitToo) fit();
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
        el.dataset.loaded = "1";
      })
      .catch(function (err) {
        el.dataset.error = "1";
        var msg = document.createElement("p");
        msg.className = "alert alert-danger m-3";
        msg.setAttribute("role", "alert");
        msg.textContent = labels.labelError || "Errore nel caricamento della mappa.";
        el.appendChild(msg);
        if (window.console) console.error(err);
      });
    return map;
  }

  function slugify(s) {
    return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  }

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  window.Decimetro = { outlineMap: outlineMap, zoneMap: zoneMap };
})();
