"""At most once, under real row locks: threads against PostgreSQL (skipped on SQLite)."""

import threading
from datetime import timedelta

import pytest
from django.db import connection

from jctgov.core.errors import ApplicationError
from proposals import selectors, services
from proposals.models import ProposalState, Vote
from tests.proposals.factories import Voter, make_active, vote_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(*calls):
    """Start every call at the same moment in its own thread; return results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # collected for the assertions
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_votes_of_one_voter_at_once_leave_one_counted(postgres_only, stored_snapshot):
    voter = Voter()
    proposal = make_active(snapshot_block=100)
    stored_snapshot(100, {voter.address: 10})
    ts = int(proposal.starts_at.timestamp()) + 60
    for round_ in range(5):
        bodies = [vote_body(proposal, voter, choice=c, timestamp=ts + round_) for c in (1, 2, 3)]
        results = run_together(
            *[(lambda b=b: services.vote_cast(proposal_id=proposal.pk, **b)) for b in bodies]
        )
        assert all(isinstance(r, tuple) and r[1] for r in results), results
        assert (
            Vote.objects.filter(proposal=proposal, voter=voter.address, counted=True).count() == 1
        )
    assert Vote.objects.filter(proposal=proposal).count() == 15


def test_same_signed_vote_sent_twice_at_once_is_stored_once(postgres_only, stored_snapshot):
    voter = Voter()
    proposal = make_active(snapshot_block=100)
    stored_snapshot(100, {voter.address: 10})
    body = vote_body(proposal, voter)
    results = run_together(*[lambda: services.vote_cast(proposal_id=proposal.pk, **body)] * 4)
    assert sorted(created for _, created in results) == [False, False, False, True]
    assert Vote.objects.count() == 1


def test_vote_racing_the_close_is_either_counted_in_the_result_or_refused(
    postgres_only, stored_snapshot
):
    voters = [Voter() for _ in range(8)]
    proposal = make_active(snapshot_block=100, total_supply=80, ends_in=timedelta(minutes=5))
    stored_snapshot(100, {v.address: 10 for v in voters})
    before_end = proposal.ends_at - timedelta(seconds=1)
    ts = int(before_end.timestamp()) - 5
    casts = [
        (
            lambda v=v: services.vote_cast(
                proposal_id=proposal.pk, now=before_end, **vote_body(proposal, v, timestamp=ts)
            )
        )
        for v in voters
    ]
    close = lambda: services.proposal_close(proposal_id=proposal.pk, now=proposal.ends_at)  # noqa: E731
    results = run_together(*casts[:4], close, *casts[4:])
    proposal.refresh_from_db()
    assert proposal.state != ProposalState.ACTIVE
    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert all(r.code == "proposal_not_active" for r in refused)
    counted = sum(
        int(p)
        for p in Vote.objects.filter(proposal=proposal, counted=True).values_list(
            "power", flat=True
        )
    )
    assert counted == proposal.for_power  # every stored vote is in the result, none after
    assert Vote.objects.count() + len(refused) == len(voters)


def test_many_voters_revoting_at_once_leave_each_voters_last_arrival_counted(
    postgres_only, stored_snapshot
):
    """Twelve signed votes (four voters, three each) arrive at once: each voter's last vote to
    arrive (the row lock orders them) is the counted one and the live tally is their sum."""
    voters = [Voter() for _ in range(4)]
    proposal = make_active(snapshot_block=100, total_supply=40)
    stored_snapshot(100, {v.address: 10 for v in voters})
    start = int(proposal.starts_at.timestamp())
    bodies = [
        vote_body(proposal, voter, choice=choice, timestamp=start + 10 * choice + index)
        for index, voter in enumerate(voters)
        for choice in (3, 1, 2)
    ]
    results = run_together(
        *[(lambda b=b: services.vote_cast(proposal_id=proposal.pk, **b)) for b in bodies]
    )
    assert all(isinstance(r, tuple) and r[1] for r in results), results
    counted = dict(
        Vote.objects.filter(proposal=proposal, counted=True).values_list("voter", "choice")
    )
    last = {}
    for voter, choice in (
        Vote.objects.filter(proposal=proposal).order_by("id").values_list("voter", "choice")
    ):
        last[voter] = choice
    assert counted == last and len(counted) == 4
    assert Vote.objects.filter(proposal=proposal).count() == 12
    tally = selectors.proposal_tally(proposal)
    by_choice = [10 * list(last.values()).count(c) for c in (1, 2, 3)]
    assert [tally.for_power, tally.against_power, tally.abstain_power] == by_choice
