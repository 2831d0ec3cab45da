/* Amounts in the reader's unit for chart axes, labels and tooltips: the same text the `money`
   template filter writes in the tables beside the charts (kam/core/templatetags/kam_format.py).
   The unit comes with the page: <body data-money-unit="yuan|wan" data-money-suffix="万"
   data-money-name="万元">. Chart data stays in yuan; only what is shown is divided. */
(function () {
  "use strict";

  function attr(name, fallback) {
    var body = document.body;
    return (body && body.dataset && body.dataset[name]) || fallback;
  }

  function unit() {
    return attr("moneyUnit", "yuan");
  }

  // Grouped with commas in every language, as the tables are.
  function grouped(n, minDigits, maxDigits) {
    return n.toLocaleString("en-US", { minimumFractionDigits: minDigits, maximumFractionDigits: maxDigits });
  }

  function render(value, minDigits, maxDigits) {
    if (value === null || value === undefined || value === "") return "";
    var n = Number(value);
    if (!isFinite(n)) return String(value);
    var wan = unit() === "wan";
    var shown = wan ? n / 10000 : n;
    var digits = grouped(Math.abs(shown), minDigits, maxDigits);
    // Never "-0.00": a sign only when something is left after rounding.
    var sign = shown < 0 && /[1-9]/.test(digits) ? "-" : "";
    return wan ? sign + digits + " " + attr("moneySuffix", "万") : sign + "¥" + digits;
  }

  window.kamMoney = {
    unit: unit,
    // 元 / 万元 (yuan / ten thousand yuan): for an axis name or a legend.
    name: function () { return attr("moneyName", ""); },
    // Tooltips and labels: two decimals, like the tables (14,455.35 万 or ¥144,553,500.00).
    format: function (value) { return render(value, 2, 2); },
    // Axis ticks: no trailing zeros (1,000 万, ¥2,500,000).
    axis: function (value) { return render(value, 0, unit() === "wan" ? 2 : 0); },
    // An axis title with its unit: "Amount (万元)".
    axisName: function (label) {
      var name = attr("moneyName", "");
      return label ? (name ? label + " (" + name + ")" : label) : name;
    }
  };
})();
