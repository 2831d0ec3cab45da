// The customer pyramid: per group, horizontal bars of the share of customers, revenue, gross
// profit and sales hours, drawn with ECharts from the API's JSON. The page shows the same figures as a table.
(function () {
  "use strict";

  var COLOURS = { customers: "#94a3b8", revenue: "#60a5fa", profit: "#16a34a", hours: "#f59e0b" };
  var chart = null;

  function labels() {
    return window.kam.labels("pyramid-labels");
  }

  // Shares arrive as fractions (0.64); the chart reads percentages.
  function pct(value) {
    return value === null || value === undefined ? null : Math.round(Number(value) * 1000) / 10;
  }

  function draw(el, data, words) {
    chart = echarts.init(el, null, { locale: window.kam.locale(el), renderer: "svg" });
    var groups = data.groups;
    function series(name, key, colour) {
      return {
        name: name,
        type: "bar",
        barGap: "10%",
        itemStyle: { color: colour },
        label: { show: true, position: "right", formatter: function (p) { return p.value === null ? "" : p.value + " %"; } },
        data: groups.map(function (g) { return pct(g[key]); }),
      };
    }
    chart.setOption({
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: function (items) {
          if (!items.length) return "";
          var group = groups[items[0].dataIndex];
          var lines = [window.kam.escapeHtml(group.label)];
          items.forEach(function (item) {
            lines.push(item.marker + window.kam.escapeHtml(item.seriesName) + ": " + (item.value === null ? "—" : item.value + " %"));
          });
          if (group.highlight) lines.push(window.kam.escapeHtml(group.callout));
          return lines.join("<br>");
        },
      },
      legend: { top: 0 },
      grid: { top: 36, left: 10, right: 60, bottom: 10, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value} %" } },
      // Top to bottom: key → general (or A → D), as a pyramid reads.
      yAxis: { type: "category", inverse: true, data: groups.map(function (g) { return g.label; }) },
      series: [
        series(words.customers, "customer_share", COLOURS.customers),
        series(words.revenue, "revenue_share", COLOURS.revenue),
        series(words.profit, "gross_profit_share", COLOURS.profit),
        series(words.hours, "sales_hours_share", COLOURS.hours),
      ],
    });
  }

  function init() {
    document.querySelectorAll(".js-print").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    var el = document.getElementById("pyramid-chart");
    if (!el || !window.echarts) return;
    var words = labels();
    fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) { draw(el, data, words); })
      .catch(function () {
        el.classList.add("chart-failed");
        el.textContent = words.loadError || "";
      });
    ["resize", "beforeprint", "afterprint"].forEach(function (name) {
      window.addEventListener(name, function () { if (chart) chart.resize(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
