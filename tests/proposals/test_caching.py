"""Cached proposal pages and API answers never show a state older than the last commit; only
signed-out visitors' whole pages may lag it, by at most a second (VISITOR_VERSION_TTL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from jctgov.chain.models import ParameterMirror
from jctgov.core.parameters import get_parameter
from proposals import services
from proposals.models import Vote
from tests.factories import UserFactory
from tests.proposals.factories import WEI, make_active, make_draft

pytestmark = pytest.mark.django_db


def a_second_later():
    """Past the second for which a process trusts a visitor page's version."""
    return time_machine.travel(timezone.now() + timedelta(seconds=1.5), tick=True)


def _vote(proposal, index: int, choice: int = 1) -> Vote:
    return Vote.objects.create(
        digest=f"0x{index:064x}",
        proposal=proposal,
        voter=f"0x{index:040x}",
        choice=choice,
        timestamp=index,
        signature="0x" + "11" * 65,
        power=WEI,
    )


def test_list_page_and_api_show_a_cancellation_on_the_next_request(client):
    draft = make_draft(title="Soon withdrawn")
    author = Client()
    author.force_login(draft.author)  # drafts are listed to their author only
    both = {"state": "draft,cancelled"}
    assert 'class="badge draft"' in author.get("/proposals/", {"state": "draft"}).content.decode()
    assert (
        "No proposals match" in client.get("/proposals/", {"state": "cancelled"}).content.decode()
    )
    assert author.get("/api/v1/proposals", both).json()["results"][0]["state"] == "draft"
    services.proposal_cancel(proposal_id=draft.pk, actor=draft.author)
    assert author.get("/api/v1/proposals", both).json()["results"][0]["state"] == "cancelled"
    with a_second_later():
        page = client.get("/proposals/", {"state": "cancelled"}).content.decode()
        assert 'class="badge cancelled"' in page


def test_a_signed_in_person_sees_their_change_on_the_next_page_load(client):
    draft = make_draft(title="Soon withdrawn")
    client.force_login(draft.author)
    drafts = {"state": "draft"}
    assert 'class="badge draft"' in client.get("/proposals/", drafts).content.decode()
    services.proposal_cancel(proposal_id=draft.pk, actor=draft.author)
    assert "No proposals match" in client.get("/proposals/", drafts).content.decode()
    cancelled = client.get("/proposals/", {"state": "cancelled"}).content.decode()
    assert 'class="badge cancelled"' in cancelled


def test_a_visitor_who_reloads_sees_the_committed_state(client):
    proposal = make_active()
    _vote(proposal, 1, choice=1)
    assert client.get(f"/proposals/{proposal.pk}/").content.decode().count('data-ts="') == 1
    _vote(proposal, 2, choice=2)
    reload = client.get(f"/proposals/{proposal.pk}/", HTTP_CACHE_CONTROL="max-age=0")
    assert reload.content.decode().count('data-ts="') == 2


def test_a_visitor_page_is_one_rendering_served_to_every_visitor(client, django_assert_num_queries):
    make_active(title="Popular")
    first = client.get("/proposals/").content
    assert b"Popular" in first
    with django_assert_num_queries(0):
        assert client.get("/proposals/").content == first
    client.force_login(UserFactory())
    assert b'id="wallet-address"' in client.get("/proposals/").content  # not the cached copy


def test_detail_page_and_api_show_a_new_vote_on_the_next_request(client):
    proposal = make_active()
    _vote(proposal, 1, choice=1)
    assert client.get(f"/api/v1/proposals/{proposal.pk}").json()["tally"]["for"] == str(WEI)
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert page.count('data-ts="') == 1
    _vote(proposal, 2, choice=2)
    assert client.get(f"/api/v1/proposals/{proposal.pk}").json()["tally"]["against"] == str(WEI)
    with a_second_later():
        page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert page.count('data-ts="') == 2


def test_detail_shows_the_parameter_value_in_force_after_it_changes_on_chain(client):
    proposal = make_active(
        payload={"changes": [{"key": "market.stablecoin_fee_bps", "value": "150"}]}
    )
    url = f"/api/v1/proposals/{proposal.pk}"
    assert client.get(url).json()["parameter_changes"][0]["current"] == "200"
    ParameterMirror.objects.create(
        key_hash=get_parameter("market.stablecoin_fee_bps").chain_key,
        value=175,
        block_number=7,
        tx_hash="0x" + "ab" * 32,
    )
    assert client.get(url).json()["parameter_changes"][0]["current"] == "175"
    with a_second_later():
        assert "1.75%" in client.get(f"/proposals/{proposal.pk}/").content.decode()


def test_a_repeated_detail_read_is_served_from_the_cache_in_one_query(
    client, django_assert_num_queries
):
    proposal = make_active()
    _vote(proposal, 1)
    first = client.get(f"/api/v1/proposals/{proposal.pk}").json()
    with django_assert_num_queries(1):  # the proposal row and its versions, nothing else
        assert client.get(f"/api/v1/proposals/{proposal.pk}").json() == first
