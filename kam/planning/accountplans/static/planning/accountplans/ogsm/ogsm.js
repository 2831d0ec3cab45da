// OGSM page: switch between the tree and the table (buttons, so the keyboard reaches them); the
// choice is remembered. Without JavaScript both views show, one under the other.
(function () {
  "use strict";
  var KEY = "kam.ogsm.view";

  function show(view) {
    var root = document.getElementById("ogsm");
    if (!root) return;
    root.setAttribute("data-view", view);
    root.querySelectorAll("[data-ogsm-view]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.getAttribute("data-ogsm-view") === view ? "true" : "false");
    });
  }

  function stored() {
    try { return window.localStorage.getItem(KEY) || "tree"; } catch (e) { return "tree"; }
  }

  document.addEventListener("click", function (e) {
    var target = e.target instanceof Element ? e.target.closest("[data-ogsm-view]") : null;
    if (!target) return;
    var view = target.getAttribute("data-ogsm-view");
    show(view);
    try { window.localStorage.setItem(KEY, view); } catch (err) { /* private mode: not remembered */ }
  });

  // Focus what a write touched, once htmx has swapped the workspace in.
  document.addEventListener("htmx:afterSettle", function (e) {
    var el = e.target instanceof Element ? e.target.querySelector("[autofocus]") : null;
    if (el) el.focus();
  });

  // Paper shows the whole cascade: branches folded on screen open for printing.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("#ogsm .node-details:not([open])").forEach(function (d) { d.setAttribute("open", ""); });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { show(stored()); });
  } else {
    show(stored());
  }
})();
