/* Transactions from the user's own wallet (EIP-1193 eth_sendTransaction), with every refusal
 * explained in words. Flow of send(): check the wallet is on this site's chain, simulate the
 * call (eth_call) so a revert is shown before the wallet opens, send, report the hash, poll the
 * receipt through the wallet's provider, and re-simulate at the block if it reverted on chain.
 * Calldata is built from the 4-byte selectors the server computed (json_script "wallet-abi"):
 * browsers have no keccak. Errors are decoded from revert data: Error(string), Panic(uint256)
 * and every custom error of the contracts the page calls, never shown as raw RPC text. */
(function () {
  "use strict";
  const jct = window.jctgov;
  const units = jct.units;
  const POLL_MS = 1000;
  const RECEIPT_TIMEOUT_MS = 180000;

  let abi = null;
  function config() {
    if (!abi) {
      const node = document.getElementById("wallet-abi");
      abi = node ? JSON.parse(node.textContent) : { contracts: {}, errors: {} };
    }
    return abi;
  }

  class TxError extends Error {
    /** ``reason``: the contract's error name when it was a decoded revert. */
    constructor(message, code, reason) {
      super(message);
      this.code = code || "refused";
      this.reason = reason || null;
    }
  }

  // --- ABI encoding: only static words (address, uint256) are needed here ----------------
  function word(value) {
    if (typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value)) {
      return value.slice(2).toLowerCase().padStart(64, "0");
    }
    return BigInt(value).toString(16).padStart(64, "0");
  }

  function calldata(contract, fn, args) {
    const info = config().contracts[contract];
    if (!info || !info.functions[fn]) throw new TxError(contract + " is not deployed on this chain.");
    return { to: info.address, data: info.functions[fn] + (args || []).map(word).join("") };
  }

  // --- revert decoding ----------------------------------------------------------------
  const tokens = (w) => units.formatTokens(w, 6) + " JCT";
  const MESSAGES = {
    ZeroValue: () => "The amount must be more than 0 JCT.",
    LockExists: () => "You already have a lock: add JCT to it or extend it instead.",
    NoLock: () => "You have no lock yet: create one first.",
    LockExpired: () => "The lock has expired: withdraw first, then create a new lock.",
    LockNotExpired: () => "The lock has not expired yet: you can withdraw on its unlock date.",
    UnlockTimeNotInFuture: () =>
      "That unlock date, rounded down to a whole week, is not in the future: pick a later date.",
    UnlockTimeTooFar: () => "That unlock date is more than 4 years away: pick an earlier date.",
    UnlockTimeNotLater: () =>
      "The new unlock date, rounded down to a whole week, is not later than the current one.",
    ERC20InsufficientBalance: (a) =>
      "Not enough JCT: you have " + tokens(a[1]) + ", this needs " + tokens(a[2]) + ".",
    ERC20InsufficientAllowance: (a) =>
      "The escrow may take only " + tokens(a[1]) + " from your wallet and this needs " +
      tokens(a[2]) + ": approve the amount first.",
    ERC20InvalidApprover: () => "This account cannot approve a spender.",
    ERC20InvalidSpender: () => "That spender address is not valid.",
    ERC20InvalidSender: () => "This account cannot send JCT.",
    ERC20InvalidReceiver: () => "That receiver address is not valid.",
    SelfDelegation: () => "You cannot delegate to yourself: your own vote already counts your veJCT.",
    ZeroAddressDelegate: () => "Delegate to a real address; use “Remove delegation” to stop delegating.",
    AlreadyDelegated: () => "You already delegate to that address.",
    NotDelegated: () => "You have no delegate to remove.",
  };

  function words(hex) {
    const out = [];
    for (let i = 0; i + 64 <= hex.length; i += 64) out.push(hex.slice(i, i + 64));
    return out;
  }

  function decodeString(hex) {
    const start = Number(BigInt("0x" + hex.slice(0, 64))) * 2;
    const length = Number(BigInt("0x" + hex.slice(start, start + 64)));
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = parseInt(hex.substr(start + 64 + 2 * i, 2), 16);
    return new TextDecoder().decode(bytes);
  }

  /** The custom error's name in revert data, or null. */
  function revertName(data) {
    if (typeof data !== "string" || data.length < 10) return null;
    const error = config().errors[data.slice(0, 10).toLowerCase()];
    return error ? error.name : null;
  }

  /** Revert data (0x…) -> a sentence. */
  function decodeRevert(data) {
    if (typeof data !== "string" || !/^0x[0-9a-fA-F]{8}/.test(data)) {
      return "The contract refused the transaction without saying why.";
    }
    const selector = data.slice(0, 10).toLowerCase();
    const body = data.slice(10);
    try {
      if (selector === "0x08c379a0") return "The contract refused: " + decodeString(body) + ".";
      if (selector === "0x4e487b71") return "The contract failed (panic 0x" + BigInt("0x" + body).toString(16) + ").";
      const error = config().errors[selector];
      if (error) {
        const args = words(body).map((w, i) =>
          error.inputs[i] === "address" ? "0x" + w.slice(24) : BigInt("0x" + w));
        const message = MESSAGES[error.name];
        return message ? message(args) : "The contract refused: " + error.name + ".";
      }
    } catch (e) {
      /* malformed payload: fall through */
    }
    return "The contract refused the transaction (error " + selector + ").";
  }

  // Wallets nest the revert data differently (MetaMask: error.data.originalError.data, others
  // error.data or error.data.data); find the first 0x-prefixed hex string at least 4 bytes long.
  function revertData(error, depth) {
    if (!error || (depth || 0) > 4) return null;
    if (typeof error === "string") return /^0x[0-9a-fA-F]{8,}$/.test(error) ? error : null;
    if (typeof error !== "object") return null;
    for (const key of ["data", "originalError", "error", "cause"]) {
      const found = revertData(error[key], (depth || 0) + 1);
      if (found) return found;
    }
    return null;
  }

  function explain(error) {
    if (error instanceof TxError || error instanceof units.UnitError) return error.message;
    if (error instanceof jct.ApiError) return error.message; // the API's own sentence
    if (error && error.code === 4001) return "You rejected the request in your wallet.";
    if (error && error.code === 4100) return "The wallet has not authorised this site for that account.";
    const data = revertData(error);
    if (data) return decodeRevert(data);
    if (error && (error.code === 3 || /revert/i.test(String(error.message || "")))) {
      return "The contract refused the transaction without saying why.";
    }
    return "The wallet could not send the transaction" + (error && error.code ? " (wallet error " + error.code + ")." : ".");
  }

  // --- the wallet ---------------------------------------------------------------------
  function provider() {
    const p = jct.wallet.provider();
    if (!p) throw new TxError("No Ethereum wallet found. Install a browser wallet to continue.");
    return p;
  }

  async function ensureChain() {
    const want = BigInt(document.body.dataset.chainId);
    const have = BigInt(await provider().request({ method: "eth_chainId" }));
    if (have === want) return;
    try {
      await provider().request({ method: "wallet_switchEthereumChain", params: [{ chainId: "0x" + want.toString(16) }] });
    } catch (e) {
      throw new TxError("Your wallet is on chain " + have + "; switch it to chain " + want + " and try again.");
    }
  }

  async function simulate(from, tx, block) {
    try {
      await provider().request({ method: "eth_call", params: [{ from, to: tx.to, data: tx.data }, block || "latest"] });
    } catch (error) {
      throw new TxError(explain(error), "reverted", revertName(revertData(error)));
    }
  }

  // VotingEscrow and VoteDelegation write a NEW history point in a new block but overwrite
  // the point of a block they already touched, so an estimate against "latest" right after
  // the user's previous transaction is ~90k gas short. Estimate against the pending block,
  // with the same margin the server's chain client uses; let the wallet estimate if it can't.
  async function gasLimit(request) {
    try {
      const estimate = BigInt(await provider().request({ method: "eth_estimateGas", params: [request, "pending"] }));
      return "0x" + ((estimate * 6n) / 5n + 20000n).toString(16);
    } catch (e) {
      return null;
    }
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function waitReceipt(hash) {
    const deadline = Date.now() + RECEIPT_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const receipt = await provider().request({ method: "eth_getTransactionReceipt", params: [hash] });
      if (receipt && receipt.blockNumber) return receipt;
      await sleep(POLL_MS);
    }
    throw new TxError("No confirmation after 3 minutes: the transaction " + hash + " may still land; reload later.", "timeout");
  }

  /** Send ``tx`` ({to, data}) from ``from``. ``onStep(state, detail)`` hears
   *  "simulating", "wallet" (open), "pending" (hash) and "confirmed" (receipt). Resolves with
   *  the receipt; rejects with a TxError whose message is a sentence. */
  async function send(from, tx, onStep) {
    const step = onStep || (() => {});
    try {
      await ensureChain();
      step("simulating");
      await simulate(from, tx);
      const request = { from, to: tx.to, data: tx.data };
      const gas = await gasLimit(request);
      if (gas) request.gas = gas;
      step("wallet");
      const hash = await provider().request({ method: "eth_sendTransaction", params: [request] });
      step("pending", hash);
      const receipt = await waitReceipt(hash);
      if (BigInt(receipt.status) !== 1n) {
        // Mined but reverted: replay it at the parent block state to learn why.
        await simulate(from, tx, "0x" + (BigInt(receipt.blockNumber) - 1n).toString(16));
        throw new TxError("The transaction " + hash + " reverted on chain.", "reverted");
      }
      step("confirmed", receipt);
      return receipt;
    } catch (error) {
      throw error instanceof TxError ? error : new TxError(explain(error));
    }
  }

  jct.chaintx = { TxError, calldata, decodeRevert, explain, send, simulate, config };
})();
