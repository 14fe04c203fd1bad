/* Token units and VotingEscrow arithmetic, exact: BigInt everywhere, never a float.
 * JCT amounts are typed as decimal text ("1,000.5") and sent as wei (10^18 base units).
 * veJCT follows VotingEscrow: unlock times round DOWN to a whole week (unix time / WEEK * WEEK,
 * i.e. Thursday 00:00 UTC), slope = amount / MAXTIME (integer division), power = slope ×
 * (end − t). Runs in the browser (window.jctgov.units) and under node (tests). */
(function (root) {
  "use strict";
  const DECIMALS = 18;
  const ONE = 10n ** BigInt(DECIMALS);
  const WEEK = 7n * 24n * 3600n;
  const MAXTIME = 4n * 365n * 24n * 3600n;
  const UINT256_MAX = 2n ** 256n - 1n;

  class UnitError extends Error {}

  /** "1,000.25" -> 1000250000000000000000n. Throws UnitError with a sentence for bad input. */
  function toWei(text) {
    const value = String(text === undefined || text === null ? "" : text)
      .trim()
      .replace(/[,_\s]/g, "");
    if (value === "") throw new UnitError("Enter an amount of JCT.");
    const match = /^(\d*)(?:\.(\d*))?$/.exec(value);
    if (!match || (match[1] === "" && !match[2])) {
      throw new UnitError("Enter the amount as a number of JCT, such as 1000 or 12.5.");
    }
    const fraction = match[2] || "";
    if (fraction.length > DECIMALS) throw new UnitError("JCT has at most 18 decimals.");
    const wei = BigInt(match[1] || "0") * ONE + BigInt(fraction.padEnd(DECIMALS, "0") || "0");
    if (wei > UINT256_MAX) throw new UnitError("That amount is too large.");
    return wei;
  }

  /** 1000250000000000000000n -> "1000.25" (exact, no trailing zeros). */
  function fromWei(wei) {
    const value = BigInt(wei);
    const sign = value < 0n ? "-" : "";
    const abs = value < 0n ? -value : value;
    const fraction = (abs % ONE).toString().padStart(DECIMALS, "0").replace(/0+$/, "");
    return sign + (abs / ONE).toString() + (fraction ? "." + fraction : "");
  }

  function groupThousands(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  /** Wei as tokens for reading: thousands separated, at most ``places`` decimals, rounded
   *  down so a shown balance or power is never more than the real one. */
  function formatTokens(wei, places) {
    const keep = BigInt(places === undefined ? 2 : places);
    const value = BigInt(wei);
    const step = ONE / 10n ** keep;
    const truncated = value / step; // value in units of 10^-places tokens
    const whole = truncated / 10n ** keep;
    const rest = (truncated % 10n ** keep).toString().padStart(Number(keep), "0").replace(/0+$/, "");
    return groupThousands(whole.toString()) + (rest ? "." + rest : "");
  }

  /** VotingEscrow's rounding of an unlock time: down to a whole week. */
  function roundToWeek(t) {
    return (BigInt(t) / WEEK) * WEEK;
  }

  /** veJCT of a lock of ``amount`` wei ending at ``end`` at time ``t`` (all BigInt-able). */
  function vejctAt(amount, end, t) {
    const a = BigInt(amount);
    const e = BigInt(end);
    const now = BigInt(t);
    if (a <= 0n || e <= now) return 0n;
    return (a / MAXTIME) * (e - now);
  }

  /** "2030-12-01" -> unix seconds of 00:00 UTC that day (BigInt); throws UnitError. */
  function dateToUnix(text) {
    const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text || "").trim());
    if (!match) throw new UnitError("Pick an unlock date.");
    const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
    const check = new Date(ms);
    if (Number.isNaN(ms) || check.getUTCDate() !== Number(match[3])) {
      throw new UnitError("That date does not exist.");
    }
    return BigInt(ms) / 1000n;
  }

  /** unix seconds -> "2030-11-28" (UTC). */
  function unixToDate(t) {
    return new Date(Number(BigInt(t)) * 1000).toISOString().slice(0, 10);
  }

  const units = {
    DECIMALS, WEEK, MAXTIME, UnitError, toWei, fromWei, formatTokens, roundToWeek, vejctAt,
    dateToUnix, unixToDate,
  };
  if (typeof module === "object" && module.exports) module.exports = units;
  else (root.jctgov = root.jctgov || {}).units = units;
})(typeof window !== "undefined" ? window : globalThis);
