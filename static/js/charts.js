/* Decimetro charts: draws every <figure data-chart> written by web/_chart.html (see decimetro/web/charts.py).
 *
 * Load after the vendored Chart.js (static/vendor/chartjs/chart.umd.min.js), both with `defer`.
 * For each figure: reads the JSON of <script id="{data-chart-data}">, draws a Chart.js chart on the canvas
 * (no animation, white background so the PNG is readable), then
 *   - shows the "PNG" link (data-chart-png) and points it to canvas.toDataURL("image/png");
 *   - marks the canvas data-drawn="1" (browser tests wait for it).
 * The CSV link (data-chart-csv) is a data: URL written by the server and works without JavaScript.
 * Decimetro.charts[id] keeps each Chart instance.
 */
(function () {
  "use strict";

  /* Okabe–Ito colour-blind safe palette (same as maps.js). */
  var PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#555555", "#F0E442"];
  var lang = (document.documentElement.lang || "it").slice(0, 2) === "en" ? "en-GB" : "it-IT";

  function format(value, unit) {
    if (value === null || value === undefined) return "—";
    if (unit === "€") {
      return new Intl.NumberFormat(lang, { maximumFractionDigits: 0 }).format(value) + " €";
    }
    var text = new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(value);
    if (unit === "%") return text + "%";
    return unit ? text + " " + unit : text;
  }

  function shortFormat(value, unit) {
    if (unit !== "€") return format(value, unit);
    var abs = Math.abs(value);
    var nf = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
    if (abs >= 1e9) return nf.format(value / 1e9) + " Mld €";
    if (abs >= 1e6) return nf.format(value / 1e6) + " Mln €";
    if (abs >= 1e3) return nf.format(value / 1e3) + " mila €";
    return nf.format(value) + " €";
  }

  var whiteBackground = {
    id: "decimetroWhiteBackground",
    beforeDraw: function (chart) {
      var ctx = chart.canvas.getContext("2d");
      ctx.save();
      ctx.globalCompositeOperation = "destination-over";
      ctx.fillStyle = "#ffffff";
      ctx.fillRect(0, 0, chart.width, chart.height);
      ctx.restore();
    }
  };

  function config(spec) {
    var kind = spec.kind;
    var type = kind === "line" ? "line" : "bar";
    var horizontal = kind === "hbar";
    var stacked = kind === "stacked";
    var datasets = spec.datasets.map(function (d, i) {
      var colour = PALETTE[i % PALETTE.length];
      var ds = {
        label: d.label,
        data: d.data,
        backgroundColor: colour,
        borderColor: colour,
        borderWidth: type === "line" ? 2 : 0,
        pointRadius: type === "line" ? 3 : undefined,
        spanGaps: true
      };
      if (d.type) ds.type = d.type;
      return ds;
    });
    var valueAxis = {
      beginAtZero: true,
      stacked: stacked,
      ticks: { callback: function (v) { return shortFormat(v, spec.unit); } }
    };
    var labelAxis = { stacked: stacked, ticks: { autoSkip: true } };
    return {
      type: type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: horizontal ? "y" : "x",
        scales: horizontal ? { x: valueAxis, y: labelAxis } : { x: labelAxis, y: valueAxis },
        plugins: {
          legend: { display: datasets.length > 1, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var v = horizontal ? ctx.parsed.x : ctx.parsed.y;
                return ctx.dataset.label + ": " + format(v, spec.unit);
              }
            }
          }
        }
      },
      plugins: [whiteBackground]
    };
  }

  function draw(figure) {
    var id = figure.dataset.chart;
    var canvas = document.getElementById(id);
    var dataEl = document.getElementById(figure.dataset.chartData);
    if (!canvas || !dataEl || typeof window.Chart === "undefined") return null;
    var spec = JSON.parse(dataEl.textContent);
    var instance = new window.Chart(canvas, config(spec));
    var png = figure.querySelector("[data-chart-png]");
    if (png) {
      var refresh = function () { png.href = instance.toBase64Image("image/png", 1); };
      refresh();
      png.addEventListener("click", refresh);
      png.hidden = false;
    }
    canvas.dataset.drawn = "1";
    return instance;
  }

  function drawAll() {
    var registry = {};
    document.querySelectorAll("figure[data-chart]").forEach(function (figure) {
      var chart = draw(figure);
      if (chart) registry[figure.dataset.chart] = chart;
    });
    window.Decimetro = window.Decimetro || {};
    window.Decimetro.charts = registry;
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
