// Pickers that search as you type (kam.access.pickers): <input data-picker="/pick/…/"> holds the
// chosen record's id; typing asks the endpoint for the top matches and offers them in a <datalist>
// (value: the id, label: the name), so the browser's own list handles the arrow keys and Enter.
// The chosen record's name is shown in the <output> beside the input (id + "_chosen"); a form that
// comes back with an id the server did not name is named here, through the same endpoint.
// `data-picker-customer-field="customer"`: the search is narrowed to the customer picked in that
// field of the same form (a contact of the chosen customer).
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
      var after = chosenFor(input) || input;
      after.insertAdjacentElement("afterend", list);
      input.setAttribute("list", list.id);
    }
    return list;
  }

  function chosenFor(input) {
    return input.id ? document.getElementById(input.id + "_chosen") : null;
  }

  // The name of the record whose id the input holds, from the options offered. A name already
  // shown stays while the input holds the same id (data-picker-for), even when the search does not
  // offer that record (a current owner the user could not pick); any other text clears it.
  function showChosen(input) {
    var output = chosenFor(input);
    if (!output) return;
    var value = input.value.trim();
    var option = null;
    if (value && input.list) {
      option = Array.prototype.find.call(input.list.options, function (o) {
        return o.value === value;
      });
    }
    if (option) {
      output.textContent = option.label;
      output.dataset.pickerFor = value;
    } else if (output.dataset.pickerFor !== value) {
      output.textContent = "";
      output.dataset.pickerFor = "";
    }
  }

  function customerOf(input) {
    var name = input.dataset.pickerCustomerField;
    var field = name && input.form ? input.form.elements.namedItem(name) : null;
    var value = field && "value" in field ? String(field.value).trim() : "";
    return /^\d+$/.test(value) ? value : "";
  }

  function search(input) {
    var url = new URL(input.dataset.picker, location.href);
    url.searchParams.set("q", input.value);
    var customer = customerOf(input);
    if (customer) url.searchParams.set("customer", customer);
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
        showChosen(input);
      })
      .catch(function () {});
  }

  function schedule(e) {
    var input = e.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.picker) return;
    if (e.type === "input") showChosen(input);
    clearTimeout(timers.get(input));
    timers.set(input, setTimeout(search, DELAY_MS, input));
  }

  // Inputs that hold an id but no name yet (a form re-rendered, a filter from the address).
  function nameHeldIds(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("input[data-picker]").forEach(function (input) {
      var output = chosenFor(input);
      if (output && !output.textContent.trim() && /^#?\d+$/.test(input.value.trim())) search(input);
    });
  }

  document.addEventListener("input", schedule);
  document.addEventListener("focusin", schedule);
  document.addEventListener("htmx:afterSettle", function (e) {
    nameHeldIds(e.target);
  });
  nameHeldIds(document);
})();
