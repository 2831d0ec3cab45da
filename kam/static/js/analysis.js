// Portfolio shape (stacked bars per rep) and the priority matrix (scatter with quadrant lines), drawn
// with ECharts from the API's JSON. The pages show the same figures as tables without JavaScript.
(function () {
  "use strict";

  var charts = [];
  var STAGE_COLOURS = ["#c7d2fe", "#a5b4fc", "#818cf8", "#6366f1", "#4f46e5", "#4338ca", "#3730a3", "#312e81", "#1e1b4b"];
  var QUADRANT_COLOURS = { act_now: "#16a34a", go_after: "#d97706", take_when_comes: "#2563eb", shelve: "#9ca3af" };

  function labels() {
    return window.kam.labels("analysis-labels");
  }

  // Amounts in the reader's unit (js/money.js), as in the tables beside the charts.
  function yuan(value) {
    return window.kamMoney.format(value);
  }

  function load(el, draw) {
    var words = labels();
    fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (data) {
        // SVG keeps the print sharp.
        var chart = echarts.init(el, null, { locale: window.kam.locale(el), renderer: "svg" });
        draw(chart, data, words);
        charts.push(chart);
      })
      .catch(function () {
        el.classList.add("chart-failed");
        el.textContent = words.loadError || "";
      });
  }

  function drawPortfolio(el) {
    load(el, function (chart, data, words) {
      var reps = data.reps.map(function (r) { return r.name; });
      function option(measure) {
        var series = data.stages.map(function (stage, i) {
          return {
            name: stage.code,
            type: "bar",
            stack: "stages",
            emphasis: { focus: "series" },
            itemStyle: { color: STAGE_COLOURS[i % STAGE_COLOURS.length] },
            data: data.reps.map(function (r) {
              var cell = r.stages[i];
              return measure === "amount" ? Number(cell.amount) : cell.count;
            }),
          };
        });
        return {
          tooltip: {
            trigger: "axis",
            axisPointer: { type: "shadow" },
            formatter: function (items) {
              if (!items.length) return "";
              var rep = data.reps[items[0].dataIndex];
              var lines = [window.kam.escapeHtml(rep.name) + " · " + window.kam.escapeHtml(rep.diagnosis.label)];
              items.forEach(function (item) {
                if (item.value) lines.push(item.marker + window.kam.escapeHtml(item.seriesName) + ": " + (measure === "amount" ? yuan(item.value) : item.value));
              });
              return lines.join("<br>");
            },
          },
          legend: { top: 0 },
          grid: { top: 40, left: 60, right: 20, bottom: 60, containLabel: true },
          xAxis: { type: "category", data: reps, axisLabel: { interval: 0, rotate: reps.length > 8 ? 30 : 0 } },
          yAxis: {
            type: "value",
            name: measure === "amount" ? window.kamMoney.axisName(words.amount) : words.count,
            minInterval: measure === "amount" ? 0 : 1,
            axisLabel: measure === "amount" ? { formatter: window.kamMoney.axis } : {},
          },
          series: series,
        };
      }
      chart.setOption(option("count"));
      document.querySelectorAll(".js-measure").forEach(function (button) {
        button.addEventListener("click", function () {
          document.querySelectorAll(".js-measure").forEach(function (b) { b.setAttribute("aria-pressed", b === button ? "true" : "false"); });
          chart.setOption(option(button.dataset.measure), { replaceMerge: ["series"] });
        });
      });
    });
  }

  function drawMatrix(el) {
    load(el, function (chart, data, words) {
      var threshold = Number(data.value_threshold);
      var likely = Number(data.likelihood_threshold);
      var byQuadrant = {};
      data.points.forEach(function (p) {
        (byQuadrant[p.quadrant] = byQuadrant[p.quadrant] || []).push({
          value: [Number(p.value), Number(p.likelihood)],
          point: p,
        });
      });
      var values = data.points.map(function (p) { return Number(p.value); });
      var maxValue = Math.max.apply(null, values.concat([threshold])) * 1.1;
      var series = ["act_now", "go_after", "take_when_comes", "shelve"].map(function (key, i) {
        var s = {
          name: data.quadrant_labels[key] || words[key] || key,
          type: "scatter",
          symbolSize: 12,
          itemStyle: { color: QUADRANT_COLOURS[key] },
          data: byQuadrant[key] || [],
          cursor: "pointer",
        };
        if (i === 0) {
          s.markLine = {
            silent: true,
            symbol: "none",
            lineStyle: { type: "dashed", color: "#6b7280" },
            label: { show: false },
            data: [{ xAxis: threshold > 0 ? threshold : null }, { yAxis: likely }].filter(function (d) { return d.xAxis !== null; }),
          };
          s.markArea = {
            silent: true,
            itemStyle: { color: "transparent" },
            label: { color: "#374151", fontWeight: "bold" },
            data: [
              [{ name: words.act_now, xAxis: threshold, yAxis: likely, label: { position: "insideTopRight" } }, { xAxis: maxValue, yAxis: 100 }],
              [{ name: words.go_after, xAxis: threshold, yAxis: 0, label: { position: "insideBottomRight" } }, { xAxis: maxValue, yAxis: likely }],
              [{ name: words.take_when_comes, xAxis: data.log_scale ? Math.min.apply(null, values) : 0, yAxis: likely, label: { position: "insideTopLeft" } }, { xAxis: threshold, yAxis: 100 }],
              [{ name: words.shelve, xAxis: data.log_scale ? Math.min.apply(null, values) : 0, yAxis: 0, label: { position: "insideBottomLeft" } }, { xAxis: threshold, yAxis: likely }],
            ],
          };
        }
        return s;
      });
      chart.setOption({
        legend: { top: 0 },
        tooltip: {
          formatter: function (params) {
            var p = params.data.point;
            return window.kam.escapeHtml(p.project_number + " " + p.name) + "<br>" + window.kam.escapeHtml(p.customer) + " · " + window.kam.escapeHtml(p.owner) +
              "<br>" + window.kam.escapeHtml(words.stage || "") + " " + window.kam.escapeHtml(p.stage) + " (" + p.probability + " %) · " +
              window.kam.escapeHtml(words.score || "") + " " + p.relationship_score +
              "<br>" + yuan(p.value) + " · " + p.likelihood + " %";
          },
        },
        grid: { top: 40, left: 70, right: 30, bottom: 50, containLabel: true },
        xAxis: {
          type: data.log_scale ? "log" : "value",
          name: window.kamMoney.axisName(words.value),
          nameLocation: "middle",
          nameGap: 30,
          max: data.log_scale ? undefined : maxValue,
          axisLabel: { formatter: window.kamMoney.axis },
        },
        yAxis: { type: "value", name: words.likelihood, min: 0, max: 100 },
        series: series,
      });
      chart.on("click", function (params) {
        if (params.data && params.data.point && params.data.point.url) window.location.href = params.data.point.url;
      });
    });
  }

  function init() {
    var portfolio = document.getElementById("portfolio-chart");
    if (portfolio && window.echarts) drawPortfolio(portfolio);
    var matrix = document.getElementById("matrix-chart");
    if (matrix && window.echarts) drawMatrix(matrix);
    document.querySelectorAll(".js-print").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
    window.addEventListener("beforeprint", function () { charts.forEach(function (c) { c.resize(); }); });
    window.addEventListener("afterprint", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
