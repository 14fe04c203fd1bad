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

  /** Decimal text -> BigInt in units of 10^-decimals: parseDecimal("2.5", 2) === 250n.
   *  ``say`` holds the sentences of the UnitErrors thrown: {empty, invalid, decimals}. */
  function parseDecimal(text, decimals, say) {
    const value = String(text === undefined || text === null ? "" : text)
      .trim()
      .replace(/[,_\s]/g, "");
    if (value === "") throw new UnitError(say.empty);
    const match = /^(\d*)(?:\.(\d*))?$/.exec(value);
    if (!match || (match[1] === "" && !match[2])) throw new UnitError(say.invalid);
    const fraction = match[2] || "";
    if (fraction.length > decimals) throw new UnitError(say.decimals);
    return BigInt(match[1] || "0") * 10n ** BigInt(decimals) + BigInt(fraction.padEnd(decimals, "0") || "0");
  }

  /** BigInt in units of 10^-decimals -> exact decimal text, no trailing zeros, no grouping. */
  function formatDecimal(value, decimals) {
    const v = BigInt(value);
    const sign = v < 0n ? "-" : "";
    const abs = v < 0n ? -v : v;
    const one = 10n ** BigInt(decimals);
    const fraction = decimals ? (abs % one).toString().padStart(decimals, "0").replace(/0+$/, "") : "";
    return sign + (abs / one).toString() + (fraction ? "." + fraction : "");
  }

  /** "1,000.25" -> 1000250000000000000000n. Throws UnitError with a sentence for bad input. */
  function toWei(text) {
    const wei = parseDecimal(text, DECIMALS, {
      empty: "Enter an amount of JCT.",
      invalid: "Enter the amount as a number of JCT, such as 1000 or 12.5.",
      decimals: "JCT has at most 18 decimals.",
    });
    if (wei > UINT256_MAX) throw new UnitError("That amount is too large.");
    return wei;
  }

  /** 1000250000000000000000n -> "1000.25" (exact, no trailing zeros). */
  function fromWei(wei) {
    return formatDecimal(wei, DECIMALS);
  }

  function groupThousands(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  /** Wei as tokens for reading: thousands separated, at most ``places`` decimals, rounded
   *  toward zero so a shown balance or power is never more than the real one, trailing zeros
   *  dropped. The site's one policy, the same as the Python ``tokens`` filter
   *  (jctgov/core/units.py; tests/ui/test_units.py checks both on one table). */
  function formatTokens(wei, places) {
    const keep = BigInt(places === undefined ? 2 : places);
    const value = BigInt(wei);
    const abs = value < 0n ? -value : value;
    const truncated = abs / (ONE / 10n ** keep); // |value| in units of 10^-places tokens
    const sign = value < 0n && truncated > 0n ? "-" : "";
    const whole = truncated / 10n ** keep;
    const rest = keep ? (truncated % 10n ** keep).toString().padStart(Number(keep), "0").replace(/0+$/, "") : "";
    return sign + groupThousands(whole.toString()) + (rest ? "." + rest : "");
  }

  /** Wei as tokens with every decimal, thousands separated: the value a title shows. */
  function exactTokens(wei) {
    const text = fromWei(wei);
    const [whole, fraction] = text.replace("-", "").split(".");
    return (text.startsWith("-") ? "-" : "") + groupThousands(whole) + (fraction ? "." + fraction : "");
  }

  /** Put wei on the page as the ``tokens`` filter does: rounded text, and the exact value in
   *  the title when the rounding hid digits. */
  function showTokens(element, wei, places) {
    const shown = formatTokens(wei, places);
    const exact = exactTokens(wei);
    element.textContent = shown;
    if (shown === exact) element.removeAttribute("title");
    else element.title = exact;
    return element;
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

  // --- governance parameters in their units (kinds of jctgov/core/parameters.py) ---------
  // Stored as integers (bps, wei, seconds, counts, cents); typed and shown as %, veJCT, days…
  const DURATION_UNITS = [["days", 86400n], ["hours", 3600n], ["minutes", 60n], ["seconds", 1n]];
  const PARAM_DECIMALS = { bps: 2, token: 18, usd: 2, integer: 0 }; // 100 bps = 1.00 %
  const DURATION_DECIMALS = 6;

  function tokenUnit(p) {
    return String(p.unit || "").startsWith("JCT") ? "JCT" : "veJCT";
  }

  /** The unit a parameter is typed in: "%", "veJCT", "$", "" (a count) or a duration unit. */
  function parameterUnit(p, durationUnit) {
    return { bps: "%", token: tokenUnit(p), usd: "$", duration: durationUnit || "seconds" }[p.kind] || "";
  }

  function durationSize(name) {
    const found = DURATION_UNITS.find(([unit]) => unit === name);
    if (!found) throw new UnitError("Pick a unit of time.");
    return found[1];
  }

  /** The largest unit of time that holds ``seconds`` exactly: 259200 -> "days", 90 -> "seconds". */
  function durationUnitFor(seconds) {
    const s = BigInt(seconds);
    const found = DURATION_UNITS.find(([, size]) => s >= size && s % size === 0n);
    return found ? found[0] : "seconds";
  }

  function parameterSentences(p, durationUnit) {
    switch (p.kind) {
      case "bps":
        return { empty: "Enter a percentage.", invalid: "Enter a percentage as a number, such as 2.5 for 2.5%.",
                 decimals: "At most 2 decimals: the value is kept in basis points (0.01%)." };
      case "token": {
        const unit = tokenUnit(p);
        return { empty: `Enter an amount of ${unit}.`, invalid: `Enter the amount as a number of ${unit}, such as 1000 or 12.5.`,
                 decimals: `${unit} has at most 18 decimals.` };
      }
      case "usd":
        return { empty: "Enter an amount in dollars.", invalid: "Enter dollars as a number, such as 1.50.",
                 decimals: "At most 2 decimals (cents)." };
      case "duration":
        return { empty: `Enter a number of ${durationUnit}.`, invalid: `Enter a number of ${durationUnit}, such as 3 or 1.5.`,
                 decimals: `At most ${DURATION_DECIMALS} decimals.` };
      default:
        return { empty: "Enter a whole number.", invalid: "Enter a whole number, such as 20.", decimals: "Enter a whole number." };
    }
  }

  /** What a person typed for parameter ``p`` (a registry row: {kind, unit}) -> the integer the
   *  server stores (BigInt), exactly: "2.5" % -> 250n bps; "1.5" days -> 129600n seconds;
   *  "999999999.999999999999999999" veJCT -> 999999999999999999999999999n wei. */
  function parameterToInteger(p, text, durationUnit) {
    const say = parameterSentences(p, durationUnit);
    if (p.kind !== "duration") return parseDecimal(text, PARAM_DECIMALS[p.kind] || 0, say);
    const micro = parseDecimal(text, DURATION_DECIMALS, say) * durationSize(durationUnit);
    const scale = 10n ** BigInt(DURATION_DECIMALS);
    if (micro % scale !== 0n) throw new UnitError("That is not a whole number of seconds.");
    return micro / scale;
  }

  /** The stored integer -> the text a person edits, in the same unit (exact, no grouping). */
  function parameterFromInteger(p, value, durationUnit) {
    if (p.kind !== "duration") return formatDecimal(value, PARAM_DECIMALS[p.kind] || 0);
    const scale = 10n ** BigInt(DURATION_DECIMALS);
    return formatDecimal((BigInt(value) * scale) / durationSize(durationUnit), DURATION_DECIMALS);
  }

  /** The stored integer for reading, exact, with its unit: "2.5%", "1,000 veJCT", "3 days". */
  function parameterText(p, value) {
    const v = BigInt(value);
    switch (p.kind) {
      case "bps":
        return formatDecimal(v, 2) + "%";
      case "token":
        return exactTokens(v) + " " + tokenUnit(p);
      case "usd":
        return "$" + formatDecimal(v, 2);
      case "duration": {
        const unit = durationUnitFor(v);
        const count = parameterFromInteger(p, v, unit);
        return count + " " + (count === "1" ? unit.slice(0, -1) : unit);
      }
      default:
        return groupThousands(v.toString());
    }
  }

  const params = {
    DURATION_UNITS: DURATION_UNITS.map(([name]) => name), parameterUnit, durationUnitFor,
    parameterToInteger, parameterFromInteger, parameterText,
  };

  const units = {
    DECIMALS, WEEK, MAXTIME, UnitError, toWei, fromWei, formatTokens, exactTokens, showTokens,
    parseDecimal, formatDecimal, roundToWeek, vejctAt, dateToUnix, unixToDate, ...params,
  };
  if (typeof module === "object" && module.exports) module.exports = units;
  else (root.jctgov = root.jctgov || {}).units = units;
})(typeof window !== "undefined" ? window : globalThis);
