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

  // After a failed save the error summary takes the focus (the page may be thousands of pixels
  // long), and each of its links puts the caret in its field with the label in view.
  function errorSummary(root) {
    var summary = root.querySelector ? root.querySelector("[data-error-summary]") : null;
    if (!summary || summary.dataset.wired) { return; }
    summary.dataset.wired = "1";
    summary.querySelectorAll("a[data-error-link]").forEach(function (link) {
      link.addEventListener("click", function (event) {
        var field = document.getElementById(link.getAttribute("href").slice(1));
        if (!field) { return; }
        event.preventDefault();
        var label = document.querySelector("label[for='" + field.id + "']");
        var legend = field.closest("fieldset") ? field.closest("fieldset").querySelector("legend") : null;
        (legend || label || field).scrollIntoView({ block: "start" });
        field.focus({ preventScroll: true });
      });
    });
    summary.focus();
  }

  // A table wider than its box scrolls sideways: a keyboard user must be able to reach it to
  // scroll it (WCAG 2.1.1, axe "scrollable-region-focusable"). Such a box becomes a named,
  // focusable region; one that does not scroll, or holds a link or button, is left alone.
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";
  function scrollableRegions(root) {
    if (!root.querySelectorAll) { return; }
    root.querySelectorAll(".table-responsive").forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (!scrolls || box.querySelector(FOCUSABLE)) {
        if (box.dataset.scrollRegion) {
          box.removeAttribute("tabindex");
          box.removeAttribute("role");
          box.removeAttribute("aria-label");
          delete box.dataset.scrollRegion;
        }
        return;
      }
      if (box.dataset.scrollRegion) { return; }
      box.dataset.scrollRegion = "1";
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      var caption = box.querySelector("caption");
      var name = caption ? caption.textContent.trim() : "";
      box.setAttribute("aria-label", name || document.body.dataset.scrollRegionLabel || "");
    });
  }

  function init(root) {
    scrollableRegions(root);
    autosubmit(root);
    confirmations(root);
    copyButtons(root);
    errorSummary(root);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  var resizing = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(function () { scrollableRegions(document); }, 200);
  });
  document.addEventListener("htmx:load", function (event) {
    if (event.target !== document.body) { init(event.target); }
  });
  // Expose for page scripts (static files only) that need the same wiring.
  window.PAPlanner = { init: init };
})();
