/* Decimetro maps: Leaflet without any tile server (works offline). */
(function () {
  "use strict";
  var PALETTE = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#444444"];

  function baseMap(id) {
    return L.map(id, { zoomSnap: 0.25, attributionControl: true });
  }

  function outlineMap(id, geometry) {
    var map = baseMap(id);
    var layer = L.geoJSON({ type: "Feature", geometry: geometry, properties: {} }, {
      style: { color: "#0066cc", weight: 2, fillOpacity: 0.25 }
    }).addTo(map);
    map.attributionControl.addAttribution("© ISTAT, elaborazione openpolis");
    map.fitBounds(layer.getBounds(), { padding: [10, 10] });
    return map;
  }

  function zoneMap(id) {
    var el = document.getElementById(id);
    var params = new URLSearchParams(window.location.search);
    var selectedZone = params.get("zona");
    var map = baseMap(id);
    map.attributionControl.addAttribution("© ISTAT, elaborazione openpolis");
    fetch(el.dataset.geojson, { headers: { Accept: "application/geo+json" } })
      .then(function (r) { return r.json(); })
      .then(function (fc) {
        var zones = [];
        fc.features.forEach(function (f) {
          var z = f.properties.zona_omogenea || "—";
          if (zones.indexOf(z) < 0) zones.push(z);
        });
        zones.sort();
        var color = function (z) { return PALETTE[zones.indexOf(z) % PALETTE.length]; };
        var layer = L.geoJSON(fc, {
          style: function (f) {
            var z = f.properties.zona_omogenea || "—";
            var dim = selectedZone && slug(z) !== selectedZone;
            return { color: "#ffffff", weight: 1, fillColor: color(z), fillOpacity: dim ? 0.15 : 0.75 };
          },
          onEachFeature: function (f, l) {
            var p = f.properties;
            l.bindTooltip("<strong>" + esc(p.name) + "</strong><br>" + esc(p.zona_omogenea || "") +
              "<br>" + (p.population || 0).toLocaleString("it-IT") + " residenti", { sticky: true, className: "comune-tooltip" });
            l.on("click", function () { window.location.href = "/territorio/comuni/" + p.codice_istat + "/"; });
          }
        }).addTo(map);
        map.fitBounds(layer.getBounds());
        var legend = L.control({ position: "bottomright" });
        legend.onAdd = function () {
          var div = L.DomUtil.create("div", "legend");
          div.setAttribute("id", "map-legend");
          div.innerHTML = "<strong>Zona omogenea</strong><br>" + zones.map(function (z) {
            return '<i style="background:' + color(z) + '"></i>' + esc(z);
          }).join("<br>");
          return div;
        };
        legend.addTo(map);
        el.dataset.loaded = "1";
      });
    return map;
  }

  function slug(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  }
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  window.Decimetro = { outlineMap: outlineMap, zoneMap: zoneMap };
})();
