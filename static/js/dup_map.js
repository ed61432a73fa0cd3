/* DUP coverage map: the comuni whose DUP serves the selected plan objective, in blue; the others in grey.
 * Reads the GeoJSON at #dup-map[data-geojson] and the covering codes from <script id="dup-covering-codes">.
 * No tile server (works offline). When drawn, #dup-map gets data-loaded="1". */
(function () {
  "use strict";
  var el = document.getElementById("dup-map");
  if (!el || !window.L) return;
  var covered = new Set(JSON.parse(document.getElementById("dup-covering-codes").textContent));
  var map = L.map("dup-map", { zoomSnap: 0.25 });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("© ISTAT, elaborazione openpolis");
  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  fetch(el.dataset.geojson, { headers: { Accept: "application/geo+json" } })
    .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
    .then(function (fc) {
      var layer = L.geoJSON(fc, {
        style: function (f) {
          var yes = covered.has(f.properties.codice_istat);
          return { color: "#ffffff", weight: 1, fillColor: yes ? "#0066cc" : "#cccccc", fillOpacity: yes ? 0.85 : 0.5 };
        },
        onEachFeature: function (f, l) {
          var yes = covered.has(f.properties.codice_istat);
          l.bindTooltip("<strong>" + esc(f.properties.name) + "</strong><br>" +
            esc(yes ? el.dataset.labelCovered : el.dataset.labelNotCovered), { sticky: true });
          l.on("click", function () {
            window.location.href = el.dataset.comuneUrl.replace("000000", encodeURIComponent(f.properties.codice_istat));
          });
        }
      }).addTo(map);
      map.fitBounds(layer.getBounds(), { padding: [10, 10] });
      el.dataset.loaded = "1";
    })
    .catch(function (err) {
      var msg = document.createElement("p");
      msg.className = "alert alert-danger m-3";
      msg.setAttribute("role", "alert");
      msg.textContent = el.dataset.labelError;
      el.appendChild(msg);
      if (window.console) console.error(err);
    });
})();
