// The implementation plan as a Gantt: per row a bar from its start to its end (green when done, red
// when overdue), milestones as diamonds on their end, a line for today. The table below the chart
// holds the same rows for screen readers and print.
(function () {
  "use strict";

  var DAY = 24 * 3600 * 1000;

  function time(text) {
    var parts = text.split("-");
    return Date.UTC(Number(parts[0]), Number(parts[1]) - 1, Number(parts[2]));
  }

  function colour(row) {
    if (row.done) return "#15803d";
    if (row.overdue) return "#dc2626";
    return "#2563eb";
  }

  function render(params, api) {
    var index = api.value(0);
    var start = api.coord([api.value(1), index]);
    var end = api.coord([api.value(2) + DAY, index]);
    var height = api.size([0, 1])[1] * 0.5;
    var style = api.style();
    if (api.value(3)) {
      var x = end[0];
      var y = end[1];
      var r = height * 0.6;
      return {
        type: "polygon",
        shape: { points: [[x, y - r], [x + r, y], [x, y + r], [x - r, y]] },
        style: style,
      };
    }
    var width = Math.max(end[0] - start[0], 2);
    return {
      type: "group",
      children: [
        { type: "rect", shape: { x: start[0], y: start[1] - height / 2, width: width, height: height }, style: { fill: style.fill, opacity: 0.35 } },
        { type: "rect", shape: { x: start[0], y: start[1] - height / 2, width: width * api.value(4) / 100, height: height }, style: style },
      ],
    };
  }

  function init() {
    var el = document.getElementById("gantt-chart");
    var source = document.getElementById("gantt-data");
    if (!el || !source || !window.echarts) return;
    if (el.dataset.ready) return;
    el.dataset.ready = "1";
    var data = JSON.parse(source.textContent);
    if (!data.rows.length) return;
    el.style.height = Math.max(160, 40 + data.rows.length * 32) + "px";
    var chart = echarts.init(el, null, { locale: window.kam ? window.kam.locale(el) : "EN", renderer: "svg" });
    var rows = data.rows.map(function (row, index) {
      return {
        value: [index, time(row.start), time(row.end), row.milestone ? 1 : 0, row.progress],
        itemStyle: { color: colour(row) },
        row: row,
      };
    });
    chart.setOption({
      animation: false,
      tooltip: {
        formatter: function (item) {
          var row = item.data.row;
          var esc = window.kam ? window.kam.escapeHtml : function (t) { return t; };
          return esc(row.name) + "<br>" + row.start + " → " + row.end + "<br>" + esc(row.owner) + " · " + row.progress + " %";
        },
      },
      grid: { top: 20, left: 10, right: 30, bottom: 30, containLabel: true },
      xAxis: { type: "time", min: time(data.start) - DAY, max: time(data.end) + 2 * DAY },
      yAxis: {
        type: "category",
        inverse: true,
        data: data.rows.map(function (row) { return (row.milestone ? "◆ " : "") + row.name; }),
      },
      series: [
        {
          type: "custom",
          renderItem: render,
          encode: { x: [1, 2], y: 0 },
          data: rows,
          markLine: {
            silent: true,
            symbol: "none",
            lineStyle: { color: "#f59e0b", type: "dashed" },
            label: { formatter: data.today },
            data: [{ xAxis: time(data.today) }],
          },
        },
      ],
    });
    ["resize", "beforeprint", "afterprint"].forEach(function (name) {
      window.addEventListener(name, function () { chart.resize(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("htmx:afterSettle", init);
})();
