"""Anvil stops (SIGSTOP: requests hang, as with a stalled node) while a worker snapshots or
executes: the job waits in a clear state, retries with backoff, and completes exactly once
after the chain comes back (SIGCONT)."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from eth_account import Account

from jctgov.chain import client as chain_client
from jctgov.chain.models import PowerSnapshot
from proposals import services
from proposals.models import Proposal, ProposalKind, ProposalState
from proposals.tasks import execute_proposal
from tests.factories import UserFactory
from tests.fixtures.worker import wait_until
from tests.proposals.factories import WEI, make_draft, make_succeeded
from tests.proposals.test_execution import DELAY, executed_txs, recognition

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
IMPATIENT = {"CHAIN_RPC_TIMEOUT_S": "1"}  # the worker gives up on a silent RPC quickly


@contextmanager
def anvil_stopped(anvil: Any) -> Iterator[None]:
    anvil.send_signal(signal.SIGSTOP)
    try:
        yield
    finally:
        anvil.send_signal(signal.SIGCONT)


def retried(worker) -> bool:
    return "Retry in" in worker.output() and "ChainUnavailable" in worker.output()


def test_snapshot_waits_for_a_stopped_chain_and_completes_once(chain, anvil, celery_worker):
    for index, amount in ((1, 1_000), (2, 500)):
        chain.lock(index, amount * WEI, weeks=100)
    chain.mine(3)
    author = UserFactory(address=chain.accounts[1])
    # Published while no worker runs: the snapshot task waits in the broker.
    proposal = services.proposal_publish(proposal_id=make_draft(author=author).pk, actor=author)
    block = proposal.snapshot_block
    with anvil_stopped(anvil):
        worker = celery_worker(**IMPATIENT)
        wait_until(lambda: retried(worker), timeout=60, interval=0.5)
        assert not PowerSnapshot.objects.filter(block_number=block).exists()
        assert Proposal.objects.get(pk=proposal.pk).state == ProposalState.PENDING
    wait_until(lambda: PowerSnapshot.objects.filter(block_number=block).exists(), timeout=90)
    snapshot = PowerSnapshot.objects.get(block_number=block)
    assert snapshot.holders == 2 and snapshot.entries.count() == 2
    assert int(snapshot.total_supply) == chain_client.vejct_total_supply_at(block)
    assert services.proposals_advance()["activated"] == 1


def test_execution_waits_for_a_stopped_chain_and_executes_once(chain, anvil, celery_worker, client):
    alice = Account.create().address
    proposal = make_succeeded(kind=ProposalKind.RECOGNITION, payload=recognition((alice, 4 * WEI)))
    op = services.proposal_approval_open(proposal_id=proposal.pk)
    chain.sign_operation(op.pk, 0)  # the stewards' 1-of-1 Safe approves
    services.proposal_schedule(proposal_id=proposal.pk)  # queued, before any worker runs
    chain.increase_time(DELAY + 1)
    with anvil_stopped(anvil):
        worker = celery_worker(**IMPATIENT)
        execute_proposal.delay(proposal.pk)

        def noted() -> bool:
            row = Proposal.objects.get(pk=proposal.pk)
            return row.failure_code == "chain_unavailable" and row.execution_claimed_at is None

        wait_until(noted, timeout=60, interval=0.5)
        assert Proposal.objects.get(pk=proposal.pk).state == ProposalState.QUEUED
        assert (
            "could not reach the chain" in client.get(f"/proposals/{proposal.pk}/").content.decode()
        )
        assert retried(worker)
    wait_until(lambda: Proposal.objects.get(pk=proposal.pk).state == ProposalState.EXECUTED, 90)
    executed = Proposal.objects.get(pk=proposal.pk)
    assert executed.failure_code == ""
    assert executed_txs(executed.operation_id) == {executed.execute_tx}
    assert chain_client.token_balance("JCT", alice) == 4 * WEI
