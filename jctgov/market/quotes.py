"""Payment quotes for compute: GPU-hours × price + fee + reservation fee. Pure, no Django.

Rounding (every step ``ROUND_HALF_UP``, ``Decimal`` only, never float):

1. ``subtotal = gpu_hours × price_per_gpu_hour`` in USD, rounded to 0.000001 — one base unit of
   the 6-decimal stablecoin (so a stablecoin quote is payable exactly; display rounds to cents).
2. ``fee = subtotal × fee_bps / 10 000`` and ``reservation_fee = subtotal × reservation_fee_bps /
   10 000``, each computed from the *rounded* subtotal and rounded to 0.000001 USD.
   ``fee_bps`` is ``stablecoin_fee_bps`` or ``jct_fee_bps`` by payment token.
3. ``total = subtotal + fee + reservation_fee`` — the sum of the rounded parts, so the parts
   always add up to the total exactly.
4. Paid in JCT with ``jct_usd_price`` given: each rounded USD part is divided by the price and
   rounded to 1 wei (10⁻¹⁸ JCT); the JCT total is again the sum of the rounded parts.
   Paid in JCT without a price: the amounts stay in USD (``currency="USD"``), converted at
   settlement.

Amounts are in ``currency`` (``"USD"`` or ``"JCT"``) with ``decimals`` places (6 or 18);
``base_units(amount)`` gives the integer to send on chain (stablecoin units or wei). Quotes above
~10¹⁰ JCT have more than 28 digits: add them up under a wider ``decimal.localcontext``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

BPS = 10_000
USD_DECIMALS = 6  # the stablecoin's decimals
JCT_DECIMALS = 18
PAYMENT_TOKENS = ("stablecoin", "jct")
ROUNDING_NOTE = (
    "ROUND_HALF_UP: subtotal, fee and reservation fee each rounded to 0.000001 USD "
    "(fees from the rounded subtotal); total = sum of the rounded parts"
)
JCT_ROUNDING_NOTE = ROUNDING_NOTE + "; each USD part ÷ JCT price rounded to 1 wei, total = sum"


@dataclass(frozen=True, slots=True)
class Quote:
    """What a job pays for a lease. Money fields are in ``currency``; ``total_usd`` always USD."""

    payment_token: str
    currency: str
    decimals: int
    gpu_hours: Decimal
    price_per_gpu_hour: Decimal
    subtotal: Decimal
    fee_bps: int
    fee: Decimal
    reservation_fee_bps: int
    reservation_fee: Decimal
    total: Decimal
    total_usd: Decimal
    jct_usd_price: Decimal | None
    rounding: str

    def base_units(self, amount: Decimal) -> int:
        """``amount`` (one of this quote's money fields) in integer base units (exact)."""
        with localcontext() as ctx:
            ctx.prec = 80  # the default 28 digits would round large wei amounts
            return int(amount.scaleb(self.decimals))

    @property
    def total_base_units(self) -> int:
        return self.base_units(self.total)

    def as_dict(self) -> dict[str, str | int | None]:
        """JSON-friendly: money and prices as decimal strings."""
        return {
            "payment_token": self.payment_token,
            "currency": self.currency,
            "decimals": self.decimals,
            "gpu_hours": str(self.gpu_hours),
            "price_per_gpu_hour": str(self.price_per_gpu_hour),
            "subtotal": str(self.subtotal),
            "fee_bps": self.fee_bps,
            "fee": str(self.fee),
            "reservation_fee_bps": self.reservation_fee_bps,
            "reservation_fee": str(self.reservation_fee),
            "total": str(self.total),
            "total_usd": str(self.total_usd),
            "total_base_units": str(self.total_base_units),
            "jct_usd_price": None if self.jct_usd_price is None else str(self.jct_usd_price),
            "rounding": self.rounding,
        }


def quote(
    gpu_hours: Decimal,
    price_per_gpu_hour: Decimal,
    *,
    payment_token: str,
    stablecoin_fee_bps: int,
    jct_fee_bps: int,
    reservation_fee_bps: int,
    jct_usd_price: Decimal | None = None,
) -> Quote:
    """Quote ``gpu_hours`` at ``price_per_gpu_hour`` USD. Rounding as the module docstring states."""
    gpu_hours, price = Decimal(gpu_hours), Decimal(price_per_gpu_hour)
    if payment_token not in PAYMENT_TOKENS:
        raise ValueError(f"payment_token must be one of {PAYMENT_TOKENS}")
    if gpu_hours < 0 or price < 0:
        raise ValueError("gpu_hours and price must be ≥ 0")
    for bps in (stablecoin_fee_bps, jct_fee_bps, reservation_fee_bps):
        if not 0 <= bps <= BPS:
            raise ValueError("fees must be between 0 and 10000 bps")
    if jct_usd_price is not None and Decimal(jct_usd_price) <= 0:
        raise ValueError("jct_usd_price must be > 0")
    fee_bps = stablecoin_fee_bps if payment_token == "stablecoin" else jct_fee_bps
    with localcontext() as ctx:
        ctx.prec = 80  # wei-precise division of large USD amounts
        subtotal = _round(gpu_hours * price, USD_DECIMALS)
        fee = _round(subtotal * fee_bps / BPS, USD_DECIMALS)
        reservation = _round(subtotal * reservation_fee_bps / BPS, USD_DECIMALS)
        parts = [subtotal, fee, reservation]
        total_usd = sum(parts, Decimal(0))
        currency, decimals, note = "USD", USD_DECIMALS, ROUNDING_NOTE
        if payment_token == "jct" and jct_usd_price is not None:
            parts = [_round(p / Decimal(jct_usd_price), JCT_DECIMALS) for p in parts]
            currency, decimals, note = "JCT", JCT_DECIMALS, JCT_ROUNDING_NOTE
        total = sum(parts, Decimal(0))
    return Quote(
        payment_token=payment_token,
        currency=currency,
        decimals=decimals,
        gpu_hours=gpu_hours,
        price_per_gpu_hour=price,
        subtotal=parts[0],
        fee_bps=fee_bps,
        fee=parts[1],
        reservation_fee_bps=reservation_fee_bps,
        reservation_fee=parts[2],
        total=total,
        total_usd=total_usd,
        jct_usd_price=None if jct_usd_price is None else Decimal(jct_usd_price),
        rounding=note,
    )


def _round(amount: Decimal, places: int) -> Decimal:
    return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
