// Upload the prediction file with a progress bar. Without this script the form posts
// normally; with it, the same form is sent by XMLHttpRequest and the server answers JSON.
(function () {
  "use strict";
  var form = document.getElementById("submit-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var box = document.getElementById("upload-status");
  var bar = document.getElementById("upload-progress");
  var percent = document.getElementById("upload-percent");
  var errors = document.getElementById("file-errors");
  var button = form.querySelector("button[type=submit]");

  function showErrors(list) {
    // A refused file was uploaded in full; the bar must not go on saying 100% beside the refusal.
    box.hidden = true;
    bar.value = 0;
    percent.textContent = "";
    var ul = errors.querySelector("ul");
    ul.textContent = "";
    list.forEach(function (error) {
      var li = document.createElement("li");
      if (error.line) {
        var strong = document.createElement("strong");
        strong.textContent = "Line " + error.line + ": ";
        li.appendChild(strong);
      }
      li.appendChild(document.createTextNode(error.message));
      ul.appendChild(li);
    });
    errors.hidden = false;
    errors.scrollIntoView();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var value = Math.round((100 * e.loaded) / e.total);
      bar.value = value;
      percent.textContent = value + "%";
    });
    xhr.addEventListener("load", function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (xhr.status === 200 && body && body.redirect) {
        bar.value = 100;
        percent.textContent = "100% — received";
        window.location.assign(body.redirect);
        return;
      }
      button.disabled = false;
      showErrors(body && body.errors ? body.errors : [{ line: null, message: "The server answered " + xhr.status + "; please try again." }]);
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      showErrors([{ line: null, message: "The upload was interrupted; please try again." }]);
    });
    errors.hidden = true;
    box.hidden = false;
    bar.value = 0;
    percent.textContent = "0%";
    button.disabled = true;
    xhr.send(new FormData(form));
  });
})();
