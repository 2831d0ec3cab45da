// The receivables page's cash forecast chart: bars per month, the overdue as a bar of its own.
// The table under the chart carries the same figures for screen readers and print.
(function () {
  "use strict";
  function draw() {
    var holder = document.getElementById("receivables-forecast-chart");
    var source = document.getElementById("receivables-forecast-data");
    if (!holder || !source || typeof window.echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var labels = [data.overdue_label].concat(data.months);
    var values = [data.overdue].concat(data.amounts);
    var chart = window.echarts.init(holder);
    chart.setOption({
      aria: { enabled: true },
      grid: { left: 70, right: 16, top: 24, bottom: 40 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: labels },
      yAxis: { type: "value" },
      series: [
        {
          name: data.expected_label,
          type: "bar",
          data: values.map(function (v, i) {
            return i === 0 ? { value: v, itemStyle: { color: "#c0392b" } } : v;
          }),
        },
      ],
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
