"""Providers, nodes, heartbeats, uptime, reliability and eligibility."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from jctgov.market import selectors, services
from jctgov.market.models import Heartbeat, Lease, Node
from tests.factories import UserFactory
from tests.market.factories import (
    T0,
    WEI,
    LeaseFactory,
    NodeFactory,
    ProviderFactory,
    heartbeats_every,
)

pytestmark = pytest.mark.django_db
HEARTBEAT_URL = "/api/v1/market/heartbeats"


def _register_node(client, **overrides):
    user = UserFactory()
    client.force_login(user)
    body = {
        "name": "rig-1",
        "gpu_model": "H100 80GB",
        "gpu_count": 4,
        "region": "eu-west",
        "ask_usd": "2.10",
        "available_hours": 500,
        **overrides,
    }
    response = client.post("/api/v1/market/nodes/register", body, content_type="application/json")
    return user, response


def test_node_registration_shows_the_token_once_and_stores_only_its_hash(client):
    user, response = _register_node(client)
    assert response.status_code == 201, response.json()
    body = response.json()
    token = body["token"]
    node = Node.objects.get(pk=body["id"])
    assert node.vram_gb == 80  # the curated default for an H100 80GB
    assert node.token_hash == services.token_hash(token) and token not in node.token_hash
    listed = client.get("/api/v1/market/nodes").json()
    assert [n["name"] for n in listed] == ["rig-1"] and "token" not in listed[0]


def test_node_registration_refuses_an_unknown_gpu_model(client):
    _, response = _register_node(client, gpu_model="Voodoo 2")
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "gpu_model"


def test_heartbeat_with_a_bad_token_is_401_and_records_nothing(client):
    _register_node(client)
    client.logout()
    response = client.post(HEARTBEAT_URL, HTTP_AUTHORIZATION="Bearer jctn_not-a-real-token")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_node_token"
    assert client.post(HEARTBEAT_URL).status_code == 401  # no header at all
    assert not Heartbeat.objects.exists()


def test_second_heartbeat_within_half_an_interval_is_429_with_retry_after(client):
    _, registered = _register_node(client)
    client.logout()  # nodes have no session: the token alone authenticates
    auth = {"HTTP_AUTHORIZATION": f"Bearer {registered.json()['token']}"}
    with time_machine.travel(T0, tick=False) as clock:
        first = client.post(HEARTBEAT_URL, **auth)
        assert first.status_code == 201
        clock.shift(10)
        early = client.post(HEARTBEAT_URL, **auth)
        assert early.status_code == 429
        assert early.json()["error"]["code"] == "heartbeat_too_soon"
        assert early["Retry-After"] == "20"  # interval 60 s: the next one is accepted at +30 s
        clock.shift(20)
        assert client.post(HEARTBEAT_URL, **auth).status_code == 201
    assert Heartbeat.objects.count() == 2


def test_new_node_is_not_punished_for_the_week_before_it_existed():
    node = NodeFactory(registered_at=T0)
    now = T0 + timedelta(days=1)
    heartbeats_every(node, start=T0, end=now - timedelta(seconds=60), interval_s=60)
    assert selectors.uptime_bps(node, now=now) == 10_000
    assert selectors.uptime_bps(node, now=now + timedelta(days=1)) == 5_000  # then went silent


def test_uptime_counts_only_the_last_seven_days_for_an_old_node():
    node = NodeFactory(registered_at=T0 - timedelta(days=30))
    # Online the whole first three weeks, then 3.5 of the last 7 days.
    heartbeats_every(
        node, start=T0 - timedelta(days=30), end=T0 - timedelta(days=3, hours=12), interval_s=60
    )
    assert selectors.uptime_bps(node, now=T0) == 5_000
    assert selectors.uptimes_bps([node], now=T0) == {node.pk: 5_000}


def test_two_heartbeats_per_interval_do_not_make_up_for_silence():
    """The rate limit lets a node beat every interval/2; uptime counts intervals, not beats."""
    node = NodeFactory(registered_at=T0)
    now = T0 + timedelta(days=1)
    heartbeats_every(node, start=T0, end=T0 + timedelta(hours=12, seconds=-30), interval_s=30)
    assert Heartbeat.objects.filter(node=node).count() == 1_440  # a full day's worth of beats
    assert selectors.uptime_bps(node, now=now) == 5_000  # but only half the day's intervals
    assert selectors.uptimes_bps([node], now=now) == {node.pk: 5_000}


def test_reliability_is_smoothed_so_a_new_provider_starts_at_one_half():
    provider = ProviderFactory()
    node = NodeFactory(provider=provider)
    assert selectors.reliability(provider) == Decimal(1) / 2
    # completions confirmed by their job owners (issue 15: unconfirmed ones do not count)
    LeaseFactory(node=node, state=Lease.State.COMPLETED, confirmed_at=T0)
    LeaseFactory(node=node, state=Lease.State.COMPLETED, confirmed_at=T0)
    LeaseFactory(node=node, state=Lease.State.FAILED, failure_reason="oom")
    LeaseFactory(node=node, state=Lease.State.RUNNING)  # open leases do not count yet
    assert selectors.reliability(provider) == pytest.approx(3 / 5)
    assert selectors.reliability_bps(provider) == 6_000


def test_eligibility_names_every_reason_a_provider_may_not_bid():
    provider = ProviderFactory(vejct=999 * WEI)  # below the 1,000 veJCT default
    NodeFactory(provider=provider, registered_at=T0)  # never sent a heartbeat
    result = selectors.eligibility(provider, now=T0 + timedelta(hours=1))
    assert not result.eligible
    assert result.reasons == [
        "veJCT below market.min_provider_vejct",
        "uptime below market.min_uptime_bps",
    ]


def test_provider_with_stake_and_uptime_is_eligible():
    provider = ProviderFactory(vejct=1_000 * WEI)
    node = NodeFactory(provider=provider, registered_at=T0)
    heartbeats_every(node, start=T0, end=T0 + timedelta(hours=2), interval_s=60)
    result = selectors.eligibility(provider, now=T0 + timedelta(hours=2))
    assert result.eligible and result.reasons == []


def test_provider_me_api_explains_why_not_eligible(client):
    provider = ProviderFactory(vejct=0)
    client.force_login(provider.user)
    body = client.get("/api/v1/market/providers/me").json()
    assert body["eligibility"]["eligible"] is False
    assert "veJCT below market.min_provider_vejct" in body["eligibility"]["reasons"]
    assert "no active nodes registered" in body["eligibility"]["reasons"]
    assert body["reliability_bps"] == 5_000


def test_provider_me_is_404_before_registering_and_401_signed_out(client):
    assert client.get("/api/v1/market/providers/me").status_code == 401
    client.force_login(UserFactory())
    response = client.get("/api/v1/market/providers/me")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "provider_not_registered"


def test_leases_on_a_silent_node_fail_and_count_against_reliability():
    node = NodeFactory(last_heartbeat_at=T0)
    silent = LeaseFactory(node=node, state=Lease.State.RUNNING, created_at=T0)
    alive_node = NodeFactory(last_heartbeat_at=T0 + timedelta(minutes=10))
    alive = LeaseFactory(node=alive_node, state=Lease.State.RUNNING, created_at=T0)
    now = T0 + timedelta(minutes=10)  # 3 missed 60 s intervals is the limit
    assert services.leases_fail_stale(now=now) == [silent.pk]
    assert services.leases_fail_stale(now=now) == []  # idempotent
    silent.refresh_from_db()
    alive.refresh_from_db()
    assert silent.state == "failed" and silent.failure_reason == "node missed heartbeats"
    assert alive.state == "running"
    assert selectors.reliability_bps(node.provider) == 3_333


def test_provider_reports_lease_running_then_completed(client):
    lease = LeaseFactory()
    client.force_login(lease.node.provider.user)
    assert client.post(f"/api/v1/market/leases/{lease.pk}/start").json()["state"] == "running"
    assert client.post(f"/api/v1/market/leases/{lease.pk}/complete").json()["state"] == "completed"
    again = client.post(f"/api/v1/market/leases/{lease.pk}/complete")
    assert again.status_code == 409 and again.json()["error"]["code"] == "lease_bad_state"


def test_only_the_nodes_provider_may_report_on_a_lease(client):
    lease = LeaseFactory()
    client.force_login(lease.job.submitter)
    response = client.post(
        f"/api/v1/market/leases/{lease.pk}/fail", {"reason": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_lease_provider"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_heartbeats_count_once(postgres_only):
    import threading

    from django.db import connection

    node = NodeFactory()
    token = "jctn_concurrent"
    Node.objects.filter(pk=node.pk).update(token_hash=services.token_hash(token))
    barrier = threading.Barrier(4)
    outcomes = []

    def beat():
        try:
            barrier.wait(timeout=10)
            services.heartbeat_record(token=token, now=T0)
            outcomes.append("ok")
        except services.HeartbeatTooSoon:
            outcomes.append("429")
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["429", "429", "429", "ok"]
    assert Heartbeat.objects.filter(node=node).count() == 1
