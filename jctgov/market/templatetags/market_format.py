"""Display formatting for market pages: wei → tokens, bps → percent."""

from decimal import Decimal, localcontext

from django import template

from jctgov.core.units import WEI_PER_TOKEN, tokens
from jctgov.market.domain import percent_bps, usd

register = template.Library()
WEI = Decimal(10) ** 18


register.filter("tokens", tokens)  # the one implementation: jctgov.core.units
register.filter("percent_bps", percent_bps)  # jctgov.market.domain: pages and presenters
register.filter("usd", usd)


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


@register.filter
def money(value, currency: str = "") -> str:
    """A lease or quote amount in its currency: JCT as the ``tokens`` filter shows it (at most
    two decimals, rounded toward zero, the exact value in a title), never 18 decimals; other
    currencies as :func:`amount`."""
    if value in (None, "") or currency != "JCT":
        return amount(value)
    with localcontext() as ctx:
        ctx.prec = 80  # a 10^27-wei amount has more digits than the default 28
        return tokens(int(Decimal(value) * WEI_PER_TOKEN))
