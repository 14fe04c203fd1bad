/* The draft form (templates/proposals/form.html): a parameter chosen by its name, its value
 * typed in its unit (%, veJCT, days…) and sent as the exact integer the chain stores (a
 * string: token values reach 10^27 wei, beyond a JS number), a live Markdown preview rendered
 * by the server, live validation through the API, then POST (new) or PATCH (edit). */
(function () {
  "use strict";
  const jct = window.jctgov;
  const units = jct.units;

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v;
      else node.setAttribute(k, v);
    });
    (children || []).forEach((c) => node.appendChild(c));
    return node;
  }

  // ApiError {status, code, field, message}, UnitError, RowError: one line each (wallet.js).
  const errorText = jct.errorText;

  // An error found before asking the server, with the field it belongs to.
  class RowError extends Error {
    constructor(message, field) {
      super(message);
      this.field = field;
    }
  }

  // JCT text -> wei string; what the person typed when it is not a number (the server names
  // the error at the right field).
  function amountOrRaw(text) {
    try {
      return units.toWei(text).toString();
    } catch (error) {
      return String(text || "");
    }
  }

  // --- one parameter change: name, value now, new value in its unit, what is allowed --------
  function changeRow(registry, byKey, onChange) {
    let counter = 0;
    return function addChange(changes, key, value) {
      const n = ++counter;
      const select = el("select", { "aria-label": "Parameter", id: "change-key-" + n },
        registry.map((p) => el("option", { value: p.key, text: p.name })));
      if (key && byKey[key]) select.value = key;
      const detail = el("p", { class: "muted small param-detail" });
      const now = el("span", { class: "param-now" });
      const input = el("input", { "aria-label": "New value", inputmode: "decimal", autocomplete: "off",
                                  class: "param-value", "aria-describedby": "change-stored-" + n });
      const unit = el("span", { class: "param-unit" });
      const durationUnit = el("select", { "aria-label": "Unit of time", class: "param-duration" },
        units.DURATION_UNITS.map((u) => el("option", { value: u, text: u })));
      const stored = el("p", { class: "muted small param-stored", id: "change-stored-" + n });
      const error = el("p", { class: "field-error param-error", role: "alert" });
      const bounds = el("span", { class: "param-bounds" });
      const remove = el("button", { type: "button", class: "btn btn-ghost", text: "Remove" });
      const valueCell = el("td", {}, [el("div", { class: "param-input" }, [input, unit, durationUnit]), stored, error]);
      const row = el("tr", { class: "change" }, [
        el("td", {}, [select, detail]), el("td", {}, [now]), valueCell, el("td", {}, [bounds]), el("td", { "data-label": "" }, [remove]),
      ]);
      const param = () => byKey[select.value];

      // The integer to send (a string), or a RowError with a sentence in the parameter's unit.
      row.integer = () => {
        const p = param();
        let value;
        try {
          value = units.parameterToInteger(p, input.value, durationUnit.value);
        } catch (e) {
          throw new RowError(e.message, "value");
        }
        if (value < BigInt(p.min) || value > BigInt(p.max)) {
          throw new RowError(`${p.name} must be between ${units.parameterText(p, p.min)} and ${units.parameterText(p, p.max)}.`, "value");
        }
        return value.toString();
      };
      row.key = () => select.value;
      row.showError = (message) => {
        error.textContent = message || "";
        if (message) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      };

      function describe() {
        const p = param();
        detail.textContent = "";
        detail.append(el("code", { text: p.key }), document.createTextNode(" · " + p.description));
        now.textContent = units.parameterText(p, p.current);
        bounds.textContent = units.parameterText(p, p.min) + " – " + units.parameterText(p, p.max);
        const isDuration = p.kind === "duration";
        durationUnit.hidden = !isDuration;
        unit.hidden = isDuration || !units.parameterUnit(p);
        unit.textContent = units.parameterUnit(p);
        input.inputMode = p.kind === "integer" ? "numeric" : "decimal";
        showStored();
      }
      function showStored() {
        row.showError("");
        const p = param();
        if (!input.value.trim()) {
          stored.textContent = "";
          return;
        }
        try {
          const value = row.integer();
          const base = { bps: "bps", token: "wei", duration: "seconds", usd: "cents" }[p.kind];
          stored.textContent = "Stored as " + value + (base ? " " + base : "");
        } catch (e) {
          stored.textContent = "";
          row.showError(e.message);
        }
      }

      // Another parameter: its unit of time follows its value now; the typed number is read
      // again in the new parameter's unit (and shown converted, or refused with a sentence).
      select.addEventListener("change", () => {
        const p = param();
        if (p.kind === "duration") durationUnit.value = units.durationUnitFor(p.current);
        describe();
        onChange();
      });
      durationUnit.addEventListener("change", showStored);
      input.addEventListener("input", showStored);
      remove.addEventListener("click", () => { row.remove(); onChange(); });

      const p = param();
      if (p.kind === "duration") durationUnit.value = units.durationUnitFor(value !== undefined ? value : p.current);
      if (value !== undefined) input.value = units.parameterFromInteger(p, value, durationUnit.value);
      describe();
      changes.appendChild(row);
      return row;
    };
  }

  function addRecipient(recipients, onChange, entry) {
    entry = entry || {};
    const address = el("input", { "aria-label": "Recipient address", class: "address", autocomplete: "off", spellcheck: "false" });
    const amount = el("input", { "aria-label": "Amount (JCT)", inputmode: "decimal" });
    const reason = el("input", { "aria-label": "Reason", maxlength: "500" });
    const remove = el("button", { type: "button", class: "btn btn-ghost", text: "Remove" });
    address.value = entry.recipient || "";
    amount.value = entry.amount ? units.fromWei(entry.amount) : "";
    reason.value = entry.reason || "";
    const row = el("tr", {}, [address, amount, reason, remove].map((n) => el("td", n === remove ? { "data-label": "" } : {}, [n])));
    remove.addEventListener("click", () => { row.remove(); onChange(); });
    recipients.appendChild(row);
  }

  // --- the Markdown preview: rendered by the server exactly as the page will show it --------
  function markdownPreview(textarea, box) {
    let sequence = 0;
    const render = debounce(async () => {
      const mine = ++sequence;
      try {
        const body = await jct.api("/api/v1/markdown-preview", { method: "POST", body: { text: textarea.value } });
        if (mine !== sequence) return; // a newer text is on its way
        box.innerHTML = body.html || '<p class="muted">(empty)</p>'; // sanitized by the server (nh3)
      } catch (error) {
        if (mine === sequence) box.textContent = "No preview: " + errorText(error);
      }
    }, 400);
    textarea.addEventListener("input", render);
    if (textarea.value) render();
  }

  function setupForm(form) {
    const registry = JSON.parse(document.getElementById("parameter-registry").textContent);
    const initial = JSON.parse(document.getElementById("proposal-initial").textContent);
    const byKey = Object.fromEntries(registry.map((p) => [p.key, p]));
    const changes = form.querySelector("#changes tbody");
    const recipients = form.querySelector("#recipients tbody");
    const payloadError = document.getElementById("payload-error");
    const payloadOk = document.getElementById("payload-ok");
    const kind = () => form.querySelector("input[name=kind]:checked").value;

    function showKind() {
      form.querySelectorAll(".kind-section").forEach((s) => {
        s.hidden = s.dataset.kind !== kind();
      });
      const topUp = form.querySelector("#grant-topup").checked;
      form.querySelectorAll(".grant-new").forEach((n) => (n.hidden = topUp));
      form.querySelectorAll(".grant-topup").forEach((n) => (n.hidden = !topUp));
    }

    // The payload as the API takes it; throws RowError (already shown at its row) when a
    // parameter value is not a number in its unit or is outside its bounds.
    function payload() {
      switch (kind()) {
        case "parameters": {
          let failed = null;
          const list = Array.from(changes.rows).map((row, index) => {
            try {
              return { key: row.key(), value: row.integer() };
            } catch (error) {
              row.showError(error.message);
              failed = failed || new RowError(error.message, `payload.changes[${index}].value`);
              return null;
            }
          });
          if (failed) throw failed;
          return { changes: list };
        }
        case "grant_budget": {
          const amount = amountOrRaw(form.querySelector("#grant-amount").value);
          if (form.querySelector("#grant-topup").checked) {
            return { top_up_program_id: form.querySelector("#grant-program-id").value.trim(), amount };
          }
          return {
            program_name: form.querySelector("#grant-program-name").value,
            description: form.querySelector("#grant-description").value,
            amount,
          };
        }
        default:
          return {
            recipients: Array.from(recipients.rows).map((row) => {
              const [address, amount, reason] = row.querySelectorAll("input");
              return { recipient: address.value.trim(), amount: amountOrRaw(amount.value), reason: reason.value };
            }),
          };
      }
    }

    function clearErrors() {
      form.querySelectorAll("[data-error-for]").forEach((n) => (n.textContent = ""));
      payloadOk.textContent = "";
    }

    function showError(error) {
      // "payload.recipients[1].recipient" belongs to the payload; "title" to the title field.
      const field = error && error.field ? error.field.split(/[.[]/)[0] : "payload";
      const target = form.querySelector(`[data-error-for="${field}"]`) || payloadError;
      target.textContent = errorText(error);
    }

    // Addresses typed in any case come back checksummed (EIP-55) from the server.
    function showCanonical(canonical) {
      if (kind() !== "recognition" || !canonical || !canonical.recipients) return;
      Array.from(recipients.rows).forEach((row, i) => {
        const address = row.querySelector("input");
        const checksummed = canonical.recipients[i] && canonical.recipients[i].recipient;
        if (checksummed && address.value.trim().toLowerCase() === checksummed.toLowerCase() && document.activeElement !== address) {
          address.value = checksummed;
        }
      });
    }

    const validate = debounce(async () => {
      clearErrors();
      let body;
      try {
        body = { kind: kind(), payload: payload() };
      } catch (error) {
        showError(error);
        return;
      }
      try {
        const answer = await jct.api("/api/v1/proposals/validate-payload", { method: "POST", body });
        showCanonical(answer.payload);
        payloadOk.textContent = "Payload is valid.";
      } catch (error) {
        showError(error);
      }
    }, 300);

    const addChange = changeRow(registry, byKey, validate);
    form.addEventListener("input", (event) => { if (event.target.id !== "body") validate(); });
    form.addEventListener("change", () => { showKind(); validate(); });
    form.querySelector("#add-change").addEventListener("click", () => { addChange(changes).querySelector("select").focus(); validate(); });
    form.querySelector("#add-recipient").addEventListener("click", () => addRecipient(recipients, validate));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors();
      const button = form.querySelector("#save-draft");
      let body;
      try {
        body = {
          title: form.querySelector("#title").value,
          body: form.querySelector("#body").value,
          discussion_url: form.querySelector("#discussion_url").value.trim(),
          payload: payload(),
        };
      } catch (error) {
        showError(error);
        return;
      }
      const done = jct.busy(button);
      try {
        const saved = initial.id
          ? await jct.api(`/api/v1/proposals/${initial.id}`, { method: "PATCH", body })
          : await jct.api("/api/v1/proposals", { method: "POST", body: { ...body, kind: kind() } });
        window.location.href = `/proposals/${saved.id}/`;
      } catch (error) {
        showError(error);
        done();
      }
    });

    // Initial state: an edited draft, or one empty row to start from.
    form.querySelector("#title").value = initial.title || "";
    form.querySelector("#body").value = initial.body || "";
    form.querySelector("#discussion_url").value = initial.discussion_url || "";
    const p = initial.payload || {};
    if (initial.kind === "parameters") (p.changes || [{}]).forEach((c) => addChange(changes, c.key, c.value));
    else addChange(changes);
    if (initial.kind === "recognition" && p.recipients) p.recipients.forEach((r) => addRecipient(recipients, validate, r));
    else addRecipient(recipients, validate);
    if (initial.kind === "grant_budget" && p.amount) {
      form.querySelector("#grant-topup").checked = Boolean(p.top_up_program_id);
      form.querySelector("#grant-program-id").value = p.top_up_program_id || "";
      form.querySelector("#grant-program-name").value = p.program_name || "";
      form.querySelector("#grant-description").value = p.description || "";
      form.querySelector("#grant-amount").value = units.fromWei(p.amount);
    }
    markdownPreview(form.querySelector("#body"), document.getElementById("body-preview"));
    showKind();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("proposal-form");
    if (form) setupForm(form);
  });
})();
