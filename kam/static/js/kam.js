// Small helpers the chart scripts share; loaded on every page by the base layout, before them.
// Also the page behaviours the templates ask for with data- attributes: the Content-Security-Policy
// allows no inline <script> and no onclick=/onchange= handlers (README: Security headers).
(function () {
  "use strict";

  window.kam = {
    // The words a page hands its chart script as JSON in <script type="application/json" id="…">.
    labels: function (id) {
      var source = document.getElementById(id);
      return source ? JSON.parse(source.textContent) || {} : {};
    },
    // ECharts' locale: the element's own data-locale, else the page's language.
    locale: function (el) {
      if (el && el.dataset && el.dataset.locale) return el.dataset.locale;
      return (document.documentElement.lang || "").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";
    },
    // Tooltips are HTML: names typed by users must not become markup.
    escapeHtml: function (text) {
      return String(text).replace(/[&<>"']/g, function (c) {
        return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
      });
    },
  };
})();

(function () {
  "use strict";

  // Listeners on the document, so content htmx swaps in later behaves the same.

  // A push of the address already shown becomes a replace: a filter committed with Enter fires
  // both "change" and "submit", and two entries for one address would make Back land on the
  // same page instead of the one before it.
  document.addEventListener("htmx:beforeHistoryUpdate", function (e) {
    var history = e.detail && e.detail.history;
    if (!history || history.type !== "push" || !history.path) return;
    var target = new URL(history.path, location.href);
    if (target.href === location.href) history.type = "replace";
  });
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (!(el instanceof HTMLElement)) return;
    // <select data-submit-on-change>: a filter applied as soon as it is chosen.
    if (el.hasAttribute("data-submit-on-change") && el.form) {
      // data-keep-location: come back to this very page (the language switch).
      if (el.hasAttribute("data-keep-location") && el.form.elements.next) {
        el.form.elements.next.value = location.pathname + location.search;
      }
      el.form.submit();
    }
    // <input type="checkbox" data-check-all="ids">: tick or untick every row's box in the form.
    if (el.hasAttribute("data-check-all") && el.closest("form")) {
      el.closest("form").querySelectorAll('input[name="' + el.getAttribute("data-check-all") + '"]').forEach(function (box) {
        box.checked = el.checked;
      });
    }
  });

  document.addEventListener("click", function (e) {
    var target = e.target instanceof Element ? e.target : null;
    if (!target) return;
    // <button data-print>
    if (target.closest("[data-print]")) {
      window.print();
      return;
    }
    // <a data-open-dialog="id">: opens the dialog when JS runs; without JS the link leads to its page.
    var opener = target.closest("[data-open-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
      if (dialog && dialog.showModal) {
        e.preventDefault();
        dialog.showModal();
      }
      return;
    }
    var closer = target.closest("dialog [data-close-dialog]");
    if (closer) closer.closest("dialog").close();
  });
})();
