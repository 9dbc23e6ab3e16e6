// Slot form: show only the recurrence fields of the chosen frequency, and the digest window
// only for events digests. Hidden fields keep their values; the server ignores what does not apply.
(function () {
  "use strict";

  function wire(form) {
    var radios = form.querySelectorAll("input[name='frequency']");
    var digest = form.querySelector("input[name='is_events_digest']");
    var digestBox = form.querySelector("[data-slot-digest]");

    function update() {
      var chosen = form.querySelector("input[name='frequency']:checked");
      var value = chosen ? chosen.value : "weekly";
      form.querySelectorAll("[data-slot-frequency]").forEach(function (group) {
        group.hidden = group.dataset.slotFrequency !== value;
      });
      if (digest && digestBox) { digestBox.hidden = !digest.checked; }
    }

    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    if (digest) { digest.addEventListener("change", update); }
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-slot-form]").forEach(wire);
  });
})();
