/* Market pages: register a node (token shown once), refresh stake, report leases, job form with
 * a live quote in both payment tokens. Uses window.jctgov.api from wallet.js. */
(function () {
  "use strict";
  const api = (path, options) => window.jctgov.api(path, options);
  const $ = (id) => document.getElementById(id);

  function formData(form) {
    const data = {};
    for (const [key, value] of new FormData(form).entries()) data[key] = value;
    return data;
  }

  function showError(box, error) {
    box.textContent = error ? error.message || String(error) : "";
  }

  /* --- provider dashboard -------------------------------------------------------------- */
  function initProvider() {
    const form = $("node-form");
    if (!form) return;
    const model = $("node-gpu-model");
    const vram = $("node-vram");
    const syncVram = () => { vram.value = model.selectedOptions[0].dataset.vram || ""; };
    model.addEventListener("change", syncVram);
    syncVram();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      showError($("node-error"));
      const body = formData(form);
      for (const key of ["gpu_count", "vram_gb", "available_hours"]) body[key] = body[key] ? Number(body[key]) : null;
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const node = await api("/api/v1/market/nodes/register", { method: "POST", body });
        $("node-token-name").textContent = node.name;
        $("node-token").textContent = node.token;
        $("node-token-box").hidden = false;
        form.hidden = true;
      } catch (error) {
        showError($("node-error"), error);
        button.disabled = false;
      }
    });
    const refresh = $("refresh-stake");
    if (refresh) {
      refresh.addEventListener("click", async () => {
        refresh.disabled = true;
        try {
          await api("/api/v1/market/providers/me/refresh-stake", { method: "POST" });
          window.location.reload();
        } catch (error) {
          window.jctgov.status(error.message, true);
          refresh.disabled = false;
        }
      });
    }
  }

  /* --- lease reports: pending → running → completed | failed ------------------------- */
  function initLeases() {
    const table = $("leases");
    if (!table) return;
    table.addEventListener("click", async (event) => {
      const button = event.target.closest(".lease-action");
      if (!button) return;
      const lease = button.closest("tr").dataset.lease;
      const action = button.dataset.action;
      let body;
      if (action === "fail") {
        const reason = window.prompt("Why did the job fail?");
        if (!reason) return;
        body = { reason };
      }
      button.disabled = true;
      try {
        await api("/api/v1/market/leases/" + lease + "/" + action, { method: "POST", body });
        window.location.reload();
      } catch (error) {
        showError($("lease-error"), error);
        button.disabled = false;
      }
    });
  }

  /* --- job form with live quote ------------------------------------------------------- */
  const QUOTE_FIELDS = ["subtotal", "fee", "reservation", "total"];

  // A quote amount for reading: JCT (18 decimals) as every page shows tokens — two decimals
  // rounded toward zero, the exact amount in the title; USD as the server sent it.
  function showAmount(cell, text, currency, suffix) {
    cell.removeAttribute("title");
    if (currency === "JCT") {
      const units = window.jctgov.units;
      const wei = units.toWei(text);
      cell.textContent = units.formatTokens(wei) + " JCT" + suffix;
      if (units.formatTokens(wei) !== units.exactTokens(wei)) cell.title = units.exactTokens(wei) + " JCT";
    } else {
      // Exact, without the stablecoin's padding: "20.000000" -> "20.00", "30.675000" -> "30.675".
      const [whole, fraction = ""] = String(text).split(".");
      cell.textContent = whole + "." + fraction.replace(/0+$/, "").padEnd(2, "0") + " " + currency + suffix;
    }
  }

  function renderQuote(token, quote) {
    const values = quote
      ? { subtotal: quote.subtotal, fee: quote.fee, reservation: quote.reservation_fee, total: quote.total }
      : {};
    for (const field of QUOTE_FIELDS) {
      const cell = $("quote-" + token + "-" + field);
      if (!cell) continue;
      if (!quote) {
        cell.textContent = "—";
        cell.removeAttribute("title");
        continue;
      }
      const suffix = field === "fee" ? " (" + (quote.fee_bps / 100) + "%)" : "";
      showAmount(cell, values[field], quote.currency, suffix);
    }
  }

  function initJobForm() {
    const form = $("job-form");
    if (!form) return;
    let timer = null;
    let sequence = 0;
    async function updateQuote() {
      const data = formData(form);
      const gpuHours = Number(data.gpus) * Number(data.hours);
      const price = Number(data.max_price_usd);
      const mine = ++sequence;
      if (!(gpuHours > 0) || !(price > 0)) {
        renderQuote("stablecoin", null); renderQuote("jct", null);
        return;
      }
      const params = new URLSearchParams({ gpu_hours: String(gpuHours), price: data.max_price_usd,
                                           payment_token: data.payment_token });
      try {
        const quote = await api("/api/v1/market/quotes?" + params);
        if (mine !== sequence) return; // a newer request is on its way
        renderQuote("stablecoin", quote.stablecoin);
        renderQuote("jct", quote.jct);
        const jctPrice = quote.jct.jct_usd_price ? "JCT at $" + quote.jct.jct_usd_price + ". " : "";
        $("quote-rounding").textContent = jctPrice + "Rounding: " + quote.jct.rounding + ".";
        $("quote-error").textContent = "";
      } catch (error) {
        if (mine === sequence) $("quote-error").textContent = error.message;
      }
    }
    form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(updateQuote, 150); });
    updateQuote();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      showError($("job-error"));
      const body = formData(form);
      for (const key of ["gpus", "vram_min", "hours"]) body[key] = Number(body[key]);
      if (!body.gpu_model) body.gpu_model = null;
      try {
        const job = await api("/api/v1/market/jobs/submit", { method: "POST", body });
        $("job-result").textContent = "Job #" + job.id + " submitted: " + job.state + ". It is matched in the next round.";
        addJobRow(job);
      } catch (error) {
        showError($("job-error"), error);
      }
    });
  }

  function addJobRow(job) {
    const body = document.querySelector("#my-jobs tbody");
    if (!body) return;
    const empty = body.querySelector("tr.empty");
    if (empty) empty.remove();
    const row = document.createElement("tr");
    row.dataset.job = job.id;
    // [column (data-label: shown when the table stacks on a phone), text]
    const cells = [["Job", "#" + job.id], ["GPUs", job.gpus + "× " + (job.gpu_model || "any") + " (≥" + job.vram_min + " GB)"],
                   ["Hours", String(job.hours)], ["Max price", "$" + job.max_price_usd], ["Pay with", job.payment_token],
                   ["State", job.state], ["Lease", ""]];
    for (const [label, text] of cells) {
      const cell = document.createElement("td");
      cell.dataset.label = label;
      cell.textContent = text;
      row.appendChild(cell);
    }
    body.prepend(row);
  }

  document.addEventListener("DOMContentLoaded", () => { initProvider(); initLeases(); initJobForm(); });
})();
