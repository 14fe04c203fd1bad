/* The lock page (/power/): the connected wallet's JCT, lock, veJCT and its decay (an SVG drawn
 * here from the API's exact curve), the four lock actions and delegation. What each action
 * will do is computed with VotingEscrow's own integer arithmetic (units.js) and shown before
 * the wallet opens; chaintx.js sends, waits and decodes refusals. */
(function () {
  "use strict";
  const jct = window.jctgov;
  const units = jct.units;
  const tx = jct.chaintx;
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";

  let account = null;
  let state = null;
  let loadedAt = 0;
  let busy = false;

  const jctText = (wei) => units.formatTokens(wei) + " JCT";
  const vejctText = (wei) => units.formatTokens(wei) + " veJCT";
  const short = (address) => address.slice(0, 6) + "…" + address.slice(-4);

  /** Chain time now: the API's block time plus what elapsed since it was read. */
  function chainNow() {
    return BigInt(state.chain_time) + BigInt(Math.floor((Date.now() - loadedAt) / 1000));
  }

  function hasLock() {
    return state && state.lock !== null;
  }

  // --- reading and showing the position -----------------------------------------------
  async function load() {
    state = await jct.api("/api/v1/power/" + account);
    loadedAt = Date.now();
    render();
  }

  function render() {
    $("power-connect").hidden = true;
    $("power-view").hidden = false;
    $("power-account").textContent = state.address;
    $("power-block").textContent = String(state.block);
    $("jct-balance").textContent = jctText(state.jct_balance);
    $("vejct-now").textContent = vejctText(state.vejct);
    const lock = state.lock;
    if (lock) {
      $("lock-amount").textContent = jctText(lock.amount);
      $("lock-end").textContent = (lock.expired ? "Expired on " : "Unlocks on ") + units.unixToDate(lock.end) + " 00:00 UTC";
      $("vejct-note").textContent = lock.expired ? "The lock has expired: withdraw your JCT." : "Decays to 0 on " + units.unixToDate(lock.end) + ".";
    } else {
      $("lock-amount").textContent = "0 JCT";
      $("lock-end").textContent = "No lock.";
      $("vejct-note").textContent = "";
    }
    $("create-section").hidden = Boolean(lock);
    $("manage-section").hidden = !lock;
    $("manage-expired").hidden = !(lock && lock.expired);
    drawPlot(state.curve);
    renderDelegation();
    previewAll();
  }

  function drawPlot(curve) {
    const box = $("vejct-plot");
    box.textContent = "";
    $("plot-empty").hidden = curve.length > 0;
    if (!curve.length) return;
    const width = 600;
    const height = 220;
    const pad = { left: 2, right: 2, top: 4, bottom: 2 };
    const t0 = BigInt(curve[0].t);
    const t1 = BigInt(curve[curve.length - 1].t);
    const top = curve.reduce((m, p) => (BigInt(p.vejct) > m ? BigInt(p.vejct) : m), 1n);
    const span = t1 > t0 ? t1 - t0 : 1n;
    // Pixel positions only: exact amounts stay BigInt, a thousandth of the width is plenty.
    const x = (t) => pad.left + (Number(((BigInt(t) - t0) * 1000n) / span) * (width - pad.left - pad.right)) / 1000;
    const y = (v) => pad.top + (Number(((top - BigInt(v)) * 1000n) / top) * (height - pad.top - pad.bottom)) / 1000;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("class", "plot-svg");
    svg.setAttribute("preserveAspectRatio", "none");
    const line = (x1, y1, x2, y2, cls) => {
      const l = document.createElementNS(SVG, "line");
      Object.entries({ x1, y1, x2, y2, class: cls }).forEach(([k, v]) => l.setAttribute(k, v));
      svg.append(l);
    };
    line(pad.left, height - pad.bottom, width - pad.right, height - pad.bottom, "axis");
    const area = document.createElementNS(SVG, "polygon");
    const points = curve.map((p) => x(p.t) + "," + y(p.vejct));
    area.setAttribute("points", [x(curve[0].t) + "," + (height - pad.bottom), ...points, x(t1) + "," + (height - pad.bottom)].join(" "));
    area.setAttribute("class", "area");
    svg.append(area);
    const poly = document.createElementNS(SVG, "polyline");
    poly.setAttribute("points", points.join(" "));
    poly.setAttribute("class", "curve");
    svg.append(poly);
    // Labels in HTML, not in the stretched SVG, so they keep their size on every screen.
    const label = (cls, content) => {
      const span = document.createElement("span");
      span.className = cls;
      span.textContent = content;
      return span;
    };
    const top0 = label("plot-top", vejctText(curve[0].vejct) + " today");
    const axis = document.createElement("div");
    axis.className = "plot-axis";
    axis.append(label("", units.unixToDate(curve[0].t)), label("", units.unixToDate(t1) + ": 0 veJCT"));
    box.append(top0, svg, axis);
  }

  // --- what each action will do ---------------------------------------------------------
  function setPreview(id, message, isError) {
    const node = $(id);
    node.textContent = message || "";
    node.className = "preview" + (isError ? " error" : "");
  }

  /** The rounded end of a date field, with a sentence on the rounding when it moved. */
  function endFromDate(value) {
    const picked = units.dateToUnix(value);
    const end = units.roundToWeek(picked);
    const note = end === picked ? "" : " (" + value + " rounds down to the week: " + units.unixToDate(end) + ")";
    return { end, note };
  }

  function checkEnd(end, now) {
    if (end <= now) throw new units.UnitError("That date rounds down to " + units.unixToDate(end) + ", which is not in the future: pick a later date.");
    const latest = units.roundToWeek(now + units.MAXTIME);
    if (end > now + units.MAXTIME) {
      throw new units.UnitError("That is more than 4 years away: the latest unlock is " + units.unixToDate(latest) + ".");
    }
  }

  function approvalNote(amount) {
    return amount > BigInt(state.allowance) ? " Your wallet opens twice: first to let the escrow take " + jctText(amount) + ", then to lock." : "";
  }

  function previewCreate() {
    const amount = units.toWei($("create-amount").value);
    const { end, note } = endFromDate($("create-date").value);
    const now = chainNow();
    checkEnd(end, now);
    if (amount === 0n) throw new units.UnitError("The amount must be more than 0 JCT.");
    const power = units.vejctAt(amount, end, now);
    return { amount, end, text: jctText(amount) + " until " + units.unixToDate(end) + note + " gives " + vejctText(power) + " now, decaying to 0 on " + units.unixToDate(end) + "." + approvalNote(amount) };
  }

  function previewAdd() {
    const amount = units.toWei($("add-amount").value);
    if (amount === 0n) throw new units.UnitError("The amount must be more than 0 JCT.");
    const lock = state.lock;
    const total = BigInt(lock.amount) + amount;
    const power = units.vejctAt(total, lock.end, chainNow());
    return { amount, text: "Adding " + jctText(amount) + " makes " + jctText(total) + " locked until " + units.unixToDate(lock.end) + ": " + vejctText(power) + " now, decaying to 0." + approvalNote(amount) };
  }

  function previewExtend() {
    const { end, note } = endFromDate($("extend-date").value);
    const now = chainNow();
    checkEnd(end, now);
    const lock = state.lock;
    if (end <= BigInt(lock.end)) {
      throw new units.UnitError("The new date" + note + " must be later than the current unlock date, " + units.unixToDate(lock.end) + ".");
    }
    const power = units.vejctAt(lock.amount, end, now);
    return { end, text: jctText(lock.amount) + " locked until " + units.unixToDate(end) + note + " gives " + vejctText(power) + " now (from " + vejctText(state.vejct) + "), decaying to 0." };
  }

  function previewWithdraw() {
    const lock = state.lock;
    if (BigInt(lock.end) <= chainNow()) return { text: "Withdraw returns " + jctText(lock.amount) + " to your wallet; your veJCT is 0 after the unlock date." };
    return { text: "Withdrawing is possible from " + units.unixToDate(lock.end) + " 00:00 UTC, when your " + jctText(lock.amount) + " unlock." };
  }

  const PREVIEWS = {
    "create-preview": [previewCreate, ["create-amount", "create-date"]],
    "add-preview": [previewAdd, ["add-amount"]],
    "extend-preview": [previewExtend, ["extend-date"]],
  };

  function preview(id) {
    const [fn, fields] = PREVIEWS[id];
    if (fields.every((f) => !$(f).value)) return setPreview(id, "");
    try {
      setPreview(id, fn().text);
    } catch (error) {
      setPreview(id, error instanceof units.UnitError ? error.message : String(error), true);
    }
  }

  function previewAll() {
    if (hasLock()) {
      preview("add-preview");
      preview("extend-preview");
      setPreview("withdraw-preview", previewWithdraw().text);
    } else {
      preview("create-preview");
    }
  }

  // --- sending ----------------------------------------------------------------------------
  const STEPS = {
    simulating: "Checking the transaction against the chain…",
    wallet: "Confirm in your wallet…",
    pending: "Pending: waiting for the transaction to be mined…",
  };

  function setBusy(on) {
    busy = on;
    document.querySelectorAll("#power-view button").forEach((b) => (b.disabled = on));
    $("power-view").setAttribute("aria-busy", on ? "true" : "false");
  }

  function showTx(stateText, hash, error) {
    $("tx-box").hidden = false;
    $("tx-state").textContent = stateText || "";
    if (hash !== undefined) $("tx-hash").textContent = hash ? "Transaction " + hash : "";
    $("tx-error").textContent = error || "";
  }

  /** Run ``steps`` ([label, {to, data}] pairs) one after another from the wallet, then
   *  reload the position and say what happened with ``done()``. */
  async function run(steps, done) {
    if (busy) return;
    setBusy(true);
    let last = null;
    try {
      for (const [label, call] of steps) {
        last = await tx.send(account, call, (step, detail) => {
          if (step === "pending") showTx(label + ": " + STEPS.pending, detail);
          else if (STEPS[step]) showTx(label + ": " + STEPS[step], "");
        });
      }
      await load();
      showTx("Confirmed in block " + BigInt(last.blockNumber) + ". " + done());
    } catch (error) {
      showTx("", undefined, tx.explain(error));
    } finally {
      setBusy(false);
    }
  }

  function escrowCall(fn, args) {
    return tx.calldata("VotingEscrow", fn, args);
  }

  /** approve first when the escrow may not take ``amount`` yet: but only if the lock call
   *  itself would otherwise pass, so a lock refusal is shown before any wallet opens. */
  async function withApproval(amount, label, call) {
    if (amount > BigInt(state.jct_balance)) {
      throw new tx.TxError("Not enough JCT: you have " + jctText(state.jct_balance) + ", this needs " + jctText(amount) + ".");
    }
    if (amount <= BigInt(state.allowance)) return [[label, call]];
    try {
      await tx.simulate(account, call);
    } catch (error) {
      if (error.reason !== "ERC20InsufficientAllowance") throw error;
    }
    const escrow = tx.config().contracts.VotingEscrow.address;
    return [["Approve " + jctText(amount), tx.calldata("JCT", "approve", [escrow, amount])], [label, call]];
  }

  async function submit(form, build) {
    if (busy) return;
    showTx("Preparing…", "", ""); // clears the last outcome at once, before any await
    try {
      const steps = await build();
      await run(steps.steps, steps.done);
    } catch (error) {
      showTx("", "", tx.explain(error));
    }
  }

  function position() {
    const lock = state.lock;
    return "You now have " + vejctText(state.vejct) + (lock ? " from " + jctText(lock.amount) + " locked until " + units.unixToDate(lock.end) + "." : ".");
  }

  function wireLockForms() {
    $("create-form").addEventListener("submit", (event) => {
      event.preventDefault();
      submit(event.target, async () => {
        const plan = previewCreate();
        const call = escrowCall("createLock", [plan.amount, plan.end]);
        return { steps: await withApproval(plan.amount, "Lock " + jctText(plan.amount), call), done: position };
      });
    });
    $("add-form").addEventListener("submit", (event) => {
      event.preventDefault();
      submit(event.target, async () => {
        const plan = previewAdd();
        const call = escrowCall("increaseAmount", [plan.amount]);
        return { steps: await withApproval(plan.amount, "Add " + jctText(plan.amount), call), done: position };
      });
    });
    $("extend-form").addEventListener("submit", (event) => {
      event.preventDefault();
      submit(event.target, async () => {
        const plan = previewExtend();
        return { steps: [["Extend to " + units.unixToDate(plan.end), escrowCall("increaseUnlockTime", [plan.end])]], done: position };
      });
    });
    $("withdraw-form").addEventListener("submit", (event) => {
      event.preventDefault();
      submit(event.target, async () => {
        const amount = state.lock.amount;
        return { steps: [["Withdraw " + jctText(amount), escrowCall("withdraw", [])]], done: () => jctText(amount) + " returned: your wallet holds " + jctText(state.jct_balance) + "." };
      });
    });
    Object.entries(PREVIEWS).forEach(([id, [, fields]]) =>
      fields.forEach((f) => $(f).addEventListener("input", () => preview(id))));
    document.querySelectorAll(".preset").forEach((button) =>
      button.addEventListener("click", () => {
        const years = BigInt(button.dataset.years);
        // 365-day years, as MAXTIME counts them; 4 years is the latest allowed week.
        const target = units.roundToWeek(chainNow() + years * 365n * 86400n);
        $("create-date").value = units.unixToDate(target);
        preview("create-preview");
      }));
  }

  // --- delegation -------------------------------------------------------------------------
  function renderDelegation() {
    const available = state.delegation_available;
    $("delegation-unavailable").hidden = available;
    $("delegate-form").hidden = !available;
    $("current-delegate").textContent = state.delegate || "none";
    $("undelegate-button").hidden = !state.delegate;
    $("undelegate-note").hidden = !state.delegate;
    $("delegate-button").textContent = state.delegate ? "Change delegate" : "Delegate";
  }

  /** The checksummed form of what was typed (any case), checked by the server (no keccak
   *  in browsers), with that address's own position for the preview. */
  async function delegateTarget() {
    const typed = $("delegate-address").value.trim();
    if (!typed) throw new tx.TxError("Enter the address to delegate to.");
    try {
      return await jct.api("/api/v1/power/" + encodeURIComponent(typed));
    } catch (error) {
      if (error.code === "invalid_address") throw new tx.TxError("That is not an Ethereum address (or its mixed-case checksum is wrong).");
      throw error;
    }
  }

  let previewSeq = 0;
  async function previewDelegate() {
    const seq = ++previewSeq;
    if (!$("delegate-address").value.trim()) return setPreview("delegate-preview", "");
    try {
      const target = await delegateTarget();
      if (seq !== previewSeq) return;
      setPreview("delegate-preview", "Your " + vejctText(state.vejct) + " will count with the votes of " + target.address + " (who holds " + vejctText(target.vejct) + " of their own), unless you vote yourself.");
    } catch (error) {
      if (seq === previewSeq) setPreview("delegate-preview", tx.explain(error), true);
    }
  }

  function wireDelegation() {
    let timer = null;
    $("delegate-address").addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(previewDelegate, 250);
    });
    $("delegate-form").addEventListener("submit", (event) => {
      event.preventDefault();
      submit(event.target, async () => {
        const target = await delegateTarget();
        $("delegate-address").value = target.address;
        const call = tx.calldata("VoteDelegation", "delegate", [target.address]);
        return { steps: [["Delegate to " + short(target.address), call]], done: () => "Your veJCT now counts with " + target.address + "." };
      });
    });
    $("undelegate-button").addEventListener("click", () =>
      submit(null, async () => ({
        steps: [["Remove delegation", tx.calldata("VoteDelegation", "undelegate", [])]],
        done: () => "You have no delegate: only your own votes count your veJCT.",
      })));
  }

  // --- start ------------------------------------------------------------------------------
  async function start(ask) {
    try {
      account = ask ? await jct.wallet.requestAccount() : await jct.wallet.account();
      if (!account) return;
      await load();
      if ($("delegate-address").value) previewDelegate();
    } catch (error) {
      jct.status(tx.explain(error), true);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!$("power-view")) return;
    wireLockForms();
    wireDelegation();
    $("power-connect-button").addEventListener("click", () => start(true));
    start(false);
  });
})();
