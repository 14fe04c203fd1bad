"""Executing passed proposals through the real Safe and timelock on Anvil: the stewards sign
the Safe's scheduleBatch, a relayer sends it, then anyone executes after the delay.

Each test starts from freshly deployed contracts (evm_snapshot/evm_revert): the stewards' Safe
is 1-of-1 (dev account 0) unless a test asks for ``safe_2_of_3``; the relayer is dev account 0
(no role); the timelock's minDelay is governance.timelock_delay_s (2 days).
"""

from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from eth_account import Account

from grants import escrow
from grants.models import Program, Recognition
from jctgov.chain import client as chain_client
from jctgov.chain import safe, timelock
from jctgov.chain.indexer import index_events
from jctgov.chain.models import ChainOperation
from jctgov.chain.timelock import OperationState
from jctgov.core.models import AuditEvent
from jctgov.core.parameters import current_value
from proposals import services
from proposals.batches import escrow_program_id, proposal_batch
from proposals.models import Proposal, ProposalKind, ProposalState
from tests.proposals.factories import WEI, make_succeeded

pytestmark = pytest.mark.django_db
S = ProposalState
DELAY = 2 * 24 * 3600  # governance.timelock_delay_s default


def recognition(*recipients: tuple[str, int]) -> dict:
    return {
        "recipients": [
            {"recipient": to, "amount": str(amount), "reason": "Kept the GPUs up"}
            for to, amount in recipients
        ],
        "total": str(sum(amount for _, amount in recipients)),
    }


def approve(proposal, chain, capture, signers=(0,)) -> Proposal:
    """The stewards ``signers`` sign the Safe's scheduleBatch; the relay runs on commit (eager
    Celery) once they reach the threshold."""
    op = services.proposal_approval_open(proposal_id=proposal.pk)
    with capture(execute=True):
        for who in signers:
            chain.sign_operation(op.pk, who)
    return Proposal.objects.get(pk=proposal.pk)


def sign_without_relaying(proposal, chain, signers=(0,)):
    """Signatures in, the relay task not run (as if the worker had not picked it up yet)."""
    op = services.proposal_approval_open(proposal_id=proposal.pk)
    for who in signers:
        op = chain.sign_operation(op.pk, who)
    return op


def timelock_txs(event: str, op_id: str) -> set[str]:
    """Transactions that emitted ``event`` (CallScheduled, CallExecuted) for the operation."""
    logs = getattr(chain_client.contract("TimelockController").events, event)().get_logs(
        from_block=0, argument_filters={"id": bytes.fromhex(op_id[2:])}
    )
    return {"0x" + bytes(log["transactionHash"]).hex() for log in logs}


def executed_txs(op_id: str) -> set[str]:
    return timelock_txs("CallExecuted", op_id)


def test_parameter_change_is_scheduled_executed_and_mirrored(
    chain, steward, django_capture_on_commit_callbacks, client
):
    proposal = make_succeeded(
        payload={"changes": [{"key": "market.stablecoin_fee_bps", "value": "150"}]}
    )
    queued = approve(proposal, chain, django_capture_on_commit_callbacks)
    assert queued.state == S.QUEUED
    assert queued.operation_id == proposal_batch(queued).operation_id
    assert timelock.operation_state(queued.operation_id) == OperationState.WAITING
    assert queued.schedule_tx and queued.schedule_block and queued.execution_delay_s == DELAY
    assert queued.ready_at.timestamp() == pytest.approx(chain.now() + DELAY, abs=5)

    # Before the delay: nothing is sent, it stays queued.
    head = chain.head()
    assert services.proposal_execute(proposal_id=proposal.pk).state == S.QUEUED
    assert chain.head() == head

    chain.increase_time(DELAY + 1)
    executed = services.proposal_execute(proposal_id=proposal.pk)
    assert executed.state == S.EXECUTED and executed.execute_tx and executed.execute_block
    assert chain_client.parameter_value("market.stablecoin_fee_bps") == 150
    # The mirror follows the ParameterChanged event once it is confirmed; the market reads it.
    chain.mine(5)
    index_events()
    assert current_value("market.stablecoin_fee_bps") == 150
    # The value before is kept (read from the chain at the block before the execution, not
    # the mirror, which may have caught up already): the page says "Was 2.00% → Now 1.50%".
    assert Proposal.objects.get(pk=proposal.pk).parameters_before == {
        "market.stablecoin_fee_bps": "200"
    }
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    row = page.split('id="parameter-changes"')[1].split("</table>")[0]
    assert re.search(r'class="was">2.00%</td>.*class="now"><strong>1.50%</strong>', row, re.S)
    actions = list(
        AuditEvent.objects.filter(subject_id=proposal.pk, subject_type="proposals.proposal")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-3:] == ["approved", "scheduled", "executed"]
    # The Safe scheduled it (the relayer holds no role); its signer is the approver.
    op = ChainOperation.objects.get(subject_id=proposal.pk, kind="schedule")
    assert op.state == "done" and op.tx_hash == queued.schedule_tx
    assert list(op.signatures.values_list("signer", flat=True)) == [chain.accounts[0]]
    assert safe.find_execution(op.safe_tx_hash)["tx_hash"] == queued.schedule_tx


def test_grant_budget_funds_the_escrow_and_creates_the_program(
    chain, steward, django_capture_on_commit_callbacks
):
    treasury = timelock.treasury_balance()
    proposal = make_succeeded(
        kind=ProposalKind.GRANT_BUDGET,
        payload={
            "program_name": "GPU tooling",
            "description": "Open tools",
            "amount": str(5_000 * WEI),
        },
    )
    approve(proposal, chain, django_capture_on_commit_callbacks)
    chain.increase_time(DELAY + 1)
    executed = services.proposal_execute(proposal_id=proposal.pk)
    assert executed.state == S.EXECUTED
    program = Program.objects.get(source_proposal=proposal)
    assert program.name == "GPU tooling" and program.budget == 5_000 * WEI
    assert program.escrow_program_id == escrow_program_id(proposal)
    assert escrow.remaining(program.escrow_program_id) == 5_000 * WEI
    assert timelock.treasury_balance() == treasury - 5_000 * WEI

    # A top-up proposal raises the same program's budget, on chain and here.
    top_up = make_succeeded(
        kind=ProposalKind.GRANT_BUDGET,
        title="Top up GPU tooling",
        payload={"top_up_program_id": program.pk, "amount": str(1_000 * WEI)},
    )
    approve(top_up, chain, django_capture_on_commit_callbacks)
    chain.increase_time(DELAY + 1)
    assert services.proposal_execute(proposal_id=top_up.pk).state == S.EXECUTED
    program.refresh_from_db()
    assert program.budget == 6_000 * WEI
    assert escrow.remaining(program.escrow_program_id) == 6_000 * WEI


def test_recognition_pays_each_recipient_from_the_treasury(
    chain, steward, django_capture_on_commit_callbacks
):
    alice, bob = Account.create().address, Account.create().address
    proposal = make_succeeded(
        kind=ProposalKind.RECOGNITION, payload=recognition((alice, 300 * WEI), (bob, 200 * WEI))
    )
    approve(proposal, chain, django_capture_on_commit_callbacks)
    chain.increase_time(DELAY + 1)
    executed = services.proposal_execute(proposal_id=proposal.pk)
    assert executed.state == S.EXECUTED
    assert chain_client.token_balance("JCT", alice) == 300 * WEI
    assert chain_client.token_balance("JCT", bob) == 200 * WEI
    rows = {r.recipient: r for r in Recognition.objects.filter(proposal=proposal)}
    assert set(rows) == {alice, bob}
    assert {r.tx_hash for r in rows.values()} == {executed.execute_tx}


def test_a_duplicate_delivery_never_schedules_or_executes_twice(
    chain, steward, django_capture_on_commit_callbacks
):
    alice = Account.create().address
    proposal = make_succeeded(kind=ProposalKind.RECOGNITION, payload=recognition((alice, 10 * WEI)))
    queued = approve(proposal, chain, django_capture_on_commit_callbacks)
    again = services.proposal_schedule(proposal_id=proposal.pk)
    assert again.schedule_tx == queued.schedule_tx  # nothing new sent
    chain.increase_time(DELAY + 1)
    first = services.proposal_execute(proposal_id=proposal.pk)
    second = services.proposal_execute(proposal_id=proposal.pk)
    assert first.execute_tx == second.execute_tx
    assert executed_txs(queued.operation_id) == {first.execute_tx}
    assert chain_client.token_balance("JCT", alice) == 10 * WEI


@pytest.mark.parametrize("step", ["schedule", "execute"])
def test_a_worker_killed_after_sending_is_reconciled_not_resent(
    chain, steward, django_capture_on_commit_callbacks, monkeypatch, step
):
    from proposals.services import timelock_steps

    alice = Account.create().address
    proposal = make_succeeded(kind=ProposalKind.RECOGNITION, payload=recognition((alice, 7 * WEI)))
    record = "_on_scheduled" if step == "schedule" else "_on_executed"
    if step == "execute":
        approve(proposal, chain, django_capture_on_commit_callbacks)
        chain.increase_time(DELAY + 1)
    else:
        sign_without_relaying(proposal, chain)

    def killed(*args, **kwargs):
        raise RuntimeError("worker killed between sending and recording")

    key = (timelock_steps.SUBJECT, step)
    handler = timelock_steps.ops.HANDLERS[key]
    assert handler.on_done is getattr(timelock_steps, record)
    monkeypatch.setitem(
        timelock_steps.ops.HANDLERS, key, dataclasses.replace(handler, on_done=killed)
    )
    run = getattr(services, f"proposal_{step}")
    with pytest.raises(RuntimeError):
        run(proposal_id=proposal.pk)
    monkeypatch.undo()
    before = Proposal.objects.get(pk=proposal.pk)
    assert before.state == (S.SUCCEEDED if step == "schedule" else S.QUEUED)
    head = chain.head()
    # A redelivery while the dead worker's claim is fresh does nothing ...
    assert run(proposal_id=proposal.pk).state == before.state
    # ... and once the claim lapses the rerun finds the step done on chain and records it.
    op = ChainOperation.objects.get(subject_id=proposal.pk, kind=step)
    assert op.state == "sending"
    ChainOperation.objects.filter(pk=op.pk).update(claimed_at=timezone.now() - timedelta(hours=1))
    after = run(proposal_id=proposal.pk)
    assert chain.head() == head  # nothing sent again
    assert after.state == (S.QUEUED if step == "schedule" else S.EXECUTED)
    event = AuditEvent.objects.filter(
        subject_type="proposals.proposal", subject_id=proposal.pk
    ).latest("id")
    assert event.data["reconciled"] is True
    if step == "execute":
        assert executed_txs(after.operation_id) == {after.execute_tx}
        assert chain_client.token_balance("JCT", alice) == 7 * WEI
    else:
        assert after.schedule_tx == event.data["tx_hash"]


def test_rpc_outage_records_nothing_and_the_retry_completes(chain, steward, settings, client):
    proposal = make_succeeded()
    sign_without_relaying(proposal, chain)
    url = settings.CHAIN_RPC_URL
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"  # nothing listens: connection refused
    chain_client.reset_web3()
    try:
        with pytest.raises(chain_client.ChainUnavailable):
            services.proposal_schedule(proposal_id=proposal.pk)
    finally:
        settings.CHAIN_RPC_URL = url
        chain_client.reset_web3()
    waiting = Proposal.objects.get(pk=proposal.pk)
    assert waiting.state == S.SUCCEEDED and not waiting.operation_id
    assert waiting.execution_claimed_at is None  # released: the task's retry may run at once
    assert waiting.failure_code == "chain_unavailable"  # shown on the page while it retries
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "could not reach the chain" in page
    queued = services.proposal_schedule(proposal_id=proposal.pk)
    assert queued.state == S.QUEUED and not queued.failure_code


def test_a_reverting_execution_fails_with_the_reason_and_a_retry_executes(
    chain, steward, django_capture_on_commit_callbacks
):
    proposal = make_succeeded()
    queued = approve(proposal, chain, django_capture_on_commit_callbacks)
    chain.increase_time(DELAY + 1)
    store = chain.contract("ParameterStore")
    outsider = chain.accounts[9]
    chain.as_timelock(store.functions.transferOwnership(outsider))  # the store leaves the DAO
    failed = services.proposal_execute(proposal_id=proposal.pk)
    assert failed.state == S.FAILED and failed.failure_code == "chain_reverted"
    assert "OwnableUnauthorizedAccount" in failed.failure_reason
    assert timelock.operation_state(queued.operation_id) == OperationState.READY

    chain.send(store.functions.transferOwnership(chain.deployments["TimelockController"]), 9)
    with django_capture_on_commit_callbacks(execute=True):
        retried = services.proposal_retry_execution(proposal_id=proposal.pk, actor=steward)
    assert retried.state == S.QUEUED
    assert Proposal.objects.get(pk=proposal.pk).state == S.EXECUTED
    assert chain_client.parameter_value("market.jct_fee_bps") == 50


def test_a_treasury_too_small_is_caught_before_sending(
    chain, steward, django_capture_on_commit_callbacks
):
    too_much = timelock.treasury_balance() + 1
    proposal = make_succeeded(
        kind=ProposalKind.RECOGNITION, payload=recognition((Account.create().address, too_much))
    )
    head = chain.head()
    failed = approve(proposal, chain, django_capture_on_commit_callbacks)
    assert failed.state == S.FAILED and failed.failure_code == "treasury_insufficient"
    assert "Fund the treasury" in failed.failure_reason
    assert chain.head() == head  # nothing was sent


def test_without_an_executor_key_approval_waits_until_one_is_configured(
    chain, steward, settings, client, django_capture_on_commit_callbacks
):
    from jctgov.chain.operations import operations_due

    proposal = make_succeeded()
    settings.JCTGOV_EXECUTOR_KEY = ""
    waiting = approve(proposal, chain, django_capture_on_commit_callbacks)
    assert waiting.state == S.SUCCEEDED and waiting.approved_at
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "Waiting for a relayer" in page
    later = timezone.now() + timedelta(minutes=1)
    assert operations_due(now=later) == []  # nothing to relay with: it waits, not failed
    settings.JCTGOV_EXECUTOR_KEY = chain.keys[0]
    assert len(operations_due(now=later)) == 1  # eager: relayed at once
    assert Proposal.objects.get(pk=proposal.pk).state == S.QUEUED


def test_the_beat_executes_once_ready_by_chain_time_and_expires_unqueued(
    chain, steward, django_capture_on_commit_callbacks
):
    ready = approve(make_succeeded(), chain, django_capture_on_commit_callbacks)
    assert ready.state == S.QUEUED
    stale = make_succeeded(title="Nobody approved me", closed_ago=timedelta(days=15))
    counts = services.proposals_execution_due()
    assert counts == {"schedule": 0, "execute": 0, "expired": 1}
    assert Proposal.objects.get(pk=stale.pk).state == S.EXPIRED
    chain.increase_time(DELAY + 1)  # chain time runs ahead of the wall clock here
    assert services.proposals_execution_due()["execute"] == 1
    assert Proposal.objects.get(pk=ready.pk).state == S.EXECUTED


def test_steward_cancels_a_queued_operation_on_chain(
    chain, steward, client, django_capture_on_commit_callbacks
):
    queued = approve(make_succeeded(), chain, django_capture_on_commit_callbacks)
    client.force_login(steward)
    response = client.post(
        f"/api/v1/proposals/{queued.pk}/cancel",
        {"reason": "Superseded by #12"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    # Nothing is cancelled until the stewards sign the Safe's cancel (1 of 1 here).
    assert Proposal.objects.get(pk=queued.pk).state == S.QUEUED
    op = ChainOperation.objects.get(subject_id=queued.pk, kind="cancel", state="collecting")
    assert op.note == "Superseded by #12"
    with django_capture_on_commit_callbacks(execute=True):
        chain.sign_operation(op.pk, 0)
    cancelled = Proposal.objects.get(pk=queued.pk)
    assert cancelled.state == S.CANCELLED and cancelled.cancel_tx
    assert cancelled.cancel_reason == "Superseded by #12"
    assert timelock.operation_state(queued.operation_id) == OperationState.UNSET
    chain.increase_time(DELAY + 1)
    assert services.proposal_execute(proposal_id=queued.pk).state == S.CANCELLED


def test_cancelling_an_already_executed_operation_is_refused_and_recorded(
    chain, steward, client, django_capture_on_commit_callbacks
):
    queued = approve(make_succeeded(), chain, django_capture_on_commit_callbacks)
    chain.increase_time(DELAY + 1)
    batch = proposal_batch(queued)
    tl = chain.contract("TimelockController")
    chain.send(  # executed behind jctgov's back, by anyone (the executor role is open)
        tl.functions.executeBatch(
            batch.targets, batch.values, batch.payloads, b"\0" * 32, batch.salt
        ),
        7,
    )
    client.force_login(steward)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/proposals/{queued.pk}/cancel", {"reason": "Too late"}, "application/json"
        )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "already_executed")
    assert Proposal.objects.get(pk=queued.pk).state == S.EXECUTED  # recorded from the chain


def test_approval_api_answers_the_safe_tx_and_its_refusals(chain, steward, client):
    proposal = make_succeeded()
    url = f"/api/v1/proposals/{proposal.pk}/approval"
    missing = client.post("/api/v1/proposals/999999/approval")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "proposal_not_found")
    stale = make_succeeded(title="Old", closed_ago=timedelta(days=30))
    late = client.post(f"/api/v1/proposals/{stale.pk}/approval")
    assert (late.status_code, late.json()["error"]["code"]) == (409, "execution_grace_passed")
    defeated = make_succeeded(title="Lost")
    Proposal.objects.filter(pk=defeated.pk).update(state=S.DEFEATED)
    refused = client.post(f"/api/v1/proposals/{defeated.pk}/approval")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "invalid_state")
    client.force_login(steward)
    retry = client.post(f"/api/v1/proposals/{proposal.pk}/retry-execution")
    assert (retry.status_code, retry.json()["error"]["code"]) == (409, "invalid_state")
    ok = client.post(url).json()
    assert ok["kind"] == "schedule" and ok["state"] == "collecting"
    assert (ok["signed"], ok["threshold"], ok["owners"]) == (0, 1, [chain.accounts[0]])
    assert ok["typed_data"]["domain"] == {
        "chainId": 31337,
        "verifyingContract": chain.deployments["Safe"],
    }
    assert ok["typed_data"]["message"]["to"] == chain.deployments["TimelockController"]
    assert "scheduleBatch" in ok["description"]
    assert client.post(url).json()["id"] == ok["id"]  # idempotent: one live operation
    assert Proposal.objects.get(pk=proposal.pk).approved_at is None  # nothing signed yet


def test_the_executor_key_is_never_logged_or_stored(
    chain, steward, caplog, django_capture_on_commit_callbacks
):
    import logging

    caplog.set_level(logging.DEBUG)
    proposal = make_succeeded()
    approve(proposal, chain, django_capture_on_commit_callbacks)
    chain.increase_time(DELAY + 1)
    assert services.proposal_execute(proposal_id=proposal.pk).state == S.EXECUTED
    key = chain.keys[0].removeprefix("0x").lower()
    assert key not in caplog.text.lower()
    stored = [str(e.data) for e in AuditEvent.objects.all()]
    stored += [str(v) for v in Proposal.objects.values().get(pk=proposal.pk).values()]
    assert not [text for text in stored if key in text.lower()]
