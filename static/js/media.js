// Media library, asset page: a click on the image sets the focal point. The two percentage
// fields below the image stay the way to do it by keyboard (and without JavaScript); a click
// fills them and submits the same form. The marker is placed through the CSSOM (no inline
// style attributes: the CSP forbids them).
(function () {
  "use strict";

  function place(marker, x, y) {
    marker.style.left = (x * 100) + "%";
    marker.style.top = (y * 100) + "%";
  }

  function wire(box) {
    var image = box.querySelector(".media-focal-image");
    var marker = box.querySelector(".media-focal-marker");
    var form = document.querySelector("form[data-media-focal-form]");
    if (!image || !marker || !form) { return; }
    var fieldX = form.querySelector("input[name='x']");
    var fieldY = form.querySelector("input[name='y']");
    place(marker, parseFloat(marker.dataset.x) || 0.5, parseFloat(marker.dataset.y) || 0.5);

    function fromFields() {
      var x = Math.min(100, Math.max(0, parseInt(fieldX.value, 10) || 0));
      var y = Math.min(100, Math.max(0, parseInt(fieldY.value, 10) || 0));
      place(marker, x / 100, y / 100);
    }
    fieldX.addEventListener("input", fromFields);
    fieldY.addEventListener("input", fromFields);

    image.addEventListener("click", function (event) {
      var rect = image.getBoundingClientRect();
      var x = Math.min(1, Math.max(0, (event.clientX - rect.left) / rect.width));
      var y = Math.min(1, Math.max(0, (event.clientY - rect.top) / rect.height));
      fieldX.value = Math.round(x * 100);
      fieldY.value = Math.round(y * 100);
      place(marker, x, y);
      form.requestSubmit();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-media-focal]").forEach(wire);
  });
})();
