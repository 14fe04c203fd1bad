/* A job's page: the owner confirms or disputes the provider's "completed" (the only writes
 * here). Busy state while the request runs; the API's error message on refusal. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);

  async function answer(action, body, button) {
    const lease = $("job-lease").dataset.lease;
    const label = button.textContent;
    button.disabled = true;
    button.textContent = action === "confirm" ? "Confirming…" : "Recording the dispute…";
    $("lease-answer-error").textContent = "";
    try {
      await window.jctgov.api("/api/v1/market/leases/" + lease + "/" + action, { method: "POST", body });
      window.location.reload();
    } catch (error) {
      $("lease-answer-error").textContent = error.message;
      button.disabled = false;
      button.textContent = label;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const confirm = $("lease-confirm");
    if (confirm) confirm.addEventListener("click", () => answer("confirm", undefined, confirm));
    const form = $("lease-dispute-form");
    if (form) {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const reason = $("lease-dispute-reason").value.trim();
        if (!reason) {
          $("lease-answer-error").textContent = "Say what went wrong before disputing.";
          return;
        }
        answer("dispute", { reason }, form.querySelector("button[type=submit]"));
      });
    }
  });
})();
