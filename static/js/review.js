// Review actions swapped in place by htmx: move focus to the result message so that keyboard
// and screen-reader users learn what happened (a newly inserted live region is not always read).
(function () {
  "use strict";

  document.addEventListener("htmx:afterSettle", function () {
    var message = document.querySelector("[data-review-feedback]");
    if (!message) { return; }
    message.removeAttribute("data-review-feedback");
    message.setAttribute("tabindex", "-1");
    message.focus();
  });
})();
