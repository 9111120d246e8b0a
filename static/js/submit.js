// Upload the prediction file with a progress bar, or check it without uploading ("Check only").
// Without this script the form posts normally; with it, the same form is sent by XMLHttpRequest
// and the server answers JSON.
(function () {
  "use strict";
  var form = document.getElementById("submit-form");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var box = document.getElementById("upload-status");
  var bar = document.getElementById("upload-progress");
  var percent = document.getElementById("upload-percent");
  var errors = document.getElementById("file-errors");
  var checkBox = document.getElementById("check-result");
  var buttons = form.querySelectorAll("button[type=submit]");
  var offAtFirst = [];
  for (var b = 0; b < buttons.length; b++) offAtFirst.push(buttons[b].disabled);

  function fillList(ul, list) {
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
  }

  function resetBar() {
    // A refused file was uploaded in full; the bar must not go on saying 100% beside the refusal.
    box.hidden = true;
    bar.value = 0;
    percent.textContent = "";
  }

  function showErrors(list) {
    resetBar();
    fillList(errors.querySelector("ul"), list);
    errors.hidden = false;
    errors.scrollIntoView();
  }

  function showCheck(body) {
    resetBar();
    checkBox.querySelector("h2").textContent = body.ready ? "Ready to upload" : "Not ready";
    checkBox.classList.toggle("ready", !!body.ready);
    document.getElementById("check-message").textContent = body.message || "";
    fillList(document.getElementById("check-errors"), body.errors || []);
    checkBox.hidden = false;
    checkBox.scrollIntoView();
  }

  function enable(on) {
    for (var i = 0; i < buttons.length; i++) buttons[i].disabled = !on || offAtFirst[i];
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var checking = !!(event.submitter && event.submitter.name === "check_only");
    var data = new FormData(form);
    if (checking) data.set("check_only", "1");
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
      enable(true);
      if (xhr.status === 200 && body && typeof body.ready === "boolean") {
        showCheck(body);
        return;
      }
      showErrors(body && body.errors ? body.errors : [{ line: null, message: "The server answered " + xhr.status + "; please try again." }]);
    });
    xhr.addEventListener("error", function () {
      enable(true);
      showErrors([{ line: null, message: "The upload was interrupted; please try again." }]);
    });
    errors.hidden = true;
    checkBox.hidden = true;
    box.hidden = false;
    bar.value = 0;
    percent.textContent = "0%";
    enable(false);
    xhr.send(data);
  });
})();
