/* Decimetro charts: draws every <figure data-chart> written by web/_chart.html (see decimetro/web/charts.py).
 *
 * Load after the vendored Chart.js (static/vendor/chartjs/chart.umd.min.js), both with `defer`.
 * For each figure: reads the JSON of <script id="{data-chart-data}">, draws a Chart.js chart on the canvas
 * (no animation, white background so the PNG is readable), then
 *   - shows the "PNG" link (data-chart-png) and points it to a PNG of the chart with its title above and its
 *     source and data date below, drawn in (`captioned`);
 *   - marks the canvas data-drawn="1" (browser tests wait for it).
 * The CSV link (data-chart-csv) is a data: URL written by the server (reports.writers) and works without
 * JavaScript.
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

  function text(el) {
    return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
  }

  /* Lines of at most `width` pixels (word wrap) of `line` in the context's current font. */
  function wrap(ctx, line, width) {
    var out = [];
    var current = "";
    line.split(" ").forEach(function (word) {
      var next = current ? current + " " + word : word;
      if (current && ctx.measureText(next).width > width) {
        out.push(current);
        current = word;
      } else {
        current = next;
      }
    });
    if (current) out.push(current);
    return out;
  }

  /* The PNG download: the chart with its title above and its source and data date below, drawn in, so the
     image says what it is and where it comes from wherever it is pasted. The texts are the figure's own
     (its caption and source line, already in the page's language). */
  function captioned(instance, figure) {
    var source = instance.canvas;
    var ratio = source.clientWidth ? source.width / source.clientWidth : 1;
    var pad = 12 * ratio;
    var width = source.width;
    var out = document.createElement("canvas");
    var ctx = out.getContext("2d");
    var titleFont = "bold " + Math.round(16 * ratio) + "px 'Titillium Web', sans-serif";
    var smallFont = Math.round(12 * ratio) + "px 'Titillium Web', sans-serif";
    ctx.font = titleFont;
    var title = wrap(ctx, text(figure.querySelector("figcaption")), width - 2 * pad);
    ctx.font = smallFont;
    var foot = wrap(ctx, text(figure.querySelector(".chart-source")), width - 2 * pad);
    var titleLine = 22 * ratio;
    var footLine = 16 * ratio;
    var top = pad + title.length * titleLine;
    out.width = width;
    out.height = top + source.height + pad / 2 + foot.length * footLine + pad;
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.fillStyle = "#1a1a1a";
    ctx.textBaseline = "top";
    ctx.font = titleFont;
    title.forEach(function (line, i) { ctx.fillText(line, pad, pad + i * titleLine); });
    ctx.drawImage(source, 0, top);
    ctx.font = smallFont;
    ctx.fillStyle = "#404040";
    foot.forEach(function (line, i) { ctx.fillText(line, pad, top + source.height + pad / 2 + i * footLine); });
    return out.toDataURL("image/png");
  }

  function draw(figure) {
    var id = figure.dataset.chart;
    var canvas = document.getElementById(id);
    var dataEl = document.getElementById(figure.dataset.chartData);
    if (!canvas || !dataEl || typeof window.Chart === "undefined") return null;
    var spec = JSON.parse(dataEl.textContent);
    /* The height comes as data-height (a style attribute would be refused by the Content-Security-Policy). */
    var wrap = canvas.parentElement;
    if (wrap && wrap.dataset.height) wrap.style.height = wrap.dataset.height + "px";
    var instance = new window.Chart(canvas, config(spec));
    var png = figure.querySelector("[data-chart-png]");
    if (png) {
      var refresh = function () { png.href = captioned(instance, figure); };
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
