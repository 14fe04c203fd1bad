"""The home page (visitor and signed-in wallet) and the steward console, as HTML: what each
shows, their empty states, who may open the console, the old console URLs, and query counts
that do not grow with the rows."""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from django.utils import timezone

from jctgov.chain.models import MAXTIME, Delegation, VeLock
from jctgov.market.models import Node
from proposals.models import ProposalState
from tests.dashboard.test_selectors import vote
from tests.factories import UserFactory
from tests.grants.factories import draft_application, make_program, reviewed_application
from tests.market.factories import NodeFactory, ProviderFactory
from tests.proposals.factories import make_active, make_draft, make_succeeded
from tests.querycount import get_with_flat_queries

pytestmark = pytest.mark.django_db
WEI = 10**18


def text_of(response) -> str:
    """The page's visible text, tags stripped and whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


# --- visitor ------------------------------------------------------------------------------


def test_visitor_sees_open_proposals_with_results_programs_and_network_figures(client):
    proposal = make_active(title="Lower the JCT fee", total_supply=10_000 * WEI, quorum_bps=400)
    vote(proposal, "0x" + "1" * 40, 1, 300 * WEI)
    vote(proposal, "0x" + "2" * 40, 2, 100 * WEI)
    make_draft(title="A draft nobody sees")
    program = make_program(name="GPU tooling", budget=1_000 * WEI, committed=250 * WEI)
    NodeFactory(last_heartbeat_at=timezone.now())
    VeLock.objects.create(
        address="0x" + "3" * 40, amount=2_000 * WEI, unlock_time=2**40, updated_block=1
    )
    response = client.get("/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Lower the JCT fee" in text and "A draft nobody sees" not in text
    assert "400 veJCT cast For 75.0% Against 25.0% Abstain 0% Quorum 75.0%" in text
    assert "Quorum: 300 of 400 veJCT — For and Abstain count toward it, Against does not." in text
    assert "Failing: quorum not reached" in text
    assert f'href="/grants/{program.pk}/apply/"' in response.content.decode()
    assert "750 JCT left of 1,000" in text
    assert re.search(r"Providers online\s+1\b", text)
    assert re.search(r"JCT locked\s+2,000\b", text)


def test_visitor_home_says_what_to_do_when_nothing_is_open(client):
    text = text_of(client.get("/"))
    assert "No proposal is open for votes right now." in text
    assert "No grant program takes applications right now." in text


# --- signed-in wallet ---------------------------------------------------------------------


def test_holder_sees_power_votes_to_cast_drafts_applications_and_nodes(client):
    me = UserFactory()
    now = int(timezone.now().timestamp())
    VeLock.objects.create(
        address=me.address, amount=1_000 * WEI, unlock_time=now + MAXTIME, updated_block=1
    )
    Delegation.objects.create(
        delegator=UserFactory().address, delegate=me.address, block_number=1, tx_hash="0x"
    )
    waiting, voted = make_active(title="Needs my vote"), make_active(title="Already voted")
    vote(voted, me.address, 1, WEI)
    make_draft(author=me, title="My parameter idea")
    application = draft_application(make_program(name="Tooling"), applicant=me)
    NodeFactory(provider=ProviderFactory(user=me), name="rig-1", last_heartbeat_at=timezone.now())
    client.force_login(me)
    response = client.get("/")
    html, text = response.content.decode(), text_of(response)
    assert re.search(r"(1,000|99\d\.\d\d) veJCT now", text)  # 1,000 JCT for 4 years
    assert "1,000 JCT locked until" in text
    assert "1 address delegates to you" in text
    assert "Needs my vote" in text and "Already voted" not in text
    assert f'href="/proposals/{waiting.pk}/"' in html
    assert "My parameter idea" in text and "/edit/" in html
    assert f'data-application="{application.pk}"' in html and "Draft" in text
    assert "rig-1" in text and "online" in text
    assert "The network now" in text


def test_holder_home_empty_states_say_where_to_act(client):
    client.force_login(UserFactory())
    text = text_of(client.get("/"))
    assert "You have no veJCT. Lock JCT on the Power page" in text
    assert "No open proposal awaits your vote." in text
    assert "No drafts. Draft a proposal" in text
    assert "You have no grant applications." in text
    assert "You run no provider node." in text


def test_an_expired_lock_says_to_withdraw_or_lock_again(client):
    me = UserFactory()
    VeLock.objects.create(address=me.address, amount=5 * WEI, unlock_time=1_000, updated_block=1)
    client.force_login(me)
    text = text_of(client.get("/"))
    assert "Your lock of 5 JCT ended on 1970-01-01: it gives no veJCT." in text


# --- steward console ----------------------------------------------------------------------


def test_console_asks_visitors_to_sign_in_and_refuses_non_stewards(client):
    response = client.get("/steward/")
    assert response.status_code == 302 and response["Location"].endswith("next=/steward/")
    client.force_login(UserFactory())
    response = client.get("/steward/")
    assert response.status_code == 403 and "Stewards only" in response.content.decode()


def test_console_shows_every_section_with_counts(client, steward, settings):
    settings.JCTGOV_EXECUTOR_KEY = ""
    passed = make_succeeded(title="Raise the stake minimum")
    reviewers = [UserFactory(), UserFactory()]
    application = reviewed_application(make_program(reviewers=reviewers), reviewers)
    client.force_login(steward)
    response = client.get("/steward/")
    html = response.content.decode()
    for section in ("proposals", "grants", "payouts", "signatures"):
        assert f'id="{section}"' in html and f'href="#{section}"' in html
    assert re.search(r'id="count-proposals">1<', html)
    assert re.search(r'id="count-grants">1<', html)
    assert re.search(r'id="count-payouts">0<', html)
    assert f'data-open-approval="/api/v1/proposals/{passed.pk}/approval"' in html
    assert f'data-api="/api/v1/grants/applications/{application.pk}/decide"' in html
    assert "No payout awaits signatures." in text_of(response)
    assert 'id="no-executor"' in html


def test_the_top_bar_links_stewards_to_the_console(client, steward):
    client.force_login(UserFactory())
    assert 'href="/steward/"' not in client.get("/proposals/").content.decode()
    client.force_login(steward)
    assert 'href="/steward/">Steward<' in client.get("/proposals/").content.decode()


@pytest.mark.parametrize(
    ("old", "section"), [("/proposals/steward/", "proposals"), ("/grants/steward/", "grants")]
)
def test_old_console_urls_redirect_to_their_section(client, old, section):
    response = client.get(old)
    assert response.status_code == 301 and response["Location"] == f"/steward/#{section}"


# --- query counts -------------------------------------------------------------------------

_n = itertools.count()


def test_visitor_home_queries_do_not_grow_with_proposals_votes_and_programs(
    client, django_assert_num_queries
):
    def add() -> None:
        i = next(_n)
        proposal = make_active(title=f"Open {i}", snapshot_block=100 + i)
        vote(proposal, f"0x{i + 1:040x}", i % 3 + 1, WEI)
        make_program(name=f"Program {i}")
        NodeFactory(last_heartbeat_at=timezone.now())

    response = get_with_flat_queries(client, "/", add, django_assert_num_queries)
    assert response.content.decode().count("data-results=") == 5  # the five closing first


def test_holder_home_queries_do_not_grow_with_their_rows(client, django_assert_num_queries):
    me = UserFactory()
    provider = ProviderFactory(user=me)
    client.force_login(me)

    def add() -> None:
        i = next(_n)
        make_active(title=f"Open {i}", snapshot_block=100 + i)
        make_draft(author=me, title=f"Draft {i}")
        draft_application(make_program(name=f"Program {i}"), applicant=me)  # one open each
        NodeFactory(provider=provider, last_heartbeat_at=timezone.now())

    response = get_with_flat_queries(client, "/", add, django_assert_num_queries)
    assert Node.objects.filter(provider=provider).count() == 12
    assert response.content.decode().count("data-node=") == 12


def test_steward_console_queries_do_not_grow_with_proposals(
    client, steward, django_assert_num_queries
):
    client.force_login(steward)

    def add() -> None:
        i = next(_n)
        make_succeeded(title=f"Passed {i}", snapshot_block=200 + i)
        failed = make_succeeded(title=f"Failed {i}", snapshot_block=300 + i)
        failed.state, failed.failure_code = ProposalState.FAILED, "reverted"
        failed.failure_reason = "Reverted."
        failed.save()

    response = get_with_flat_queries(client, "/steward/", add, django_assert_num_queries)
    assert response.content.decode().count("data-open-approval=") == 12


def test_home_copes_with_a_program_closing_soon(client):
    make_program(name="Last call", closes_at=timezone.now() + timedelta(hours=3))
    text = text_of(client.get("/"))
    assert "Last call" in text and "Applications close" in text and "left" in text
