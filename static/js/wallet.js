/* jctgov wallet glue: EIP-6963 discovery (falls back to window.ethereum), EIP-4361 sign-in
 * with personal_sign, EIP-712 signing with eth_signTypedData_v4, and a JSON fetch helper that
 * sends Django's CSRF token. No dependencies.
 * With several wallets announced, "Connect wallet" asks which one; the choice (its EIP-6963
 * rdns) is remembered so later signatures (votes) come from the same wallet. */
(function () {
  "use strict";
  const CHOICE_KEY = "jctgov.wallet.rdns";
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

  function rememberedRdns() {
    try {
      return window.localStorage.getItem(CHOICE_KEY);
    } catch (e) {
      return null; // storage disabled: fall back to the first wallet
    }
  }

  function remember(rdns) {
    try {
      window.localStorage.setItem(CHOICE_KEY, rdns);
    } catch (e) {
      /* storage disabled: nothing to remember */
    }
  }

  function provider() {
    if (activeProvider) return activeProvider;
    if (providers.length) {
      const chosen = providers.find((p) => p.info.rdns === rememberedRdns()) || providers[0];
      return (activeProvider = chosen.provider);
    }
    if (window.ethereum) return (activeProvider = window.ethereum);
    return null;
  }

  // An accessible modal list of the announced wallets (EIP-6963 info: name + data-URI icon,
  // rendered as text and <img>, never as HTML). Resolves with the chosen detail, or null.
  function chooseWallet() {
    return new Promise((resolve) => {
      const dialog = document.createElement("dialog");
      dialog.className = "wallet-picker";
      dialog.setAttribute("aria-labelledby", "wallet-picker-title");
      const title = document.createElement("h2");
      title.id = "wallet-picker-title";
      title.textContent = "Choose a wallet";
      const list = document.createElement("ul");
      const finish = (detail) => {
        dialog.close();
        dialog.remove();
        resolve(detail);
      };
      for (const detail of providers) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-ghost wallet-choice";
        if (typeof detail.info.icon === "string" && detail.info.icon.startsWith("data:image/")) {
          const icon = document.createElement("img");
          icon.src = detail.info.icon;
          icon.alt = "";
          icon.width = icon.height = 24;
          button.append(icon);
        }
        button.append(document.createTextNode(String(detail.info.name)));
        button.addEventListener("click", () => finish(detail));
        const item = document.createElement("li");
        item.append(button);
        list.append(item);
      }
      const cancel = document.createElement("button");
      cancel.type = "button";
      cancel.className = "btn btn-ghost";
      cancel.textContent = "Cancel";
      cancel.addEventListener("click", () => finish(null));
      dialog.addEventListener("cancel", (event) => {
        event.preventDefault();
        finish(null);
      });
      dialog.append(title, list, cancel);
      document.body.append(dialog);
      dialog.showModal();
    });
  }

  async function pickProvider() {
    if (providers.length > 1) {
      const detail = await chooseWallet();
      if (!detail) throw new Error("No wallet chosen.");
      remember(detail.info.rdns);
      activeAccount = null;
      return (activeProvider = detail.provider);
    }
    return provider();
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

  async function requestAccount(p) {
    p = p || provider();
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
    const chosen = await pickProvider();
    status("Waiting for the wallet…");
    const account = await requestAccount(chosen);
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

  window.jctgov = { api, ApiError, status, wallet: { connect, account, requestAccount, signTypedData, logout, provider } };

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
