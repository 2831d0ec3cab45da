// The top bar's disclosure menus and the narrow-screen helpers, wired by data- attributes (the
// Content-Security-Policy allows no inline handlers).
//
// <button data-disclosure aria-controls="id" aria-expanded="false">: shows or hides the element
// #id; the style sheet (css/layout.css) shows a panel whose button says aria-expanded="true".
// With data-menu the panel is a drop-down: opening one closes the others, and Escape or a click
// elsewhere closes it. Escape in the phone menu (no drop-down open) folds the menu itself.
//
// <select data-show-one="#board">: shows only the child of #board whose data-pick matches the
// option chosen (the board's stage picker on a phone); the board re-rendered by htmx keeps it.
(function () {
  "use strict";

  function setOpen(button, open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function openMenus(except) {
    return Array.prototype.filter.call(
      document.querySelectorAll('[data-menu][aria-expanded="true"]'),
      function (button) { return button !== except; }
    );
  }

  function closeMenus(except) {
    openMenus(except).forEach(function (button) { setOpen(button, false); });
  }

  document.addEventListener("click", function (e) {
    var target = e.target instanceof Element ? e.target : null;
    if (!target) return;
    var button = target.closest("[data-disclosure]");
    if (button) {
      var open = button.getAttribute("aria-expanded") !== "true";
      if (button.hasAttribute("data-menu")) closeMenus(button);
      // On a phone the user menu opens across the top bar: the folded main menu steps aside.
      var toggle = document.querySelector('.menu-toggle[aria-expanded="true"]');
      if (open && toggle && toggle !== button && !document.getElementById(toggle.getAttribute("aria-controls")).contains(button)) {
        setOpen(toggle, false);
      }
      setOpen(button, open);
      return;
    }
    // A click outside an open drop-down, or on one of its links, closes it.
    openMenus(null).forEach(function (menu) {
      var panel = document.getElementById(menu.getAttribute("aria-controls"));
      if (!panel || !panel.contains(target) || target.closest("a")) setOpen(menu, false);
    });
  });

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var focused = document.activeElement;
    // The drop-down holding the focus (or opened by it), else any open one.
    var menus = openMenus(null);
    var inside = menus.filter(function (menu) {
      var panel = document.getElementById(menu.getAttribute("aria-controls"));
      return menu === focused || (panel && panel.contains(focused));
    });
    var closing = inside.length ? inside : menus;
    if (closing.length) {
      closing.forEach(function (menu) { setOpen(menu, false); });
      closing[0].focus();
      return;
    }
    var toggle = document.querySelector('.menu-toggle[aria-expanded="true"]');
    if (toggle) {
      setOpen(toggle, false);
      toggle.focus();
    }
  });

  // Focus leaving a drop-down (Tab past its last link) closes it, so two never overlap. Not when a
  // press moved the focus: on a phone the closing section would shift the buttons under the finger
  // between press and release, and the click would miss; the click itself closes the others.
  var pressing = false;
  document.addEventListener("pointerdown", function () { pressing = true; }, true);
  document.addEventListener("pointerup", function () { setTimeout(function () { pressing = false; }, 0); }, true);
  document.addEventListener("focusin", function (e) {
    var target = e.target instanceof Element ? e.target : null;
    if (!target || pressing) return;
    openMenus(null).forEach(function (menu) {
      var section = menu.parentElement;
      if (section && !section.contains(target)) setOpen(menu, false);
    });
  });

  function showOne(select) {
    var holder = document.querySelector(select.getAttribute("data-show-one"));
    if (!holder) return;
    holder.setAttribute("data-showing-one", "");
    Array.prototype.forEach.call(holder.querySelectorAll("[data-pick]"), function (item) {
      item.classList.toggle("picked", item.getAttribute("data-pick") === select.value);
    });
  }

  function showAll() {
    document.querySelectorAll("select[data-show-one]").forEach(showOne);
  }

  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el instanceof HTMLSelectElement && el.hasAttribute("data-show-one")) showOne(el);
  });
  document.addEventListener("DOMContentLoaded", showAll);
  document.addEventListener("htmx:afterSettle", showAll);
})();
