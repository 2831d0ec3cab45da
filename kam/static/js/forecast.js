/* Forecast (stacked bars + weighted line + target markers) and funnel charts, from the
   JSON the page embeds; the tables beside them carry the same figures without JavaScript. */
(function () {
  "use strict";

  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function num(value) {
    return value === null || value === undefined ? null : Number(value);
  }

  function forecastChart() {
    var el = document.getElementById("forecast-chart");
    var d = data("forecast-data");
    if (!el || !d) return null;
    var chart = echarts.init(el, null, { locale: window.kam.locale(), renderer: "svg" });
    var bar = function (key, color) {
      return {
        name: d.labels[key], type: "bar", stack: "amount", itemStyle: { color: color },
        // Capped: a chart of one group would otherwise draw one bar as wide as the page.
        barMaxWidth: 56, data: d.series[key].map(num), emphasis: { focus: "series" }
      };
    };
    var series = [
      bar("won", "#2e7d32"), bar("commit", "#1565c0"), bar("best_case", "#64b5f6"), bar("pipeline", "#cfd8dc"),
      { name: d.labels.weighted, type: "line", data: d.series.weighted.map(num), symbol: "circle", itemStyle: { color: "#ef6c00" } }
    ];
    if (d.targets.some(function (t) { return t !== null; })) {
      series.push({
        name: d.labels.target, type: "scatter", symbol: "rect", symbolSize: [36, 3],
        itemStyle: { color: "#c62828" }, data: d.targets.map(num)
      });
    }
    chart.setOption({
      title: { text: d.title, left: 0, textStyle: { fontSize: 14 } },
      // Amounts in the reader's unit (js/money.js), as in the table below the chart.
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: window.kamMoney.format },
      legend: { top: 24 },
      grid: { top: 64, left: 8, right: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: d.groups, axisLabel: { interval: 0, rotate: d.groups.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", name: window.kamMoney.name(), axisLabel: { formatter: window.kamMoney.axis } },
      series: series
    });
    return chart;
  }

  function funnelChart() {
    var el = document.getElementById("funnel-chart");
    var d = data("funnel-data");
    if (!el || !d) return null;
    var chart = echarts.init(el, null, { locale: window.kam.locale(), renderer: "svg" });
    // Drawn from the deals that reached each stage: the widths only narrow, as a funnel's should.
    var max = Math.max.apply(null, d.stages.map(function (s) { return s.reached; }).concat([1]));
    chart.setOption({
      title: { text: d.title, left: 0, textStyle: { fontSize: 14 } },
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var s = d.stages[p.dataIndex];
          return s.name + "<br>" + d.labels.reached + ": " + s.reached + "<br>" + d.labels.count + ": " + s.count + "<br>" + d.labels.amount + ": " + window.kamMoney.format(s.amount);
        }
      },
      series: [{
        // Labels outside, to the right, with a leader line: narrow stages have no room inside.
        type: "funnel", sort: "none", left: 8, width: "55%", top: 40, bottom: 8, min: 0, max: max, minSize: "4%", gap: 2,
        label: { show: true, position: "right", color: "#1f2937", formatter: function (p) { return d.stages[p.dataIndex].name + " · " + d.stages[p.dataIndex].reached; } },
        labelLine: { show: true, length: 16 },
        data: d.stages.map(function (s) { return { name: s.name, value: s.reached }; })
      }]
    });
    return chart;
  }

  function start() {
    if (typeof echarts === "undefined") return;
    var charts = [forecastChart(), funnelChart()].filter(Boolean);
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    var resize = function () { charts.forEach(function (c) { c.resize(); }); };
    window.addEventListener("beforeprint", resize);
    window.addEventListener("afterprint", resize);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
