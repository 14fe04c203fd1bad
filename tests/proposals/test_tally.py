"""Tally rules: quorum counts For + Abstain against total supply; pass needs For > Against."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proposals.tally import (
    Receipt,
    VoteRecord,
    counted_receipts,
    tally_from_totals,
    tally_votes,
)


def t(f=0, a=0, ab=0, supply=10_000, bps=400):
    return tally_from_totals({1: f, 2: a, 3: ab}, total_supply=supply, quorum_bps=bps)


def test_quorum_is_bps_of_total_supply_rounded_up():
    assert t(supply=10_000).quorum == 400
    assert t(supply=10_001).quorum == 401


def test_abstain_counts_toward_quorum_but_against_does_not():
    assert t(f=1, ab=399).quorum_reached
    assert not t(f=1, a=10_000, ab=398).quorum_reached


def test_outcomes():
    assert t(f=500).outcome == "succeeded"
    assert t(f=300, a=301, ab=200).outcome == "defeated"
    assert t(f=300, a=300, ab=200).outcome == "defeated"  # a tie does not pass
    assert t(f=399).outcome == "no_quorum"
    assert t(f=0, supply=0).outcome == "no_quorum"


def test_tally_votes_sums_by_choice_and_refuses_double_counting():
    records = [VoteRecord("0xA", 1, 300), VoteRecord("0xB", 2, 100), VoteRecord("0xC", 3, 200)]
    tally = tally_votes(records, total_supply=10_000, quorum_bps=400)
    assert (tally.for_power, tally.against_power, tally.abstain_power) == (300, 100, 200)
    assert tally.passed
    with pytest.raises(ValueError):
        tally_votes(records + [VoteRecord("0xa", 1, 1)], total_supply=1, quorum_bps=1)


def test_each_voters_last_arrival_counts_whatever_its_timestamp():
    receipts = [
        Receipt("0xA", 1, 5, timestamp=10, arrival=1),
        Receipt("0xA", 2, 5, timestamp=12 + 300, arrival=2),  # stamped five minutes ahead
        Receipt("0xA", 3, 5, timestamp=11, arrival=3),  # the voter's later change of mind
        Receipt("0xB", 1, 7, timestamp=10, arrival=4),
        Receipt("0xB", 2, 7, timestamp=10, arrival=5),
    ]
    chosen = {r.voter: r.choice for r in counted_receipts(receipts)}
    assert chosen == {"0xA": 3, "0xB": 2}


@given(
    st.lists(st.tuples(st.integers(1, 3), st.integers(1, 10**24)), max_size=30),
    st.integers(1, 10_000),
)
def test_passed_implies_quorum_and_more_for_than_against(votes, bps):
    records = [VoteRecord(f"0x{i}", c, p) for i, (c, p) in enumerate(votes)]
    supply = sum(p for _, p in votes) or 1
    tally = tally_votes(records, total_supply=supply, quorum_bps=bps)
    if tally.passed:
        assert tally.for_power > tally.against_power
        assert (tally.for_power + tally.abstain_power) * 10_000 >= bps * supply


@pytest.mark.django_db
def test_sql_tally_is_exact_for_uint256_amounts_on_every_database():
    from proposals.models import Vote
    from proposals.selectors import vote_totals
    from tests.proposals.factories import make_active

    proposal = make_active()
    powers = [1234_567890123456789012, 5 * 10**18 + 1, 9 * 10**18, 10**27 + 3]
    for i, p in enumerate(powers):
        Vote.objects.create(
            digest=f"0x{i:064x}",
            proposal=proposal,
            voter=f"0x{i + 1:040x}",
            choice=1,
            timestamp=1,
            signature="0x",
            power=p,
        )
    assert vote_totals(proposal) == {1: sum(powers)}
    assert [int(v.power) for v in Vote.objects.order_by("id")] == powers
