/* A delegate's own profile: edit the statement (Markdown), preview it rendered exactly as it
 * will be shown (server-side, sanitized), and save it through the API. */
(function () {
  "use strict";
  const jct = window.jctgov;
  const $ = (id) => document.getElementById(id);

  function showError(error) {
    $("statement-error").textContent = error ? error.message || String(error) : "";
  }

  async function preview() {
    showError(null);
    try {
      const body = await jct.api("/api/v1/markdown-preview", { method: "POST", body: { text: $("statement-text").value } });
      const box = $("statement-preview");
      box.innerHTML = body.html || "<p class=\"muted\">(empty)</p>"; // sanitized by the server (nh3)
      box.hidden = false;
    } catch (error) {
      showError(error);
    }
  }

  async function save(event) {
    event.preventDefault();
    const form = event.target;
    const button = form.querySelector("button[type=submit]");
    showError(null);
    $("statement-saved").textContent = "";
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      const body = await jct.api("/api/v1/delegates/me/statement", { method: "PUT", body: { text: $("statement-text").value } });
      const section = $("statement");
      let shown = $("statement-html");
      if (!shown) {
        shown = document.createElement("div");
        shown.className = "markdown";
        shown.id = "statement-html";
        const none = $("statement-none");
        if (none) none.replaceWith(shown);
        else section.append(shown);
      }
      shown.innerHTML = body.statement_html; // sanitized by the server (nh3)
      $("statement-saved").textContent = body.statement ? "Saved." : "Statement cleared.";
    } catch (error) {
      showError(error);
    } finally {
      button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = $("statement-form");
    if (!form) return;
    form.addEventListener("submit", save);
    $("statement-preview-button").addEventListener("click", preview);
  });
})();
