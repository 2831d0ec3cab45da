// Small helpers the chart scripts share; loaded on every page by the base layout, before them.
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
