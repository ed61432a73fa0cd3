/* DUP coverage map: the comuni whose DUP serves the selected plan objective, in blue; the others in grey.
 * Reads the GeoJSON at #dup-map[data-geojson] and the covering codes from <script id="dup-covering-codes">;
 * drawing, tooltip, click to the comune's DUP page and data-loaded="1" come from Decimetro.comuniMap
 * (static/js/maps.js, loaded before this file). */
(function () {
  "use strict";
  var el = document.getElementById("dup-map");
  var D = window.Decimetro;
  if (!el || !window.L || !D || !D.comuniMap) return;
  var covered = new Set(JSON.parse(document.getElementById("dup-covering-codes").textContent));
  var yes = function (f) { return covered.has(f.properties.codice_istat); };
  D.comuniMap(el, {
    style: function (f) {
      return { color: "#ffffff", weight: 1, fillColor: yes(f) ? "#0066cc" : "#cccccc", fillOpacity: yes(f) ? 0.85 : 0.5 };
    },
    tooltip: function (f) {
      return "<strong>" + D.esc(f.properties.name) + "</strong><br>" +
        D.esc(yes(f) ? el.dataset.labelCovered : el.dataset.labelNotCovered);
    },
    href: function (f) { return D.comuneHref(el.dataset.comuneUrl, f.properties.codice_istat); }
  });
})();
