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
      // Amounts in the reader's unit (js/money.js), as in the table beside the chart.
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, valueFormatter: window.kamMoney.format },
      legend: { top: 0 },
      grid: { top: 36, left: 8, right: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: periods },
      yAxis: { type: "value", name: window.kamMoney.name(), axisLabel: { formatter: window.kamMoney.axis } },
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

  /* An address such as /customers/7/#analysis-slot (where saving the analysis form returns) names
     a section that loads only when scrolled to, while the sections above it load and grow: load it
     at once and keep it in view as the page settles, until the reader scrolls by themselves. */
  function goToNamedSection() {
    var id = window.location.hash.slice(1);
    var slot = id ? document.getElementById(id) : null;
    if (!slot || !slot.classList.contains("section-slot") || typeof htmx === "undefined") return;
    var pinned = true;
    var unpin = function () { pinned = false; };
    ["wheel", "touchstart", "keydown", "mousedown"].forEach(function (name) {
      window.addEventListener(name, unpin, { once: true, passive: true });
    });
    document.body.addEventListener("htmx:afterSettle", function () {
      if (pinned && !slot.querySelector(".loading-card")) slot.scrollIntoView({ block: "start" });
    });
    // The slot's trigger is "intersect once": its own observer firing later does not load it twice.
    if (slot.querySelector(".loading-card")) htmx.trigger(slot, "intersect");
  }

  document.addEventListener("htmx:load", function (event) { start(event.detail.elt); });
  window.addEventListener("hashchange", goToNamedSection);
  // After "load": htmx sets up the slots' triggers once the document is parsed, after this script.
  if (document.readyState === "complete") goToNamedSection();
  else window.addEventListener("load", goToNamedSection);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { start(document); });
  else start(document);
})();
