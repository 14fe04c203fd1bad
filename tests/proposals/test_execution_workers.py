"""Execution under real concurrency: threads on PostgreSQL, and a real Celery worker process."""

from __future__ import annotations

import pytest
from eth_account import Account

from jctgov.chain import client as chain_client
from jctgov.chain import operations as ops
from jctgov.wallets.services import steward_grant
from proposals import services
from proposals.models import Proposal, ProposalKind, ProposalState
from proposals.services import execution
from tests.fixtures.worker import wait_until
from tests.grants.test_concurrency import at_once
from tests.proposals.factories import WEI, make_succeeded
from tests.proposals.test_execution import DELAY, executed_txs, recognition, timelock_txs

pytestmark = pytest.mark.django_db(transaction=True)
S = ProposalState


@pytest.mark.postgres
def test_concurrent_deliveries_schedule_once_and_execute_once(postgres_only, chain, monkeypatch):
    monkeypatch.setattr(execution, "_enqueue", lambda *args: None)  # the threads are the tasks
    monkeypatch.setattr(ops, "_enqueue_relay", lambda *args: None)
    alice = Account.create().address
    proposal = make_succeeded(kind=ProposalKind.RECOGNITION, payload=recognition((alice, 3 * WEI)))
    op = services.proposal_approval_open(proposal_id=proposal.pk)
    chain.sign_operation(op.pk, 0)

    results = at_once([lambda: services.proposal_schedule(proposal_id=proposal.pk)] * 4)
    assert not [r for r in results if isinstance(r, Exception)], results
    queued = Proposal.objects.get(pk=proposal.pk)
    assert queued.state == S.QUEUED
    assert timelock_txs("CallScheduled", queued.operation_id) == {queued.schedule_tx}

    chain.increase_time(DELAY + 1)
    results = at_once([lambda: services.proposal_execute(proposal_id=proposal.pk)] * 4)
    assert not [r for r in results if isinstance(r, Exception)], results
    executed = Proposal.objects.get(pk=proposal.pk)
    assert executed.state == S.EXECUTED
    assert executed_txs(executed.operation_id) == {executed.execute_tx}
    assert chain_client.token_balance("JCT", alice) == 3 * WEI


@pytest.mark.worker
def test_a_worker_schedules_and_executes_what_a_steward_approved(chain, celery_worker, client):
    celery_worker()
    steward = steward_grant(address="0x" + "5" * 40)
    proposal = make_succeeded(
        payload={"changes": [{"key": "market.reservation_fee_bps", "value": "40"}]}
    )
    client.force_login(steward)
    response = client.post(f"/api/v1/proposals/{proposal.pk}/approval")
    assert response.status_code == 200, response.json()
    chain.sign_operation(response.json()["id"], 0)  # the Safe's 1 of 1: relayed by the worker

    def state() -> str:
        return Proposal.objects.get(pk=proposal.pk).state

    wait_until(lambda: state() == S.QUEUED, timeout=60)
    chain.increase_time(DELAY + 1)
    assert services.proposals_execution_due()["execute"] == 1  # the beat, enqueueing to the worker
    wait_until(lambda: state() == S.EXECUTED, timeout=60)
    assert chain_client.parameter_value("market.reservation_fee_bps") == 40
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert Proposal.objects.get(pk=proposal.pk).execute_tx in page
