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

  // Upload page: with JavaScript, the chosen files are sent one at a time, each with a progress
  // bar and its own outcome (the server answers with that file's outcome only). Without it, or
  // when the shared fields have an error (400), the plain multi-file form is submitted.
  function wireUpload(form) {
    var input = form.querySelector("input[type='file'][name='files']");
    var list = document.querySelector("[data-media-progress]");
    if (!input || !list || !window.FormData || !window.XMLHttpRequest) { return; }

    form.addEventListener("submit", function (event) {
      if (form.dataset.plain === "1" || input.files.length === 0) { return; }
      event.preventDefault();
      var rows = Array.prototype.map.call(input.files, function (file) {
        var item = document.createElement("li");
        item.className = "list-group-item";
        var name = document.createElement("span");
        name.className = "d-block fw-semibold";
        name.textContent = file.name;
        var bar = document.createElement("progress");
        bar.max = 100;
        bar.value = 0;
        bar.className = "media-progress";
        bar.setAttribute("aria-label", form.dataset.uploadLabel + " " + file.name);
        var outcome = document.createElement("div");
        outcome.className = "small";
        item.append(name, bar, outcome);
        return { file: file, item: item, bar: bar, outcome: outcome };
      });
      list.replaceChildren.apply(list, rows.map(function (row) { return row.item; }));
      list.hidden = false;
      var next = 0;

      function send() {
        if (next >= rows.length) { input.value = ""; return; }
        var row = rows[next];
        next += 1;
        var data = new FormData(form);
        data.delete("files");
        data.append("files", row.file);
        var request = new XMLHttpRequest();
        request.open("POST", form.action || window.location.href);
        request.setRequestHeader("HX-Request", "true");
        request.upload.addEventListener("progress", function (progress) {
          if (progress.lengthComputable) {
            row.bar.value = Math.round((progress.loaded * 100) / progress.total);
          }
        });
        request.addEventListener("load", function () {
          if (request.status === 400) {  // the shared fields: the server shows the errors
            form.dataset.plain = "1";
            form.requestSubmit();
            return;
          }
          row.bar.value = 100;
          // Rendered and escaped by the server; parsed inertly (no script runs), then moved in.
          var answer = new DOMParser().parseFromString(request.responseText, "text/html");
          row.outcome.replaceChildren.apply(row.outcome, Array.from(answer.body.childNodes));
          send();
        });
        request.addEventListener("error", function () {
          row.outcome.textContent = form.dataset.networkError;
          send();
        });
        request.send(data);
      }
      send();
    });
  }

  // Upload page: files dragged from the computer onto the drop zone become the file field's
  // choice (then the form uploads them as if chosen in the field). The zone appears only with
  // JavaScript and a browser that lets a script set a file field; the field itself stays the
  // keyboard's (and every other browser's) way to choose files.
  function wireDrop(form) {
    var zone = form.querySelector("[data-media-drop]");
    var input = form.querySelector("input[type='file'][name='files']");
    var status = zone && zone.querySelector("[data-media-drop-status]");
    if (!zone || !input || !status || !window.DataTransfer) { return; }
    try {
      input.files = new DataTransfer().files;  // throws where a script cannot set the files
    } catch (error) {
      return;
    }
    zone.hidden = false;

    function describe() {
      var names = Array.prototype.map.call(input.files, function (file) { return file.name; });
      var label = names.length === 1 ? zone.dataset.droppedOne : zone.dataset.droppedMany;
      status.textContent = names.length ? names.length + " " + label + " " + names.join(", ") : "";
    }

    ["dragenter", "dragover"].forEach(function (type) {
      zone.addEventListener(type, function (event) {
        event.preventDefault();
        event.dataTransfer.dropEffect = "copy";
        zone.classList.add("media-drop-active");
      });
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("media-drop-active"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("media-drop-active");
      if (!event.dataTransfer || !event.dataTransfer.files.length) { return; }
      var chosen = new DataTransfer();
      Array.prototype.forEach.call(event.dataTransfer.files, function (file) {
        chosen.items.add(file);
      });
      input.files = chosen.files;
      input.dispatchEvent(new Event("change", { bubbles: true }));
    });
    input.addEventListener("change", describe);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-media-focal]").forEach(wire);
    document.querySelectorAll("form[data-media-upload]").forEach(wireDrop);
    document.querySelectorAll("form[data-media-upload]").forEach(wireUpload);
  });
})();
