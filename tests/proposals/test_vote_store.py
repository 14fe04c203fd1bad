"""vote_store writes votes with hand-written SQL (the hot path): here random vote sequences go
through it (``services.vote_cast``) and through a reference written with the plain ORM, one
statement per rule, on a twin proposal with the same snapshot; the stored rows, the outcome of
every cast and the tallies must be the same. And a proposal whose terms change under a vote is
read afresh once, then refused: never a retry loop.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jctgov.chain.models import PowerSnapshot, PowerSnapshotEntry
from jctgov.core.errors import ApplicationError
from proposals import selectors, services
from proposals.models import Proposal, Vote
from proposals.services import vote_store
from tests.proposals.factories import WEI, Voter, make_active, vote_body

pytestmark = pytest.mark.django_db

VOTERS = [Voter() for _ in range(6)]
REASONS = ["", "cheaper compute", "not now"]
_BLOCKS = itertools.count(5_000)
ROW_FIELDS = ["voter", "choice", "reason", "timestamp", "power", "delegated_power", "delegators"]


def store_snapshot(block: int, holdings: dict[str, tuple[int, str]]) -> None:
    """The snapshot rows the chain app writes: {address: (veJCT, delegate or "")}, power > 0."""
    held = {a: (p, d) for a, (p, d) in holdings.items() if p > 0}
    snapshot = PowerSnapshot.objects.create(
        block_number=block,
        block_hash="0x" + "ab" * 32,
        total_supply=sum(p for p, _ in held.values()),
        holders=len(held),
    )
    PowerSnapshotEntry.objects.bulk_create(
        PowerSnapshotEntry(snapshot=snapshot, address=a, power=p, delegate=d)
        for a, (p, d) in held.items()
    )


class OrmReference:
    """vote_cast's rules with the plain ORM: a signed vote is stored once; the voter's last
    vote counts; a delegate's counted vote carries the veJCT of their delegators who have not
    voted; a delegator's first vote takes their veJCT off their delegate's counted vote."""

    def __init__(self, proposal: Proposal, holdings: dict[str, tuple[int, str]]) -> None:
        self.proposal = proposal
        self.holdings = {a: (p, d) for a, (p, d) in holdings.items() if p > 0}

    def counted(self, voter: str) -> Vote | None:
        return Vote.objects.filter(proposal=self.proposal, voter=voter, counted=True).first()

    def cast(self, voter: str, choice: int, reason: str, timestamp: int) -> str:
        key = f"{self.proposal.pk}|{voter}|{choice}|{reason}|{timestamp}"
        digest = "0x" + hashlib.sha256(key.encode()).hexdigest()
        if Vote.objects.filter(digest=digest).exists():
            return "duplicate"
        power, delegate = self.holdings.get(voter, (0, ""))
        delegators = [a for a, (_, d) in self.holdings.items() if d == voter]
        if power <= 0 and not delegators:
            return "no_voting_power"
        with transaction.atomic():
            previous = self.counted(voter)
            if previous is None and delegate:
                carrier = self.counted(delegate)
                if carrier is not None:
                    carrier.delegated_power = int(carrier.delegated_power) - power
                    carrier.delegators -= 1
                    carrier.save()
            carried = [a for a in delegators if self.counted(a) is None]
            if previous is not None:
                previous.counted, previous.delegated_power, previous.delegators = False, 0, 0
                previous.save()
            Vote.objects.create(
                digest=digest,
                proposal=self.proposal,
                voter=voter,
                choice=choice,
                reason=reason,
                timestamp=timestamp,
                signature="0x" + "00" * 65,
                power=power,
                delegated_power=sum(self.holdings[a][0] for a in carried),
                delegators=len(carried),
                counted=True,
            )
        return "created"


def cast_through_vote_store(proposal: Proposal, voter: Voter, choice, reason, timestamp) -> str:
    body = vote_body(proposal, voter, choice=choice, reason=reason, timestamp=timestamp)
    try:
        _, created = services.vote_cast(proposal_id=proposal.pk, **body)
    except ApplicationError as exc:
        return exc.code
    return "created" if created else "duplicate"


def stored(proposal: Proposal) -> list[tuple]:
    rows = Vote.objects.filter(proposal=proposal).order_by("id")
    return [
        (*(str(v) for v in row[:-1]), row[-1]) for row in rows.values_list(*ROW_FIELDS, "counted")
    ]


def tally(proposal: Proposal) -> tuple[int, int, int]:
    t = selectors.proposal_tally(proposal)
    return t.for_power, t.against_power, t.abstain_power


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    powers=st.lists(st.integers(0, 300), min_size=len(VOTERS), max_size=len(VOTERS)),
    delegates=st.dictionaries(st.integers(0, 5), st.integers(0, 5), max_size=6),
    casts=st.lists(
        st.tuples(
            st.integers(0, 5),  # voter
            st.integers(1, 3),  # choice
            st.integers(0, len(REASONS) - 1),
            st.integers(0, 3),  # seconds after the first cast: repeats make identical votes
        ),
        min_size=1,
        max_size=14,
    ),
)
def test_vote_store_stores_what_the_orm_reference_stores(db, powers, delegates, casts):
    # VoteDelegation refuses delegating to oneself: such a pair is dropped.
    to = {i: VOTERS[j].address for i, j in delegates.items() if i != j}
    holdings = {
        v.address: (p * WEI + p, to.get(i, ""))
        for i, (v, p) in enumerate(zip(VOTERS, powers, strict=True))
    }
    block = next(_BLOCKS)
    store_snapshot(block, holdings)
    fast, plain = make_active(snapshot_block=block), make_active(snapshot_block=block)
    reference = OrmReference(plain, holdings)
    start = int(timezone.now().timestamp()) - 600
    for index, choice, reason, second in casts:
        voter, text = VOTERS[index], REASONS[reason]
        got = cast_through_vote_store(fast, voter, choice, text, start + second)
        expected = reference.cast(voter.address, choice, text, start + second)
        assert got == expected, (index, choice, reason, second)
        assert stored(fast) == stored(plain)
        assert tally(fast) == tally(plain)


def test_a_sequence_with_every_rule_matches_the_reference(db):
    """A fixed sequence that hits each branch at least once, for a readable failure."""
    a, b, c, d = (v.address for v in VOTERS[:4])
    holdings = {a: (100 * WEI, ""), b: (20 * WEI, a), c: (30 * WEI, a), d: (0, "")}
    block = next(_BLOCKS)
    store_snapshot(block, holdings)
    fast, plain = make_active(snapshot_block=block), make_active(snapshot_block=block)
    reference = OrmReference(plain, holdings)
    start = int(timezone.now().timestamp()) - 600
    steps = [
        (1, 2, "", 0),  # a delegator votes first: nothing to release yet
        (0, 1, "", 1),  # the delegate: carries c only
        (2, 3, "x", 2),  # c's first vote: released from a's counted vote
        (2, 1, "", 3),  # c re-votes: replaced, released once only
        (2, 1, "", 3),  # the same signed vote again: stored once
        (0, 2, "", 4),  # a re-votes: the new receipt carries nobody (both voted)
        (3, 1, "", 5),  # no veJCT, no delegators: refused
    ]
    outcomes = []
    for index, choice, reason, second in steps:
        voter = VOTERS[index]
        got = cast_through_vote_store(fast, voter, choice, reason, start + second)
        assert got == reference.cast(voter.address, choice, reason, start + second)
        outcomes.append(got)
    assert outcomes == ["created"] * 4 + ["duplicate", "created", "no_voting_power"]
    assert stored(fast) == stored(plain)
    assert tally(fast) == tally(plain) == (30 * WEI, 120 * WEI, 0)


def test_a_vote_signed_for_stale_cached_terms_is_read_afresh_once_then_refused(db, chain):
    """A database rebuilt under a running process: the cached terms (old uid) verify the
    signature, the row under the lock says otherwise; the terms are read again, once, and the
    vote, signed for a proposal that no longer exists, is refused (after asking the chain
    whether the voter is a contract wallet: hence ``chain``)."""
    voter = VOTERS[0]
    block = next(_BLOCKS)
    store_snapshot(block, {voter.address: (10 * WEI, "")})
    proposal = make_active(snapshot_block=block)
    vote_store.voting_terms(proposal.pk)  # cached, as after an earlier vote
    old_body = vote_body(proposal, voter)
    Proposal.objects.filter(pk=proposal.pk).update(uid="0x" + "12" * 32)
    with pytest.raises(ApplicationError) as refused:
        services.vote_cast(proposal_id=proposal.pk, **old_body)
    assert (refused.value.status, refused.value.code) == (401, "signature_mismatch")
    assert vote_store.voting_terms(proposal.pk).uid == "0x" + "12" * 32  # cache refreshed
    assert not Vote.objects.exists()


def test_a_second_stale_read_is_a_409_not_a_retry_loop(client, monkeypatch):
    voter = VOTERS[0]
    block = next(_BLOCKS)
    store_snapshot(block, {voter.address: (10 * WEI, "")})
    proposal = make_active(snapshot_block=block)
    real_read = vote_store.read_ballot
    reads = []

    def read_a_changing_row(*args, **kwargs):
        reads.append(args)
        ballot = real_read(*args, **kwargs)
        return dataclasses.replace(ballot, signed=("0x" + f"{len(reads):064x}", 1, "0x"))

    monkeypatch.setattr(vote_store, "read_ballot", read_a_changing_row)
    response = client.post(
        f"/api/v1/proposals/{proposal.pk}/votes",
        vote_body(proposal, voter),
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "proposal_terms_changed"
    assert len(reads) == 2
    assert not Vote.objects.exists()
