// Proposal pages: voting with the wallet (EIP-712 typed data from the server,
// eth_signTypedData_v4, POST the signature), publish and cancel. The draft form is
// static/js/proposal_form.js.
(function () {
  "use strict";
  const jct = window.jctgov;

  // Whole tokens as every page shows them (static/js/units.js); errors as one line (wallet.js).
  const formatTokens = (wei) => jct.units.formatTokens(wei);
  const errorText = jct.errorText;

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
    const article = document.getElementById("proposal");
    if (article) setupProposal(article);
  });

})();
