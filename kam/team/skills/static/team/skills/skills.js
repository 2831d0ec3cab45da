// The gap chart: each skill as a point of performance (across) against importance (up), both 1–5,
// with quadrant lines at 3, drawn with ECharts from the API's JSON. The page shows the same figures
// as a table without JavaScript.
(function () {
  "use strict";

  var COLOURS = { train_first: "#dc2626", keep_up: "#16a34a", low_priority: "#9ca3af", overkill: "#2563eb" };
  var ORDER = ["train_first", "keep_up", "low_priority", "overkill"];

  function draw(el) {
    var words = window.kam.labels("skills-labels");
    fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        var chart = echarts.init(el, null, { locale: window.kam.locale(el), renderer: "svg" });
        var groups = {};
        data.gaps.forEach(function (g) {
          if (g.level === null || !g.quadrant) return;
          (groups[g.quadrant] = groups[g.quadrant] || []).push({ value: [Number(g.level), g.importance], gap: g });
        });
        var series = ORDER.map(function (key, i) {
          var s = {
            name: data.quadrant_labels[key] || key,
            type: "scatter",
            symbolSize: 14,
            itemStyle: { color: COLOURS[key] },
            label: { show: true, position: "right", formatter: function (p) { return p.data.gap.skill.name; } },
            data: groups[key] || [],
          };
          if (i === 0) {
            s.markLine = {
              silent: true,
              symbol: "none",
              lineStyle: { type: "dashed", color: "#6b7280" },
              label: { show: false },
              data: [{ xAxis: 3 }, { yAxis: 3 }],
            };
          }
          return s;
        });
        chart.setOption({
          legend: { top: 0, type: "scroll" },
          tooltip: {
            formatter: function (params) {
              var g = params.data.gap;
              return window.kam.escapeHtml(g.skill.name) + "<br>" + window.kam.escapeHtml(words.importance || "") + " " + g.importance +
                " · " + window.kam.escapeHtml(words.level || "") + " " + g.level + " · " + window.kam.escapeHtml(words.gap || "") + " " + g.gap;
            },
          },
          grid: { top: 50, left: 50, right: 120, bottom: 50, containLabel: true },
          xAxis: { type: "value", name: words.level, nameLocation: "middle", nameGap: 30, min: 0, max: 6, interval: 1 },
          yAxis: { type: "value", name: words.importance, min: 0, max: 6, interval: 1 },
          series: series,
        });
        window.addEventListener("resize", function () { chart.resize(); });
      })
      .catch(function () {
        el.classList.add("chart-failed");
        el.textContent = words.loadError || "";
      });
  }

  function init() {
    var el = document.getElementById("gap-chart");
    if (el && window.echarts) draw(el);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
