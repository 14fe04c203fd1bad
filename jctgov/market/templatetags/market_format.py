"""Display formatting for market pages: wei → tokens, bps → percent."""

from decimal import Decimal

from django import template

from jctgov.core.units import tokens

register = template.Library()
WEI = Decimal(10) ** 18


register.filter("tokens", tokens)  # the one implementation: jctgov.core.units


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
