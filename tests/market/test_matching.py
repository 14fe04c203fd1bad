"""Match rounds: leases with correct quotes, eligibility respected, capacity never double-booked."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from jctgov.market.matching import match_round
from jctgov.market.models import Lease, MatchRound
from tests.market.factories import WEI, JobFactory, NodeFactory, ProviderFactory, heartbeats_every


def _online_node(**kwargs):
    """A node that has sent every heartbeat for the last hour (uptime 100%)."""
    now = timezone.now()
    node = NodeFactory(registered_at=now - timedelta(hours=1), **kwargs)
    heartbeats_every(
        node, start=now - timedelta(hours=1) + timedelta(seconds=30), end=now, interval_s=60
    )
    return node


@pytest.mark.django_db
def test_round_creates_a_lease_at_the_ask_with_the_stablecoin_quote():
    node = _online_node(gpu_model="A100 80GB", gpu_count=8, ask_usd=Decimal("1.50"))
    job = JobFactory(
        gpu_model="A100 80GB",
        gpus=2,
        hours=10,
        max_price_usd=Decimal("2.00"),
        payment_token="stablecoin",
        submitted_at=timezone.now(),
    )
    round_ = match_round()
    lease = Lease.objects.get(job=job)
    assert (lease.node, lease.gpus, lease.hours, lease.price_usd) == (node, 2, 10, Decimal("1.50"))
    # 20 GPU-hours × $1.50 = $30; stablecoin fee 2% = $0.60; reservation 0.25% = $0.075.
    assert lease.currency == "USD"
    assert (lease.subtotal, lease.fee_bps, lease.fee, lease.reservation_fee, lease.total) == (
        Decimal("30"),
        200,
        Decimal("0.6"),
        Decimal("0.075"),
        Decimal("30.675"),
    )
    job.refresh_from_db()
    assert job.state == "matched"
    assert (round_.jobs_considered, round_.matched) == (1, 1)
    assert round_.params["market.stablecoin_fee_bps"] == 200


@pytest.mark.django_db
def test_jct_payment_uses_the_jct_fee_and_is_quoted_in_jct(settings):
    settings.MARKET_JCT_USD_PRICE = "0.25"
    _online_node(ask_usd=Decimal("1.00"))
    job = JobFactory(gpus=1, hours=100, payment_token="jct", submitted_at=timezone.now())
    match_round()
    lease = Lease.objects.get(job=job)
    assert (lease.payment_token, lease.currency, lease.fee_bps) == ("jct", "JCT", 100)
    # $100 + 1% + 0.25% = $101.25 = 405 JCT at $0.25
    assert lease.total_usd == Decimal("101.25")
    assert (lease.subtotal, lease.fee, lease.reservation_fee, lease.total) == (
        Decimal(400),
        Decimal(4),
        Decimal(1),
        Decimal(405),
    )


@pytest.mark.django_db
def test_ineligible_providers_and_silent_nodes_get_no_lease():
    _online_node(provider=ProviderFactory(vejct=1 * WEI))  # below 1,000 veJCT
    NodeFactory(last_heartbeat_at=timezone.now() - timedelta(hours=1))  # offline
    job = JobFactory(submitted_at=timezone.now())
    round_ = match_round()
    assert not Lease.objects.exists()
    job.refresh_from_db()
    assert job.state == "pending" and round_.matched == 0


@pytest.mark.django_db
def test_second_round_sees_capacity_taken_by_the_first():
    _online_node(gpu_count=4)
    first = JobFactory(gpus=4, submitted_at=timezone.now())
    match_round()
    second = JobFactory(gpus=1, submitted_at=timezone.now())
    assert match_round().matched == 0
    assert Lease.objects.get().job == first
    second.refresh_from_db()
    assert second.state == "pending"


@pytest.mark.django_db
def test_round_without_pending_jobs_records_nothing():
    _online_node()
    assert match_round() is None
    assert not MatchRound.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_rounds_never_double_book_a_nodes_gpus(postgres_only, monkeypatch):
    """Round 1 pauses after reading free capacity; a richer job arrives and round 2 starts.
    Without the round lock, round 2 would also see 4 free GPUs and book them for the new job."""
    from jctgov.market import matching

    node = _online_node(gpu_count=4)
    first = JobFactory(gpus=4, max_price_usd=Decimal("2"), submitted_at=timezone.now())
    inside, release = threading.Event(), threading.Event()
    real_offer_records = matching.offer_records

    def offer_records_pausing_round_1(*, now):
        records = real_offer_records(now=now)
        if threading.current_thread().name == "round-1":
            inside.set()
            release.wait(timeout=30)
        return records

    monkeypatch.setattr(matching, "offer_records", offer_records_pausing_round_1)
    errors = []

    def run():
        try:
            match_round()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    round_1 = threading.Thread(target=run, name="round-1")
    round_1.start()
    assert inside.wait(timeout=30)
    richer = JobFactory(gpus=4, max_price_usd=Decimal("5"), submitted_at=timezone.now())
    round_2 = threading.Thread(target=run, name="round-2")
    round_2.start()
    round_2.join(timeout=1.0)
    round_2_was_blocked = round_2.is_alive()
    release.set()
    round_1.join(timeout=60)
    round_2.join(timeout=60)
    assert errors == []
    assert round_2_was_blocked  # it waited for round 1's lock
    assert sum(Lease.objects.filter(node=node).values_list("gpus", flat=True)) == 4
    assert Lease.objects.get().job == first
    richer.refresh_from_db()
    assert richer.state == "pending"  # no capacity left for it: nothing double-booked


@pytest.mark.django_db
def test_idle_rounds_with_an_unchanged_market_are_recorded_once():
    _online_node(ask_usd=Decimal("3.00"))
    JobFactory(max_price_usd=Decimal("1.00"), submitted_at=timezone.now())  # bids below every ask
    assert match_round().matched == 0
    assert match_round() is None
    JobFactory(max_price_usd=Decimal("1.00"), submitted_at=timezone.now())  # a new job: new input
    assert match_round().jobs_considered == 2
    assert MatchRound.objects.count() == 2
