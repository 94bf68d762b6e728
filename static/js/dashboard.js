/* Dashboard charts: Apache ECharts (served from static/vendor) from the JSON the view embeds. */
(function () {
  "use strict";
  var charts = [];

  function monthly(el, data) {
    var m = data.measures[el.dataset.measure];
    var months = data.months.map(String);
    var forecast = months.map(function (_, i) { return i === months.length - 1 ? m.forecast : null; });
    var last = Math.max(1, Math.min(12, data.as_of_month)) - 1;
    if (m.achieved[last] !== null && last < months.length - 1) { forecast[last] = m.achieved[last]; }
    return {
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText" },  // drawn on the canvas: the HTML tooltip uses style="" (CSP)
      legend: { bottom: 0 },
      grid: { left: 50, right: 20, top: 20, bottom: 50 },
      xAxis: { type: "category", name: data.labels.month, data: months },
      yAxis: { type: "value" },
      series: [
        { name: data.labels.achieved, type: "bar", data: m.achieved, itemStyle: { color: "#198754" } },
        { name: data.labels.committed, type: "line", data: m.committed, symbol: "none", lineStyle: { color: "#0d6efd" }, itemStyle: { color: "#0d6efd" } },
        { name: data.labels.plan, type: "line", data: m.plan, symbol: "none", lineStyle: { color: "#6c757d", type: "dashed" }, itemStyle: { color: "#6c757d" } },
        { name: data.labels.forecast, type: "line", data: forecast, connectNulls: true, lineStyle: { color: "#fd7e14", type: "dotted" }, itemStyle: { color: "#fd7e14" } }
      ]
    };
  }

  function cities(el, data) {
    var rows = data.cities.slice().sort(function (a, b) { return b.percent - a.percent; });
    return {
      animation: false,
      tooltip: { trigger: "axis", renderMode: "richText" },
      grid: { left: 40, right: 10, top: 10, bottom: 60 },
      xAxis: { type: "category", data: rows.map(function (r) { return r.name || r.city; }), axisLabel: { rotate: 45 } },
      yAxis: { type: "value", name: "%" },
      series: [{ name: data.labels.percent, type: "bar", data: rows.map(function (r) { return r.percent; }) }]
    };
  }

  function init() {
    var script = document.getElementById("dashboard-charts");
    if (!script || typeof echarts === "undefined") { return; }
    var data = JSON.parse(script.textContent);
    charts = charts.filter(function (c) {
      if (c.getDom().isConnected) { return true; }
      c.dispose();
      return false;
    });
    document.querySelectorAll(".echart[data-chart]").forEach(function (el) {
      if (echarts.getInstanceByDom(el)) { return; }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(el.dataset.chart === "cities" ? cities(el, data) : monthly(el, data));
      charts.push(chart);
    });
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
