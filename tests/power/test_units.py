"""static/js/units.js under node: JCT text <-> wei and VotingEscrow's arithmetic, exact at
10^27-wei scale (a billion JCT) and beyond, checked against Python's integers."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from jctgov.chain.locks import MAX_LOCK_S, WEEK_S
from jctgov.power.selectors import vejct_at

UNITS_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "units.js"
# Node 20 is a requirement of the project (the README's two commands need it): no skip.
NODE = shutil.which("node") or "node"


def run_units(calls: list[list]) -> list:
    """Evaluate [function, *args] calls in node; BigInts come back as strings, UnitError as
    {"error": message}."""
    script = f"""
const units = require({json.dumps(str(UNITS_JS))});
const calls = JSON.parse(process.argv[1]);
const out = calls.map(([fn, ...args]) => {{
  try {{
    const value = units[fn](...args);
    return typeof value === "bigint" ? value.toString() : value;
  }} catch (e) {{
    return {{ error: e.message, unitError: e instanceof units.UnitError }};
  }}
}});
process.stdout.write(JSON.stringify(out));
"""
    done = subprocess.run(
        [NODE, "-e", script, json.dumps(calls)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    ("text", "wei"),
    [
        ("1", 10**18),
        ("1000", 1000 * 10**18),
        ("1,000.5", 1000 * 10**18 + 5 * 10**17),
        ("0.000000000000000001", 1),
        (".5", 5 * 10**17),
        ("7.", 7 * 10**18),
        ("1000000000", 10**27),
        ("999999999.999999999999999999", 10**27 - 1),
        ("123456789012.345678901234567891", 123456789012345678901234567891),
        (" 42 ", 42 * 10**18),
        ("0", 0),
    ],
)
def test_to_wei_is_exact(text, wei):
    assert run_units([["toWei", text]]) == [str(wei)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter an amount of JCT."),
        ("abc", "Enter the amount as a number of JCT, such as 1000 or 12.5."),
        ("1.2.3", "Enter the amount as a number of JCT, such as 1000 or 12.5."),
        ("-1", "Enter the amount as a number of JCT, such as 1000 or 12.5."),
        ("1e21", "Enter the amount as a number of JCT, such as 1000 or 12.5."),
        (".", "Enter the amount as a number of JCT, such as 1000 or 12.5."),
        ("0.0000000000000000001", "JCT has at most 18 decimals."),
        ("9" * 60, "That amount is too large."),
    ],
)
def test_to_wei_refuses_bad_text_with_a_sentence(text, message):
    assert run_units([["toWei", text]]) == [{"error": message, "unitError": True}]


def test_from_wei_round_trips_at_10_27_scale():
    values = [0, 1, 10**18, 10**27, 10**27 + 1, 10**27 - 1, 2**256 - 1, 123456789 * 10**18 + 7]
    shown = run_units([["fromWei", str(v)] for v in values])
    assert shown[3] == "1000000000" and shown[4] == "1000000000.000000000000000001"
    back = run_units([["toWei", text] for text in shown])
    assert back == [str(v) for v in values]


def test_format_tokens_groups_and_never_rounds_up():
    cases = [
        (10**27, "1,000,000,000"),
        (10**27 - 1, "999,999,999.99"),
        (998_630_136_986_301_369_600, "998.63"),
        (5 * 10**15, "0"),
        (10**16, "0.01"),
    ]
    got = run_units([["formatTokens", str(wei)] for wei, _ in cases])
    assert got == [text for _, text in cases]
    assert run_units([["formatTokens", str(10**18 + 1), 18]]) == ["1.000000000000000001"]


def test_week_rounding_and_vejct_match_the_contract_arithmetic():
    now = 1_796_000_123
    end_picked = 1_922_227_200  # 2030-11-30 00:00 UTC, not a week boundary
    amounts = [10**18, 1000 * 10**18, 10**27, 10**27 + 12345, 3 * 10**9 * 10**18 + 1]
    calls = [["roundToWeek", str(end_picked)]]
    calls += [["vejctAt", str(a), str(end_picked // WEEK_S * WEEK_S), str(now)] for a in amounts]
    calls += [["vejctAt", str(10**27), str(now), str(now)], ["vejctAt", "0", str(end_picked), "0"]]
    got = run_units(calls)
    end = end_picked // WEEK_S * WEEK_S
    assert got[0] == str(end) and end % WEEK_S == 0 and end < end_picked
    for a, value in zip(amounts, got[1 : 1 + len(amounts)], strict=True):
        assert (
            value == str((a // MAX_LOCK_S) * (end - now)) == str(vejct_at(amount=a, end=end, t=now))
        )
    assert got[-2:] == ["0", "0"]


def test_dates_are_utc_days():
    got = run_units(
        [["dateToUnix", "2030-12-01"], ["unixToDate", "1922317200"], ["dateToUnix", "2030-02-30"]]
    )
    assert got[0] == "1922313600"  # 2030-12-01T00:00:00Z
    assert got[1] == "2030-12-01"
    assert got[2] == {"error": "That date does not exist.", "unitError": True}
