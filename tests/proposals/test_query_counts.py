"""Proposal lists (pages and API) cost the same number of queries for 1 row as for many."""

from __future__ import annotations

import itertools
import re

import pytest

from proposals.models import ProposalState, Vote
from tests.factories import UserFactory
from tests.proposals.factories import make_active
from tests.querycount import get_with_flat_queries

pytestmark = pytest.mark.django_db
_n = itertools.count()


def _proposal() -> None:
    # Alternate states and authors: each row has its own author to load. (Drafts are not
    # listed to others: tests/proposals/test_draft_limits.py.)
    i = next(_n)
    state = ProposalState.ACTIVE if i % 2 else ProposalState.PENDING
    make_active(title=f"Row {i}", author=UserFactory(), snapshot_block=100 + i, state=state)


def test_proposal_list_page_queries_do_not_grow_with_proposals(client, django_assert_num_queries):
    page = _get_proposal_list(client, "/proposals/", django_assert_num_queries)
    assert len(re.findall(r'href="/proposals/\d+/"', page.content.decode())) == 12


def test_proposal_list_api_queries_do_not_grow_with_proposals(client, django_assert_num_queries):
    body = _get_proposal_list(client, "/api/v1/proposals", django_assert_num_queries).json()
    assert body["count"] == 12 and len({row["author"] for row in body["results"]}) == 12


def _votes_of(proposal):
    counter = itertools.count(1)

    def add() -> None:
        i = next(counter)
        Vote.objects.create(
            digest=f"0x{proposal.pk:032x}{i:032x}",
            proposal=proposal,
            voter=f"0x{i:040x}",
            choice=i % 3 + 1,
            timestamp=i,
            signature="0x" + "11" * 65,
            power=10**18,
        )

    return add


def test_receipts_api_and_detail_page_queries_do_not_grow_with_votes(
    client, django_assert_num_queries
):
    proposal = make_active()
    receipts = get_with_flat_queries(
        client,
        f"/api/v1/proposals/{proposal.pk}/votes",
        _votes_of(proposal),
        django_assert_num_queries,
    ).json()
    assert receipts["count"] == 12
    other = make_active(snapshot_block=101)
    page = get_with_flat_queries(
        client, f"/proposals/{other.pk}/", _votes_of(other), django_assert_num_queries
    ).content.decode()
    assert page.count('data-ts="') == 12


def _get_proposal_list(client, url: str, assert_num_queries):
    return get_with_flat_queries(client, url, _proposal, assert_num_queries)
