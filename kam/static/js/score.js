// Score section: a horizontal bar chart of each criterion's contribution to the score (and what its
// next band would add), drawn with ECharts from the score API. The table beside it holds the same
// figures, so nothing is lost without JavaScript. The section is re-rendered by htmx after every
// change and brings this script along, so it must be safe to run more than once.
(function () {
  "use strict";

  function withEcharts(el, then) {
    if (window.echarts) { then(); return; }
    var src = el.dataset.echartsSrc;
    if (!src) return;
    var existing = document.querySelector("script[data-kam-echarts]");
    if (existing) { existing.addEventListener("load", then); return; }
    var script = document.createElement("script");
    script.src = src;
    script.dataset.kamEcharts = "1";
    script.addEventListener("load", then);
    document.head.appendChild(script);
  }

  function num(text) {
    return text === null || text === undefined ? 0 : Number(text);
  }

  function draw(el, data) {
    var rows = data.breakdown.slice().reverse(); // ECharts draws the first category at the bottom
    var names = rows.map(function (r) { return r.criterion.name; });
    var chart = echarts.init(el, null, { locale: el.dataset.locale || "EN", renderer: "svg" });
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { top: 30, left: 8, right: 24, bottom: 8, containLabel: true },
      xAxis: { type: "value", min: 0 },
      yAxis: { type: "category", data: names },
      series: [
        {
          name: el.dataset.labelContribution || "Contribution",
          type: "bar",
          stack: "score",
          data: rows.map(function (r) { return num(r.contribution); }),
          itemStyle: { color: "#5470c6" },
        },
        {
          name: el.dataset.labelGain || "Next band would add",
          type: "bar",
          stack: "score",
          data: rows.map(function (r) { return num(r.next_gain); }),
          itemStyle: { color: "#c7d2fe" },
        },
      ],
    });
    el.style.height = Math.max(200, names.length * 26 + 60) + "px";
    chart.resize();
    el.kamChart = chart;
  }

  function init(root) {
    (root || document).querySelectorAll(".score-chart").forEach(function (el) {
      if (el.dataset.drawn) return;
      el.dataset.drawn = "1";
      withEcharts(el, function () {
        fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) {
            if (!response.ok) throw new Error(String(response.status));
            return response.json();
          })
          .then(function (data) { draw(el, data); })
          .catch(function () {
            el.classList.add("chart-failed");
            el.textContent = el.dataset.loadError || "";
          });
      });
    });
  }

  if (!window.kamScore) {
    window.kamScore = { init: init };
    window.addEventListener("resize", function () {
      document.querySelectorAll(".score-chart").forEach(function (el) {
        if (el.kamChart) el.kamChart.resize();
      });
    });
    // Sections swapped in by htmx after this script ran the first time.
    document.addEventListener("htmx:load", function (event) { init(event.target); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(); });
  } else {
    init();
  }
})();
