"""One exact `tokens` filter for every page: integers only, every digit at 10^27 scale."""

import pytest
from django.template import Context, Template

from jctgov.core.units import exact_tokens, format_tokens

WEI = 10**18


@pytest.mark.parametrize(
    ("wei", "shown"),
    [
        (0, "0"),
        (10**27, "1,000,000,000"),
        (10**27 + 13, "1,000,000,000"),
        (123_456_789_012_345_678_901_234_567_890, "123,456,789,012.35"),
        (1_234_500_000_000_000_000_000, "1,234.50"),
        (5 * 10**15, "0"),  # half a cent: half to even
        (15 * 10**15, "0.02"),
        (-25 * WEI // 10, "-2.50"),
    ],
)
def test_format_tokens_is_exact_integer_arithmetic(wei, shown):
    assert format_tokens(wei) == shown


def test_exact_tokens_keeps_every_decimal():
    assert exact_tokens(10**27 + 13) == "1,000,000,000.000000000000000013"
    assert exact_tokens(100 * WEI) == "100"


def test_both_template_libraries_share_the_one_filter():
    big = 123_456_789_012_345_678_901_234_567_890
    for library in ("proposal_format", "market_format"):
        html = Template(f"{{% load {library} %}}{{{{ v|tokens }}}}|{{{{ n|tokens }}}}").render(
            Context({"v": big, "n": None})
        )
        assert html == "123,456,789,012.35|—"
