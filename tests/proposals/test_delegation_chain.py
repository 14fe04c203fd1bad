"""Delegation on the real chain: changes between two snapshot blocks are counted exactly, and
verify_tally re-derives own and delegated powers from balanceOfAtBlock + delegateOfAt."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from jctgov.chain import client
from proposals import selectors
from proposals.models import Vote

pytestmark = pytest.mark.django_db
FOR, AGAINST, ABSTAIN = 1, 2, 3


@pytest.fixture
def two_proposals(governance_chain):
    """P1's snapshot: 3→2, 4→2, 5→6. Then 3 re-delegates to 6, 4 undelegates, 5 moves to 2,
    and P2's snapshot sees that. Account 6 holds no veJCT: a delegate only."""
    g, a = governance_chain, governance_chain.chain.accounts
    g.lock({1: 1_000, 2: 600, 3: 300, 4: 100, 5: 50})
    for delegator, delegate in ((3, 2), (4, 2), (5, 6)):
        g.chain.delegate(delegator, a[delegate])
    g.chain.mine(3)
    first = g.activate(g.publish(author_index=1))
    g.chain.delegate(3, a[6])
    g.chain.delegate(4, None)
    g.chain.delegate(5, a[2])
    g.chain.mine(3)
    second = g.activate(g.publish(author_index=2, title="Second"))
    assert first.snapshot_block < second.snapshot_block
    return first, second


def power_at(governance_chain, block: int, *indexes: int) -> int:
    accounts = governance_chain.chain.accounts
    return sum(client.vejct_balance_at(accounts[i], block) for i in indexes)


def vote_everyone(g, proposal) -> None:
    g.cast(proposal, 2, FOR, at=10)
    g.cast(proposal, 6, AGAINST, at=20)
    g.cast(proposal, 4, ABSTAIN, at=30)  # 4 votes themself: never counted with a delegate


def test_delegation_changes_between_two_snapshot_blocks_are_counted_exactly(
    two_proposals, governance_chain
):
    g, (first, second) = governance_chain, two_proposals
    for proposal in (first, second):
        vote_everyone(g, proposal)
    b1, b2 = first.snapshot_block, second.snapshot_block
    t1, t2 = selectors.proposal_tally(first), selectors.proposal_tally(second)
    # P1: 2 carries 3 (4 voted itself); 6 carries 5.
    assert t1.for_power == power_at(g, b1, 2, 3)
    assert t1.against_power == power_at(g, b1, 5)
    assert t1.abstain_power == power_at(g, b1, 4)
    # P2: 2 carries 5; 6 carries 3; 4 had no delegate any more.
    assert t2.for_power == power_at(g, b2, 2, 5)
    assert t2.against_power == power_at(g, b2, 3)
    assert t2.abstain_power == power_at(g, b2, 4)
    six = Vote.objects.get(proposal=second, voter=g.chain.accounts[6])
    assert (int(six.power), six.delegators) == (0, 1)


def test_verify_tally_re_derives_delegated_power_and_catches_a_tampered_one(
    two_proposals, governance_chain, capsys
):
    g, (first, second) = governance_chain, two_proposals
    for proposal in (first, second):
        vote_everyone(g, proposal)
        g.close(proposal)
    for proposal in (first, second):
        call_command("verify_tally", str(proposal.pk))
        assert "verified" in capsys.readouterr().out
    delegate_vote = Vote.objects.get(proposal=second, voter=g.chain.accounts[2], counted=True)
    Vote.objects.filter(pk=delegate_vote.pk).update(
        delegated_power=int(delegate_vote.delegated_power) + 1
    )
    with pytest.raises(CommandError):
        call_command("verify_tally", str(second.pk))
    assert "delegated power" in capsys.readouterr().err


def test_verify_tally_catches_delegated_power_moved_onto_a_vote(
    two_proposals, governance_chain, capsys
):
    """The stored totals agree with the receipts here (both tampered alike): only the recount
    from delegateOfAt shows that 4's power was given to 2 although 4 voted."""
    g, (first, _) = governance_chain, two_proposals
    vote_everyone(g, first)
    first = g.close(first)
    four = power_at(g, first.snapshot_block, 4)
    Vote.objects.filter(proposal=first, voter=g.chain.accounts[2], counted=True).update(
        delegated_power=power_at(g, first.snapshot_block, 3) + four, delegators=2
    )
    type(first).objects.filter(pk=first.pk).update(for_power=first.for_power + four)
    with pytest.raises(CommandError):
        call_command("verify_tally", str(first.pk))
    assert "but chain says" in capsys.readouterr().err
