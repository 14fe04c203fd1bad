"""Issue 15, market fairness: no wallet can freeze the market (flood, cap, rate, expiry), and a
job that cannot match says why."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from jctgov.market import matching, services
from jctgov.market.engine import Job as EngineJob
from jctgov.market.engine import Offer
from jctgov.market.matching import match_round
from jctgov.market.models import Job, Lease
from jctgov.market.queue import Explainer, Queued, select_for_round
from tests.factories import UserFactory
from tests.market.factories import JobFactory
from tests.market.test_matching import _online_node

SUBMIT = "/api/v1/market/jobs/submit"
JOB = {"gpus": 1, "hours": 2, "max_price_usd": "2.00", "payment_token": "stablecoin"}


# --- selection (pure) -------------------------------------------------------------------


def test_round_robin_gives_each_submitter_a_place_before_anyones_second_job():
    flood = [Queued(id=i, submitter="flooder", submitted_at=i) for i in range(1000)]
    others = [Queued(id=2000 + i, submitter=f"w{i}", submitted_at=5000 + i) for i in range(3)]
    picked = select_for_round(flood + others, 4)
    assert [q.submitter for q in picked] == ["flooder", "w0", "w1", "w2"]
    assert select_for_round(flood + others, 6)[4:] == flood[1:3]  # then the 2nd ranks, by age


# --- the round ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_wallets_flood_of_unmatchable_jobs_does_not_block_a_normal_job(monkeypatch):
    """The review's attack: one wallet's unmatchable jobs, submitted first, filled every
    round (oldest first), and a normal job sat pending beside an idle node."""
    monkeypatch.setattr(matching, "MAX_JOBS_PER_ROUND", 5)
    _online_node(gpu_model="A100 80GB", ask_usd=Decimal("1.00"))
    flooder = UserFactory()
    start = timezone.now() - timedelta(minutes=5)
    for i in range(8):
        JobFactory(
            submitter=flooder, gpu_model="H100 80GB", submitted_at=start + timedelta(seconds=i)
        )
    legit = JobFactory(gpu_model="A100 80GB", gpus=1, submitted_at=timezone.now())
    round_ = match_round()
    assert Lease.objects.filter(job=legit).exists()
    # the round saw the flooder's oldest job, then the legit one (rank 1), then their 2nd…
    assert [j["id"] for j in round_.inputs["jobs"]][:2] == [
        Job.objects.filter(submitter=flooder).order_by("submitted_at").first().pk,
        legit.pk,
    ]


@pytest.mark.django_db
def test_an_unmatched_job_says_why_in_the_api_and_on_its_page(client):
    _online_node(gpu_model="A100 80GB", gpu_count=8, ask_usd=Decimal("3.00"))
    cheap = JobFactory(gpu_model="A100 80GB", gpus=1, max_price_usd=Decimal("1.00"))
    cheap.submitted_at = timezone.now()
    cheap.save()
    big = JobFactory(gpu_model="A100 80GB", gpus=16, max_price_usd=Decimal("5"))
    big.submitted_at = timezone.now()
    big.save()
    match_round()
    client.force_login(cheap.submitter)
    why = client.get(f"/api/v1/market/jobs/{cheap.pk}").json()["unmatched"]
    assert why["code"] == "price_too_low"
    assert "$3.0000" in why["detail"] and "$1.0000" in why["detail"]
    html = client.get(f"/market/jobs/{cheap.pk}").content.decode()
    assert 'data-reason="price_too_low"' in html and "asks more than the maximum price" in html
    client.force_login(big.submitter)
    assert client.get(f"/api/v1/market/jobs/{big.pk}").json()["unmatched"]["code"] == (
        "not_enough_gpus"
    )
    assert client.get(f"/market/jobs/{cheap.pk}").status_code == 404  # not theirs: 404


def test_explainer_names_the_first_filter_no_offer_passes():
    offer = Offer(
        id="o1",
        provider="p1",
        gpu_model="L40S",
        gpu_count=2,
        vram_gb=48,
        ask=Decimal("1"),
        hours=Decimal(100),
        stake=0,
        uptime_bps=10_000,
        reliability=1.0,
        eligible=True,
        owner="alice",
    )
    why = Explainer([offer], min_stake=1).why

    def job(**kw):
        base = {"id": "j", "gpu_model": "L40S", "gpus": 1, "vram_min": 1, "hours": Decimal(1)}
        return EngineJob(**{**base, "max_price": Decimal(2), **kw})

    assert why(job(gpu_model="H100 80GB"))[0] == "no_gpu_model"
    assert why(job(vram_min=80))[0] == "not_enough_vram"
    assert why(job(gpus=4))[0] == "not_enough_gpus"
    assert why(job(hours=Decimal(500)))[0] == "not_enough_hours"
    assert why(job(max_price=Decimal("0.5")))[0] == "price_too_low"
    assert why(job(submitter="alice"))[0] == "own_nodes_only"
    assert why(job(submitter="bob"))[0] == "providers_ineligible"  # stake 0 < 1


# --- cap, rate, expiry --------------------------------------------------------------------


@pytest.mark.django_db
def test_a_wallet_cannot_pass_its_cap_of_pending_jobs(client, monkeypatch):
    from jctgov.core import parameters

    real = parameters.current_value
    monkeypatch.setattr(
        services,
        "current_value",
        lambda key: 3 if key == "market.max_pending_jobs_per_wallet" else real(key),
    )
    client.force_login(UserFactory())
    codes = [client.post(SUBMIT, JOB, content_type="application/json") for _ in range(4)]
    assert [r.status_code for r in codes] == [201, 201, 201, 409]
    assert codes[3].json()["error"]["code"] == "too_many_pending_jobs"
    client.post(f"/api/v1/market/jobs/{codes[0].json()['id']}/cancel")
    assert client.post(SUBMIT, JOB, content_type="application/json").status_code == 201


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_never_pass_the_cap(postgres_only, monkeypatch):
    from jctgov.core import parameters

    real = parameters.current_value
    monkeypatch.setattr(
        services,
        "current_value",
        lambda key: 2 if key == "market.max_pending_jobs_per_wallet" else real(key),
    )
    user = UserFactory()
    barrier, results = threading.Barrier(6), []

    def submit():
        try:
            barrier.wait(timeout=10)
            services.job_submit(
                user=user, gpus=1, hours=1, max_price_usd=Decimal(1), payment_token="jct"
            )
            results.append("ok")
        except Exception as exc:  # noqa: BLE001 - the refusals are what is counted
            results.append(getattr(exc, "code", repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == ["ok", "ok"] + ["too_many_pending_jobs"] * 4
    assert Job.objects.filter(submitter=user).count() == 2


@pytest.mark.django_db
def test_job_submission_is_rate_limited_per_wallet_by_the_parameter(client, monkeypatch):
    from jctgov.market.api import jobs

    monkeypatch.setattr(
        jobs,
        "current_value",
        lambda key: 2 if key == "market.job_submissions_per_hour" else 86_400,
    )
    client.force_login(UserFactory())
    codes = [client.post(SUBMIT, JOB, content_type="application/json") for _ in range(3)]
    assert [r.status_code for r in codes] == [201, 201, 429]
    assert codes[2].json()["error"]["code"] == "rate_limited"
    assert int(codes[2]["Retry-After"]) > 0
    client.force_login(UserFactory())
    assert client.post(SUBMIT, JOB, content_type="application/json").status_code == 201


@pytest.mark.django_db
def test_pending_jobs_expire_and_leave_the_queue(client):
    _online_node(gpu_model="A100 80GB", ask_usd=Decimal("1.00"))
    old = JobFactory(gpus=1, submitted_at=timezone.now() - timedelta(days=2))  # expiry 1 day
    assert match_round() is None  # an expired job is never matched, even before the sweep
    assert services.jobs_expire() == 1
    assert services.jobs_expire() == 0  # idempotent
    old.refresh_from_db()
    assert old.state == "expired" and not Lease.objects.exists()
    client.force_login(old.submitter)
    assert client.get(f"/api/v1/market/jobs/{old.pk}").json()["unmatched"]["code"] == "expired"
    html = client.get(f"/market/jobs/{old.pk}").content.decode()
    assert "Why it expired" in html
