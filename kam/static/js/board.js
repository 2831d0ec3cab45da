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
    // What the stage being left still asks for, shown before the move is confirmed.
    var open = dialog.querySelector(".open-criteria");
    if (open) {
      open.innerHTML = "";
      if (card.dataset.criteriaUrl) {
        fetch(card.dataset.criteriaUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
          .then(function (response) { return response.ok ? response.text() : ""; })
          .then(function (html) { open.innerHTML = html; })
          .catch(function () {});
      }
    }
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

  /* Asks (the move dialog), posts and reports a move of `card` from one column to another; `undo`
   * puts a dragged card back when the move is cancelled or refused. */
  function moveCard(card, fromColumn, toColumn, undo) {
    var forward = Number(toColumn.dataset.stageOrder) > Number(fromColumn.dataset.stageOrder);
    return askForMove(card, toColumn, forward).then(function (answer) {
      if (!answer) {
        undo();
        return false;
      }
      return postMove(card, toColumn.dataset.stageId, answer)
        .then(function (data) {
          if (!data.ok) {
            undo();
            showStatus("error", [data.message || i18n("failed")]);
            return false;
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
          return Promise.resolve(reloadBoard()).then(function () {
            return true;
          });
        })
        .catch(function () {
          undo();
          showStatus("error", [i18n("failed")]);
          return false;
        });
    });
  }

  function onEnd(evt) {
    if (evt.from === evt.to) return;
    moveCard(evt.item, evt.from.closest(".column"), evt.to.closest(".column"), function () {
      putBack(evt);
    });
  }

  /* The keyboard path of a drag: the card's "Move…" button asks for the target stage, then opens
   * the same move dialog a drop opens. Focus comes back to the card's button afterwards. */
  function pickStage(card, fromColumn) {
    var dialog = document.getElementById("move-pick-dialog");
    var form = document.getElementById("move-pick-form");
    var select = document.getElementById("move-pick-stage");
    select.innerHTML = "";
    document.querySelectorAll("#board .column").forEach(function (column) {
      if (column === fromColumn) return;
      var option = document.createElement("option");
      option.value = column.dataset.stageId;
      option.textContent = column.getAttribute("aria-label") || column.dataset.stageCode;
      select.appendChild(option);
    });
    var name = card.querySelector(".card-name");
    dialog.querySelector(".move-pick-name").textContent = name ? name.textContent : "";
    return new Promise(function (resolve) {
      function finish(column) {
        form.removeEventListener("submit", onSubmit);
        cancel.removeEventListener("click", onCancel);
        dialog.removeEventListener("cancel", onCancel);
        if (dialog.open) dialog.close();
        resolve(column);
      }
      function onSubmit(e) {
        e.preventDefault();
        finish(document.querySelector("#board .column[data-stage-id='" + select.value + "']"));
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
      select.focus();
    });
  }

  function focusCard(id) {
    var button = document.querySelector("#board .opp-card[data-id='" + id + "'] .card-move");
    if (!button) return;
    button.hidden = false; // a board swapped in just now is shown before htmx settles it
    button.focus();
  }

  function onMoveButton(button) {
    var card = button.closest(".opp-card");
    var fromColumn = card.closest(".column");
    var id = card.dataset.id;
    pickStage(card, fromColumn).then(function (toColumn) {
      if (!toColumn) {
        focusCard(id);
        return;
      }
      moveCard(card, fromColumn, toColumn, function () {}).then(function () {
        focusCard(id);
      });
    });
  }

  function init(root) {
    (root || document).querySelectorAll("#board .card-move[hidden]").forEach(function (button) {
      button.hidden = false;
    });
    if (!window.Sortable) return;
    (root || document).querySelectorAll("#board .cards").forEach(function (list) {
      if (list.dataset.sortable) return;
      list.dataset.sortable = "1";
      window.Sortable.create(list, {
        group: "board",
        animation: 120,
        sort: false,
        draggable: ".opp-card",
        filter: "a, button",
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
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("#board .card-move");
    if (button) onMoveButton(button);
  });
  document.addEventListener("htmx:afterSettle", function () {
    init(document);
  });
})();
