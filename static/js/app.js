// Small behaviours shared by every page. No inline handlers anywhere: the CSP forbids them.
(function () {
  "use strict";

  function autosubmit(root) {
    root.querySelectorAll("[data-autosubmit]").forEach(function (select) {
      var form = select.form;
      form.querySelectorAll(".js-hide-when-autosubmit").forEach(function (el) { el.hidden = true; });
      select.addEventListener("change", function () { form.requestSubmit(); });
    });
  }

  function confirmations(root) {
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
      });
    });
  }

  function copyButtons(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      button.addEventListener("click", function () {
        var target = document.getElementById(button.dataset.copyTarget);
        if (!target) { return; }
        target.select();
        if (navigator.clipboard) { navigator.clipboard.writeText(target.value); }
        var status = document.getElementById(button.dataset.copyStatus || "");
        if (status) { status.textContent = button.dataset.copiedText || "OK"; }
      });
    });
  }

  function init(root) {
    autosubmit(root);
    confirmations(root);
    copyButtons(root);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) {
    if (event.target !== document.body) { init(event.target); }
  });
  // Expose for page scripts (static files only) that need the same wiring.
  window.PAPlanner = { init: init };
})();
