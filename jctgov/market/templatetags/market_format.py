"""Display formatting for market pages: wei → tokens, bps → percent."""

from decimal import Decimal

from django import template

register = template.Library()
WEI = Decimal(10) ** 18


@register.filter
def tokens(wei) -> str:
    """Integer wei as whole tokens with up to 2 decimals, thousands separated: 1,234.5."""
    if wei in (None, ""):
        return "—"
    value = (Decimal(int(wei)) / WEI).quantize(Decimal("0.01"))
    text = f"{value:,.2f}"
    return text[:-3] if text.endswith(".00") else text


@register.filter
def percent_bps(bps) -> str:
    """Basis points as a percent with one decimal: 9500 → 95.0%."""
    if bps in (None, ""):
        return "—"
    return f"{Decimal(int(bps)) / 100:.1f}%"


@register.filter
def usd(amount) -> str:
    if amount in (None, ""):
        return "—"
    return f"${Decimal(amount):,.2f}"


@register.filter
def get_item(mapping, key):
    return mapping.get(key, "") if mapping else ""


@register.filter
def amount(value) -> str:
    """A quote amount without trailing zeros: 30.675000 → 30.675, 405.000… → 405."""
    if value in (None, ""):
        return "—"
    text = f"{Decimal(value):,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
