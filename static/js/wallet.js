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

  /** The status line under the header: a message, and optionally a help link or an action
   *  button (``extra``: {href, text} or {button, onClick}). Text only, never HTML. */
  function status(message, isError, extra) {
    const box = document.getElementById("wallet-status");
    if (!box) return;
    box.replaceChildren(document.createTextNode(message || ""));
    box.className = "status" + (isError ? " error" : message ? " info" : "");
    if (extra && extra.href) {
      const link = document.createElement("a");
      link.href = extra.href;
      link.rel = "noopener";
      link.target = "_blank";
      link.textContent = extra.text;
      box.append(" ", link);
    } else if (extra && extra.button) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn";
      button.id = extra.id || "";
      button.textContent = extra.button;
      button.addEventListener("click", () => extra.onClick(button));
      box.append(" ", button);
    }
  }

  // --- plain errors -------------------------------------------------------------------------
  const WALLET_HELP = "https://ethereum.org/en/wallets/find-wallet/";

  /** An error a person can act on; ``help``/``action`` say how (see showError). */
  class WalletError extends Error {
    constructor(code, message, extra) {
      super(message);
      this.code = code;
      this.extra = extra || null;
    }
  }

  function noWallet() {
    return new WalletError(
      "no_wallet",
      "No Ethereum wallet found in this browser. Install a browser wallet (MetaMask, Rabby, " +
        "Coinbase Wallet…) or open this page in a wallet's browser, then reload.",
      { href: WALLET_HELP, text: "How to get a wallet" }
    );
  }

  /** EIP-1193 provider errors in plain words; other errors pass through. */
  function plain(error) {
    if (error instanceof WalletError) return error;
    const code = error && (error.code !== undefined ? error.code : error.data && error.data.code);
    if (code === 4001 || code === "ACTION_REJECTED") {
      return new WalletError("rejected", "You declined the request in your wallet: nothing was signed or sent.");
    }
    if (code === -32002) {
      return new WalletError("pending", "Your wallet already has a request waiting: open the wallet to answer it.");
    }
    if (code === 4100) {
      return new WalletError("locked", "Your wallet is locked or has not shared this account: unlock it and try again.");
    }
    if (code === 4900 || code === 4901) {
      return new WalletError("disconnected", "Your wallet is not connected to a network: reconnect it and try again.");
    }
    return error;
  }

  /** Any error as one line for a status box: wallet errors in plain words (plain), API errors
   * (ApiError) with the field they concern. */
  function errorText(error) {
    if (!error) return "Something went wrong.";
    const e = plain(error);
    const where = e && e.field ? " (" + e.field + ")" : "";
    return ((e && e.message) || String(e)) + where;
  }

  /** Show an error in the status line with its help link or action, and return its text. */
  function showError(error) {
    const e = plain(error);
    const message = (e && e.message) || String(e);
    status(message, true, e && e.extra);
    return message;
  }

  function requireProvider(p) {
    p = p || provider();
    if (!p) throw noWallet();
    return p;
  }

  async function requestAccount(p) {
    p = requireProvider(p);
    let accounts;
    try {
      accounts = await p.request({ method: "eth_requestAccounts" });
    } catch (error) {
      throw plain(error);
    }
    if (!accounts || !accounts.length) {
      throw new WalletError("locked", "Your wallet shared no account: unlock it, choose an account and try again.");
    }
    activeAccount = accounts[0];
    return activeAccount;
  }

  // --- network ------------------------------------------------------------------------------
  function expectedChain() {
    const data = document.body.dataset;
    return { id: Number(data.chainId), name: data.chainName || "chain " + data.chainId, rpc: data.chainRpc || "" };
  }

  /** Ask the wallet to switch to this site's chain, adding it first if the wallet lacks it. */
  async function switchChain(p) {
    p = requireProvider(p);
    const chain = expectedChain();
    const chainId = "0x" + chain.id.toString(16);
    try {
      await p.request({ method: "wallet_switchEthereumChain", params: [{ chainId }] });
    } catch (error) {
      const unknown = error && (error.code === 4902 || (error.data && error.data.originalError && error.data.originalError.code === 4902));
      if (!unknown) throw plain(error);
      try {
        await p.request({
          method: "wallet_addEthereumChain",
          params: [
            {
              chainId,
              chainName: chain.name,
              rpcUrls: chain.rpc ? [chain.rpc] : [],
              nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
            },
          ],
        });
      } catch (addError) {
        throw plain(addError);
      }
    }
    await ensureChain(p, { offer: false });
  }

  /** Refuse (with an offer to switch) when the wallet is on another chain than the site's. */
  async function ensureChain(p, options) {
    p = requireProvider(p);
    const chain = expectedChain();
    let current;
    try {
      current = Number.parseInt(await p.request({ method: "eth_chainId" }), 16);
    } catch (error) {
      throw plain(error);
    }
    if (current === chain.id) return;
    const offer = !options || options.offer !== false;
    throw new WalletError(
      "wrong_network",
      `Your wallet is on chain ${current}; this site uses ${chain.name} (chain ${chain.id}).`,
      offer
        ? {
            button: "Switch to " + chain.name,
            id: "switch-network",
            onClick: async (button) => {
              const done = busy(button);
              try {
                await switchChain(p);
                status(`Your wallet is now on ${chain.name}. Try again.`);
              } catch (error) {
                done();
                showError(error);
              }
            },
          }
        : null
    );
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
    if (!providers.length && !window.ethereum) throw noWallet();
    const chosen = await pickProvider();
    status("Waiting for the wallet…");
    const account = await requestAccount(chosen);
    await ensureChain(chosen);
    const issued = await api("/api/v1/auth/nonce?address=" + encodeURIComponent(account));
    const message = siweMessage({
      // The site's canonical origin (JCTGOV_SITE_URL), which the server checks the message against.
      domain: issued.domain,
      address: issued.address,
      statement: "Sign in to Janction governance.",
      uri: issued.uri,
      chainId: Number(document.body.dataset.chainId),
      nonce: issued.nonce,
      issuedAt: new Date().toISOString(),
    });
    status("Sign the message in your wallet…");
    let signature;
    try {
      signature = await provider().request({ method: "personal_sign", params: [message, account] });
    } catch (error) {
      throw plain(error);
    }
    const me = await api("/api/v1/auth/login", { method: "POST", body: { message, signature } });
    status("Signed in as " + me.address);
    return me.address;
  }

  async function signTypedData(typedData) {
    const account = activeAccount || (await requestAccount());
    await ensureChain();
    try {
      return await provider().request({
        method: "eth_signTypedData_v4",
        params: [account, JSON.stringify(typedData)],
      });
    } catch (error) {
      throw plain(error);
    }
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

  /** Show ``button`` busy (disabled, aria-busy, a spinner in CSS) while the wallet or a
   *  request works; returns the function that gives the button back. */
  function busy(button) {
    if (!button) return () => {};
    const wasDisabled = button.disabled;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    button.classList.add("busy");
    return () => {
      button.disabled = wasDisabled;
      button.removeAttribute("aria-busy");
      button.classList.remove("busy");
    };
  }

  window.jctgov = Object.assign(window.jctgov || {}, {
    api,
    ApiError,
    status,
    busy,
    WalletError,
    showError,
    errorText,
    wallet: { connect, account, requestAccount, signTypedData, logout, provider, ensureChain, switchChain, plain },
  });

  document.addEventListener("DOMContentLoaded", () => {
    // Every "Connect wallet" / "Sign in" button; after signing in, back to where the reader
    // was: the sign-in page's data-next (a path the server checked), else this page.
    for (const connectButton of document.querySelectorAll("[data-wallet-connect]")) {
      connectButton.addEventListener("click", async () => {
        const done = busy(connectButton);
        try {
          await connect();
          const next = document.body.dataset.next;
          if (next && next.startsWith("/") && !next.startsWith("//")) window.location.assign(next);
          else window.location.reload();
        } catch (error) {
          showError(error);
          done();
        }
      });
    }
    const logoutButton = document.getElementById("wallet-logout");
    if (logoutButton) logoutButton.addEventListener("click", () => logout().catch((e) => status(e.message, true)));
  });
})();
