/* Org chart editor on the customer page.
 *
 * The chart is an ECharts tree drawn from the org-chart endpoint of the API; the outline below it
 * is a server-rendered nested list that works without JavaScript. With JavaScript: drag a person
 * onto another person's list to change their manager (POST …/move, the server decides and may
 * refuse), fold and unfold branches, find a person, delete with a confirmation that first says
 * what goes with them. After every write the outline and the chart are re-read from the server. */
(function () {
  "use strict";

  var LARGE = 60; // above this head count, branches start folded below the second level
  var chart = null;
  var chartData = null;
  var folded = {}; // contact id → true when its branch is folded in the chart
  var matches = {}; // contact id → true when it matches the search

  function byId(id) {
    return document.getElementById(id);
  }

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      return headers["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function t(name, params) {
    var el = byId("org-i18n");
    var text = (el && el.dataset[name]) || name;
    Object.keys(params || {}).forEach(function (key) {
      text = text.split("%(" + key + ")s").join(params[key]);
    });
    return text;
  }

  function showStatus(kind, text) {
    var box = byId("org-status");
    if (!box) return;
    box.innerHTML = "";
    if (!text) return;
    var p = document.createElement("p");
    p.className = "msg msg-" + kind;
    p.textContent = text;
    box.appendChild(p);
  }

  function api(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = Object.assign({ Accept: "application/json", "X-CSRFToken": csrfToken() }, options.headers || {});
    return fetch(url, options).then(function (response) {
      if (response.status === 204) return { ok: true, status: 204, data: null };
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (data) {
          return { ok: response.ok, status: response.status, data: data };
        });
    });
  }

  function errorText(result) {
    var data = result.data || {};
    if (data.errors) {
      var lines = [];
      Object.keys(data.errors).forEach(function (key) {
        lines = lines.concat(data.errors[key]);
      });
      if (lines.length) return lines.join(" ");
    }
    return data.message || t("failed");
  }

  /* ---- chart ---------------------------------------------------------------------------- */

  function eachNode(nodes, fn, depth) {
    (nodes || []).forEach(function (node) {
      fn(node, depth || 0);
      eachNode(node.children, fn, (depth || 0) + 1);
    });
  }

  function label(data) {
    if (data.virtual) return "{strong|" + data.name + "}";
    var lines = ["{strong|" + data.name + "}"];
    if (data.title) lines.push(data.title);
    var meta = [data.rankLabel, data.level ? "CR" + data.level : ""].filter(Boolean).join(" · ");
    if (meta) lines.push(meta);
    if (data.roleText) lines.push("{role|" + data.roleText + "}");
    if (data.hidden) lines.push("{more|▸ " + data.hidden + "}");
    return lines.join("\n");
  }

  function countBelow(node) {
    var n = 0;
    eachNode(node.children, function () {
      n += 1;
    });
    return n;
  }

  function toSeries(node) {
    var isMatch = !!matches[node.id];
    var item = {
      id: node.id,
      name: node.name,
      title: node.title,
      rankLabel: node.rank_label,
      level: node.level,
      roleText: (node.roles || []).map(function (r) { return r.label; }).join(", "),
      hasChildren: (node.children || []).length > 0,
      hidden: folded[node.id] ? countBelow(node) : 0,
      symbolSize: isMatch ? [22, 22] : [14, 14],
      itemStyle: {
        color: node.colour,
        borderColor: isMatch ? "#f59e0b" : node.colour,
        borderWidth: isMatch ? 4 : 1,
        opacity: node.context ? 0.45 : 1,
      },
      label: isMatch ? { backgroundColor: "#fef3c7" } : undefined,
      children: folded[node.id] ? [] : (node.children || []).map(toSeries),
    };
    return item;
  }

  function measure(node) {
    var children = node.children || [];
    if (!children.length) return { depth: 1, width: 1 };
    var depth = 0, width = 0;
    children.forEach(function (child) {
      var m = measure(child);
      depth = Math.max(depth, m.depth);
      width += m.width;
    });
    return { depth: depth + 1, width: width };
  }

  function seriesRoot() {
    var roots = chartData.roots.map(toSeries);
    if (roots.length === 1) return roots[0];
    return {
      name: chartData.customer.name,
      virtual: true,
      symbolSize: [14, 14],
      itemStyle: { color: "#111827", borderColor: "#111827" },
      children: roots,
    };
  }

  function draw() {
    var el = byId("orgchart");
    if (!el || !chartData) return;
    if (!chartData.roots.length) {
      el.hidden = true;
      el.dataset.rendered = "1";
      return;
    }
    var root = seriesRoot();
    var size = measure(root);
    var scroller = el.parentElement;
    // Room for every shown level and leaf, so labels of a wide organisation do not overlap;
    // folded branches keep a large organisation inside a canvas the browser can draw.
    var width = Math.min(30000, Math.max(scroller ? scroller.clientWidth : 0, size.width * 120 + 80));
    el.style.width = width + "px";
    el.style.height = Math.max(360, size.depth * 130 + 60) + "px";
    if (!chart) {
      var lang = (document.documentElement.lang || "").toLowerCase();
      var locale = el.dataset.locale || (lang.indexOf("zh") === 0 ? "ZH" : "EN");
      chart = echarts.init(el, null, { locale: locale === "ZH" ? "ZH" : "EN" });
      chart.on("finished", function () {
        if (!el.dataset.rendered) {
          el.dataset.rendered = "1";
          el.dataset.renderedAt = String(Math.round(performance.now()));
          el.dispatchEvent(new CustomEvent("orgchart:rendered", { bubbles: true }));
        }
      });
      chart.on("click", function (params) {
        var data = params.data || {};
        if (!data.id || !(data.hasChildren || folded[data.id])) return;
        folded[data.id] = !folded[data.id];
        draw();
      });
      chart.on("dblclick", function (params) {
        var url = el.dataset.contactUrl || "";
        if (params.data && params.data.id && url) {
          window.location.href = url.replace("/0/", "/" + params.data.id + "/");
        }
      });
      window.addEventListener("resize", function () {
        if (chart) chart.resize();
      });
    } else {
      chart.resize();
    }
    var many = chartData.count > LARGE;
    chart.setOption(
      {
        tooltip: {
          trigger: "item",
          formatter: function (params) {
            var div = document.createElement("div");
            div.textContent = label(params.data).replace(/\{(strong|role|more)\|([^}]*)\}/g, "$2");
            return div.innerHTML.replace(/\n/g, "<br>");
          },
        },
        animation: !many,
        series: [
          {
            type: "tree",
            orient: "TB",
            data: [root],
            top: 40,
            bottom: 90,
            left: 60,
            right: 60,
            symbol: "roundRect",
            initialTreeDepth: -1,
            expandAndCollapse: false,
            roam: false,
            label: {
              position: "bottom",
              distance: 6,
              align: "center",
              verticalAlign: "top",
              fontSize: 12,
              lineHeight: 16,
              formatter: function (params) {
                return label(params.data);
              },
              rich: {
                strong: { fontWeight: "bold", fontSize: 13 },
                role: { color: "#374151", fontStyle: "italic" },
                more: { color: "#2563eb" },
              },
            },
            leaves: { label: { position: "bottom", align: "center", verticalAlign: "top" } },
            lineStyle: { color: "#9ca3af", width: 1.2, curveness: 0 },
            emphasis: { focus: "ancestor" },
            animationDuration: 250,
          },
        ],
      },
      { notMerge: true }
    );
  }

  function loadChart() {
    var el = byId("orgchart");
    if (!el || typeof echarts === "undefined") return Promise.resolve();
    return api(el.dataset.url)
      .then(function (result) {
        if (!result.ok) throw new Error("chart");
        var first = chartData === null;
        chartData = result.data;
        if (first && chartData.count > LARGE) {
          eachNode(chartData.roots, function (node, depth) {
            if (depth >= 1 && (node.children || []).length) folded[node.id] = true;
          });
        }
        draw();
      })
      .catch(function () {
        showStatus("error", t("chartFailed"));
      });
  }

  function unfoldChartPathTo(ids) {
    if (!chartData) return;
    var parents = {};
    eachNode(chartData.roots, function (node) {
      (node.children || []).forEach(function (child) {
        parents[child.id] = node.id;
      });
    });
    ids.forEach(function (id) {
      var seen = {};
      var current = parents[id];
      while (current !== undefined && !seen[current]) {
        seen[current] = true;
        delete folded[current];
        current = parents[current];
      }
    });
  }

  /* ---- outline -------------------------------------------------------------------------- */

  function outline() {
    return byId("org-outline");
  }

  function setFolded(li, isFolded) {
    li.classList.toggle("collapsed", isFolded);
    var button = li.querySelector(":scope > .person-row > .toggle");
    if (button) {
      button.setAttribute("aria-expanded", isFolded ? "false" : "true");
      button.setAttribute("aria-label", t(isFolded ? "expand" : "collapse"));
      button.textContent = isFolded ? "▸" : "▾";
    }
  }

  function putBack(evt) {
    var ref = evt.from.children[evt.oldIndex] || null;
    evt.from.insertBefore(evt.item, ref);
  }

  function moveUrl(id) {
    return outline().dataset.moveUrl.replace("/0/", "/" + id + "/");
  }

  function onDrop(evt) {
    var root = outline();
    if (root) root.classList.remove("dragging");
    if (evt.from === evt.to) {
      // Order among colleagues is the server's (rank, then name): a reorder changes nothing.
      putBack(evt);
      return;
    }
    var item = evt.item;
    var managerId = evt.to.dataset.manager ? Number(evt.to.dataset.manager) : null;
    var managerLi = managerId ? byId("person-" + managerId) : null;
    api(moveUrl(item.dataset.id), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ manager: managerId, version: Number(item.dataset.version) }),
    })
      .then(function (result) {
        if (!result.ok) {
          putBack(evt);
          showStatus("error", errorText(result));
          if (result.status === 412) refresh();
          return;
        }
        showStatus(
          "success",
          managerLi
            ? t("moved", { name: item.dataset.name, manager: managerLi.dataset.name })
            : t("movedTop", { name: item.dataset.name })
        );
        refresh();
      })
      .catch(function () {
        putBack(evt);
        showStatus("error", t("failed"));
      });
  }

  /* The keyboard path of a drag: a person's "Move…" button opens a dialog to choose the new
   * manager (anyone outside the person's own branch, or nobody), and posts the same move. */
  function askMove(button) {
    var dialog = byId("move-person-dialog");
    var li = button.closest("li.person");
    if (!dialog || !li) return;
    var form = dialog.querySelector("form");
    var select = byId("move-person-manager");
    var error = dialog.querySelector(".move-person-error");
    var current = li.parentElement.dataset.manager || "";
    var id = li.dataset.id;
    dialog.querySelector(".move-person-name").textContent = li.dataset.name;
    error.hidden = true;
    while (select.options.length > 1) select.remove(1);
    outline().querySelectorAll("li.person").forEach(function (other) {
      if (other === li || li.contains(other)) return; // nobody moves under their own report
      var depth = 0;
      for (var p = other.parentElement.closest("li.person"); p; p = p.parentElement.closest("li.person")) depth += 1;
      var option = document.createElement("option");
      option.value = other.dataset.id;
      option.textContent = "\u00a0\u00a0".repeat(depth) + other.dataset.name;
      select.appendChild(option);
    });
    select.value = current;

    function close() {
      form.removeEventListener("submit", onSubmit);
      dialog.removeEventListener("close", close);
      if (dialog.open) dialog.close();
      var again = document.querySelector("#person-" + id + " .move-person");
      if (again) again.focus();
    }
    function onSubmit(e) {
      e.preventDefault();
      if (e.submitter && e.submitter.classList.contains("cancel")) {
        close();
        return;
      }
      var managerId = select.value ? Number(select.value) : null;
      var managerLi = managerId ? byId("person-" + managerId) : null;
      api(moveUrl(id), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ manager: managerId, version: Number(li.dataset.version) }),
      })
        .then(function (result) {
          if (!result.ok) {
            error.textContent = errorText(result);
            error.hidden = false;
            if (result.status === 412) refresh();
            return;
          }
          showStatus(
            "success",
            managerLi
              ? t("moved", { name: li.dataset.name, manager: managerLi.dataset.name })
              : t("movedTop", { name: li.dataset.name })
          );
          form.removeEventListener("submit", onSubmit);
          dialog.removeEventListener("close", close);
          dialog.close();
          refresh().then(function () {
            var again = document.querySelector("#person-" + id + " .move-person");
            if (again) again.focus();
          });
        })
        .catch(function () {
          error.textContent = t("failed");
          error.hidden = false;
        });
    }
    form.addEventListener("submit", onSubmit);
    dialog.addEventListener("close", close);
    dialog.showModal();
    select.focus();
  }

  function initOutline() {
    var root = outline();
    if (!root) return;
    var large = Number(root.dataset.count || 0) > LARGE;
    root.querySelectorAll(".drag-handle, .move-person").forEach(function (handle) {
      handle.hidden = false;
    });
    root.querySelectorAll(".toggle").forEach(function (button) {
      button.hidden = false;
      var li = button.closest("li.person");
      var depth = 0;
      for (var p = li.parentElement.closest("li.person"); p; p = p.parentElement.closest("li.person")) depth += 1;
      setFolded(li, (large && depth >= 1) || li.dataset.wasFolded === "1");
    });
    if (!window.Sortable) return;
    root.querySelectorAll("ul.reports").forEach(function (list) {
      window.Sortable.create(list, {
        group: "org",
        animation: 120,
        draggable: "li.person",
        filter: "a, button",
        preventOnFilter: false,
        // Pointer-driven dragging behaves the same with mouse, touch and pen, unlike native HTML5 drag.
        forceFallback: true,
        fallbackOnBody: true,
        fallbackTolerance: 4,
        swapThreshold: 0.65,
        emptyInsertThreshold: 12,
        onStart: function () {
          root.classList.add("dragging");
        },
        onEnd: onDrop,
      });
    });
  }

  function refresh() {
    var root = outline();
    if (!root) return Promise.resolve();
    var wasFolded = {};
    root.querySelectorAll("li.person.collapsed").forEach(function (li) {
      wasFolded[li.dataset.id] = true;
    });
    var url = root.dataset.outlineUrl;
    var outlineDone = fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : Promise.reject(new Error("outline"));
      })
      .then(function (html) {
        var holder = document.createElement("div");
        holder.innerHTML = html.trim();
        var fresh = holder.querySelector("#org-outline");
        if (!fresh) return;
        fresh.querySelectorAll("li.person").forEach(function (li) {
          if (wasFolded[li.dataset.id]) li.dataset.wasFolded = "1";
        });
        root.replaceWith(fresh);
        fresh.dataset.count = "0"; // keep the user's folding, not the initial one
        initOutline();
        applySearch();
      })
      .catch(function () {
        window.location.reload();
      });
    return Promise.all([outlineDone, loadChart()]);
  }

  /* ---- search --------------------------------------------------------------------------- */

  function applySearch() {
    var input = byId("org-search");
    var root = outline();
    if (!input || !root) return;
    var text = input.value.trim().toLowerCase();
    root.querySelectorAll("li.person.match").forEach(function (li) {
      li.classList.remove("match");
    });
    matches = {};
    if (!text) {
      draw();
      return;
    }
    var found = [];
    root.querySelectorAll("li.person").forEach(function (li) {
      if ((li.dataset.search || "").indexOf(text) !== -1) {
        li.classList.add("match");
        matches[li.dataset.id] = true;
        found.push(Number(li.dataset.id));
        for (var p = li.parentElement.closest("li.person"); p; p = p.parentElement.closest("li.person")) {
          setFolded(p, false);
        }
      }
    });
    if (found.length) {
      var first = root.querySelector("li.person.match");
      first.scrollIntoView({ block: "nearest" });
      showStatus("info", t("matches", { count: found.length }));
    } else {
      showStatus("warning", t("noMatch", { text: input.value.trim() }));
    }
    unfoldChartPathTo(found);
    draw();
  }

  /* ---- delete --------------------------------------------------------------------------- */

  function askDelete(link) {
    var dialog = byId("delete-dialog");
    if (!dialog || !dialog.showModal) {
      window.location.href = link.href;
      return;
    }
    var impact = dialog.querySelector(".impact");
    var error = dialog.querySelector(".delete-error");
    var confirm = dialog.querySelector(".confirm");
    var cancel = dialog.querySelector(".cancel");
    impact.textContent = t("loading");
    error.hidden = true;
    confirm.hidden = true;
    confirm.disabled = false;

    function close() {
      confirm.removeEventListener("click", onConfirm);
      cancel.removeEventListener("click", close);
      if (dialog.open) dialog.close();
    }
    function onConfirm(e) {
      e.preventDefault();
      confirm.disabled = true;
      api(link.dataset.deleteUrl, { method: "DELETE" }).then(function (result) {
        if (!result.ok) {
          error.textContent = errorText(result);
          error.hidden = false;
          confirm.hidden = true;
          return;
        }
        close();
        var li = link.closest("li.person");
        showStatus("success", t("deleted", { name: li ? li.dataset.name : "" }));
        refresh();
      });
    }
    confirm.addEventListener("click", onConfirm);
    cancel.addEventListener("click", close);
    dialog.addEventListener("close", close, { once: true });
    dialog.showModal();
    api(link.dataset.impactUrl).then(function (result) {
      if (!result.ok) {
        impact.textContent = errorText(result);
        return;
      }
      impact.textContent = result.data.message;
      confirm.hidden = result.data.blocked;
    });
  }

  /* ---- wiring --------------------------------------------------------------------------- */

  function init() {
    var tools = byId("org-tools");
    if (tools) {
      tools.querySelectorAll("[hidden]").forEach(function (el) {
        el.hidden = false;
      });
      var input = byId("org-search");
      var timer = null;
      input.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(applySearch, 150);
      });
      input.addEventListener("keydown", function (e) {
        if (e.key === "Enter") {
          e.preventDefault();
          applySearch();
        }
      });
      var department = byId("org-department");
      if (department) {
        department.addEventListener("change", function () {
          tools.submit();
        });
      }
      byId("org-expand-all").addEventListener("click", function () {
        outline().querySelectorAll("li.person").forEach(function (li) {
          setFolded(li, false);
        });
        folded = {};
        draw();
      });
      byId("org-collapse-all").addEventListener("click", function () {
        outline().querySelectorAll("li.person").forEach(function (li) {
          if (li.querySelector(":scope > .person-row > .toggle")) setFolded(li, true);
        });
        if (chartData) {
          eachNode(chartData.roots, function (node) {
            if ((node.children || []).length) folded[node.id] = true;
          });
        }
        draw();
      });
    }
    document.addEventListener("click", function (e) {
      var toggle = e.target.closest("#org-outline .toggle");
      if (toggle) {
        var li = toggle.closest("li.person");
        setFolded(li, !li.classList.contains("collapsed"));
        return;
      }
      var move = e.target.closest("#org-outline .move-person");
      if (move) {
        askMove(move);
        return;
      }
      var link = e.target.closest("#org-outline a.delete-link");
      if (link) {
        e.preventDefault();
        askDelete(link);
      }
    });
    // The chart prints as a picture scaled to the page width; a live canvas would be cut off.
    function preparePrint() {
      var img = document.querySelector(".orgchart-print");
      if (chart && img) {
        img.src = chart.getDataURL({ pixelRatio: 2, backgroundColor: "#fff" });
        img.hidden = false;
      }
    }
    window.addEventListener("beforeprint", preparePrint);
    if (window.matchMedia) {
      var printQuery = window.matchMedia("print");
      if (printQuery.addEventListener) {
        printQuery.addEventListener("change", function (e) {
          if (e.matches) preparePrint();
        });
      }
    }
    initOutline();
    loadChart();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
