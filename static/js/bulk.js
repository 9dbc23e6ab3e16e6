// Actions on many posts (templates/review/includes/bulk_bar.html): "select all", the count of
// the selection read aloud (a role="status" region), and only the fields of the chosen action.
// Without JavaScript every field shows and the form works the same. No inline handlers (CSP).
(function () {
  "use strict";

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-bulk-post]"));
  }

  function announce() {
    var region = document.querySelector("[data-bulk-count]");
    if (!region) { return; }
    var all = boxes();
    var n = all.filter(function (box) { return box.checked; }).length;
    var text = n === 0 ? region.dataset.none : n === 1 ? region.dataset.one : region.dataset.many.replace("__N__", String(n));
    region.textContent = text;
    var selectAll = document.querySelector("[data-bulk-select-all]");
    if (selectAll) {
      selectAll.checked = all.length > 0 && n === all.length;
      selectAll.indeterminate = n > 0 && n < all.length;
    }
  }

  function showFields() {
    var form = document.getElementById("bulk-form");
    if (!form) { return; }
    var action = form.querySelector("[name='action']");
    form.querySelectorAll("[data-bulk-for]").forEach(function (wrapper) {
      wrapper.hidden = !action || wrapper.dataset.bulkFor !== action.value;
    });
  }

  function init() {
    var wrapper = document.querySelector("[data-bulk-select-all-wrapper]");
    if (wrapper) { wrapper.hidden = boxes().length === 0; }
    showFields();
    announce();
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("[data-bulk-select-all]")) {
      boxes().forEach(function (box) { box.checked = target.checked; });
      announce();
    } else if (target.matches("[data-bulk-post]")) {
      announce();
    } else if (target.matches("#bulk-form [name='action']")) {
      showFields();
    }
  });
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSwap", init);
}());
