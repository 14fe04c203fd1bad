"""Jobs, quotes and summary endpoints; the beat tasks."""

from decimal import Decimal

import pytest
from django.utils import timezone

from jctgov.market import tasks
from jctgov.market.models import Job, Lease
from jctgov.schedule import BEAT_SCHEDULE
from tests.factories import UserFactory
from tests.market.factories import JobFactory, LeaseFactory, NodeFactory
from tests.market.test_matching import _online_node

pytestmark = pytest.mark.django_db


def test_quote_endpoint_prices_both_tokens(client, settings):
    settings.MARKET_JCT_USD_PRICE = "0.50"
    body = client.get(
        "/api/v1/market/quotes", {"gpu_hours": "20", "price": "1.50", "payment_token": "jct"}
    ).json()
    assert body["payment_token"] == "jct"
    assert body["stablecoin"]["currency"] == "USD"
    assert Decimal(body["stablecoin"]["total"]) == Decimal("30.675")  # $30 + 2% + 0.25%
    assert body["jct"]["currency"] == "JCT"
    assert Decimal(body["jct"]["total"]) == Decimal("60.75")  # ($30 + 1% + 0.25%) / $0.50


def test_quote_endpoint_refuses_a_negative_price(client):
    response = client.get("/api/v1/market/quotes", {"gpu_hours": "1", "price": "-1"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "price"


def test_submit_list_detail_and_cancel_a_job(client):
    user = UserFactory()
    client.force_login(user)
    created = client.post(
        "/api/v1/market/jobs/submit",
        {
            "gpu_model": None,
            "gpus": 2,
            "vram_min": 40,
            "hours": 3,
            "max_price_usd": "2.25",
            "payment_token": "stablecoin",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    job_id = created.json()["id"]
    assert [j["id"] for j in client.get("/api/v1/market/jobs").json()["results"]] == [job_id]
    detail = client.get(f"/api/v1/market/jobs/{job_id}").json()
    assert (detail["gpu_model"], detail["state"], detail["lease"]) == (None, "pending", None)
    assert client.post(f"/api/v1/market/jobs/{job_id}/cancel").json()["state"] == "cancelled"
    again = client.post(f"/api/v1/market/jobs/{job_id}/cancel")
    assert again.status_code == 409 and again.json()["error"]["code"] == "job_not_pending"


def test_someone_elses_job_is_not_found(client):
    job = JobFactory()
    client.force_login(UserFactory())
    response = client.get(f"/api/v1/market/jobs/{job.pk}")
    assert response.status_code == 404 and response.json()["error"]["code"] == "job_not_found"


def test_job_submit_requires_sign_in(client):
    response = client.post("/api/v1/market/jobs/submit", {}, content_type="application/json")
    assert response.status_code == 401


def test_matched_job_detail_carries_its_lease_and_quote(client):
    _online_node(ask_usd=Decimal("1.00"))
    job = JobFactory(gpus=1, hours=10, submitted_at=timezone.now())
    tasks.run_match_round()  # the beat task body, run inline
    client.force_login(job.submitter)
    lease = client.get(f"/api/v1/market/jobs/{job.pk}").json()["lease"]
    assert (lease["state"], lease["currency"], Decimal(lease["total"])) == (
        "pending",
        "USD",
        Decimal("10.225"),
    )
    mine = client.get("/api/v1/market/leases", {"role": "submitter"}).json()["results"]
    assert [row["id"] for row in mine] == [lease["id"]]


def test_summary_lists_online_capacity_by_model_with_price_range(client):
    now = timezone.now()
    NodeFactory(gpu_model="L40S", gpu_count=2, ask_usd=Decimal("0.80"), last_heartbeat_at=now)
    busy = NodeFactory(
        gpu_model="L40S", gpu_count=4, ask_usd=Decimal("1.20"), last_heartbeat_at=now
    )
    LeaseFactory(node=busy, gpus=3, job__gpus=3, state=Lease.State.RUNNING, created_at=now)
    body = client.get("/api/v1/market/summary").json()
    (l40s,) = body["capacity"]
    assert (l40s["gpu_model"], l40s["gpus"], l40s["free_gpus"]) == ("L40S", 6, 3)
    assert (l40s["min_ask_usd"], l40s["max_ask_usd"]) == ("0.8000", "1.2000")
    assert body["recent_matches"][0]["gpus"] == 3


def test_market_tasks_are_scheduled_and_idempotent():
    names = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert {
        "jctgov.market.tasks.run_match_round",
        "jctgov.market.tasks.refresh_stakes",
        "jctgov.market.tasks.fail_stale_leases",
    } <= names
    assert tasks.run_match_round() == 0  # nothing pending
    assert tasks.fail_stale_leases() == 0
    assert Job.objects.count() == 0
