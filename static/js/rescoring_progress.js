// Keep the rescoring page's progress current without a reload (the page works on reload alone).
(function () {
  "use strict";
  var table = document.getElementById("rescoring-jobs");
  if (!table || !window.fetch) return;
  var url = table.getAttribute("data-status-url");
  var note = document.getElementById("progress-note");

  function unfinished() {
    return table.querySelectorAll("tr[data-job]:not([data-status=done])").length > 0;
  }

  function render(job) {
    var row = document.getElementById("job-" + job.id);
    if (!row) return false;
    row.setAttribute("data-status", job.status);
    row.querySelector(".job-status").textContent = job.status_display;
    var bar = row.querySelector("progress");
    bar.max = job.total;
    bar.value = job.done + job.failed;
    bar.textContent = job.percent + "%";
    row.querySelector(".job-count").textContent = job.done + " of " + job.total + " rescored" +
      (job.failed ? ", " + job.failed + " failed" : "");
    row.querySelector(".job-finished").textContent = job.finished_at || "—";
    return true;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        var known = data.jobs.map(render).every(Boolean);
        // A job started elsewhere has no row yet: the page itself shows it on the next load.
        if (!known) note.textContent = "A new rescoring started; reload the page to see it.";
        if (unfinished()) window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }

  if (unfinished()) {
    note.textContent = "Progress updates by itself.";
    window.setTimeout(poll, 2000);
  }
})();
