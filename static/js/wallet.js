/* jctgov wallet glue: EIP-6963 discovery (falls back to window.ethereum), EIP-4361 sign-in
 * with personal_sign, EIP-712 signing with eth_signTypedData_v4, and a JSON fetch helper that
 * sends Django's CSRF token. No dependencies. */
(function () {
  "use strict";
  const providers = [];
  let activeProvider = null;
  let activeAccount = null;

  window.addEventListener("eip6963:announceProvider", (event) => {
    const detail = event.detail;
    if (detail && detail.provider && !providers.some((p) => p.info.uuid === detail.info.uuid)) {
      providers.push(detail);
    }
  });
  window.dispatchEvent(new Event("eip6963:requestProvider"));

  function provider() {
    if (activeProvider) return activeProvider;
    if (providers.length) return (activeProvider = providers[0].provider);
    if (window.ethereum) return (activeProvider = window.ethereum);
    return null;
  }

  function cookie(name) {
    const match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  class ApiError extends Error {
    constructor(status, body) {
      const err = (body && body.error) || {};
      super(err.message || "Request failed (" + status + ")");
      this.status = status;
      this.code = err.code || "error";
      this.field = err.field;
    }
  }

  async function api(path, options) {
    options = options || {};
    const method = (options.method || "GET").toUpperCase();
    const headers = { Accept: "application/json" };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      headers["X-CSRFToken"] = cookie("csrftoken");
    }
    const response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    const body = text ? JSON.parse(text) : null;
    if (!response.ok) throw new ApiError(response.status, body);
    return body;
  }

  function status(message, isError) {
    const box = document.getElementById("wallet-status");
    if (!box) return;
    box.textContent = message || "";
    box.className = "status" + (isError ? " error" : message ? " info" : "");
  }

  async function requestAccount() {
    const p = provider();
    if (!p) throw new Error("No Ethereum wallet found. Install a browser wallet to continue.");
    const accounts = await p.request({ method: "eth_requestAccounts" });
    if (!accounts || !accounts.length) throw new Error("The wallet shared no account.");
    activeAccount = accounts[0];
    return activeAccount;
  }

  function siweMessage(fields) {
    // Exactly the EIP-4361 layout the server re-serialises and compares.
    return [
      `${fields.domain} wants you to sign in with your Ethereum account:`,
      fields.address,
      "",
      fields.statement,
      "",
      `URI: ${fields.uri}`,
      "Version: 1",
      `Chain ID: ${fields.chainId}`,
      `Nonce: ${fields.nonce}`,
      `Issued At: ${fields.issuedAt}`,
    ].join("\n");
  }

  async function connect() {
    status("Waiting for the wallet…");
    const account = await requestAccount();
    const issued = await api("/api/v1/auth/nonce?address=" + encodeURIComponent(account));
    const message = siweMessage({
      domain: window.location.host,
      address: issued.address,
      statement: "Sign in to Janction governance.",
      uri: window.location.origin,
      chainId: Number(document.body.dataset.chainId),
      nonce: issued.nonce,
      issuedAt: new Date().toISOString(),
    });
    status("Sign the message in your wallet…");
    const signature = await provider().request({ method: "personal_sign", params: [message, account] });
    const me = await api("/api/v1/auth/login", { method: "POST", body: { message, signature } });
    status("Signed in as " + me.address);
    return me.address;
  }

  async function signTypedData(typedData) {
    const account = activeAccount || (await requestAccount());
    return provider().request({
      method: "eth_signTypedData_v4",
      params: [account, JSON.stringify(typedData)],
    });
  }

  async function account() {
    if (activeAccount) return activeAccount;
    const p = provider();
    if (!p) return null;
    const accounts = await p.request({ method: "eth_accounts" });
    activeAccount = accounts && accounts.length ? accounts[0] : null;
    return activeAccount;
  }

  async function logout() {
    await api("/api/v1/auth/logout", { method: "POST" });
    window.location.reload();
  }

  window.jctgov = { api, ApiError, status, wallet: { connect, account, signTypedData, logout, provider } };

  document.addEventListener("DOMContentLoaded", () => {
    const connectButton = document.getElementById("wallet-connect");
    if (connectButton) {
      connectButton.addEventListener("click", async () => {
        connectButton.disabled = true;
        try {
          await connect();
          window.location.reload();
        } catch (error) {
          status(error.message || String(error), true);
          connectButton.disabled = false;
        }
      });
    }
    const logoutButton = document.getElementById("wallet-logout");
    if (logoutButton) logoutButton.addEventListener("click", () => logout().catch((e) => status(e.message, true)));
  });
})();
