// Event form: time fields only for events with a time, "repeat until" only for series.
(function () {
  "use strict";

  function toggle(form) {
    var allDay = form.querySelector("#id_all_day");
    var repeat = form.querySelector("#id_repeat_weekly");
    function update() {
      form.querySelectorAll("[data-event-time]").forEach(function (el) {
        el.hidden = allDay && allDay.checked;
      });
      form.querySelectorAll("[data-event-repeat]").forEach(function (el) {
        el.hidden = repeat && !repeat.checked;
      });
    }
    if (allDay) { allDay.addEventListener("change", update); }
    if (repeat) { repeat.addEventListener("change", update); }
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-event-form]").forEach(toggle);
  });
})();
