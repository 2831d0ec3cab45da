// Coverage net heatmap, a contact's level over time and the team's coverage over time: ECharts drawn
// from the API's JSON. The pages carry the same facts as tables, so nothing is lost without JavaScript.
(function () {
  "use strict";

  var CR_COLOURS = ["#e0e7ff", "#a5b4fc", "#818cf8", "#4f46e5", "#312e81"];
  var charts = [];

  function labels() {
    return window.kam.labels("coverage-labels");
  }

  function day(iso) {
    return iso ? String(iso).slice(0, 10) : "";
  }

  function load(el, draw) {
    var words = labels();
    fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        // SVG keeps the print sharp and lets the chart shrink to the printed page.
        var chart = echarts.init(el, null, { locale: window.kam.locale(), renderer: "svg" });
        draw(chart, data, words);
        charts.push(chart);
      })
      .catch(function () {
        el.classList.add("chart-failed");
        el.textContent = words.loadError || "";
      });
  }

  function drawHeatmap(el) {
    load(el, function (chart, data, words) {
      var people = data.people.map(function (p) { return p.name; });
      var rows = people.concat([words.company || "Company level"]);
      var companyRow = rows.length - 1;
      var contacts = data.contacts.map(function (c) { return c.name; });
      var personIndex = {};
      data.people.forEach(function (p, i) { personIndex[p.id] = i; });
      var contactIndex = {};
      data.contacts.forEach(function (c, i) { contactIndex[c.id] = i; });
      // Dark cells get light text so the level stays readable.
      function item(x, y, level, changed) {
        return { value: [x, y, level], changed: changed, label: { color: level >= 4 ? "#fff" : "#111827" } };
      }
      var values = data.cells.map(function (cell) {
        return item(contactIndex[cell.contact], personIndex[cell.person], cell.level, cell.changed_at);
      });
      data.contacts.forEach(function (c, i) {
        if (c.company_level) values.push(item(i, companyRow, c.company_level, null));
      });
      el.style.height = Math.max(220, rows.length * 36 + 130) + "px";
      el.style.minWidth = Math.max(0, contacts.length * 72 + 170) + "px";
      chart.resize();
      var urlTemplate = el.dataset.contactUrl || "";
      chart.setOption({
        tooltip: {
          formatter: function (params) {
            var v = params.data.value;
            var text = window.kam.escapeHtml(rows[v[1]]) + " → " + window.kam.escapeHtml(contacts[v[0]]) + ": CR" + v[2];
            if (params.data.changed) text += "<br>" + window.kam.escapeHtml(words.changed || "") + " " + day(params.data.changed);
            return text;
          },
        },
        grid: { top: 50, left: 150, right: 20, bottom: 70 },
        xAxis: { type: "category", data: contacts, splitArea: { show: true }, axisLabel: { interval: 0, rotate: contacts.length > 8 ? 35 : 0 } },
        yAxis: { type: "category", data: rows, inverse: true, splitArea: { show: true } },
        visualMap: {
          type: "piecewise",
          dimension: 2,
          orient: "horizontal",
          left: "center",
          top: 0,
          pieces: [1, 2, 3, 4, 5].map(function (level) {
            return { value: level, label: "CR" + level, color: CR_COLOURS[level - 1] };
          }),
        },
        series: [
          {
            type: "heatmap",
            data: values,
            label: {
              show: true,
              formatter: function (params) { return "CR" + params.data.value[2]; },
            },
            itemStyle: { borderColor: "#fff", borderWidth: 1 },
            emphasis: { itemStyle: { shadowBlur: 6, shadowColor: "rgba(0,0,0,0.3)" } },
          },
        ],
      });
      chart.on("click", function (params) {
        var contact = data.contacts[params.data.value[0]];
        if (contact && urlTemplate) window.location.href = urlTemplate.replace("/0/", "/" + contact.id + "/");
      });
    });
  }

  function steps(points, now) {
    var data = points.map(function (p) { return [p.at, p.level]; });
    if (data.length) data.push([now, data[data.length - 1][1]]);
    return data;
  }

  function drawLevels(el) {
    load(el, function (chart, data, words) {
      var series = data.people.map(function (s) {
        return { name: s.person.name, type: "line", step: "end", symbolSize: 6, data: steps(s.points, data.now) };
      });
      series.push({
        name: words.company || "Company level",
        type: "line",
        step: "end",
        symbolSize: 8,
        lineStyle: { width: 4, color: "#111827" },
        itemStyle: { color: "#111827" },
        data: steps(data.company, data.now),
      });
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0, type: "scroll" },
        grid: { top: 40, left: 60, right: 30, bottom: 40 },
        xAxis: { type: "time" },
        yAxis: { type: "value", min: 1, max: 5, interval: 1, name: words.level || "", axisLabel: { formatter: "CR{value}" } },
        series: series,
      });
    });
  }

  function drawCoverage(el) {
    load(el, function (chart, data, words) {
      var months = data.months.map(function (m) { return m.month; });
      function line(key, name, colour) {
        return {
          name: name,
          type: "line",
          data: data.months.map(function (m) { return m[key]; }),
          itemStyle: { color: colour },
          lineStyle: { color: colour },
        };
      }
      chart.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { top: 40, left: 50, right: 30, bottom: 40 },
        xAxis: { type: "category", data: months },
        yAxis: { type: "value", minInterval: 1, min: 0 },
        series: [
          line("at_target", words.atTarget || "", "#4f46e5"),
          line("covered", words.covered || "", "#a5b4fc"),
          line("people", words.people || "", "#059669"),
        ],
      });
    });
  }

  function init() {
    document.querySelectorAll(".js-print").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    if (typeof echarts === "undefined" || typeof fetch === "undefined") return;
    var heatmap = document.getElementById("coverage-heatmap");
    if (heatmap) drawHeatmap(heatmap);
    var levels = document.getElementById("level-chart");
    if (levels) drawLevels(levels);
    var team = document.getElementById("coverage-time-chart");
    if (team) drawCoverage(team);
    function resizeAll() { charts.forEach(function (chart) { chart.resize(); }); }
    window.addEventListener("resize", resizeAll);
    window.addEventListener("beforeprint", resizeAll);
    window.addEventListener("afterprint", resizeAll);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
