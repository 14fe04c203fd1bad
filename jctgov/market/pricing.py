"""Django-side adapter to the pure ``quotes`` module: fees from the parameter registry, the
JCT price from settings (MARKET_JCT_USD_PRICE)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from jctgov.core.parameters import current_values
from jctgov.market import quotes


def jct_usd_price() -> Decimal | None:
    """USD per JCT, or None when not configured (JCT quotes then stay in USD)."""
    raw = getattr(settings, "MARKET_JCT_USD_PRICE", "") or ""
    try:
        price = Decimal(raw)
    except InvalidOperation:
        return None
    return price if price > 0 else None


def fee_params(values: dict[str, int] | None = None) -> dict[str, int]:
    values = values or current_values()
    return {
        "stablecoin_fee_bps": values["market.stablecoin_fee_bps"],
        "jct_fee_bps": values["market.jct_fee_bps"],
        "reservation_fee_bps": values["market.reservation_fee_bps"],
    }


def quote_for(
    gpu_hours: Decimal,
    price: Decimal,
    payment_token: str,
    values: dict[str, int] | None = None,
    *,
    usd_only: bool = False,
) -> quotes.Quote:
    """The quote for ``gpu_hours`` at ``price`` USD, with the fees in ``values`` (or in force).
    ``usd_only`` keeps JCT payments in USD (for comparing totals across tokens)."""
    return quotes.quote(
        Decimal(gpu_hours),
        Decimal(price),
        payment_token=payment_token,
        jct_usd_price=None if usd_only or payment_token != "jct" else jct_usd_price(),
        **fee_params(values),
    )


def lease_quote_fields(quote: quotes.Quote) -> dict[str, Any]:
    """The Lease columns that store ``quote``."""
    return {
        "payment_token": quote.payment_token,
        "currency": quote.currency,
        "subtotal": quote.subtotal,
        "fee_bps": quote.fee_bps,
        "fee": quote.fee,
        "reservation_fee_bps": quote.reservation_fee_bps,
        "reservation_fee": quote.reservation_fee,
        "total": quote.total,
        "total_usd": quote.total_usd,
        "jct_usd_price": quote.jct_usd_price,
    }


def quotes_both(
    *, gpu_hours: Decimal, price: Decimal, payment_token: str | None = None
) -> dict[str, Any]:
    """The quote in both payment tokens (and which one the caller picked)."""
    values = current_values()
    return {
        "payment_token": payment_token,
        "stablecoin": quote_for(gpu_hours, price, "stablecoin", values).as_dict(),
        "jct": quote_for(gpu_hours, price, "jct", values).as_dict(),
    }
