"""At most once, under real row locks: threads against PostgreSQL (skipped on SQLite)."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction

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


def test_many_voters_revoting_at_once_leave_each_voters_newest_vote_counted(
    postgres_only, stored_snapshot
):
    """Twelve signed votes (four voters, three each, out of order) arrive at once: each
    voter's newest vote is the counted one and the live tally is their sum."""
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
    assert counted == {v.address: 3 for v in voters}  # choice 3 carries the newest timestamp
    assert Vote.objects.filter(proposal=proposal).count() == 12
    tally = selectors.proposal_tally(proposal)
    assert (tally.for_power, tally.against_power, tally.abstain_power) == (0, 0, 40)


def _waiting_for_locks() -> int:
    """Backends of this database now waiting for a lock (PostgreSQL's pg_stat_activity)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # else frozen for the transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])


def run_queued_behind_a_lock(proposal, *calls):
    """Hold the proposal's row lock, start ``calls`` one by one, each only once the previous
    one waits for the lock (PostgreSQL grants it in that order), then release: every call's
    first statement began before the others committed, the stale-read case of vote_store."""
    from proposals.models import Proposal

    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            results[index] = call()
        except Exception as exc:  # collected for the assertions
            results[index] = exc
        finally:
            connection.close()

    threads = []
    with transaction.atomic():
        Proposal.objects.select_for_update().get(pk=proposal.pk)
        for index, call in enumerate(calls):
            thread = threading.Thread(target=worker, args=(index, call))
            thread.start()
            threads.append(thread)
            deadline = time.monotonic() + 30
            while _waiting_for_locks() < index + 1:
                assert time.monotonic() < deadline, "the vote never queued for the lock"
                time.sleep(0.01)
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("delegate_first", [True, False], ids=["delegate-first", "delegator-first"])
@pytest.mark.parametrize("queued", [True, False], ids=["queued-behind-lock", "at-once"])
def test_delegator_and_delegate_voting_at_the_same_time_count_the_delegators_power_once(
    postgres_only, stored_snapshot, delegate_first, queued
):
    """Delegate D (100) and delegators A (20) and B (30), who delegated to D: A and D vote
    at the same moment, in either order. A's 20 counts with A's vote only, B's 30 with D's."""
    delegate, a, b = Voter(), Voter(), Voter()
    for round_ in range(1 if queued else 4):
        block = 200 + round_ + (10 if delegate_first else 0) + (20 if queued else 0)
        proposal = make_active(snapshot_block=block)
        stored_snapshot(
            block,
            {delegate.address: 100, a.address: 20, b.address: 30},
            {a.address: delegate.address, b.address: delegate.address},
        )
        ts = int(proposal.starts_at.timestamp()) + 60
        by_delegate = vote_body(proposal, delegate, choice=1, timestamp=ts)
        by_a = vote_body(proposal, a, choice=2, timestamp=ts)
        calls = [
            lambda body=body, pk=proposal.pk: services.vote_cast(proposal_id=pk, **body)
            for body in ((by_delegate, by_a) if delegate_first else (by_a, by_delegate))
        ]
        results = run_queued_behind_a_lock(proposal, *calls) if queued else run_together(*calls)
        assert all(isinstance(r, tuple) and r[1] for r in results), results
        tally = selectors.proposal_tally(proposal)
        assert (tally.for_power, tally.against_power) == (130, 20)
        d_vote = Vote.objects.get(proposal=proposal, voter=delegate.address, counted=True)
        assert (int(d_vote.delegated_power), d_vote.delegators) == (30, 1)


def test_delegator_revoting_while_their_delegate_revotes_releases_their_power_once(
    postgres_only, stored_snapshot
):
    delegate, a = Voter(), Voter()
    proposal = make_active(snapshot_block=300)
    stored_snapshot(300, {delegate.address: 100, a.address: 20}, {a.address: delegate.address})
    ts = int(proposal.starts_at.timestamp()) + 60
    bodies = [
        vote_body(proposal, v, choice=c, timestamp=ts + c) for v in (delegate, a) for c in (1, 2, 3)
    ]
    results = run_together(
        *[(lambda b=b: services.vote_cast(proposal_id=proposal.pk, **b)) for b in bodies]
    )
    assert all(isinstance(r, tuple) and r[1] for r in results), results
    tally = selectors.proposal_tally(proposal)
    assert (tally.for_power, tally.against_power, tally.abstain_power) == (0, 0, 120)
    d_vote = Vote.objects.get(proposal=proposal, voter=delegate.address, counted=True)
    assert (int(d_vote.delegated_power), d_vote.delegators) == (0, 0)
