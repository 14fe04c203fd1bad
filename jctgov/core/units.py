"""Token amounts for people: wei (10^-18 JCT / veJCT) as whole tokens, exactly.

Integer arithmetic only (no float, no Decimal context precision), so 10^27-scale values print
every digit. The one implementation behind the ``tokens`` template filter and the messages."""

from __future__ import annotations

WEI_PER_TOKEN = 10**18


def format_tokens(wei: int | str, places: int = 2) -> str:
    """Wei as tokens, thousands separated, ``places`` decimals rounded half to even, and the
    decimals dropped when they are all zero: 1234500000000000000000 -> "1,234.50";
    10**21 -> "1,000"."""
    value = int(wei)
    sign, value = ("-", -value) if value < 0 else ("", value)
    step = WEI_PER_TOKEN // 10**places
    units, rest = divmod(value, step)
    if rest * 2 > step or (rest * 2 == step and units % 2):
        units += 1
    whole, fraction = divmod(units, 10**places)
    text = f"{whole:,}"
    if places and fraction:
        text += "." + str(fraction).rjust(places, "0")
    return sign + text


def exact_tokens(wei: int | str) -> str:
    """Wei as tokens with every significant decimal, no rounding: 10**27 + 13 ->
    "1000000000.000000000000000013"."""
    value = int(wei)
    sign, value = ("-", -value) if value < 0 else ("", value)
    whole, fraction = divmod(value, WEI_PER_TOKEN)
    digits = str(fraction).rjust(18, "0").rstrip("0")
    return sign + f"{whole:,}" + (f".{digits}" if digits else "")


def tokens(wei) -> str:
    """The ``tokens`` template filter: "—" for nothing, else :func:`format_tokens`."""
    return "—" if wei in (None, "") else format_tokens(wei)
