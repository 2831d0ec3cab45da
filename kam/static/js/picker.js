// Pickers that search as you type (kam.access.pickers): <input data-picker="/pick/…/"> holds the
// chosen record's id; typing asks the endpoint for the top matches and offers them in a <datalist>
// (value: the id, label: the name), so the browser's own list handles the arrow keys and Enter.
// Without this script the input simply takes an id or an exact name.
(function () {
  "use strict";

  var DELAY_MS = 200;
  var timers = new WeakMap();
  var counter = 0;

  function listFor(input) {
    var id = input.getAttribute("list");
    var list = id ? document.getElementById(id) : null;
    if (!list) {
      list = document.createElement("datalist");
      list.id = "kam-picker-" + ++counter;
      input.insertAdjacentElement("afterend", list);
      input.setAttribute("list", list.id);
    }
    return list;
  }

  function search(input) {
    var url = new URL(input.dataset.picker, location.href);
    url.searchParams.set("q", input.value);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.json() : { items: [] };
      })
      .then(function (body) {
        var list = listFor(input);
        list.replaceChildren();
        body.items.forEach(function (item) {
          var option = document.createElement("option");
          option.value = String(item.id);
          option.label = item.label;
          option.textContent = item.label;
          list.appendChild(option);
        });
      })
      .catch(function () {});
  }

  function schedule(e) {
    var input = e.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.picker) return;
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(search, DELAY_MS, input));
  }

  document.addEventListener("input", schedule);
  document.addEventListener("focusin", schedule);
})();
