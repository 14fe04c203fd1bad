/* jctgov stewards' Safe: sign a chain operation's SafeTx (EIP-712, eth_signTypedData_v4) in the
 * steward's own wallet and hand the signature to the server, which checks it (owner, hash,
 * Safe, chain, nonce) and relays the Safe transaction once the threshold is reached.
 * Buttons: [data-sign-operation="<id>"] signs that operation; [data-open-approval="<url>"]
 * first asks the server for the proposal's approval SafeTx, then signs it. No dependencies. */
(function () {
  "use strict";
  const jct = window.jctgov;

  const errorText = jct.errorText; // wallet errors in plain words, API errors with their field

  function statusFor(button) {
    const box = button.parentElement && button.parentElement.querySelector(".sign-status");
    return (text, isError) => {
      if (!box) return;
      box.textContent = text;
      box.classList.toggle("error", Boolean(isError));
    };
  }

  async function signOperation(op, say) {
    if (!op.typed_data) throw new Error("This operation takes no more signatures.");
    say(`Sign "${op.kind}" in your wallet (${op.signed} of ${op.threshold} so far)…`);
    const signature = await jct.wallet.signTypedData(op.typed_data);
    const signer = await jct.wallet.account();
    say("Checking your signature…");
    const after = await jct.api(`/api/v1/chain/operations/${op.id}/signatures`, {
      method: "POST",
      body: { signer, signature, safe_tx_hash: op.safe_tx_hash },
    });
    say(
      after.signed >= after.threshold
        ? `${after.signed} of ${after.threshold} signatures: the relayer sends it now.`
        : `${after.signed} of ${after.threshold} signatures: ${after.missing} more needed.`,
    );
    return after;
  }

  async function run(button, load) {
    const say = statusFor(button);
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      const op = await load();
      await signOperation(op, say);
      window.setTimeout(() => window.location.reload(), 600);
    } catch (error) {
      say(errorText(error), true);
      button.disabled = false;
    } finally {
      button.removeAttribute("aria-busy");
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-sign-operation]").forEach((button) => {
      const id = button.dataset.signOperation;
      button.addEventListener("click", () => run(button, () => jct.api(`/api/v1/chain/operations/${id}`)));
    });
    document.querySelectorAll("[data-open-approval]").forEach((button) => {
      const url = button.dataset.openApproval;
      button.addEventListener("click", () => run(button, () => jct.api(url, { method: "POST", body: {} })));
    });
    // Plain POST buttons (data-api, e.g. retry) are handled by actions.js on every page.
  });
})();
