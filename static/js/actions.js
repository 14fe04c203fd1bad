/* jctgov action buttons: the one handler for every `data-api` button on every page.
 *   <button data-api="/api/v1/…" [data-body='{"k": v}'] [data-confirm="Really?"]
 *           [data-reason="id of a textarea sent as body.reason"] [data-out="id of a status box"]>
 * POSTs through window.jctgov.api (CSRF, decoded errors), shows the button busy while the
 * request is in flight, reloads on success, and writes the decoded error next to the button. */
(function () {
  "use strict";
  function show(el, message, isError) {
    if (!el) return;
    el.textContent = message || "";
    el.classList.toggle("error", Boolean(isError));
    el.classList.toggle("ok", Boolean(message) && !isError);
  }
  function describe(err) {
    const message = (err && err.message) || String(err);
    return err && err.code && err.code !== "error" ? message + " (" + err.code + ")" : message;
  }
  document.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-api]");
    if (!button || button.disabled) return;
    event.preventDefault();
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    const out = document.getElementById(button.dataset.out || "action-status");
    const body = button.dataset.body ? JSON.parse(button.dataset.body) : {};
    if (button.dataset.reason) {
      const reasonField = document.getElementById(button.dataset.reason);
      body.reason = reasonField ? reasonField.value : "";
    }
    const done = window.jctgov.busy(button);
    show(out, "", false);
    try {
      await window.jctgov.api(button.dataset.api, { method: "POST", body });
      show(out, "Done.", false);
      window.location.reload();
    } catch (err) {
      show(out, describe(err), true);
      done();
    }
  });
  window.jctgov.actions = { show, describe };
})();
