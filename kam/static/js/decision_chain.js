// Decision chain (物理树状图) and power map (权力地图) of an opportunity, drawn with ECharts from the JSON API.
// Both pages show the same facts as HTML tables, so nothing is lost without JavaScript.
(function () {
  "use strict";

  var STANCE_COLOURS = { A: "#16a34a", B: "#9ca3af", C: "#dc2626" };
  var CONTEXT_COLOUR = "#ffffff";
  var LINE_COLOURS = { technical: "#2563eb", business: "#dc2626", both: "#7c3aed", plain: "#9ca3af", influence: "#d97706" };
  var COLUMN = 200;
  var ROW = 120;

  function echartsLocale() {
    return (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
  }

  function labels() {
    var el = document.getElementById("chain-labels");
    return el ? JSON.parse(el.textContent) : {};
  }

  function fetchJson(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  }

  function nodeColour(node) {
    return node.context ? CONTEXT_COLOUR : STANCE_COLOURS[node.stance] || STANCE_COLOURS.B;
  }

  function roleText(node) {
    return node.roles.map(function (r) { return r.label; }).join(", ");
  }

  // A simple tidy tree: leaves take consecutive columns, a manager sits centred over its reports.
  function layout(nodes) {
    var byId = {}, children = {}, roots = [], next = 0, pos = {}, depth = 0;
    nodes.forEach(function (n) { byId[n.id] = n; children[n.id] = []; });
    nodes.forEach(function (n) {
      if (n.parent !== null && byId[n.parent]) children[n.parent].push(n.id);
      else roots.push(n.id);
      depth = Math.max(depth, n.depth);
    });
    function place(id) {
      var kids = children[id];
      if (!kids.length) { pos[id] = next++; return pos[id]; }
      var xs = kids.map(place);
      pos[id] = (xs[0] + xs[xs.length - 1]) / 2;
      return pos[id];
    }
    roots.forEach(place);
    return { pos: pos, columns: Math.max(next, 1), depth: depth };
  }

  function chainOption(data, words) {
    var tree = layout(data.nodes);
    var nodes = data.nodes.map(function (n) {
      var colour = nodeColour(n);
      return {
        id: String(n.id),
        name: n.name,
        value: [tree.pos[n.id], n.depth],
        symbol: n.context ? "roundRect" : "circle",
        symbolSize: n.context ? [18, 18] : 26,
        itemStyle: { color: colour, borderColor: n.context ? "#6b7280" : colour, borderWidth: n.context ? 1.5 : 1 },
        person: n,
        label: {
          show: true,
          position: "right",
          distance: 8,
          formatter: function () {
            var lines = ["{name|" + n.name + "}"];
            lines.push([n.rank_label, n.level_label || ""].filter(Boolean).join(" · "));
            if (n.roles.length) lines.push("{role|" + roleText(n) + "}");
            else if (n.context) lines.push("{ctx|" + (words.context || "") + "}");
            return lines.join("\n");
          },
          rich: {
            name: { fontWeight: "bold", fontSize: 13, lineHeight: 18 },
            role: { fontStyle: "italic", color: "#374151", lineHeight: 16 },
            ctx: { color: "#6b7280", fontSize: 11, lineHeight: 16 },
          },
        },
      };
    });
    var links = data.reports_to.map(function (edge) {
      var kind = edge.chains.length === 2 ? "both" : edge.chains[0] || "plain";
      return {
        source: String(edge.source),
        target: String(edge.target),
        kind: kind,
        symbol: ["none", "none"],
        lineStyle: { color: LINE_COLOURS[kind], width: kind === "plain" ? 1.5 : 3, type: "solid", curveness: 0, opacity: 1 },
      };
    });
    data.influence_lines.forEach(function (line) {
      links.push({
        source: String(line.source),
        target: String(line.target),
        kind: "influence",
        note: line.note,
        symbol: ["none", "arrow"],
        symbolSize: [4, 12],
        lineStyle: { color: LINE_COLOURS.influence, width: 2, type: "dashed", curveness: 0.25, opacity: 1 },
      });
    });
    return {
      // A hidden cartesian grid keeps the tree's proportions: symbols and curves are not stretched.
      grid: { left: 110, right: 170, top: 30, bottom: 70 },
      xAxis: { type: "value", show: false, min: -0.5, max: tree.columns - 0.5 },
      yAxis: { type: "value", show: false, inverse: true, min: -0.2, max: Math.max(tree.depth, 0) + 0.2 },
      tooltip: {
        formatter: function (p) {
          if (p.dataType === "edge") {
            var kind = p.data.kind;
            var text = kind === "influence" ? words.influence_line : kind === "plain" ? words.reports_to : words[kind] || (words.technical + " + " + words.business);
            return text + (p.data.note ? ": " + p.data.note : "");
          }
          var n = p.data.person;
          return [
            "<strong>" + n.name + "</strong> " + (n.title || ""),
            words.rank + ": " + n.rank_label + " · " + words.influence + ": " + n.influence + "/5",
            words.level + ": " + (n.level_label || words.no_level),
            n.roles.length ? roleText(n) + " · " + n.stance_label : words.context,
          ].join("<br>");
        },
      },
      series: [
        {
          type: "graph",
          layout: "none",
          coordinateSystem: "cartesian2d",
          data: nodes,
          links: links,
          emphasis: { focus: "adjacency" },
          animationDuration: 200,
        },
      ],
    };
  }

  function initChain(el) {
    var words = labels();
    var chart = null;
    var renders = 0;
    var personUrl = el.dataset.personUrl || "";

    function openPerson(id) {
      var url = personUrl.replace(/\/0\/$/, "/" + id + "/");
      if (window.htmx) window.htmx.ajax("GET", url, { target: "#side-panel", swap: "innerHTML" });
      else window.location.href = url;
    }

    function render(data) {
      var tree = layout(data.nodes);
      el.style.height = Math.max(320, (tree.depth + 1) * ROW + 100) + "px";
      el.style.minWidth = Math.max(0, tree.columns * COLUMN + 280) + "px";
      if (!chart) {
        chart = echarts.init(el, null, { locale: echartsLocale(), renderer: "svg" });
        chart.on("click", function (p) {
          if (p.dataType === "node" && p.data && p.data.person) openPerson(p.data.person.id);
        });
        window.addEventListener("resize", function () { chart.resize(); });
        window.addEventListener("beforeprint", function () { chart.resize(); });
      } else {
        chart.resize();
      }
      var option = chainOption(data, words);
      chart.setOption(option, true);
      var colours = {}, stances = {};
      data.nodes.forEach(function (n) { colours[n.id] = nodeColour(n); stances[n.id] = n.stance || ""; });
      renders += 1;
      // Read by tests and integrations: what each node looks like right now.
      el.dataset.nodeColours = JSON.stringify(colours);
      el.dataset.nodeStances = JSON.stringify(stances);
      el.dataset.renders = String(renders);
      window.kamDecisionChain = {
        data: data,
        option: option,
        colours: colours,
        chart: chart,
        // Where a person's node is drawn, in pixels inside the chart (for tests and tours).
        pixelOf: function (id) {
          var item = option.series[0].data.filter(function (d) { return d.person.id === id; })[0];
          return item ? chart.convertToPixel({ seriesIndex: 0 }, item.value) : null;
        },
      };
    }

    function load() {
      return fetchJson(el.dataset.apiUrl).then(render).catch(function (err) {
        el.dataset.error = String(err);
      });
    }

    document.body.addEventListener("chain-changed", load);
    document.addEventListener("click", function (e) {
      var button = e.target.closest ? e.target.closest("[data-close-panel]") : null;
      if (button) {
        var panel = document.getElementById("side-panel");
        if (panel) panel.innerHTML = "";
      }
    });
    load();
  }

  // --- power map ---------------------------------------------------------------------------

  function powerOption(data, words) {
    var series = ["C", "B", "A"].map(function (stance, index) {
      var people = data.people.filter(function (p) { return (p.stance || "B") === stance; });
      var s = {
        name: words[stance],
        type: "scatter",
        itemStyle: { color: STANCE_COLOURS[stance], opacity: 0.85 },
        data: people.map(function (p) {
          return { value: [p.x, p.y], name: p.name, symbolSize: p.symbol_size, person: p };
        }),
        label: {
          show: true,
          position: "right",
          formatter: function (params) {
            var p = params.data.person;
            var roles = p.roles.map(function (r) { return r.label; }).join(", ");
            return "{name|" + p.name + "}" + (roles ? "\n{role|" + roles + "}" : "");
          },
          rich: { name: { fontWeight: "bold" }, role: { color: "#374151", fontSize: 11 } },
        },
      };
      if (index === 0) {
        s.markArea = {
          silent: true,
          data: [
            [
              { name: words.opponents_with_power, xAxis: -2, yAxis: data.power_threshold - 0.5, itemStyle: { color: "rgba(220,38,38,0.10)" }, label: { color: "#b91c1c", fontWeight: "bold" } },
              { xAxis: -0.5, yAxis: 6 },
            ],
            [
              { name: words.supporters_with_power, xAxis: 0.5, yAxis: data.power_threshold - 0.5, itemStyle: { color: "rgba(22,163,74,0.07)" }, label: { color: "#15803d" } },
              { xAxis: 2, yAxis: 6 },
            ],
          ],
        };
        s.markLine = {
          silent: true,
          symbol: "none",
          lineStyle: { type: "dashed", color: "#9ca3af" },
          label: { show: false },
          data: [{ xAxis: -0.5 }, { xAxis: 0.5 }, { yAxis: data.power_threshold - 0.5 }],
        };
      }
      return s;
    });
    var stanceAt = { "-1": words.C, "0": words.B, "1": words.A };
    return {
      legend: { top: 0, right: 10 },
      grid: { left: 60, right: 140, top: 50, bottom: 50 },
      tooltip: {
        formatter: function (params) {
          var p = params.data.person;
          if (!p) return "";
          return [
            "<strong>" + p.name + "</strong> " + (p.title || ""),
            p.roles.map(function (r) { return r.label; }).join(", "),
            words.stance + ": " + p.stance_label + " · " + words.influence + ": " + p.influence + "/5",
            words.rank + ": " + p.rank_label + " · " + words.level + ": " + (p.level_label || words.no_level),
          ].join("<br>");
        },
      },
      xAxis: {
        type: "value", min: -2, max: 2, interval: 1, name: words.stance, nameLocation: "middle", nameGap: 30,
        axisLabel: { formatter: function (v) { return stanceAt[String(v)] || ""; } },
        axisLine: { onZero: false },
        splitLine: { show: false },
      },
      yAxis: {
        type: "value", min: 0, max: 6, interval: 1, name: words.influence, nameLocation: "middle", nameGap: 36,
        axisLine: { show: true, onZero: false },
        axisLabel: { formatter: function (v) { return v >= 1 && v <= 5 ? String(v) : ""; } },
      },
      series: series,
    };
  }

  function initPower(el) {
    var words = labels();
    fetchJson(el.dataset.apiUrl).then(function (data) {
      var chart = echarts.init(el, null, { locale: echartsLocale(), renderer: "svg" });
      var option = powerOption(data, words);
      chart.setOption(option);
      el.dataset.points = JSON.stringify(data.people.map(function (p) { return { id: p.id, x: p.x, y: p.y }; }));
      window.kamPowerMap = { data: data, option: option, chart: chart };
      window.addEventListener("resize", function () { chart.resize(); });
      window.addEventListener("beforeprint", function () { chart.resize(); });
    }).catch(function (err) { el.dataset.error = String(err); });
  }

  function init() {
    if (typeof echarts === "undefined") return;
    var chainEl = document.getElementById("decision-chain-chart");
    if (chainEl) initChain(chainEl);
    var powerEl = document.getElementById("power-map-chart");
    if (powerEl) initPower(powerEl);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
