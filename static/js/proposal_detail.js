/* The proposal page's vote box, before any signature: the connected wallet's veJCT at the
 * proposal's snapshot and now (with its lock end), whether it can vote and why not; the vote
 * buttons are disabled with the reason when it can't, and when the countdown reaches zero.
 *
 * A signed-in reader's box comes filled by the server (data-known="1", the same rules in
 * proposals/presenters.py `vote_eligibility`); for a wallet that is connected but not signed
 * in this asks the API. Amounts are wei strings, formatted with BigInt (static/js/units.js). */
(function () {
  "use strict";
  const jct = window.jctgov;
  const tokens = (wei) => jct.units.formatTokens(wei);

  let closed = false; // the countdown reached zero: nothing re-enables the buttons

  function setEligibility(box, canVote, text) {
    if (closed) return;
    const line = document.getElementById("vote-eligibility");
    if (line) {
      line.textContent = text;
      line.classList.toggle("ok", canVote);
      line.classList.toggle("bad", !canVote);
      line.hidden = false;
    }
    box.dataset.canVote = canVote ? "1" : "0";
    box.querySelectorAll(".vote-button").forEach((button) => (button.disabled = !canVote));
  }

  // Own veJCT at the snapshot, plus what delegators who did not vote themselves carry.
  function describePower(p) {
    let text = `Your voting power at block ${p.snapshot_block}: ${tokens(p.power)} veJCT of your own`;
    if (p.delegators_total) {
      const plural = p.delegators_total === 1 ? "" : "s";
      text += ` + ${tokens(p.delegated_power)} veJCT delegated to you by ${p.delegators} of your ${p.delegators_total} delegator${plural} (those who vote themselves count their own)`;
    }
    text += ".";
    if (p.delegate) text += ` You had delegated to ${p.delegate}; if you vote, your own veJCT counts with your vote instead.`;
    return text;
  }

  // The rules of services.votes, as presenters.vote_eligibility words them.
  function eligibility(p) {
    if (BigInt(p.power) <= 0n && !p.delegators_total) {
      return [false, `You can't vote on this proposal: this wallet had no veJCT at snapshot block ${p.snapshot_block} and nobody had delegated to it.`];
    }
    let text = `You can vote with ${tokens(BigInt(p.power) + BigInt(p.delegated_power))} veJCT.`;
    if (p.delegate) text += " Your own veJCT then counts with your vote, not your delegate's.";
    return [true, text];
  }

  async function showSnapshotPower(proposalId, box, address) {
    const line = document.getElementById("my-power");
    if (box.dataset.known === "1" || box.dataset.voting !== "open") return null;
    const p = await jct.api(`/api/v1/proposals/${proposalId}/power?${new URLSearchParams({ address })}`);
    if (line) {
      line.textContent = describePower(p);
      line.hidden = false;
    }
    const [canVote, text] = eligibility(p);
    setEligibility(box, canVote, text);
    return p;
  }

  // veJCT now and the lock's end (chain data, GET /api/v1/power/{address}).
  async function showPowerNow(box, address, atSnapshot) {
    const line = document.getElementById("my-now");
    if (!line) return;
    const now = await jct.api(`/api/v1/power/${encodeURIComponent(address)}`);
    const lock = now.lock;
    let text = `Now: ${tokens(now.vejct)} veJCT`;
    if (!lock) text += " (no lock).";
    else if (lock.expired) text += `; your lock of ${tokens(lock.amount)} JCT ended ${new Date(lock.end * 1000).toLocaleDateString()}.`;
    else text += `; your lock of ${tokens(lock.amount)} JCT ends ${new Date(lock.end * 1000).toLocaleDateString()}.`;
    const snapshotPower = atSnapshot ? BigInt(atSnapshot.power) : BigInt(box.dataset.snapshotPower || "0");
    if (BigInt(now.vejct) > 0n && snapshotPower === 0n && box.dataset.canVote === "0") {
      text += " veJCT locked after a proposal's snapshot counts from the next proposal on.";
    }
    line.textContent = text;
    line.hidden = false;
  }

  async function setup(article) {
    const box = document.getElementById("vote-box");
    if (!box) return;
    // When voting closes with the page open, the buttons say so instead of failing.
    document.addEventListener("jctgov:countdown-ended", () => {
      setEligibility(box, false, "Voting has closed.");
      closed = true;
    });
    if (!jct.wallet.provider()) return; // no wallet: the buttons stay and explain on click
    const address = box.dataset.address || (await jct.wallet.account());
    if (!address) return; // a wallet not connected to this site: nothing known yet
    let atSnapshot = null;
    try {
      atSnapshot = await showSnapshotPower(article.dataset.id, box, address);
    } catch (error) {
      if (error && error.code === "snapshot_pending") setEligibility(box, false, "Voting opens once the snapshot of voting power is stored.");
    }
    await showPowerNow(box, address, atSnapshot).catch(() => {}); // chain down: say nothing
  }

  document.addEventListener("DOMContentLoaded", () => {
    const article = document.getElementById("proposal");
    if (article) setup(article).catch(() => {});
  });
})();
