/* The dashboard's charts: each [data-chart] box fetches its JSON and draws it with the
   vendored ECharts (/static/vendor/echarts.min.js). No inline scripts (CSP default-src 'self');
   translated words come from <script type="application/json" id="dash-words">. */
(function () {
  "use strict";
  var WORDS = {};
  var HOURS = [];
  for (var h = 0; h < 24; h++) { HOURS.push(String(h)); }

  function pct(v) { return v === null || v === undefined ? null : Math.round(v * 1000) / 10; }

  function trendOption(d) {
    return {
      tooltip: { trigger: "axis" },
      legend: { data: [WORDS.warnings, WORDS.cases] },
      grid: { left: 50, right: 50, bottom: 30, top: 40 },
      xAxis: { type: "category", data: d.labels },
      yAxis: [{ type: "value", name: WORDS.warnings }, { type: "value", name: WORDS.cases }],
      series: [
        { name: WORDS.warnings, type: "line", data: d.warnings },
        { name: WORDS.cases, type: "line", yAxisIndex: 1, data: d.cases }
      ]
    };
  }

  function label(dimension, row) {
    if (dimension === "source" && WORDS.sources[row.key]) { return WORDS.sources[row.key]; }
    return row.label;
  }

  function barOption(d) {
    var rows = d.rows.slice(0, 12);
    return {
      tooltip: { trigger: "axis" },
      grid: { left: 110, right: 20, bottom: 20, top: 10 },
      xAxis: { type: "value" },
      yAxis: { type: "category", inverse: true, data: rows.map(function (r) { return label(d.dimension, r); }) },
      series: [{ name: WORDS.warnings, type: "bar", data: rows.map(function (r) { return r.warnings; }) }]
    };
  }

  function stationsOption(d) {
    var names = d.rows.map(function (r) { return r.label; });
    function rates(key) { return d.rows.map(function (r) { return pct(r[key]); }); }
    return {
      tooltip: { trigger: "axis" },
      legend: { data: [WORDS.warnings, WORDS.accuracy, WORDS.success, WORDS.on_time] },
      grid: { left: 50, right: 50, bottom: 60, top: 40 },
      xAxis: { type: "category", data: names, axisLabel: { rotate: 30 } },
      yAxis: [{ type: "value", name: WORDS.warnings }, { type: "value", name: "%", max: 100 }],
      series: [
        { name: WORDS.warnings, type: "bar", data: d.rows.map(function (r) { return r.warnings; }) },
        { name: WORDS.accuracy, type: "line", yAxisIndex: 1, data: rates("accuracy") },
        { name: WORDS.success, type: "line", yAxisIndex: 1, data: rates("success") },
        { name: WORDS.on_time, type: "line", yAxisIndex: 1, data: rates("on_time") }
      ]
    };
  }

  function heatOption(d, which) {
    var cells = d[which] || [];
    var max = cells.reduce(function (m, c) { return Math.max(m, c[2]); }, 1);
    return {
      title: { text: WORDS[which], left: "center", textStyle: { fontSize: 13 } },
      tooltip: { position: "top" },
      grid: { left: 50, right: 20, bottom: 80, top: 30 },
      xAxis: { type: "category", data: HOURS, splitArea: { show: true } },
      yAxis: { type: "category", data: WORDS.weekdays, inverse: true, splitArea: { show: true } },
      visualMap: { min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0, itemHeight: 120 },
      series: [{ name: WORDS[which], type: "heatmap", data: cells }]
    };
  }

  function option(box, d) {
    var kind = box.getAttribute("data-chart");
    if (kind === "trend") { return trendOption(d); }
    if (kind === "bar") { return barOption(d); }
    if (kind === "stations") { return stationsOption(d); }
    return heatOption(d, box.getAttribute("data-series"));
  }

  function draw(box) {
    fetch(box.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (d) {
        var chart = window.echarts.init(box, null, { renderer: "canvas" });
        chart.setOption(option(box, d));
        box.setAttribute("data-rendered", "1");
        window.addEventListener("resize", function () { chart.resize(); });
      })
      .catch(function (err) { box.setAttribute("data-error", String(err)); box.textContent = "—"; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var words = document.getElementById("dash-words");
    if (!words || !window.echarts) { return; }
    WORDS = JSON.parse(words.textContent);
    var boxes = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < boxes.length; i++) { draw(boxes[i]); }
  });
})();
