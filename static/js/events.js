// Events pages. Event form: time fields only for events with a time, "repeat until" only for
// series. Subscribe page: copy a feed address, saying honestly whether it worked.
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

  // The Clipboard API needs a secure context and may be refused: then the older copy command,
  // and if that fails too the address stays selected and the status says how to copy it.
  function copyFeed(button) {
    var target = document.getElementById(button.dataset.feedCopy);
    var status = document.getElementById(button.dataset.copyStatus || "");
    if (!target) { return; }
    function say(text) { if (status) { status.textContent = text; } }
    function legacyCopy() {
      target.focus();
      target.select();
      var copied = false;
      try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
      say(copied ? button.dataset.copiedText : button.dataset.failedText);
    }
    say("");
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(target.value).then(function () {
        target.select();
        say(button.dataset.copiedText);
      }, legacyCopy);
    } else {
      legacyCopy();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-event-form]").forEach(toggle);
    document.querySelectorAll("button[data-feed-copy]").forEach(function (button) {
      button.addEventListener("click", function () { copyFeed(button); });
    });
  });
})();
