"""The reads behind the home page and the steward console: each app's new selectors and the
home page's reading of a live tally (the proposal page's own)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from grants import selectors as grants_selectors
from jctgov.chain.models import MAXTIME, Delegation, VeLock
from jctgov.dashboard import selectors as dashboard
from jctgov.market import selectors as market_selectors
from jctgov.power import selectors as power_selectors
from proposals import selectors as proposal_selectors
from proposals.models import ProposalState, Vote
from proposals.results import results
from proposals.tally import Tally
from tests.factories import UserFactory
from tests.grants.factories import make_program
from tests.market.factories import LeaseFactory, NodeFactory, ProviderFactory
from tests.proposals.factories import make_active, make_draft

pytestmark = pytest.mark.django_db
WEI = 10**18
_digests = itertools.count(1)


def vote(proposal, voter: str, choice: int, power: int, *, counted: bool = True) -> Vote:
    n = next(_digests)
    return Vote.objects.create(
        digest=f"0x{n:064x}",
        proposal=proposal,
        voter=voter,
        choice=choice,
        timestamp=n,
        signature="0x" + "11" * 65,
        power=power,
        counted=counted,
    )


# --- dashboard.visitor_home -------------------------------------------------------------


def test_the_home_reads_an_open_tally_as_the_proposal_page_does():
    """One reading of a tally (proposals.results) for both pages: same shares, same quorum,
    same result line, so the home never says "Passing" where the proposal says "Failing"."""
    proposal = make_active(title="Open")
    vote(proposal, "0x" + "1" * 40, 1, 30 * WEI)
    vote(proposal, "0x" + "2" * 40, 2, 10 * WEI)
    [shown] = dashboard.visitor_home()["open_proposals"]
    assert shown.results == results(shown.tally.as_dict(), state="active", snapshot_taken=True)
    assert [row["percent"] for row in shown.results["rows"]] == ["75.0%", "25.0%", "0%"]
    assert shown.results["quorum"]["counted"] == 30 * WEI  # For + Abstain, never Against


def test_the_quorum_progress_is_per_mille_of_what_is_needed_capped_at_full():
    def progress(for_: int, abstain: int) -> int:
        tally = Tally(for_ * WEI, 0, abstain * WEI, total_supply=1_000 * WEI, quorum_bps=400)
        return results(tally.as_dict(), state="active", snapshot_taken=True)["quorum"]["progress"]

    assert progress(0, 0) == 0
    assert progress(10, 20) == 750  # 30 of the 40 veJCT needed
    assert progress(400, 0) == 1000  # ten times the quorum: a full bar, not ten
    no_supply = Tally(WEI, 0, 0, total_supply=0, quorum_bps=0)
    assert (
        results(no_supply.as_dict(), state="active", snapshot_taken=True)["quorum"]["progress"]
        == 1000
    )  # nothing needed: reached


# --- proposals ----------------------------------------------------------------------------


def test_open_proposals_carry_their_live_tally_closing_first():
    later = make_active(title="Later", ends_in=timedelta(days=2))
    sooner = make_active(title="Sooner", ends_in=timedelta(hours=2))
    make_active(title="Pending", state=ProposalState.PENDING)
    vote(sooner, "0x" + "1" * 40, 1, 30 * WEI)
    vote(sooner, "0x" + "2" * 40, 2, 10 * WEI)
    vote(sooner, "0x" + "2" * 40, 1, 99 * WEI, counted=False)  # a replaced receipt
    found = proposal_selectors.open_proposals(limit=5)
    assert [p.title for p in found] == ["Sooner", "Later"]
    assert (found[0].tally.for_power, found[0].tally.against_power) == (30 * WEI, 10 * WEI)
    assert found[1].tally.for_power == 0 and found[1].pk == later.pk


def test_open_not_voted_by_leaves_out_what_the_wallet_voted_on():
    me = "0x" + "a" * 40
    voted, waiting = make_active(title="Voted"), make_active(title="Waiting")
    make_active(title="Closed", state=ProposalState.DEFEATED)
    vote(voted, me, 3, WEI)
    assert [p.pk for p in proposal_selectors.open_not_voted_by(me)] == [waiting.pk]


def test_drafts_of_lists_only_the_authors_drafts():
    author = UserFactory()
    mine = make_draft(author=author, title="Mine")
    make_draft(title="Someone else's")
    make_active(author=author)
    assert list(proposal_selectors.drafts_of(author)) == [mine]


# --- grants -------------------------------------------------------------------------------


def test_programs_open_are_those_taking_applications_closing_first():
    now = timezone.now()
    no_deadline = make_program(name="Always open")
    closing = make_program(name="Closing soon", closes_at=now + timedelta(days=1))
    make_program(name="Closed", closes_at=now - timedelta(days=1))
    make_program(name="Not yet", opens_at=now + timedelta(days=1))
    assert list(grants_selectors.programs_open(now)) == [closing, no_deadline]


# --- market -------------------------------------------------------------------------------


def test_nodes_health_shows_online_uptime_and_last_heartbeat_of_the_wallets_nodes():
    now = timezone.now()
    provider = ProviderFactory()
    up = NodeFactory(provider=provider, name="up", registered_at=now - timedelta(hours=1))
    NodeFactory(provider=provider, name="down", last_heartbeat_at=now - timedelta(days=1))
    NodeFactory(name="someone else's")
    up.last_heartbeat_at = now - timedelta(seconds=5)
    up.save()
    rows = market_selectors.nodes_health(provider.user, now=now)
    assert [(r["node"].name, r["online"]) for r in rows] == [("down", False), ("up", True)]
    assert market_selectors.nodes_health(UserFactory(), now=now) == []


def test_network_figures_count_online_providers_and_recent_matches():
    now = timezone.now()
    provider = ProviderFactory()
    NodeFactory(provider=provider, gpu_count=8, last_heartbeat_at=now)
    NodeFactory(provider=provider, gpu_count=4, last_heartbeat_at=now)
    NodeFactory(last_heartbeat_at=now - timedelta(days=2))  # offline
    NodeFactory(last_heartbeat_at=now, active=False)  # retired
    LeaseFactory(created_at=now - timedelta(hours=1))
    LeaseFactory(created_at=now - timedelta(days=3))
    figures = market_selectors.network_figures(now=now)
    assert figures["providers_online"] == 1 and figures["nodes_online"] == 2
    assert figures["gpus_online"] == 12 and figures["matched_recently"] == 1


# --- power (indexed locks) ----------------------------------------------------------------


def test_lock_of_computes_vejct_as_the_contract_and_reads_delegation():
    me, friend, fan = UserFactory().address, UserFactory().address, UserFactory().address
    now = 1_800_000_000
    VeLock.objects.create(
        address=me, amount=1_000 * WEI, unlock_time=now + MAXTIME // 2, updated_block=1
    )
    Delegation.objects.create(delegator=me, delegate=friend, block_number=2, tx_hash="0x")
    Delegation.objects.create(delegator=fan, delegate=me, block_number=2, tx_hash="0x")
    lock = power_selectors.lock_of(me, now=now)
    assert lock["vejct"] == (1_000 * WEI // MAXTIME) * (MAXTIME // 2)
    assert lock["amount"] == 1_000 * WEI and not lock["expired"]
    assert lock["delegate"] == friend and lock["delegators"] == 1
    assert power_selectors.lock_of(me, now=now + MAXTIME)["expired"]
    nobody = power_selectors.lock_of(UserFactory().address, now=now)
    assert (nobody["amount"], nobody["vejct"], nobody["delegate"]) == (0, 0, None)


def test_network_power_sums_live_locks_exactly():
    now = 1_800_000_000
    big = 10**27 + 13  # beyond a float's exact range
    VeLock.objects.create(
        address="0x" + "1" * 40, amount=big, unlock_time=now + 100, updated_block=1
    )
    VeLock.objects.create(
        address="0x" + "2" * 40, amount=5 * WEI, unlock_time=now + 7, updated_block=1
    )
    VeLock.objects.create(address="0x" + "3" * 40, amount=9 * WEI, unlock_time=now, updated_block=1)
    VeLock.objects.create(address="0x" + "4" * 40, amount=0, unlock_time=0, updated_block=1)
    figures = power_selectors.network_power(now=now)
    assert figures["locked"] == big + 5 * WEI
    assert figures["vejct"] == (big // MAXTIME) * 100 + (5 * WEI // MAXTIME) * 7
    assert figures["holders"] == 2


def test_chain_time_falls_back_to_the_wall_clock_without_a_chain(settings):
    # No chain answers on the discard port (an earlier test may have pointed settings at Anvil,
    # whose clock lags the wall clock after snapshot reverts).
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    assert abs(power_selectors.chain_time() - timezone.now().timestamp()) < 5
