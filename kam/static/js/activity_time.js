// Sales time analysis: per person, a horizontal bar of hours stacked by time category (green for the
// revenue-producing ones, grey for the rest), from the JSON the page hands over. The tables below
// show the same figures.
(function () {
  "use strict";

  var REVENUE = ["#15803d", "#22c55e", "#86efac"];
  var OTHER = ["#94a3b8", "#cbd5e1", "#f59e0b", "#fcd34d", "#e2e8f0"];

  function init() {
    var el = document.getElementById("time-chart");
    var data = window.kam.labels("time-data");
    if (!el || !window.echarts || !data.series) return;
    var chart = echarts.init(el, null, { locale: window.kam.locale(el), renderer: "svg" });
    var revenueIndex = 0;
    var otherIndex = 0;
    var series = data.series.map(function (s) {
      var colour = s.revenue ? REVENUE[revenueIndex++ % REVENUE.length] : OTHER[otherIndex++ % OTHER.length];
      return {
        name: s.name,
        type: "bar",
        stack: "hours",
        itemStyle: { color: colour },
        emphasis: { focus: "series" },
        data: s.data.map(Number),
      };
    });
    chart.setOption({
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: function (items) {
          if (!items.length) return "";
          var index = items[0].dataIndex;
          var lines = [window.kam.escapeHtml(data.people[index])];
          items.forEach(function (item) {
            if (item.value) lines.push(item.marker + window.kam.escapeHtml(item.seriesName) + ": " + item.value);
          });
          var share = data.shares[index];
          if (share !== null) lines.push(window.kam.escapeHtml(data.labels.share) + ": " + Math.round(Number(share) * 1000) / 10 + " %");
          return lines.join("<br>");
        },
      },
      legend: { top: 0, type: "scroll" },
      grid: { top: 40, left: 10, right: 30, bottom: 10, containLabel: true },
      xAxis: { type: "value", name: data.labels.hours },
      yAxis: { type: "category", inverse: true, data: data.people },
      series: series,
    });
    ["resize", "beforeprint", "afterprint"].forEach(function (name) {
      window.addEventListener(name, function () { chart.resize(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
