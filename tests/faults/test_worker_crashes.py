"""A Celery worker SIGKILLed in the middle of a snapshot, an execution and a payout.

Each test runs a real worker process on the real broker, talking to Anvil through a proxy that
holds back one answer, so the worker is killed at a known point: the multicall of a snapshot
read but not stored; ``executeBatch`` / ``payoutOnce`` mined but the receipt not seen. A fresh
worker then finishes the job through the app's own recovery path (the beat, once the dead
worker's claim lapses), and the job has happened exactly once on chain and in the database.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from eth_account import Account

from grants import services as grants
from grants.models import Milestone, MilestoneState
from grants.services.milestones import payout_operation
from jctgov.chain import client as chain_client
from jctgov.chain import timelock
from jctgov.chain.models import PowerSnapshot
from jctgov.chain.operations import operations_due
from jctgov.chain.timelock import OperationState
from jctgov.wallets.services import steward_grant
from proposals import services
from proposals.models import Proposal, ProposalKind, ProposalState
from tests.factories import UserFactory
from tests.fixtures.rpc_proxy import method_is
from tests.fixtures.worker import wait_until
from tests.grants.factories import approved_application, fund_escrow, make_program
from tests.grants.test_payouts import payout_events
from tests.proposals.factories import WEI, make_draft, make_succeeded
from tests.proposals.test_execution import DELAY, executed_txs, recognition

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
LEASE_S = 2
AGGREGATE3 = "0x82ad56cb"  # Multicall3.aggregate3 selector: the snapshot's batched read


@pytest.fixture
def crashable(celery_worker, rpc_proxy, settings):
    """Start workers that reach the chain through the proxy, with a short claim lease."""
    settings.JCTGOV_CHAIN_LEASE_S = LEASE_S  # what the beat (run here) considers lapsed

    def start():
        return celery_worker(CHAIN_RPC_URL=rpc_proxy.url, JCTGOV_CHAIN_LEASE_S=str(LEASE_S))

    return start


def kill_when_held(held, worker, rpc_proxy) -> None:
    assert held.wait(60), "the worker never reached the point where it is to be killed"
    worker.kill()
    rpc_proxy.release()


def test_killed_mid_snapshot_the_restarted_worker_stores_it_once(chain, crashable, rpc_proxy):
    for index, amount in ((1, 1_000), (2, 400), (3, 100)):
        chain.lock(index, amount * WEI, weeks=100)
    chain.mine(3)
    worker = crashable()
    held = rpc_proxy.hold(
        lambda r: (
            r.get("method") == "eth_call"
            and str(r["params"][0].get("data", r["params"][0].get("input", ""))).startswith(
                AGGREGATE3
            )
        )
    )
    author = UserFactory(address=chain.accounts[1])
    proposal = services.proposal_publish(proposal_id=make_draft(author=author).pk, actor=author)
    kill_when_held(held, worker, rpc_proxy)  # the powers were read, nothing was stored
    assert not PowerSnapshot.objects.filter(block_number=proposal.snapshot_block).exists()

    crashable()
    later = timezone.now() + timedelta(minutes=2)  # the beat re-asks for a lost snapshot
    services.proposals_advance(now=later)
    wait_until(lambda: PowerSnapshot.objects.filter(block_number=proposal.snapshot_block).exists())
    snapshot = PowerSnapshot.objects.get(block_number=proposal.snapshot_block)
    assert snapshot.holders == 3 and snapshot.entries.count() == 3
    assert int(snapshot.total_supply) == chain_client.vejct_total_supply_at(snapshot.block_number)
    assert services.proposals_advance(now=later)["activated"] == 1


def test_killed_after_sending_execute_the_restarted_worker_records_it_once(
    chain, crashable, rpc_proxy
):
    alice = Account.create().address
    proposal = make_succeeded(kind=ProposalKind.RECOGNITION, payload=recognition((alice, 9 * WEI)))
    worker = crashable()
    op = services.proposal_approval_open(proposal_id=proposal.pk)
    chain.sign_operation(op.pk, 0)  # the Safe's 1 of 1 → the worker relays the schedule
    wait_until(lambda: Proposal.objects.get(pk=proposal.pk).state == ProposalState.QUEUED)
    chain.increase_time(DELAY + 1)
    held = rpc_proxy.hold(method_is("eth_sendRawTransaction"))
    assert services.proposals_execution_due()["execute"] == 1
    kill_when_held(held, worker, rpc_proxy)
    op_id = Proposal.objects.get(pk=proposal.pk).operation_id
    assert timelock.operation_state(op_id) == OperationState.DONE  # it landed ...
    assert Proposal.objects.get(pk=proposal.pk).state == ProposalState.QUEUED  # ... unrecorded

    crashable()
    wait_until(lambda: services.proposals_execution_due()["execute"], timeout=30, interval=0.5)
    wait_until(lambda: Proposal.objects.get(pk=proposal.pk).state == ProposalState.EXECUTED)
    executed = Proposal.objects.get(pk=proposal.pk)
    assert executed_txs(op_id) == {executed.execute_tx}
    assert chain_client.token_balance("JCT", alice) == 9 * WEI


def test_killed_after_sending_a_payout_the_restarted_worker_records_it_once(
    chain, crashable, rpc_proxy
):
    steward = steward_grant(address="0x" + "5" * 40)
    reviewers = [UserFactory(), UserFactory()]
    program = make_program(budget=1_000 * WEI, reviewers=reviewers)
    fund_escrow(chain, program.escrow_program_id, 1_000 * WEI)
    application = approved_application(program, steward, reviewers)
    milestone = application.milestones.first()
    grants.milestone_report(
        milestone_id=milestone.pk, actor=application.applicant, evidence_url="", text="Shipped"
    )
    worker = crashable()
    grants.milestone_accept(milestone_id=milestone.pk, actor=steward)  # → the worker opens it
    wait_until(lambda: payout_operation(milestone.pk) is not None)
    held = rpc_proxy.hold(method_is("eth_sendRawTransaction"))
    chain.sign_operation(payout_operation(milestone.pk).pk, 0)  # → the worker relays the payout
    kill_when_held(held, worker, rpc_proxy)
    assert len(payout_events(program.escrow_program_id)) == 1  # paid on chain ...
    assert Milestone.objects.get(pk=milestone.pk).state == MilestoneState.PAYING  # ... unrecorded
    assert payout_operation(milestone.pk).state == "sending"

    crashable()
    wait_until(lambda: operations_due(), timeout=30, interval=0.5)  # once the lease lapsed
    wait_until(lambda: Milestone.objects.get(pk=milestone.pk).state == MilestoneState.PAID)
    paid = Milestone.objects.get(pk=milestone.pk)
    events = payout_events(program.escrow_program_id)
    assert len(events) == 1 and paid.tx_hash == "0x" + bytes(events[0]["transactionHash"]).hex()
    assert chain_client.token_balance("JCT", application.payout_address) == paid.amount
