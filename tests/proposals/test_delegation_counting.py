"""Counting delegated veJCT as Snapshot does, on the stored snapshot (power + delegate per holder).

A delegator's veJCT goes with their delegate's vote unless the delegator votes themself, in
which case their own vote counts and the delegate's weight drops by that amount, whichever vote
arrives first. One level: what was delegated to someone is never passed on by them.
"""

from __future__ import annotations

import itertools

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jctgov.core.errors import ApplicationError
from proposals import selectors, services
from proposals.models import Vote
from proposals.tally import Holding, delegated_powers
from tests.proposals.factories import WEI, Voter, make_active, vote_body

pytestmark = pytest.mark.django_db
FOR, AGAINST, ABSTAIN = 1, 2, 3
_BLOCKS = itertools.count(100)


class World:
    """Voters 0..n with powers and delegations stored in the proposal's snapshot."""

    def __init__(self, stored_snapshot, powers: list[int], delegates: dict[int, int]) -> None:
        self.voters = [Voter() for _ in powers]
        block = next(_BLOCKS)  # one snapshot per world (hypothesis makes many in one test)
        self.proposal = make_active(snapshot_block=block)
        self.powers = {self.voters[i].address: p * WEI for i, p in enumerate(powers)}
        self.delegates = {
            self.voters[a].address: self.voters[b].address for a, b in delegates.items()
        }
        stored_snapshot(block, self.powers, self.delegates)
        self.clock = int(timezone.now().timestamp()) - 600

    def cast(self, index: int, choice: int = FOR, *, timestamp: int | None = None):
        if timestamp is None:
            self.clock += 1
            timestamp = self.clock
        body = vote_body(self.proposal, self.voters[index], choice=choice, timestamp=timestamp)
        vote, _ = services.vote_cast(proposal_id=self.proposal.pk, **body)
        return vote

    def tally(self) -> tuple[int, int, int]:
        t = selectors.proposal_tally(self.proposal)
        return t.for_power, t.against_power, t.abstain_power

    def counted(self, index: int) -> Vote:
        return Vote.objects.get(
            proposal=self.proposal, voter=self.voters[index].address, counted=True
        )

    def expected_tally(self) -> tuple[int, int, int]:
        """The pure rule over the counted votes, for comparison with the SQL aggregate."""
        holdings = {a: Holding(p, self.delegates.get(a, "")) for a, p in self.powers.items()}
        counted = list(Vote.objects.filter(proposal=self.proposal, counted=True))
        carried = delegated_powers(holdings, [v.voter for v in counted])
        totals = {FOR: 0, AGAINST: 0, ABSTAIN: 0}
        for vote in counted:
            totals[vote.choice] += self.powers.get(vote.voter, 0) + carried[vote.voter].power
            assert int(vote.delegated_power) == carried[vote.voter].power, vote.voter
            assert vote.delegators == len(carried[vote.voter].delegators)
        return totals[FOR], totals[AGAINST], totals[ABSTAIN]


def test_delegate_voting_first_then_delegator_overrides_with_their_own_vote(stored_snapshot):
    # 1 and 2 delegate to 0; 0 votes For with 100 + 20 + 30, then 2 votes Against.
    w = World(stored_snapshot, [100, 20, 30], {1: 0, 2: 0})
    vote = w.cast(0, FOR)
    assert (int(vote.power), int(vote.delegated_power), vote.delegators) == (
        100 * WEI,
        50 * WEI,
        2,
    )
    assert w.tally() == (150 * WEI, 0, 0)
    w.cast(2, AGAINST)
    assert w.tally() == (120 * WEI, 30 * WEI, 0)
    delegate_vote = w.counted(0)
    assert (int(delegate_vote.delegated_power), delegate_vote.delegators) == (20 * WEI, 1)
    assert w.tally() == w.expected_tally()


def test_delegator_voting_first_is_left_out_of_their_delegates_later_vote(stored_snapshot):
    w = World(stored_snapshot, [100, 20, 30], {1: 0, 2: 0})
    w.cast(2, AGAINST)
    vote = w.cast(0, FOR)
    assert (int(vote.delegated_power), vote.delegators) == (20 * WEI, 1)
    assert w.tally() == (120 * WEI, 30 * WEI, 0) == w.expected_tally()


def test_delegators_power_is_not_counted_when_neither_votes(stored_snapshot):
    w = World(stored_snapshot, [100, 20, 30], {1: 0})
    w.cast(2, FOR)
    assert w.tally() == (30 * WEI, 0, 0)


def test_a_delegate_without_own_veJCT_votes_with_what_was_delegated(stored_snapshot):
    w = World(stored_snapshot, [0, 20, 30], {1: 0, 2: 0})
    vote = w.cast(0, ABSTAIN)
    assert (int(vote.power), int(vote.delegated_power)) == (0, 50 * WEI)
    assert w.tally() == (0, 0, 50 * WEI)


def test_a_voter_without_veJCT_or_delegations_is_refused(stored_snapshot):
    w = World(stored_snapshot, [0, 20], {})
    with pytest.raises(ApplicationError) as info:
        w.cast(0)
    assert info.value.code == "no_voting_power"
    assert not Vote.objects.exists()


def test_delegation_is_one_level(stored_snapshot):
    # 0 delegates to 1, 1 delegates to 2: 2 carries only 1's own power; 1 carries 0's.
    w = World(stored_snapshot, [10, 20, 40], {0: 1, 1: 2})
    vote = w.cast(2, FOR)
    assert (int(vote.delegated_power), vote.delegators) == (20 * WEI, 1)
    assert w.tally() == (60 * WEI, 0, 0)
    w.cast(1, AGAINST)  # 1 votes: own 20 leaves 2's vote; 0's 10 comes with 1's vote
    assert w.tally() == (40 * WEI, 30 * WEI, 0) == w.expected_tally()


def test_re_votes_move_delegated_power_with_the_counted_receipt(stored_snapshot):
    w = World(stored_snapshot, [100, 20, 30], {1: 0, 2: 0})
    first = w.cast(0, FOR)
    w.cast(1, AGAINST)
    w.cast(1, ABSTAIN)  # the delegator changes their mind: released once, not twice
    assert w.tally() == (130 * WEI, 0, 20 * WEI)
    second = w.cast(0, AGAINST)  # the delegate changes theirs: the new receipt carries 30
    first.refresh_from_db()
    assert (first.counted, int(first.delegated_power), first.delegators) == (False, 0, 0)
    assert (int(second.delegated_power), second.delegators) == (30 * WEI, 1)
    late = w.cast(0, FOR, timestamp=w.clock - 100)  # older than the counted one: not counted
    assert (late.counted, int(late.delegated_power)) == (False, 0)
    assert w.tally() == (0, 130 * WEI, 20 * WEI) == w.expected_tally()


def test_receipts_api_shows_own_and_delegated_power_and_the_delegators_counted(
    client, stored_snapshot
):
    w = World(stored_snapshot, [100, 20, 30], {1: 0, 2: 0})
    w.cast(0, FOR)
    w.cast(2, AGAINST)
    url = f"/api/v1/proposals/{w.proposal.pk}/votes?counted=true"
    receipts = {r["voter"]: r for r in client.get(url).json()["results"]}
    delegate = receipts[w.voters[0].address]
    assert delegate["power"] == str(100 * WEI)
    assert delegate["delegated_power"] == str(20 * WEI)
    assert delegate["total_power"] == str(120 * WEI)
    assert delegate["delegated_from"] == [{"address": w.voters[1].address, "power": str(20 * WEI)}]
    assert receipts[w.voters[2].address]["delegated_power"] == "0"
    page = client.get(f"/proposals/{w.proposal.pk}/").content.decode()
    assert "20 (1 delegator)" in page


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    powers=st.lists(st.integers(0, 50), min_size=5, max_size=5),
    delegates=st.dictionaries(st.integers(0, 4), st.integers(0, 4), max_size=5),
    votes=st.lists(st.tuples(st.integers(0, 4), st.integers(1, 3)), min_size=1, max_size=10),
)
def test_stored_tally_matches_the_rule_whatever_the_order_of_votes(
    stored_snapshot, powers, delegates, votes
):
    delegates = {a: b for a, b in delegates.items() if a != b}
    w = World(stored_snapshot, powers, delegates)
    has_delegators = {b for a, b in delegates.items() if powers[a] > 0}
    for index, choice in votes:
        if powers[index] == 0 and index not in has_delegators:
            continue  # refused: no power, no delegations
        w.cast(index, choice)
        assert w.tally() == w.expected_tally()


def test_power_api_and_page_show_a_wallets_delegated_power(client, stored_snapshot):
    from jctgov.wallets.models import User

    w = World(stored_snapshot, [100, 20, 30], {1: 0, 2: 0})
    w.cast(2, AGAINST)
    url = f"/api/v1/proposals/{w.proposal.pk}/power"
    power = client.get(url, {"address": w.voters[0].address.lower()}).json()
    assert power["power"] == str(100 * WEI)
    assert (power["delegated_power"], power["delegators"]) == (str(20 * WEI), 1)
    assert (power["delegated_power_total"], power["delegators_total"]) == (str(50 * WEI), 2)
    assert client.get(url, {"address": w.voters[1].address}).json()["delegate"] == (
        w.voters[0].address
    )
    bad = client.get(url, {"address": "nope"})
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_address")
    client.force_login(User.objects.get_or_create_for_address(w.voters[0].address))
    page = client.get(f"/proposals/{w.proposal.pk}/").content.decode()
    assert "delegated to you by 1 of your 2 delegators" in page


def test_power_api_waits_for_the_snapshot(client, db):
    proposal = make_active(snapshot_block=99)
    response = client.get(f"/api/v1/proposals/{proposal.pk}/power", {"address": "0x" + "ab" * 20})
    assert (response.status_code, response.json()["error"]["code"]) == (409, "snapshot_pending")
