"""One token display policy for every page, in Python and in JavaScript: at most two decimals,
rounded toward zero (never more than someone has), trailing zeros dropped, thousands
separated, and the exact value in a title where the rounding hid digits. Integers only: every
digit at 10^27 scale."""

import pytest
from django.template import Context, Template

from jctgov.core.units import exact_tokens, format_tokens, tokens
from tests.power.test_units import run_units

WEI = 10**18

# (wei, shown, exact): the one table both implementations must agree on.
POLICY = [
    (0, "0", "0"),
    (1, "0", "0.000000000000000001"),
    (10**16, "0.01", "0.01"),
    (10**16 - 1, "0", "0.009999999999999999"),
    (5 * 10**15, "0", "0.005"),
    (15 * 10**15, "0.01", "0.015"),
    (10**18, "1", "1"),
    (1_234_500_000_000_000_000_000, "1,234.5", "1,234.5"),
    (998_630_136_986_301_369_600, "998.63", "998.6301369863013696"),
    (10**27, "1,000,000,000", "1,000,000,000"),
    (10**27 - 1, "999,999,999.99", "999,999,999.999999999999999999"),
    (10**27 + 13, "1,000,000,000", "1,000,000,000.000000000000000013"),
    (
        123_456_789_012_345_678_901_234_567_890,
        "123,456,789,012.34",
        "123,456,789,012.34567890123456789",
    ),
    (2**256 - 1, format_tokens(2**256 - 1), exact_tokens(2**256 - 1)),
    (-25 * WEI // 10, "-2.5", "-2.5"),
    (-1, "0", "-0.000000000000000001"),
]


@pytest.mark.parametrize(("wei", "shown", "exact"), POLICY)
def test_format_tokens_rounds_toward_zero_and_trims(wei, shown, exact):
    assert format_tokens(wei) == shown
    assert exact_tokens(wei) == exact


def test_units_js_agrees_with_the_python_filter_on_every_value():
    calls = []
    for wei, _, _ in POLICY:
        calls += [["formatTokens", str(wei)], ["exactTokens", str(wei)]]
    got = run_units(calls)
    expected = []
    for wei, _, _ in POLICY:
        expected += [format_tokens(wei), exact_tokens(wei)]
    assert got == expected


def test_units_js_agrees_at_other_precisions_too():
    values = [0, 1, 10**18 + 1, 10**27 - 1, 123_456_789_012_345_678_901_234_567_890]
    for places in (0, 1, 6, 18):
        got = run_units([["formatTokens", str(v), places] for v in values])
        assert got == [format_tokens(v, places) for v in values], places


def test_the_filter_carries_the_exact_value_in_a_title_only_when_rounded():
    assert tokens(10**21) == "1,000"
    assert tokens(None) == "—"
    assert str(tokens(10**27 + 13)) == (
        '<span class="tokens" title="1,000,000,000.000000000000000013">1,000,000,000</span>'
    )


def test_both_template_libraries_share_the_one_filter():
    big = 123_456_789_012_345_678_901_234_567_890
    for library in ("proposal_format", "market_format"):
        html = Template(f"{{% load {library} %}}{{{{ v|tokens }}}}|{{{{ n|tokens }}}}").render(
            Context({"v": big, "n": None})
        )
        assert html == (
            '<span class="tokens" title="123,456,789,012.34567890123456789">'
            "123,456,789,012.34</span>|—"
        )


def test_jct_lease_totals_never_show_eighteen_decimals():
    html = Template("{% load market_format %}{{ a|money:'JCT' }}|{{ b|money:'USD' }}").render(
        Context({"a": "3.333333333333333333", "b": "30.675000"})
    )
    assert html == '<span class="tokens" title="3.333333333333333333">3.33</span>|30.675'
