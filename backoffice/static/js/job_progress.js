/* Job-run screen (SPEC §8): move the progress bars while runs are queued or running, no reload.
 *
 * Rows (list) or the detail table (show page) carry data-run-id and data-run-state; the
 * container #job-runs carries data-progress-url (GET /api/v1/job_run/progress?ids=...).
 * Every second, while any run shown is queued or running, the runs are fetched and their
 * state badge, bar, done/total, times and duration updated in place; polling stops when
 * every run shown has ended, or when the server refuses (signed out, no permission).
 * Served from the application (backoffice/static), no CDN.
 */
(function () {
  "use strict";
  var INTERVAL_MS = 1000;
  var ACTIVE = { queued: true, running: true };
  var container = document.getElementById("job-runs");
  if (!container || !window.fetch) { return; }
  var url = container.getAttribute("data-progress-url");
  var timer = null;

  function runElements() {
    return Array.prototype.slice.call(container.querySelectorAll("[data-run-id]"));
  }

  function activeIds() {
    var ids = [];
    runElements().forEach(function (el) {
      if (ACTIVE[el.getAttribute("data-run-state")]) { ids.push(el.getAttribute("data-run-id")); }
    });
    return ids;
  }

  function setText(root, selector, text) {
    Array.prototype.forEach.call(root.querySelectorAll(selector), function (el) {
      el.textContent = text == null ? "" : String(text);
    });
  }

  function updateBar(root, run) {
    Array.prototype.forEach.call(root.querySelectorAll(".job-progress .progress-bar"), function (bar) {
      var classes = ["progress-bar"];
      if (run.bar_class) { classes.push(run.bar_class); }
      if (run.active) { classes.push("progress-bar-striped", "active"); }
      bar.className = classes.join(" ");
      bar.style.width = run.percent + "%";
      bar.setAttribute("aria-valuenow", run.percent);
      bar.textContent = run.percent + "%";
    });
  }

  function updateBadge(root, run) {
    Array.prototype.forEach.call(root.querySelectorAll(".job-state-label"), function (badge) {
      badge.className = "label label-" + run.state_class + " job-state-label";
      badge.setAttribute("data-state", run.state);
      badge.textContent = run.state_label;
    });
  }

  function updateSummary(root, run) {
    Array.prototype.forEach.call(root.querySelectorAll("table.job-summary tbody"), function (body) {
      while (body.firstChild) { body.removeChild(body.firstChild); }
      (run.summary || []).forEach(function (row) {
        var tr = document.createElement("tr");
        var th = document.createElement("th");
        var td = document.createElement("td");
        th.textContent = row[0];
        td.textContent = row[1];
        tr.appendChild(th);
        tr.appendChild(td);
        body.appendChild(tr);
      });
    });
    Array.prototype.forEach.call(root.querySelectorAll("pre.job-error"), function (pre) {
      pre.textContent = run.error || "";
      pre.style.display = run.error ? "" : "none";
    });
  }

  function update(run) {
    runElements().forEach(function (root) {
      if (root.getAttribute("data-run-id") !== String(run.id)) { return; }
      var ended = !run.active && ACTIVE[root.getAttribute("data-run-state")];
      root.setAttribute("data-run-state", run.state);
      updateBadge(root, run);
      updateBar(root, run);
      setText(root, ".job-done", run.done);
      setText(root, ".job-total", run.total);
      setText(root, ".job-started_at", run.started_at);
      setText(root, ".job-ended_at", run.ended_at);
      setText(root, ".job-duration", run.duration);
      if (ended) { updateSummary(root, run); }
    });
  }

  function schedule() {
    timer = activeIds().length ? window.setTimeout(poll, INTERVAL_MS) : null;
  }

  function poll() {
    var ids = activeIds();
    if (!ids.length) { timer = null; return; }
    window.fetch(url + "?ids=" + ids.join(","), {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.status === 401 || response.status === 403) { throw new Error("stop"); }
      return response.ok ? response.json() : { runs: [] };
    }).then(function (data) {
      (data.runs || []).forEach(update);
      container.setAttribute("data-polled", String(Number(container.getAttribute("data-polled") || 0) + 1));
      schedule();
    }).catch(function (error) {
      if (error && error.message === "stop") { timer = null; return; }
      timer = window.setTimeout(poll, INTERVAL_MS * 5);  // network hiccup: try again later
    });
  }

  schedule();
})();
