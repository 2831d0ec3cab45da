// The contract page's forms answer a refused write with 409 (stale) or 422 (invalid) and the
// contract's body carrying the message: show it in place, as htmx would a success, instead of
// dropping it (htmx leaves 4xx responses unswapped by default).
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  var target = event.detail.target;
  if ((status === 409 || status === 422) && target && target.closest && target.closest("[data-swap-refusals]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
