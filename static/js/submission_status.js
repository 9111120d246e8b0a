// Poll the submission's status until it is scored or failed, and update the page in place.
(function () {
  "use strict";
  var root = document.getElementById("submission-status");
  var status = document.getElementById("status");
  if (!root || !status || !window.fetch) return;
  var url = root.getAttribute("data-status-url");
  // Scoring runs in the background; most files are scored within a second or two, so ask
  // soon and often at first, then back off.
  var delay = 250;

  // The server writes each number as every page shows it (an error as a percentage, mAP as a decimal).
  function fmt(texts, metric) { return texts && texts[metric] ? texts[metric] : "—"; }

  function render(data) {
    status.textContent = data.status_display;
    status.setAttribute("data-status", data.status);
    document.getElementById("failure-reason").textContent = data.failure_reason || "";
    var table = document.getElementById("scores");
    if (data.scores) {
      var cells = table.querySelectorAll("td[data-metric]");
      for (var i = 0; i < cells.length; i++) cells[i].textContent = fmt(data.scores_text, cells[i].getAttribute("data-metric"));
      table.hidden = false;
      var caption = document.getElementById("basis-note");
      if (data.scores.basis === "public") caption.textContent = "On the public subset of the test images; the final ranking uses the rest.";
      if (data.scores.basis === "ladder") caption.textContent = data.scores.ladder_accepted
        ? "Ladder: your shown score."
        : "Ladder: your shown score stays at your previous best, as this entry was not significantly better.";
      var warnings = document.getElementById("score-warnings");
      warnings.textContent = "";
      (data.scores.warnings || []).forEach(function (text) {
        var p = document.createElement("p");
        p.className = "warning";
        p.textContent = text;
        warnings.appendChild(p);
      });
    }
    // Rendered and escaped by the server's template (submissions/_standing.html).
    var standing = document.getElementById("standing-box");
    if (standing && typeof data.standing_html === "string") standing.innerHTML = data.standing_html;
    document.getElementById("hidden-note").hidden = !(data.status === "scored" && !data.scores && !data.standing_html.trim());
    var note = document.getElementById("status-note");
    if (note && (data.status === "scored" || data.status === "failed")) note.hidden = true;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        render(data);
        if (data.status === "received" || data.status === "scoring") {
          delay = Math.min(delay * 1.5, 5000);
          window.setTimeout(poll, delay);
        }
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }

  var current = status.getAttribute("data-status");
  if (current === "received" || current === "scoring") window.setTimeout(poll, delay);
})();
