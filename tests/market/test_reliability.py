"""Issue 15, honest reliability: no self-matching; a completion counts only once the job owner
confirms it or the confirmation window passes undisputed; disputes are recorded; other
people's leases are 404."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jctgov.market import selectors
from jctgov.market.matching import match_round
from jctgov.market.models import Lease
from jctgov.market.services import lease_complete, lease_start
from tests.factories import UserFactory
from tests.market.factories import JobFactory, LeaseFactory, NodeFactory, ProviderFactory
from tests.market.test_matching import _online_node

pytestmark = pytest.mark.django_db


def test_a_job_never_matches_its_submitters_own_node():
    provider = ProviderFactory()
    own = _online_node(provider=provider, ask_usd=Decimal("0.50"))
    other = _online_node(ask_usd=Decimal("1.50"))  # dearer, but not the submitter's
    mine = JobFactory(submitter=provider.user, gpus=1, submitted_at=timezone.now())
    match_round()
    assert Lease.objects.get(job=mine).node == other
    assert not Lease.objects.filter(node=own).exists()


def test_only_own_nodes_fitting_says_so(client):
    provider = ProviderFactory()
    _online_node(provider=provider)
    job = JobFactory(submitter=provider.user, gpus=1, submitted_at=timezone.now())
    match_round()
    client.force_login(provider.user)
    assert client.get(f"/api/v1/market/jobs/{job.pk}").json()["unmatched"]["code"] == (
        "own_nodes_only"
    )


def _completed_lease():
    """A lease its provider started and reported completed (the provider's word only)."""
    lease = LeaseFactory(created_at=timezone.now())
    provider = lease.node.provider.user
    lease_start(lease_id=lease.pk, user=provider)
    return lease_complete(lease_id=lease.pk, user=provider)


def test_a_providers_own_completed_report_does_not_raise_reliability_until_confirmed(client):
    lease = _completed_lease()
    provider = lease.node.provider
    assert selectors.reliability_bps(provider) == 5_000  # as if the lease never happened
    client.force_login(lease.job.submitter)
    response = client.post(f"/api/v1/market/leases/{lease.pk}/confirm")
    assert response.status_code == 200 and response.json()["confirmed_at"]
    assert selectors.reliability_bps(provider) == 6_666  # (1 + 1) / (1 + 2)
    assert client.post(f"/api/v1/market/leases/{lease.pk}/confirm").status_code == 200  # no-op
    refused = client.post(
        f"/api/v1/market/leases/{lease.pk}/dispute",
        {"reason": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "lease_confirmed"


def test_an_undisputed_completion_counts_once_the_window_passes():
    lease = _completed_lease()
    provider = lease.node.provider
    later = timezone.now() + timedelta(days=3, seconds=1)  # market.confirmation_window_s = 3 days
    assert selectors.reliabilities([provider.pk])[provider.pk] == pytest.approx(1 / 2)
    assert selectors.reliabilities([provider.pk], now=later)[provider.pk] == pytest.approx(2 / 3)


def test_a_dispute_is_recorded_with_its_reason_and_never_counts(client):
    lease = _completed_lease()
    provider = lease.node.provider
    client.force_login(lease.job.submitter)
    empty = client.post(
        f"/api/v1/market/leases/{lease.pk}/dispute",
        {"reason": " "},
        content_type="application/json",
    )
    assert empty.status_code == 400
    response = client.post(
        f"/api/v1/market/leases/{lease.pk}/dispute",
        {"reason": "the job never produced output"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    lease.refresh_from_db()
    assert lease.dispute_reason == "the job never produced output" and lease.disputed_at
    later = timezone.now() + timedelta(days=30)
    assert selectors.reliabilities([provider.pk], now=later)[provider.pk] == pytest.approx(1 / 2)
    confirm = client.post(f"/api/v1/market/leases/{lease.pk}/confirm")
    assert confirm.status_code == 409 and confirm.json()["error"]["code"] == "lease_disputed"
    html = client.get(f"/market/jobs/{lease.job_id}").content.decode()
    assert 'id="lease-disputed"' in html and "the job never produced output" in html


def test_the_job_page_offers_confirm_and_dispute_to_the_owner_only(client):
    lease = _completed_lease()
    client.force_login(lease.job.submitter)
    html = client.get(f"/market/jobs/{lease.job_id}").content.decode()
    assert 'id="lease-confirm"' in html and 'id="lease-dispute-form"' in html
    assert "<script>" not in html and "js/market_lease.js" in html
    client.force_login(lease.node.provider.user)
    assert client.get(f"/market/jobs/{lease.job_id}").status_code == 404


def test_others_leases_are_404_not_403(client):
    lease = _completed_lease()
    stranger = UserFactory()
    client.force_login(stranger)
    for action, body in (
        ("confirm", None),
        ("dispute", {"reason": "x"}),
        ("fail", {"reason": "x"}),
    ):
        response = client.post(
            f"/api/v1/market/leases/{lease.pk}/{action}", body, content_type="application/json"
        )
        assert response.status_code == 404, (action, response.json())
        assert response.json()["error"]["code"] == "lease_not_found"
    client.force_login(lease.node.provider.user)  # the provider is not the job owner
    assert client.post(f"/api/v1/market/leases/{lease.pk}/confirm").status_code == 404


def test_only_a_completed_lease_can_be_confirmed(client):
    lease = LeaseFactory(node=NodeFactory(), created_at=timezone.now())
    client.force_login(lease.job.submitter)
    response = client.post(f"/api/v1/market/leases/{lease.pk}/confirm")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "lease_not_completed"


def test_a_dispute_after_the_window_is_refused(client):
    lease = _completed_lease()
    Lease.objects.filter(pk=lease.pk).update(ended_at=timezone.now() - timedelta(days=4))
    client.force_login(lease.job.submitter)
    response = client.post(
        f"/api/v1/market/leases/{lease.pk}/dispute",
        {"reason": "late"},
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "confirmation_window_closed"
