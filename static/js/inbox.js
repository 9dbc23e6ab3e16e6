// Inbox: ready answers into the reply box, and keyboard shortcuts (off until the person turns
// them on, WCAG 2.1.4; never while typing in a field). No inline handlers: the CSP forbids them.
(function () {
  "use strict";

  var STORAGE_KEY = "paPlannerInboxShortcuts";

  function shortcutsOn() {
    try { return window.localStorage.getItem(STORAGE_KEY) === "1"; } catch (e) { return false; }
  }

  function wireCanned() {
    document.querySelectorAll("[data-canned-target]").forEach(function (select) {
      select.addEventListener("change", function () {
        var box = document.getElementById(select.dataset.cannedTarget);
        if (!box || !select.value) { return; }
        box.value = select.value;
        box.dispatchEvent(new Event("change", { bubbles: true }));
        box.focus();
      });
    });
  }

  function wireToggle() {
    document.querySelectorAll("[data-shortcuts-toggle]").forEach(function (box) {
      box.checked = shortcutsOn();
      box.addEventListener("change", function () {
        try { window.localStorage.setItem(STORAGE_KEY, box.checked ? "1" : "0"); } catch (e) { /* private mode */ }
      });
    });
  }

  function typing(target) {
    var tag = (target.tagName || "").toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function moveFocus(step) {
    var rows = Array.prototype.slice.call(document.querySelectorAll("[data-inbox-row]"));
    if (!rows.length) { return; }
    var index = rows.indexOf(document.activeElement);
    var next = index === -1 ? 0 : Math.min(Math.max(index + step, 0), rows.length - 1);
    rows[next].focus();
  }

  document.addEventListener("keydown", function (event) {
    if (!shortcutsOn() || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) { return; }
    if (event.key === "j") { moveFocus(1); event.preventDefault(); }
    else if (event.key === "k") { moveFocus(-1); event.preventDefault(); }
    else if (event.key === "/") {
      var search = document.getElementById("id_cerca");
      if (search) { search.focus(); event.preventDefault(); }
    } else if (event.key === "r") {
      var reply = document.getElementById("id_testo");
      if (reply) { reply.focus(); event.preventDefault(); }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    wireCanned();
    wireToggle();
  });
})();
