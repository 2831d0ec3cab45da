/* The 360° customer page: draws the forecast chart of a section when it arrives (htmx) or when
   the section is opened as a page of its own. The table beside the chart has the same figures,
   so a failed fetch only costs the picture. */
(function () {
  "use strict";

  function num(value) {
    return value === null || value === undefined ? 0 : Number(value);
  }

  function labels(root) {
    var el = root.querySelector("#customer-forecast-labels") || document.getElementById("customer-forecast-labels");
    return el ? JSON.parse(el.textContent) : {};
  }

  function draw(el, data, text) {
    var chart = echarts.init(el, null, { locale: el.dataset.locale || "EN", renderer: "svg" });
    var periods = data.quarters.map(function (q) { return q.period; });
    var bar = function (key, color) {
      return {
        name: text[key] || key, type: "bar", stack: "amount", itemStyle: { color: color },
        data: data.quarters.map(function (q) { return num(q.figures[key]); }), emphasis: { focus: "series" }
      };
    };
    chart.setOption({
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { top: 36, left: 8, right: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: periods },
      yAxis: { type: "value" },
      series: [
        bar("won", "#2e7d32"), bar("commit", "#1565c0"), bar("best_case", "#64b5f6"), bar("pipeline", "#cfd8dc"),
        {
          name: text.weighted || "weighted", type: "line", symbol: "circle", itemStyle: { color: "#ef6c00" },
          data: data.quarters.map(function (q) { return num(q.figures.weighted); })
        }
      ]
    });
    window.addEventListener("resize", function () { chart.resize(); });
    el.setAttribute("data-drawn", "true");
  }

  function start(root) {
    if (typeof echarts === "undefined") return;
    var charts = root.querySelectorAll(".customer-forecast-chart[data-url]:not([data-drawn])");
    Array.prototype.forEach.call(charts, function (el) {
      var text = labels(root);
      el.setAttribute("data-drawn", "pending");
      fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (data) { draw(el, data, text); })
        .catch(function () {
          el.classList.add("chart-failed");
          el.textContent = text.failed || "";
        });
    });
  }

  document.addEventListener("htmx:load", function (event) { start(event.detail.elt); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { start(document); });
  else start(document);
})();
