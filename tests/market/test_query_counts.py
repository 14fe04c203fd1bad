"""Market lists (pages and API) cost the same number of queries for 1 row as for many."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.market.factories import JobFactory, LeaseFactory, NodeFactory, ProviderFactory
from tests.querycount import get_with_flat_queries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/market/", "/api/v1/market/summary"])
def test_market_summary_does_not_query_per_node_or_lease(client, url, django_assert_num_queries):
    leases = []

    def add() -> None:
        now = timezone.now()
        leases.append(LeaseFactory(node__last_heartbeat_at=now, created_at=now).pk)

    page = get_with_flat_queries(client, url, add, django_assert_num_queries).content.decode()
    shown = [pk for pk in leases if (f"#{pk}<" in page or f'"lease":{pk},' in page)]
    assert len(shown) == 12


@pytest.fixture
def provider(db):
    return ProviderFactory()


@pytest.mark.parametrize("url", ["/market/provider/", "/api/v1/market/nodes"])
def test_provider_nodes_do_not_query_per_node(client, provider, url, django_assert_num_queries):
    def add() -> None:
        LeaseFactory(node=NodeFactory(provider=provider, last_heartbeat_at=timezone.now()))

    client.force_login(provider.user)
    response = get_with_flat_queries(client, url, add, django_assert_num_queries)
    assert response.content.decode().count("node-") >= 12


@pytest.mark.parametrize("url", ["/market/jobs/new", "/api/v1/market/jobs"])
def test_my_jobs_do_not_query_per_job(client, provider, url, django_assert_num_queries):
    user = provider.user

    def add() -> None:
        LeaseFactory(job=JobFactory(submitter=user, state="matched"))
        JobFactory(submitter=user)

    client.force_login(user)
    response = get_with_flat_queries(client, url, add, django_assert_num_queries)
    assert response.content.decode().count("A100 80GB") >= 12


@pytest.mark.parametrize("role", ["", "provider", "submitter"])
def test_leases_do_not_query_per_lease(client, provider, role, django_assert_num_queries):
    user = provider.user

    def add() -> None:
        LeaseFactory(node=NodeFactory(provider=provider))
        LeaseFactory(job=JobFactory(submitter=user, state="matched"))

    client.force_login(user)
    url = f"/api/v1/market/leases?role={role}"
    body = get_with_flat_queries(client, url, add, django_assert_num_queries).json()
    assert body["count"] == len(body["results"]) == (24 if role == "" else 12)
