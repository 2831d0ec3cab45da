/* Board: drag a card to another stage column; the server decides (services.move_stage).
 * Forward moves confirm the target's key node, backward moves need a note. A refused move
 * puts the card back where it was and says why. On success the board partial is re-rendered
 * so counts and amounts come from the server, never from arithmetic here. */
(function () {
  "use strict";

  function csrfToken() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      return headers["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function i18n(name) {
    var el = document.getElementById("board-i18n");
    return (el && el.dataset[name]) || name;
  }

  function showStatus(kind, lines) {
    var box = document.getElementById("board-status");
    if (!box) return;
    box.innerHTML = "";
    lines.forEach(function (text) {
      var p = document.createElement("p");
      p.className = "msg msg-" + kind;
      p.textContent = text;
      box.appendChild(p);
    });
  }

  function putBack(evt) {
    var item = evt.item;
    var ref = evt.from.children[evt.oldIndex] || null;
    evt.from.insertBefore(item, ref);
  }

  function reloadBoard() {
    var board = document.getElementById("board");
    if (!board) return Promise.resolve();
    var url = board.dataset.boardUrl || window.location.href;
    if (window.htmx) {
      return window.htmx.ajax("GET", url, { target: "#board", swap: "outerHTML" });
    }
    window.location.reload();
    return Promise.resolve();
  }

  function askForMove(card, column, forward) {
    var dialog = document.getElementById("move-dialog");
    var form = document.getElementById("move-form");
    var stageLabel = column.dataset.stageCode;
    form.reset();
    form.querySelector(".move-error").textContent = "";
    dialog.querySelector("#move-dialog-title").textContent =
      i18n(forward ? "forward" : "backward").replace("%(stage)s", stageLabel);
    dialog.querySelector(".key-node").textContent = column.dataset.keyNode || "";
    dialog.querySelector(".forward-only").hidden = !forward;
    dialog.querySelector(".backward-only").hidden = forward;
    var checkbox = form.querySelector("input[name=key_node_confirmed]");
    checkbox.required = forward;
    var note = form.querySelector("textarea[name=note]");
    note.required = !forward;

    return new Promise(function (resolve) {
      function finish(result) {
        form.removeEventListener("submit", onSubmit);
        cancel.removeEventListener("click", onCancel);
        dialog.removeEventListener("cancel", onCancel);
        if (dialog.open) dialog.close();
        resolve(result);
      }
      function onSubmit(e) {
        e.preventDefault();
        if (!forward && !note.value.trim()) {
          form.querySelector(".move-error").textContent = i18n("noteRequired");
          return;
        }
        finish({
          confirmed: forward ? checkbox.checked : false,
          note: note.value,
          // The stage summary belongs to a forward move only: the stage left behind is done.
          achieved: forward ? form.querySelector("textarea[name=achieved]").value : "",
          carryOver: forward ? form.querySelector("textarea[name=carry_over]").value : "",
        });
      }
      function onCancel(e) {
        if (e) e.preventDefault();
        finish(null);
      }
      var cancel = form.querySelector("button.cancel");
      form.addEventListener("submit", onSubmit);
      cancel.addEventListener("click", onCancel);
      dialog.addEventListener("cancel", onCancel);
      dialog.showModal();
    });
  }

  function postMove(card, stageId, answer) {
    var body = new FormData();
    body.append("to_stage", stageId);
    body.append("version", card.dataset.version);
    body.append("note", answer.note || "");
    body.append("achieved", answer.achieved || "");
    body.append("carry_over", answer.carryOver || "");
    if (answer.confirmed) body.append("key_node_confirmed", "on");
    return fetch(card.dataset.moveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    }).then(function (response) {
      return response
        .json()
        .catch(function () {
          return { ok: false, message: i18n("failed") };
        })
        .then(function (data) {
          data.ok = response.ok && data.ok;
          return data;
        });
    });
  }

  function onEnd(evt) {
    if (evt.from === evt.to) return;
    var card = evt.item;
    var fromColumn = evt.from.closest(".column");
    var toColumn = evt.to.closest(".column");
    var forward = Number(toColumn.dataset.stageOrder) > Number(fromColumn.dataset.stageOrder);
    askForMove(card, toColumn, forward).then(function (answer) {
      if (!answer) {
        putBack(evt);
        return;
      }
      postMove(card, toColumn.dataset.stageId, answer)
        .then(function (data) {
          if (!data.ok) {
            putBack(evt);
            showStatus("error", [data.message || i18n("failed")]);
            return;
          }
          var lines = [data.message];
          showStatus("success", lines);
          if (data.warnings && data.warnings.length) {
            data.warnings.forEach(function (w) {
              var p = document.createElement("p");
              p.className = "msg msg-warning";
              p.textContent = w;
              document.getElementById("board-status").appendChild(p);
            });
          }
          reloadBoard();
        })
        .catch(function () {
          putBack(evt);
          showStatus("error", [i18n("failed")]);
        });
    });
  }

  function init(root) {
    if (!window.Sortable) return;
    (root || document).querySelectorAll("#board .cards").forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      window.Sortable.create(list, {
        group: "board",
        animation: 120,
        sort: false,
        draggable: ".opp-card",
        filter: "a",
        preventOnFilter: false,
        // Pointer-driven dragging behaves the same with mouse, touch and pen, unlike native HTML5 drag.
        forceFallback: true,
        fallbackTolerance: 4,
        onEnd: onEnd,
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });
  document.addEventListener("htmx:afterSettle", function () {
    init(document);
  });
})();
