"""Draft spam: a wallet holds a bounded number of drafts, creates them at a bounded rate, and
nobody else sees them listed; the list is paginated so nothing pushes proposals out of reach."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from rest_framework.throttling import ScopedRateThrottle

from jctgov.core.errors import ApplicationError
from proposals import services
from proposals.models import Proposal, ProposalState
from tests.factories import UserFactory
from tests.proposals.factories import make_active, make_draft
from tests.proposals.test_concurrency import run_together

pytestmark = pytest.mark.django_db
PAYLOAD = {"changes": [{"key": "market.jct_fee_bps", "value": "50"}]}


def draft_body(i: int = 0) -> dict:
    return {"kind": "parameters", "title": f"Draft {i}", "body": "x" * 200, "payload": PAYLOAD}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def create(client, i: int = 0):
    return client.post("/api/v1/proposals", draft_body(i), content_type="application/json")


def test_a_wallet_holds_at_most_the_cap_of_drafts(settings):
    settings.JCTGOV_MAX_DRAFTS_PER_WALLET = 3
    author = UserFactory()
    client = signed_in(author)
    assert [create(client, i).status_code for i in range(3)] == [201, 201, 201]
    response = create(client, 3)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "too_many_drafts"
    assert response.json()["error"]["limit"] == 3
    assert Proposal.objects.filter(author=author).count() == 3
    # Cancelling one frees a place; another wallet has its own cap.
    services.proposal_cancel(proposal_id=Proposal.objects.first().pk, actor=author)
    assert create(client, 4).status_code == 201
    assert create(signed_in(UserFactory()), 5).status_code == 201


def test_draft_creation_is_rate_limited_per_wallet(monkeypatch):
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "draft", "2/min")
    spammer = signed_in(UserFactory())
    assert [create(spammer, i).status_code for i in range(2)] == [201, 201]
    response = create(spammer, 2)
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert create(signed_in(UserFactory()), 3).status_code == 201  # per wallet, not global
    assert spammer.get("/api/v1/proposals").status_code == 200  # reading is not limited


def test_concurrent_drafts_never_pass_the_cap(postgres_only, settings):
    settings.JCTGOV_MAX_DRAFTS_PER_WALLET = 2
    author = UserFactory()
    results = run_together(
        *[
            (lambda i=i: services.proposal_create_draft(author=author, **draft_body(i)))
            for i in range(6)
        ]
    )
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert len(refused) == 4 and {r.code for r in refused} == {"too_many_drafts"}
    assert Proposal.objects.filter(author=author, state=ProposalState.DRAFT).count() == 2


def test_drafts_are_listed_to_their_author_only(client):
    mine = make_draft(title="My idea")
    make_draft(title="Someone else's idea")
    make_active(title="Up for a vote")
    author = signed_in(mine.author)

    def titles(c, **query):
        return [row["title"] for row in c.get("/api/v1/proposals", query).json()["results"]]

    assert titles(client) == ["Up for a vote"]
    assert titles(client, state="draft") == []
    assert titles(author) == ["Up for a vote"]
    assert titles(author, state="draft") == ["My idea"]
    assert titles(author, state="draft,active") == ["Up for a vote", "My idea"]
    page = author.get("/proposals/", {"state": "draft"}).content.decode()
    assert "My idea" in page and "Someone else" not in page
    assert "idea" not in client.get("/proposals/", {"state": "draft"}).content.decode()
    assert "idea" not in client.get("/proposals/").content.decode()


def test_cancelled_proposals_leave_the_default_list_but_a_filter_finds_them(client):
    gone = make_draft(title="Withdrawn")
    services.proposal_cancel(proposal_id=gone.pk, actor=gone.author)
    make_active(title="Up for a vote")
    assert "Withdrawn" not in client.get("/proposals/").content.decode()
    assert "Withdrawn" in client.get("/proposals/", {"state": "cancelled"}).content.decode()
    rows = client.get("/api/v1/proposals", {"state": "cancelled"}).json()["results"]
    assert [row["title"] for row in rows] == ["Withdrawn"]


def test_list_page_is_paginated(client):
    for i in range(55):
        make_active(title=f"Vote {i:02d}", snapshot_block=100 + i)
    first = client.get("/proposals/").content.decode()
    assert len(re.findall(r'href="/proposals/\d+/"', first)) == 50
    assert "Vote 54" in first and "Vote 04" not in first
    assert 'rel="next" href="?page=2"' in first and "55 in all" in first
    second = client.get("/proposals/", {"page": "2"}).content.decode()
    assert len(re.findall(r'href="/proposals/\d+/"', second)) == 5 and "Vote 00" in second
    assert client.get("/proposals/", {"page": "999"}).status_code == 200  # the last page
    api = client.get("/api/v1/proposals", {"limit": "20", "offset": "40"}).json()
    assert api["count"] == 55 and len(api["results"]) == 15
