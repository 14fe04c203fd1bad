"""The pure quote module: fees by payment token, stated rounding, JCT in wei."""

from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jctgov.market.quotes import quote

FEES = {"stablecoin_fee_bps": 200, "jct_fee_bps": 100, "reservation_fee_bps": 25}


def test_ten_gpu_hours_at_two_dollars_in_stablecoin_costs_20_45():
    q = quote(Decimal(10), Decimal("2.00"), payment_token="stablecoin", **FEES)
    assert (q.subtotal, q.fee_bps, q.fee, q.reservation_fee, q.total) == (
        Decimal("20"),
        200,
        Decimal("0.40"),
        Decimal("0.05"),
        Decimal("20.45"),
    )
    assert q.currency == "USD"
    assert q.total_base_units == 20_450_000  # 6-decimal stablecoin units


def test_jct_payment_uses_the_jct_fee():
    q = quote(Decimal(10), Decimal("2.00"), payment_token="jct", **FEES)
    assert (q.fee_bps, q.fee, q.total, q.currency) == (
        100,
        Decimal("0.20"),
        Decimal("20.25"),
        "USD",
    )


def test_jct_payment_with_a_price_is_quoted_in_wei():
    q = quote(
        Decimal(10), Decimal("2.00"), payment_token="jct", jct_usd_price=Decimal("0.5"), **FEES
    )
    assert q.currency == "JCT"
    assert (q.subtotal, q.fee, q.reservation_fee, q.total) == (
        Decimal(40),
        Decimal("0.4"),
        Decimal("0.1"),
        Decimal("40.5"),
    )
    assert q.total_base_units == 405 * 10**17
    assert q.total_usd == Decimal("20.25")


def test_half_a_stablecoin_unit_rounds_up():
    # 0.0000005 USD subtotal → 0.000001 (ROUND_HALF_UP at the stablecoin's 6 decimals)
    q = quote(Decimal("0.0000005"), Decimal(1), payment_token="stablecoin", **FEES)
    assert q.subtotal == Decimal("0.000001")
    # 1.234567 × 200 bps = 0.02469134 → 0.024691; × 25 bps = 0.0030864175 → 0.003086
    q = quote(Decimal("1.234567"), Decimal(1), payment_token="stablecoin", **FEES)
    assert (q.fee, q.reservation_fee, q.total) == (
        Decimal("0.024691"),
        Decimal("0.003086"),
        Decimal("1.262344"),
    )


def test_jct_conversion_rounds_each_part_to_one_wei():
    q = quote(
        Decimal(1),
        Decimal(1),
        payment_token="jct",
        jct_usd_price=Decimal(3),
        stablecoin_fee_bps=0,
        jct_fee_bps=0,
        reservation_fee_bps=0,
    )
    assert q.subtotal == Decimal("0.333333333333333333")
    assert q.base_units(q.subtotal) == 333_333_333_333_333_333


@pytest.mark.parametrize(
    "bad",
    [
        {"payment_token": "usdc"},
        {"payment_token": "stablecoin", "stablecoin_fee_bps": 10_001},
        {"payment_token": "jct", "jct_usd_price": Decimal(0)},
    ],
)
def test_invalid_quote_inputs_are_refused(bad):
    kwargs = {**FEES, **bad}
    with pytest.raises(ValueError):
        quote(Decimal(1), Decimal(1), **kwargs)


def test_as_dict_serialises_money_as_strings():
    d = quote(Decimal(10), Decimal("2.00"), payment_token="stablecoin", **FEES).as_dict()
    assert (d["total"], d["fee"], d["total_base_units"]) == ("20.450000", "0.400000", "20450000")


money = st.decimals(min_value=0, max_value=10**6, places=4)
bps = st.integers(0, 1_000)


@given(
    money,
    money,
    st.sampled_from(["stablecoin", "jct"]),
    bps,
    bps,
    bps,
    st.none() | st.decimals(min_value=Decimal("0.0001"), max_value=1000, places=4),
)
def test_parts_always_add_up_to_the_total(hours, price, token, s_bps, j_bps, r_bps, jct_price):
    q = quote(
        hours,
        price,
        payment_token=token,
        stablecoin_fee_bps=s_bps,
        jct_fee_bps=j_bps,
        reservation_fee_bps=r_bps,
        jct_usd_price=jct_price,
    )
    with localcontext() as ctx:
        ctx.prec = 80  # wei amounts of large quotes exceed the default 28 digits
        assert q.subtotal + q.fee + q.reservation_fee == q.total
        assert abs(
            q.total_usd - hours * price * (1 + Decimal(q.fee_bps + r_bps) / 10_000)
        ) <= Decimal("0.000002")
        for amount in (q.subtotal, q.fee, q.reservation_fee, q.total):
            assert amount == amount.quantize(Decimal(1).scaleb(-q.decimals))
            assert q.base_units(amount) == amount.scaleb(q.decimals)
