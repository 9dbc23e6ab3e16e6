// Crisis pages: ask before irreversible actions, and show the channel list only when the
// scope is "chosen channels". Without JavaScript the forms work the same, without the prompt.
(function () {
  "use strict";

  function wireConfirm(form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.crisisConfirm)) { event.preventDefault(); }
    });
  }

  function wireScope(form) {
    var box = form.querySelector("[data-crisis-channels]");
    if (!box) { return; }
    function update() {
      var chosen = form.querySelector("input[name='scope']:checked");
      box.hidden = !chosen || chosen.value !== "chosen";
    }
    form.querySelectorAll("input[name='scope']").forEach(function (radio) {
      radio.addEventListener("change", update);
    });
    update();
  }

  function wireSelectAll(box) {
    var form = box.closest("form");
    box.addEventListener("change", function () {
      form.querySelectorAll("input[name='posts']").forEach(function (input) {
        input.checked = box.checked;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-crisis-confirm]").forEach(wireConfirm);
    document.querySelectorAll("form[data-crisis-scope]").forEach(wireScope);
    document.querySelectorAll("input[data-crisis-select-all]").forEach(wireSelectAll);
  });
})();
