"""Token amounts for people: wei (10^-18 JCT / veJCT) as whole tokens, exactly.

Integer arithmetic only (no float, no Decimal context precision), so 10^27-scale values print
every digit. The one implementation behind the ``tokens`` template filter and the messages.

One display policy for the whole site, shared with ``formatTokens`` in static/js/units.js
(tests/ui/test_units.py checks both on one table): at most two decimals, **rounded toward
zero** (a balance or voting power is never shown larger than it is), trailing zeros dropped,
thousands separated; where that hid digits, the page carries the exact value in a ``title``.
"""

from __future__ import annotations

from django.utils.html import format_html

WEI_PER_TOKEN = 10**18


def format_tokens(wei: int | str, places: int = 2) -> str:
    """Wei as tokens, thousands separated, at most ``places`` decimals rounded toward zero,
    trailing zeros dropped: 1234567800000000000000 -> "1,234.56"; 10**21 -> "1,000";
    1234500000000000000000 -> "1,234.5"."""
    value = int(wei)
    sign, value = ("-", -value) if value < 0 else ("", value)
    units = value // (WEI_PER_TOKEN // 10**places)
    whole, fraction = divmod(units, 10**places)
    digits = str(fraction).rjust(places, "0").rstrip("0") if places else ""
    if not units:
        sign = ""  # -0.001 shows as "0", not "-0"
    return sign + f"{whole:,}" + (f".{digits}" if digits else "")


def exact_tokens(wei: int | str) -> str:
    """Wei as tokens with every significant decimal, no rounding: 10**27 + 13 ->
    "1,000,000,000.000000000000000013"."""
    value = int(wei)
    sign, value = ("-", -value) if value < 0 else ("", value)
    whole, fraction = divmod(value, WEI_PER_TOKEN)
    digits = str(fraction).rjust(18, "0").rstrip("0")
    return sign + f"{whole:,}" + (f".{digits}" if digits else "")


def tokens(wei) -> str:
    """The ``tokens`` template filter: "—" for nothing, else :func:`format_tokens`, inside a
    ``<span title="exact">`` when the rounding hid digits (safe HTML; plain text otherwise)."""
    if wei in (None, ""):
        return "—"
    shown, exact = format_tokens(wei), exact_tokens(wei)
    if shown == exact:
        return shown
    return format_html('<span class="tokens" title="{}">{}</span>', exact, shown)
