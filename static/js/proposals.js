// Proposal pages: the draft form (live validation through the API) and voting with the wallet
// (EIP-712 typed data from the server, eth_signTypedData_v4, POST the signature).
(function () {
  "use strict";
  const jct = window.jctgov;

  // --- amounts: JCT as decimal text <-> wei as integer strings, through the one units module
  // (static/js/units.js, exact BigInt). null: not a number of JCT (the server names the error).
  function toWei(text) {
    try {
      return jct.units.toWei(text).toString();
    } catch (error) {
      return null;
    }
  }
  const fromWei = (wei) => jct.units.fromWei(wei);

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

  // Whole tokens with thousands separators and at most two decimals, like the pages' filter.
  function formatTokens(wei) {
    const cents = (BigInt(wei) + 5n * 10n ** 15n) / 10n ** 16n;
    const whole = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    const rest = cents % 100n;
    return rest === 0n ? whole : whole + "." + rest.toString().padStart(2, "0");
  }

  // jct.api throws ApiError {status, code, field, message}; wallets throw plain errors.
  function errorText(error) {
    if (!error) return "Something went wrong.";
    const where = error.field ? " (" + error.field + ")" : "";
    return (error.message || String(error)) + where;
  }

  // --- draft form --------------------------------------------------------------------------
  function setupForm(form) {
    const registry = JSON.parse(document.getElementById("parameter-registry").textContent);
    const initial = JSON.parse(document.getElementById("proposal-initial").textContent);
    const byKey = Object.fromEntries(registry.map((p) => [p.key, p]));
    const changes = form.querySelector("#changes tbody");
    const recipients = form.querySelector("#recipients tbody");
    const payloadError = document.getElementById("payload-error");
    const payloadOk = document.getElementById("payload-ok");

    const kind = () => form.querySelector("input[name=kind]:checked").value;
    const show = (value, unit) => (unit && unit.startsWith("veJCT") ? fromWei(value) + " veJCT" : value + " " + unit);

    function showKind() {
      form.querySelectorAll(".kind-section").forEach((s) => {
        s.hidden = s.dataset.kind !== kind();
      });
      const topUp = form.querySelector("#grant-topup").checked;
      form.querySelectorAll(".grant-new").forEach((n) => (n.hidden = topUp));
      form.querySelectorAll(".grant-topup").forEach((n) => (n.hidden = !topUp));
    }

    function addChange(key, value) {
      const select = el("select", { "aria-label": "Parameter" },
        registry.map((p) => el("option", { value: p.key, text: p.key })));
      if (key) select.value = key;
      const now = el("td", { class: "muted" });
      const bounds = el("td", { class: "muted" });
      const input = el("input", { "aria-label": "New value", inputmode: "decimal" });
      const remove = el("button", { type: "button", class: "btn btn-ghost", text: "Remove" });
      const row = el("tr", {}, [el("td", {}, [select]), now, el("td", {}, [input]), bounds, el("td", {}, [remove])]);
      const describe = () => {
        const p = byKey[select.value];
        now.textContent = show(p.current, p.unit);
        bounds.textContent = show(p.min, p.unit) + " – " + show(p.max, p.unit);
        input.placeholder = p.kind === "token" ? "veJCT" : p.unit;
      };
      select.addEventListener("change", () => { describe(); validate(); });
      remove.addEventListener("click", () => { row.remove(); validate(); });
      if (value !== undefined) input.value = byKey[select.value].kind === "token" ? fromWei(value) : value;
      describe();
      changes.appendChild(row);
    }

    function addRecipient(entry) {
      entry = entry || {};
      const address = el("input", { "aria-label": "Recipient address", class: "address" });
      const amount = el("input", { "aria-label": "Amount (JCT)", inputmode: "decimal" });
      const reason = el("input", { "aria-label": "Reason", maxlength: "500" });
      const remove = el("button", { type: "button", class: "btn btn-ghost", text: "Remove" });
      address.value = entry.recipient || "";
      amount.value = entry.amount ? fromWei(entry.amount) : "";
      reason.value = entry.reason || "";
      const row = el("tr", {}, [address, amount, reason, remove].map((n) => el("td", {}, [n])));
      remove.addEventListener("click", () => { row.remove(); validate(); });
      recipients.appendChild(row);
    }

    function amountOrRaw(text) {
      // Send what the user typed when it is not a number, so the server names the error.
      const wei = toWei(text);
      return wei === null ? String(text || "") : wei;
    }

    function payload() {
      switch (kind()) {
        case "parameters":
          return {
            changes: Array.from(changes.rows).map((row) => {
              const key = row.querySelector("select").value;
              const raw = row.querySelector("input").value.trim();
              return { key, value: byKey[key].kind === "token" ? amountOrRaw(raw) : raw };
            }),
          };
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

    const validate = debounce(async () => {
      clearErrors();
      try {
        await jct.api("/api/v1/proposals/validate-payload", { method: "POST", body: { kind: kind(), payload: payload() } });
        payloadOk.textContent = "Payload is valid.";
      } catch (error) {
        showError(error);
      }
    }, 300);

    form.addEventListener("input", validate);
    form.addEventListener("change", () => { showKind(); validate(); });
    form.querySelector("#add-change").addEventListener("click", () => { addChange(); validate(); });
    form.querySelector("#add-recipient").addEventListener("click", () => addRecipient());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      clearErrors();
      const body = {
        title: form.querySelector("#title").value,
        body: form.querySelector("#body").value,
        discussion_url: form.querySelector("#discussion_url").value.trim(),
        payload: payload(),
      };
      try {
        const saved = initial.id
          ? await jct.api(`/api/v1/proposals/${initial.id}`, { method: "PATCH", body })
          : await jct.api("/api/v1/proposals", { method: "POST", body: { ...body, kind: kind() } });
        window.location.href = `/proposals/${saved.id}/`;
      } catch (error) {
        showError(error);
      }
    });

    // Initial state: an edited draft, or one empty row to start from.
    form.querySelector("#title").value = initial.title || "";
    form.querySelector("#body").value = initial.body || "";
    form.querySelector("#discussion_url").value = initial.discussion_url || "";
    const p = initial.payload || {};
    if (initial.kind === "parameters") (p.changes || [{}]).forEach((c) => addChange(c.key, c.value));
    else addChange();
    if (initial.kind === "recognition" && p.recipients) p.recipients.forEach(addRecipient);
    else addRecipient();
    if (initial.kind === "grant_budget" && p.amount) {
      form.querySelector("#grant-topup").checked = Boolean(p.top_up_program_id);
      form.querySelector("#grant-program-id").value = p.top_up_program_id || "";
      form.querySelector("#grant-program-name").value = p.program_name || "";
      form.querySelector("#grant-description").value = p.description || "";
      form.querySelector("#grant-amount").value = fromWei(p.amount);
    }
    showKind();
  }

  // --- proposal page: vote, publish, cancel --------------------------------------------------
  async function vote(proposalId, choice, reason, errorBox) {
    errorBox.textContent = "";
    let voter = await jct.wallet.account();
    if (!voter) voter = await jct.wallet.requestAccount(); // a plain error without a wallet
    const query = new URLSearchParams({ voter, choice: String(choice), reason });
    const typedData = await jct.api(`/api/v1/proposals/${proposalId}/typed-data?${query}`);
    jct.status("Sign your vote in the wallet…");
    const signature = await jct.wallet.signTypedData(typedData);
    const m = typedData.message;
    const receipt = await jct.api(`/api/v1/proposals/${proposalId}/votes`, {
      method: "POST",
      body: { voter: m.voter, choice: m.choice, reason: m.reason, timestamp: m.timestamp, signature },
    });
    jct.status(`Vote recorded: ${describeWeight(receipt)}.`);
    return receipt;
  }

  // Own veJCT, plus what delegators who did not vote themselves gave the voter (as strings:
  // wei amounts exceed what a JS number holds exactly).
  function describeWeight(receipt) {
    const own = `${receipt.choice_label} with ${formatTokens(receipt.power)} veJCT`;
    if (!receipt.delegators) return own;
    const who = receipt.delegators === 1 ? "delegator" : "delegators";
    return `${own} + ${formatTokens(receipt.delegated_power)} veJCT from ${receipt.delegators} ${who}`;
  }

  function describeVote(receipt) {
    return `You voted ${describeWeight(receipt)}.`;
  }

  // Voting needs no sign-in, so the page may not know who the reader is: ask the wallet
  // (eth_accounts never prompts) and look up that address's counted vote.
  async function showOwnVote(proposalId, box) {
    if (!box || box.dataset.known === "1" || !jct.wallet.provider()) return;
    const voter = await jct.wallet.account();
    if (!voter) return;
    const query = new URLSearchParams({ voter, counted: "true" });
    const found = await jct.api(`/api/v1/proposals/${proposalId}/votes?${query}`);
    if (found.results.length) {
      const active = document.getElementById("proposal").dataset.state === "active";
      box.textContent = describeVote(found.results[0]) + (active ? " A new vote replaces it." : "");
    }
  }

  function setupProposal(article) {
    const id = article.dataset.id;
    const voteError = document.getElementById("vote-error");
    document.querySelectorAll(".vote-button").forEach((button) => {
      button.addEventListener("click", async () => {
        const buttons = document.querySelectorAll(".vote-button");
        buttons.forEach((b) => (b.disabled = true));
        const done = jct.busy(button);
        try {
          const receipt = await vote(id, Number(button.dataset.choice), document.getElementById("vote-reason").value, voteError);
          document.getElementById("my-vote").textContent = describeVote(receipt) + " A new vote replaces it.";
          setTimeout(() => window.location.reload(), 600);
        } catch (error) {
          voteError.textContent = errorText(error);
          if (error instanceof jct.WalletError) jct.showError(error); // with its help link or switch button
          else jct.status("", false);
        } finally {
          done();
          buttons.forEach((b) => (b.disabled = false));
        }
      });
    });
    const actionError = document.getElementById("action-error");
    const act = async (path, body) => {
      actionError.textContent = "";
      try {
        await jct.api(`/api/v1/proposals/${id}/${path}`, { method: "POST", body: body || {} });
        window.location.reload();
      } catch (error) {
        actionError.textContent = errorText(error);
      }
    };
    const publish = document.getElementById("publish-button");
    if (publish) publish.addEventListener("click", () => act("publish"));
    const cancel = document.getElementById("cancel-button");
    if (cancel) {
      cancel.addEventListener("click", () => {
        // Irreversible: a cancelled proposal can't be published or reopened.
        if (!window.confirm(cancel.dataset.confirm || "Cancel this proposal? This cannot be undone.")) return;
        const reasonInput = document.getElementById("cancel-reason");
        act("cancel", { reason: reasonInput ? reasonInput.value : "" });
      });
    }
    const executionError = document.getElementById("execution-error");
    const steward = async (button, path) => {
      button.disabled = true;
      executionError.textContent = "";
      try {
        await jct.api(`/api/v1/proposals/${id}/${path}`, { method: "POST", body: {} });
        jct.status("Retrying the execution…");
        window.location.reload();
      } catch (error) {
        executionError.textContent = errorText(error);
        button.disabled = false;
      }
    };
    const retry = document.getElementById("retry-button");
    if (retry) retry.addEventListener("click", () => steward(retry, "retry-execution"));
    document.querySelectorAll("[data-ts]").forEach((cell) => {
      cell.textContent = new Date(Number(cell.dataset.ts) * 1000).toLocaleString();
    });
    showOwnVote(id, document.getElementById("my-vote")).catch(() => {});
    // The wallet's power and whether it can vote: static/js/proposal_detail.js.
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("proposal-form");
    if (form) setupForm(form);
    const article = document.getElementById("proposal");
    if (article) setupProposal(article);
  });

  window.jctgov.proposals = { toWei, fromWei, formatTokens };
})();
