// The notification centre and @mentions in comment boxes. No inline handlers: the CSP forbids them.
(function () {
  "use strict";

  // After marking notifications read in place, the focus goes to the message saying so (the
  // button that had it is gone).
  document.addEventListener("htmx:afterSettle", function () {
    var message = document.querySelector("[data-notification-feedback]");
    if (!message) { return; }
    message.removeAttribute("data-notification-feedback");
    message.setAttribute("tabindex", "-1");
    message.focus();
  });

  // @mentions: a textarea with data-mention-source suggests colleagues while "@name" is typed.
  // The focus stays in the textarea (aria-activedescendant names the highlighted option of the
  // listbox it controls); Arrow Down / Arrow Up move, Enter or Tab insert, Escape closes; a
  // live region says how many colleagues match. Without JavaScript "@username" still works.
  // As on the server (apps/notifications/mentions.py): letters of any script, digits, "_.+-".
  var TOKEN = /(^|[^\p{L}\p{N}_@])@([\p{L}\p{N}_.+-]{0,150})$/u;

  function wire(textarea) {
    if (textarea.dataset.mentionsWired || !textarea.id) { return; }
    textarea.dataset.mentionsWired = "1";
    var source = textarea.dataset.mentionSource;
    var listId = textarea.id + "-mentions";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "mention-list list-unstyled";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", textarea.dataset.mentionLabel || "");
    list.hidden = true;
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    textarea.parentNode.insertBefore(list, textarea.nextSibling);
    textarea.parentNode.insertBefore(status, list.nextSibling);
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-controls", listId);

    var people = [];
    var active = -1;
    var timer = null;
    var asked = 0;

    function token() {
      var before = textarea.value.slice(0, textarea.selectionStart);
      var match = TOKEN.exec(before);
      return match ? { query: match[2], start: before.length - match[2].length - 1 } : null;
    }

    function close() {
      list.hidden = true;
      list.textContent = "";
      people = [];
      active = -1;
      textarea.removeAttribute("aria-activedescendant");
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      options.forEach(function (option, i) {
        option.setAttribute("aria-selected", i === index ? "true" : "false");
      });
      active = index;
      if (options[index]) {
        textarea.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      }
    }

    function choose(index) {
      var found = token();
      var person = people[index];
      if (!found || !person) { close(); return; }
      var end = textarea.selectionStart;
      var text = "@" + person.username + " ";
      textarea.value = textarea.value.slice(0, found.start) + text + textarea.value.slice(end);
      var caret = found.start + text.length;
      textarea.setSelectionRange(caret, caret);
      close();
      status.textContent = (textarea.dataset.mentionChosen || "%s").replace("%s", person.name);
    }

    function show(found) {
      close();
      people = found;
      found.forEach(function (person, i) {
        var option = document.createElement("li");
        option.id = listId + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.textContent = person.name + " (@" + person.username + ")";
        // mousedown, not click: the textarea must not lose the caret first.
        option.addEventListener("mousedown", function (event) {
          event.preventDefault();
          choose(i);
        });
        list.appendChild(option);
      });
      if (found.length) {
        list.hidden = false;
        highlight(0);
        status.textContent = (textarea.dataset.mentionCount || "%s").replace("%s", found.length);
      } else {
        status.textContent = textarea.dataset.mentionNone || "";
      }
    }

    function lookup() {
      var found = token();
      if (!found) { close(); return; }
      var mine = ++asked;
      fetch(source + "?q=" + encodeURIComponent(found.query), {
        headers: { Accept: "application/json" },
        credentials: "same-origin"
      })
        .then(function (response) { return response.ok ? response.json() : { people: [] }; })
        .then(function (data) { if (mine === asked) { show(data.people || []); } })
        .catch(close);
    }

    textarea.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(lookup, 150);
    });
    textarea.addEventListener("keydown", function (event) {
      if (list.hidden || !people.length) { return; }
      if (event.key === "ArrowDown") {
        event.preventDefault();
        highlight((active + 1) % people.length);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        highlight((active - 1 + people.length) % people.length);
      } else if ((event.key === "Enter" || event.key === "Tab") && active >= 0) {
        event.preventDefault();
        choose(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    textarea.addEventListener("blur", function () { window.setTimeout(close, 150); });
  }

  function wireAll(root) {
    if (!root.querySelectorAll) { return; }
    root.querySelectorAll("textarea[data-mention-source]").forEach(wire);
  }

  document.addEventListener("DOMContentLoaded", function () { wireAll(document); });
  document.addEventListener("htmx:load", function (event) { wireAll(event.target); });
})();
