// Org chart of a customer's contacts: an ECharts tree drawn from the JSON the page embeds.
// The page shows the same data as a table, so nothing is lost without JavaScript.
(function () {
  "use strict";

  function label(data) {
    if (data.virtual) return "{strong|" + data.name + "}";
    var lines = ["{strong|" + data.name + "}"];
    if (data.title) lines.push(data.title);
    var meta = [data.rank, data.level].filter(Boolean).join(" · ");
    if (meta) lines.push(meta);
    if (data.role) lines.push("{role|" + data.role + "}");
    return lines.join("\n");
  }

  function depthAndWidth(node) {
    var children = node.children || [];
    if (!children.length) return { depth: 1, width: 1 };
    var depth = 0, width = 0;
    children.forEach(function (child) {
      var m = depthAndWidth(child);
      depth = Math.max(depth, m.depth);
      width += m.width;
    });
    return { depth: depth + 1, width: Math.max(width, 1) };
  }

  function draw(el, data) {
    var size = depthAndWidth(data);
    // Room for every level and every leaf, so labels of a wide organisation do not overlap.
    el.style.height = Math.max(360, size.depth * 130 + 40) + "px";
    el.style.minWidth = Math.max(0, size.width * 130) + "px";
    var chart = echarts.init(el, null, { locale: el.dataset.locale === "ZH" ? "ZH" : "EN" });
    var urlTemplate = el.dataset.contactUrl || "";
    chart.setOption({
      tooltip: {
        trigger: "item",
        formatter: function (params) {
          return label(params.data).replace(/\{(strong|role)\|([^}]*)\}/g, "$2").replace(/\n/g, "<br>");
        },
      },
      series: [
        {
          type: "tree",
          orient: "TB",
          data: [data],
          top: 40,
          bottom: 70,
          left: 40,
          right: 40,
          symbol: "roundRect",
          symbolSize: [14, 14],
          initialTreeDepth: -1,
          expandAndCollapse: true,
          roam: true,
          label: {
            position: "bottom",
            distance: 6,
            align: "center",
            verticalAlign: "top",
            fontSize: 12,
            lineHeight: 16,
            formatter: function (params) { return label(params.data); },
            rich: { strong: { fontWeight: "bold", fontSize: 13 }, role: { color: "#374151", fontStyle: "italic" } },
          },
          leaves: { label: { position: "bottom", align: "center", verticalAlign: "top" } },
          lineStyle: { color: "#9ca3af", width: 1.2, curveness: 0 },
          emphasis: { focus: "ancestor" },
          animationDuration: 300,
        },
      ],
    });
    chart.on("dblclick", function (params) {
      if (params.data && params.data.id && urlTemplate) {
        window.location.href = urlTemplate.replace("/0/", "/" + params.data.id + "/");
      }
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function init() {
    var el = document.getElementById("orgchart");
    var source = document.getElementById("orgchart-data");
    if (!el || !source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    if (data) draw(el, data);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
