"""market_replay / replay_preview: recorded rounds re-run with proposed parameters."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from jctgov.core.parameters import REGISTRY
from jctgov.market.domain import WINDOW_STEP
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


def test_replay_api_runs_in_the_background_and_shares_the_result(
    client, recorded_round, django_capture_on_commit_callbacks
):
    """The request only enqueues (202 + a status URL); the worker's result is then read from
    the status endpoint, and the same values in the same window reuse it (200, no new run)."""
    from jctgov.market.models import ReplayRun
    from tests.factories import UserFactory

    # windows end on a WINDOW_STEP boundary (so requests share a run): look from the next one
    clock = time_machine.travel(timezone.now() + WINDOW_STEP, tick=False)
    clock.start()
    client.force_login(UserFactory())
    body = {"changes": {"market.stablecoin_fee_bps": "150"}, "days": 7}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post("/api/v1/market/replay", body, content_type="application/json")
    assert response.status_code == 202, response.json()
    queued = response.json()
    assert queued["state"] == "queued" and queued["result"] is None
    assert len(callbacks) == 1  # the task is enqueued on commit, not run in the request
    callbacks[0]()  # the worker (eager here)
    status = client.get(queued["status_url"]).json()
    assert (status["state"], status["rounds_done"], status["rounds_total"]) == ("done", 1, 1)
    assert Decimal(status["result"]["after"]["fees"]["stablecoin"]) == Decimal("0.30")
    assert {row["key"] for row in status["rows"]} >= {"fees_stablecoin", "matched"}
    with django_capture_on_commit_callbacks(execute=False) as again_callbacks:
        again = client.post("/api/v1/market/replay", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["result"] == status["result"]
    assert again_callbacks == [] and ReplayRun.objects.count() == 1
    bad = client.post(
        "/api/v1/market/replay",
        {"changes": {"market.jct_fee_bps": "99999"}},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "parameter_out_of_bounds"
    assert client.get("/api/v1/market/replay/" + "0" * 64).status_code == 404
    clock.stop()


def test_replay_api_refuses_a_window_beyond_the_round_bound(client, recorded_round, monkeypatch):
    from jctgov.market import replay_runs
    from jctgov.market.models import ReplayRun
    from tests.factories import UserFactory

    monkeypatch.setattr(replay_runs, "MAX_REPLAY_ROUNDS", 0)  # the recorded round is one too many
    client.force_login(UserFactory())
    with time_machine.travel(timezone.now() + WINDOW_STEP, tick=False):
        response = client.post(
            "/api/v1/market/replay", {"changes": {}, "days": 7}, content_type="application/json"
        )
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["field"], error["rounds"]) == ("replay_too_many_rounds", "days", 1)
    assert not ReplayRun.objects.exists()


def test_replay_api_is_rate_limited_per_wallet(client, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    from tests.factories import UserFactory

    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "replay", "2/hour")
    body = {"changes": {}, "days": 1}
    client.force_login(UserFactory())
    codes = [
        client.post("/api/v1/market/replay", body, content_type="application/json").status_code
        for _ in range(3)
    ]
    assert codes[:2] in ([202, 200], [202, 202]) and codes[2] == 429
    limited = client.post("/api/v1/market/replay", body, content_type="application/json")
    assert limited.json()["error"]["code"] == "rate_limited" and int(limited["Retry-After"]) > 0
    client.force_login(UserFactory())  # another wallet has its own budget
    assert client.post(
        "/api/v1/market/replay", body, content_type="application/json"
    ).status_code in (200, 202)


def test_background_run_is_claimed_once(recorded_round, django_capture_on_commit_callbacks):
    """A second delivery of the task (or a concurrent one) finds the run claimed or done and
    does not replay again."""
    from jctgov.market.replay_runs import replay_request, replay_run_execute

    with django_capture_on_commit_callbacks(execute=False):
        run = replay_request(changes={"market.jct_fee_bps": "50"}, days=7)
    assert replay_run_execute(run_id=run.pk).state == "done"
    assert replay_run_execute(run_id=run.pk) is None


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


@pytest.mark.worker
def test_a_real_worker_replays_once_when_the_task_is_delivered_twice(celery_worker, client):
    """POST enqueues on commit; a duplicate delivery arrives too. The worker on the real broker
    finishes the run once, and the status endpoint shows the result."""
    from jctgov.market.matching import match_round
    from jctgov.market.models import ReplayRun
    from jctgov.market.tasks import run_replay
    from tests.factories import UserFactory
    from tests.fixtures.worker import wait_until
    from tests.market.factories import JobFactory
    from tests.market.test_matching import _online_node

    past = timezone.now() - WINDOW_STEP * 2  # inside the window the request will look at
    _online_node(ask_usd=Decimal("1.00"))
    JobFactory(gpus=1, hours=10, max_price_usd=Decimal("2"), submitted_at=past)
    match_round(now=past)
    client.force_login(UserFactory())
    response = client.post(
        "/api/v1/market/replay",
        {"changes": {"market.stablecoin_fee_bps": "150"}, "days": 7},
        content_type="application/json",
    )
    assert response.status_code == 202, response.json()
    run = ReplayRun.objects.get()
    run_replay.delay(run.pk)  # the duplicate
    worker = celery_worker()
    wait_until(lambda: ReplayRun.objects.get(pk=run.pk).state == "done", timeout=60)
    wait_until(lambda: worker.output().count("succeeded") >= 2, timeout=60)
    status = client.get(response.json()["status_url"]).json()
    assert (status["state"], status["rounds_done"]) == ("done", 1)
    # 10 GPU-hours at $1: the proposed 1.5% fee is $0.15
    assert Decimal(status["result"]["after"]["fees"]["stablecoin"]) == Decimal("0.15")
