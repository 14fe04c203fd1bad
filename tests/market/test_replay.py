"""market_replay / replay_preview: recorded rounds re-run with proposed parameters."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from jctgov.core.parameters import REGISTRY
from jctgov.market.replay import replay_preview, simulate
from tests.market.factories import WEI

pytestmark = pytest.mark.django_db


def test_fee_change_moves_fees_but_not_matches(recorded_round):
    preview = replay_preview({"market.stablecoin_fee_bps": 150})
    before, after = preview["before"], preview["after"]
    assert (before["matched"], after["matched"]) == (2, 2)
    assert before["fill_rate"] == after["fill_rate"] == Decimal("1")
    # 20 GPU-hours at $1: 2% = $0.40 before, 1.5% = $0.30 after
    assert before["fees"]["stablecoin"] == Decimal("0.40")
    assert after["fees"]["stablecoin"] == Decimal("0.30")
    assert before["provider_revenue_usd"] == after["provider_revenue_usd"] == Decimal("20")
    assert preview["changes"] == {"market.stablecoin_fee_bps": {"current": 200, "proposed": 150}}


def test_raising_the_minimum_stake_above_every_provider_matches_nothing(recorded_round):
    preview = replay_preview({"market.min_provider_vejct": str(10_000 * WEI)})
    assert preview["after"]["matched"] == 0
    assert preview["after"]["fill_rate"] == Decimal("0")
    assert preview["before"]["matched"] == 2


def test_rounds_outside_the_window_are_not_replayed(recorded_round):
    preview = replay_preview({}, days=1, now=timezone.now() + timedelta(days=2))
    assert preview["rounds"] == 0 and preview["before"]["jobs"] == 0


def test_market_replay_command_prints_before_and_after(recorded_round):
    out = StringIO()
    call_command(
        "market_replay", "--days", "7", "--set", "market.stablecoin_fee_bps=150", stdout=out
    )
    text = out.getvalue()
    assert "market.stablecoin_fee_bps: 200 -> 150" in text
    fill = next(line for line in text.splitlines() if line.startswith("fill rate"))
    assert fill.split()[-2:] == ["1", "1"]
    assert "provider revenue (USD)" in text


def test_market_replay_refuses_a_value_outside_the_bounds():
    with pytest.raises(CommandError, match="parameter_out_of_bounds"):
        call_command("market_replay", "--set", "market.stablecoin_fee_bps=5000")
    with pytest.raises(CommandError, match="unknown_parameter"):
        call_command("market_replay", "--set", "market.nope=1")


def test_replay_api_previews_proposed_values_for_the_proposal_page(client, recorded_round):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.post(
        "/api/v1/market/replay",
        {"changes": {"market.stablecoin_fee_bps": "150"}, "days": 7},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert Decimal(body["after"]["fees"]["stablecoin"]) == Decimal("0.30")
    bad = client.post(
        "/api/v1/market/replay",
        {"changes": {"market.jct_fee_bps": "99999"}},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "parameter_out_of_bounds"


def _offer_record(offer_id: int, provider: int, stake_jct: int) -> dict:
    return {
        "id": offer_id,
        "provider": provider,
        "gpu_model": "A100 80GB",
        "gpus": 8,
        "vram_gb": 80,
        "hours": 720,
        "ask_usd": "1.00",
        "stake": str(stake_jct * WEI),
        "uptime_bps": 10_000,
        "reliability_bps": 5_000,
    }


def test_a_job_one_side_left_unmatched_waits_for_the_next_round():
    """Round 1 only has a low-stake offer, round 2 a well-staked one. With a higher stake floor
    the job misses round 1 (the real queue would keep it) and is matched in round 2."""
    job = {
        "id": 7,
        "gpu_model": "A100 80GB",
        "gpus": 1,
        "vram_min": 40,
        "hours": 10,
        "max_price_usd": "2",
        "payment_token": "jct",
    }
    rounds = [
        SimpleNamespace(inputs={"jobs": [job], "offers": [_offer_record(1, 1, 1_500)]}),
        SimpleNamespace(inputs={"jobs": [], "offers": [_offer_record(2, 2, 9_000)]}),
    ]
    values = {key: p.default for key, p in REGISTRY.items()}
    stricter = {**values, "market.min_provider_vejct": 5_000 * WEI}
    before, after = simulate(rounds, values), simulate(rounds, stricter)
    assert (before["jobs"], before["matched"], after["jobs"], after["matched"]) == (1, 1, 1, 1)
    # paid in JCT: the 1% JCT fee of $10, in USD; revenue at the $1 ask
    assert after["fees"] == {"stablecoin": Decimal(0), "jct": Decimal("0.1")}
    assert after["provider_revenue_usd"] == Decimal(10)
    only_round_1 = simulate(rounds[:1], stricter)
    assert (only_round_1["jobs"], only_round_1["matched"]) == (1, 0)
