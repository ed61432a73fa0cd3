/* Decimetro dashboard maps: a small choropleth of the funding per comune (web/dashboard/_map.html).
 *
 * For every .dashboard-map: the comuni GeoJSON at data-geojson (fetched once per page by Decimetro.loadComuni),
 * {ISTAT code: euro} from <script id="{data-values}">, the comuni with at least one project in 5 quantile classes
 * (sequential blues, colour-blind safe), the others light grey; legend, tooltip, click to the comune's page and
 * data-loaded="1" come from Decimetro.choropleth (static/js/maps.js, loaded before this file).
 */
(function () {
  "use strict";

  var CLASSES = ["#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];

  function drawAll() {
    var D = window.Decimetro;
    if (typeof window.L === "undefined" || !D || !D.choropleth) return;
    var number = new Intl.NumberFormat(D.locale(), { maximumFractionDigits: 0 });
    document.querySelectorAll(".dashboard-map").forEach(function (el) {
      var dataEl = document.getElementById(el.dataset.values);
      D.choropleth(el, {
        values: dataEl ? JSON.parse(dataEl.textContent) : {},
        palette: CLASSES,
        none: "#eeeeee",
        format: function (v) { return number.format(v) + " €"; },
        legendTitle: el.dataset.legendTitle,
        noneLabel: el.dataset.labelNone,
        mapOptions: { scrollWheelZoom: false },
        padding: 5,
        errorClass: "m-2"
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
