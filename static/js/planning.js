// Planning: drag and drop in the calendar (the "Sposta" form on each post is the keyboard way)
// and the editor's helpers. No inline handlers: the CSP forbids them.
(function () {
  "use strict";

  var dragged = null;

  function wireCalendar(root) {
    root.querySelectorAll("[data-post-id][draggable='true']").forEach(function (card) {
      if (card.dataset.wired) { return; }
      card.dataset.wired = "1";
      card.addEventListener("dragstart", function (event) {
        dragged = card;
        card.classList.add("cal-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", card.dataset.postId);
      });
      card.addEventListener("dragend", function () {
        card.classList.remove("cal-dragging");
        dragged = null;
      });
    });
    root.querySelectorAll("[data-drop-date]").forEach(function (cell) {
      if (cell.dataset.wired) { return; }
      cell.dataset.wired = "1";
      cell.addEventListener("dragover", function (event) {
        if (!dragged) { return; }
        event.preventDefault();
        cell.classList.add("cal-drop-target");
      });
      cell.addEventListener("dragleave", function () { cell.classList.remove("cal-drop-target"); });
      cell.addEventListener("drop", function (event) {
        event.preventDefault();
        cell.classList.remove("cal-drop-target");
        if (!dragged || !window.htmx) { return; }
        var body = document.getElementById("calendar-body");
        var values = {
          data: cell.dataset.dropDate,
          // Week view cells are hours: keep the post's minutes within the new hour.
          ora: cell.dataset.dropTime
            ? cell.dataset.dropTime.slice(0, 3) + dragged.dataset.time.slice(3)
            : dragged.dataset.time,
          version: dragged.dataset.version,
          next: body ? body.dataset.calendarUrl : window.location.pathname + window.location.search
        };
        window.htmx.ajax("POST", dragged.dataset.rescheduleUrl, {
          target: "#calendar-body", swap: "outerHTML", values: values
        });
      });
    });
  }

  function wireEditor(root) {
    root.querySelectorAll("[data-copy-base]").forEach(function (button) {
      if (button.dataset.wired) { return; }
      button.dataset.wired = "1";
      button.hidden = false;
      button.addEventListener("click", function () {
        var base = document.getElementById("id_base_text");
        var target = document.getElementById(button.dataset.copyBase);
        if (!base || !target) { return; }
        target.value = base.value;
        target.dispatchEvent(new Event("change", { bubbles: true }));
        target.focus();
      });
    });
    // Show the variant of a channel only when the channel is chosen (all stay in the form).
    var form = root.querySelector ? root.querySelector("form[data-post-form]") : null;
    if (!form || form.dataset.wired) { return; }
    form.dataset.wired = "1";
    function update() {
      form.querySelectorAll("[data-variant-channel]").forEach(function (section) {
        var box = form.querySelector("input[name='channels'][value='" + section.dataset.variantChannel + "']");
        section.hidden = box ? !box.checked : false;
        // The server's "(non scelto)" is true only until the channel is ticked here.
        section.querySelectorAll("[data-unchosen-note]").forEach(function (note) {
          note.hidden = box ? box.checked : false;
        });
        section.classList.toggle("variant-unchosen", box ? !box.checked : false);
      });
    }
    form.querySelectorAll("input[name='channels']").forEach(function (box) {
      box.addEventListener("change", update);
    });
    update();
  }

  function init(root) {
    wireCalendar(root);
    wireEditor(root);
    // A move that waits for an answer (slot post moved far): take the keyboard there.
    var question = root.querySelector ? root.querySelector("[data-move-question]") : null;
    if (question) { question.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
