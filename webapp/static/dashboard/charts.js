// The dashboard's charts, drawn by Apache ECharts (npm `echarts`, copied to /static/build/echarts.min.js by
// scripts/build-frontend.mjs). The numbers and their labels come from the page (#dashboard-data, already in
// the reader's language); the tables beside the charts hold the same numbers for readers without script.
(function () {
  "use strict";
  var data = JSON.parse((document.getElementById("dashboard-data") || {}).textContent || "{}");
  if (!window.echarts) return;

  function option(chart) {
    var horizontal = chart.kind === "hbar";
    var categoryAxis = { type: "category", data: chart.categories, axisLabel: { interval: 0, width: 220, overflow: "truncate" } };
    var valueAxis = { type: "value", minInterval: chart.kind === "hbar" && chart.series.length > 1 ? 0 : 1 };
    return {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? Object.assign({}, categoryAxis, { inverse: true }) : valueAxis,
      series: chart.series.map(function (s) {
        return { name: s.name, type: "bar", data: s.data, stack: chart.kind === "stacked" ? "total" : undefined,
                 label: { show: chart.kind !== "stacked", position: horizontal ? "right" : "top" } };
      })
    };
  }

  document.querySelectorAll("[data-chart]").forEach(function (box) {
    var chart = data[box.dataset.chart];
    if (!chart || !chart.categories.length) { box.hidden = true; return; }
    if (chart.kind === "hbar") box.style.height = Math.max(220, 40 + chart.categories.length * 28 * chart.series.length) + "px";
    var drawn = window.echarts.init(box, null, { renderer: "svg" });
    drawn.setOption(option(chart));
    window.addEventListener("resize", function () { drawn.resize(); });
    box.setAttribute("data-ready", "1");
  });
})();
