"""Market pages render for signed-out and signed-in visitors (server side)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.market.factories import LeaseFactory, NodeFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def test_market_page_shows_online_capacity_and_recent_matches(client):
    now = timezone.now()
    NodeFactory(gpu_model="H100 80GB", gpu_count=8, last_heartbeat_at=now)
    NodeFactory(
        gpu_model="H100 80GB", gpu_count=4, last_heartbeat_at=now - timedelta(hours=1)
    )  # offline
    lease = LeaseFactory(node__last_heartbeat_at=now, created_at=now)
    html = client.get("/market/").content.decode()
    assert 'data-gpu-model="H100 80GB"' in html
    assert f"#{lease.pk}" in html


def test_signed_out_provider_dashboard_explains_how_to_start(client):
    response = client.get("/market/provider/")
    assert response.status_code == 200
    assert "Connect your wallet" in response.content.decode()


def test_provider_dashboard_lists_nodes_and_why_not_eligible(client):
    provider = ProviderFactory(vejct=0)
    NodeFactory(provider=provider, name="rig-a")
    client.force_login(provider.user)
    html = client.get("/market/provider/").content.decode()
    assert "rig-a" in html
    assert "veJCT below market.min_provider_vejct" in html


def test_signed_out_job_form_explains_how_to_start(client):
    assert "Connect your wallet" in client.get("/market/jobs/new").content.decode()
