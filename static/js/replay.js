/* Market replay preview on a parameter proposal's page: the replay runs in a worker; this polls
 * its status endpoint, moves the progress bar, and fills the before/after table when done.
 * Every value is text from the server (formatted there): no arithmetic here. */
(function () {
  "use strict";
  const box = document.getElementById("market-replay-progress");
  if (!box) return;
  const bar = document.getElementById("market-replay-bar");
  const status = document.getElementById("market-replay-status");
  const table = document.getElementById("market-replay-live");
  const url = box.dataset.statusUrl;
  let delay = 1000;

  function cell(tag, text, className, label) {
    const el = document.createElement(tag);
    el.textContent = text;
    if (className) el.className = className;
    if (label) el.dataset.label = label; // the column, shown when the table stacks on a phone
    return el;
  }

  function showRows(rows) {
    const body = table.querySelector("tbody");
    body.replaceChildren();
    for (const row of rows) {
      const tr = document.createElement("tr");
      tr.dataset.metric = row.key;
      const label = cell("th", row.label);
      label.scope = "row";
      tr.append(label, cell("td", row.before, "before", "Before (in force)"),
        cell("td", row.after, "after", "After (proposed)"), cell("td", row.change, "change muted", "Change"));
      body.append(tr);
    }
    table.hidden = false;
    bar.hidden = true;
    box.querySelector("label[for=market-replay-bar]").hidden = true;
  }

  async function poll() {
    let run;
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      run = await response.json();
      if (!response.ok) throw new Error((run.error && run.error.message) || response.statusText);
    } catch (error) {
      status.textContent = "Could not read the replay's progress (" + error.message + "); retrying.";
      delay = Math.min(delay * 2, 15000);
      window.setTimeout(poll, delay);
      return;
    }
    if (run.state === "done") {
      status.textContent = "Replayed " + run.rounds_done + " match round(s) of the last " + run.days +
        " days: the parameters in force (before) against this proposal's values (after). An estimate.";
      showRows(run.rows || []);
      return;
    }
    if (run.state === "failed") {
      status.textContent = "The replay refused these values: " + (run.error || "unknown error");
      status.classList.add("error");
      bar.hidden = true;
      return;
    }
    if (run.rounds_total > 0) {
      bar.max = run.rounds_total;
      bar.value = run.rounds_done;
      status.textContent = "Replaying in the background: " + run.rounds_done + " of " + run.rounds_total + " rounds…";
    } else {
      status.textContent = run.state === "queued" ? "Waiting for a worker to replay the rounds…" : "Replaying…";
    }
    window.setTimeout(poll, delay);
  }

  window.setTimeout(poll, 500);
})();
