"""Milestone payouts through the stewards' Safe and GrantEscrow on a real Anvil: signed by the
stewards (k of M), relayed exactly once, crash-safe, refused early; conflicted stewards refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from eth_account import Account

from grants import escrow, services
from grants.models import ApplicationState, Milestone, MilestoneState, Program
from grants.services import milestones as milestone_services
from jctgov.chain import client
from jctgov.chain.models import ChainOperation
from jctgov.core.errors import ApplicationError
from tests.factories import UserFactory
from tests.grants.factories import (
    WEI,
    approved_application,
    fund_escrow,
    make_program,
    reviewed_application,
)

MS = MilestoneState


def payout_events(escrow_program_id: int) -> list:
    return (
        client.contract("GrantEscrow")
        .events.Payout()
        .get_logs(from_block=0, argument_filters={"id": escrow_program_id})
    )


@pytest.fixture
def approved(db, chain, steward, reviewers):
    """An approved 100 JCT application in two milestones, its program funded on the escrow."""
    program = make_program(budget=1_000 * WEI, reviewers=reviewers)
    fund_escrow(chain, program.escrow_program_id, 1_000 * WEI)
    applicant = UserFactory(address=Account.create().address)
    return approved_application(program, steward, reviewers, applicant)


def accept(milestone: Milestone, steward, django_capture_on_commit_callbacks) -> Milestone:
    services.milestone_report(
        milestone_id=milestone.pk,
        actor=milestone.application.applicant,
        evidence_url="https://example.org/release",
        text="Shipped v1",
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        accepted = services.milestone_accept(milestone_id=milestone.pk, actor=steward)
    # the payout task, enqueued after commit (besides the notification fan-out)
    assert len([c for c in callbacks if "emit" not in c.__qualname__]) == 1
    return accepted


def sign_payout(chain, milestone: Milestone, *signers: int) -> ChainOperation:
    """The payout task opened the Safe's payoutOnce SafeTx; the stewards ``signers`` sign it
    (the relay task is enqueued on commit, which these tests run by hand)."""
    op = milestone_services.payout_operation_open(Milestone.objects.get(pk=milestone.pk))
    for who in signers or (0,):
        op = chain.sign_operation(op.pk, who)
    return op


def test_accepted_milestone_is_paid_once_even_when_the_task_runs_twice(
    approved, steward, chain, django_capture_on_commit_callbacks
):
    milestone = accept(approved.milestones.first(), steward, django_capture_on_commit_callbacks)
    to = approved.payout_address
    head = client.head_block()
    opened = services.milestone_pay(milestone_id=milestone.pk)  # opens the SafeTx, sends nothing
    assert opened.state == MS.ACCEPTED and client.head_block() == head
    op = sign_payout(chain, milestone)
    assert op.state == "ready" and Milestone.objects.get(pk=milestone.pk).state == MS.PAYING
    first = services.milestone_pay(milestone_id=milestone.pk)
    second = services.milestone_pay(milestone_id=milestone.pk)
    assert first.state == second.state == MS.PAID
    assert first.tx_hash == second.tx_hash and first.block_number
    assert len(payout_events(approved.program.escrow_program_id)) == 1
    assert client.token_balance("JCT", to) == 50 * WEI
    program = Program.objects.get(pk=approved.program_id)
    assert program.paid == 50 * WEI and program.committed == 100 * WEI
    op.refresh_from_db()  # relayed by the Safe: the relayer key holds no payer role
    assert op.state == "done" and op.tx_hash == first.tx_hash


def test_payout_sent_before_a_crash_is_reconciled_not_resent(
    approved, steward, chain, django_capture_on_commit_callbacks, monkeypatch
):
    milestone = accept(approved.milestones.first(), steward, django_capture_on_commit_callbacks)
    op = sign_payout(chain, milestone)

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed after sending")

    monkeypatch.setattr(milestone_services, "_record_paid", crash)
    with pytest.raises(RuntimeError):
        services.milestone_pay(milestone_id=milestone.pk)
    monkeypatch.undo()
    assert Milestone.objects.get(pk=milestone.pk).state == MS.PAYING

    # A duplicate delivery while the crashed worker's lease still runs does nothing ...
    assert services.milestone_pay(milestone_id=milestone.pk).state == MS.PAYING
    # ... and once the lease lapses the rerun finds the payout on chain instead of resending.
    assert ChainOperation.objects.get(pk=op.pk).state == "sending"
    ChainOperation.objects.filter(pk=op.pk).update(claimed_at=None)
    head = client.head_block()
    paid = services.milestone_pay(milestone_id=milestone.pk)
    assert client.head_block() == head  # reconciled from the Safe's ExecutionSuccess
    events = payout_events(approved.program.escrow_program_id)
    assert paid.state == MS.PAID and len(events) == 1
    assert paid.tx_hash == "0x" + bytes(events[0]["transactionHash"]).hex()
    assert client.token_balance("JCT", approved.payout_address) == 50 * WEI


def test_paying_every_milestone_completes_the_application(
    approved, steward, chain, django_capture_on_commit_callbacks
):
    for milestone in approved.milestones.all():
        accept(milestone, steward, django_capture_on_commit_callbacks)
        sign_payout(chain, milestone)
        services.milestone_pay(milestone_id=milestone.pk)
    approved.refresh_from_db()
    assert approved.state == ApplicationState.COMPLETED
    assert client.token_balance("JCT", approved.payout_address) == 100 * WEI
    assert escrow.remaining(approved.program.escrow_program_id) == 900 * WEI


def test_payout_above_the_escrow_remaining_is_refused_before_sending(
    db, chain, steward, reviewers, django_capture_on_commit_callbacks
):
    program = make_program(budget=1_000 * WEI, reviewers=reviewers)
    fund_escrow(chain, program.escrow_program_id, 10 * WEI)  # less than the 50 JCT milestone
    application = approved_application(program, steward, reviewers)
    milestone = accept(application.milestones.first(), steward, django_capture_on_commit_callbacks)
    sign_payout(chain, milestone)
    head = client.head_block()
    failed = services.milestone_pay(milestone_id=milestone.pk)
    assert failed.state == MS.FAILED and failed.failure_code == "escrow_insufficient"
    assert "10000000000000000000 wei" in failed.failure_reason
    assert client.head_block() == head  # nothing was sent
    # After a top-up a steward retries, and it pays.
    fund_escrow(chain, program.escrow_program_id, 100 * WEI)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.milestone_retry_payout(milestone_id=milestone.pk, actor=steward)
    assert len(callbacks) == 1  # the payout task again
    assert services.milestone_pay(milestone_id=milestone.pk).state == MS.PAID


def test_without_a_relayer_key_the_signed_payout_waits(
    approved, steward, chain, django_capture_on_commit_callbacks, settings
):
    from jctgov.chain.operations import operations_due

    milestone = accept(approved.milestones.first(), steward, django_capture_on_commit_callbacks)
    assert services.payouts_pending() == [milestone.pk]  # its SafeTx is not open yet
    op = sign_payout(chain, milestone)
    assert services.payouts_pending() == []
    settings.JCTGOV_EXECUTOR_KEY = ""
    waiting = services.milestone_pay(milestone_id=milestone.pk)
    assert waiting.state == MS.PAYING and not waiting.failure_code  # waiting, not failed
    assert ChainOperation.objects.get(pk=op.pk).state == "ready"
    later = timezone.now() + timedelta(minutes=1)
    assert operations_due(now=later) == []
    settings.JCTGOV_EXECUTOR_KEY = chain.keys[0]
    assert operations_due(now=later) == [op.pk]  # eager Celery: relayed at once
    assert Milestone.objects.get(pk=milestone.pk).state == MS.PAID


def test_milestone_state_refusals(approved, steward, django_capture_on_commit_callbacks):
    milestone = approved.milestones.first()
    with pytest.raises(ApplicationError) as err:
        services.milestone_accept(milestone_id=milestone.pk, actor=steward)
    assert err.value.code == "milestone_not_acceptable"
    with pytest.raises(ApplicationError) as err:
        services.milestone_report(
            milestone_id=milestone.pk, actor=steward, evidence_url="", text="Not mine"
        )
    assert err.value.code == "not_applicant"
    accept(milestone, steward, django_capture_on_commit_callbacks)
    with pytest.raises(ApplicationError) as err:
        services.milestone_report(
            milestone_id=milestone.pk, actor=approved.applicant, evidence_url="", text="Again"
        )
    assert err.value.code == "milestone_not_reportable"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_send_one_payout(postgres_only, chain, reviewers, monkeypatch):
    from jctgov.wallets.services import steward_grant
    from tests.grants.test_concurrency import at_once

    steward = steward_grant(address="0x" + "5" * 40)
    program = make_program(budget=1_000 * WEI, reviewers=reviewers)
    fund_escrow(chain, program.escrow_program_id, 1_000 * WEI)
    application = approved_application(program, steward, reviewers)
    milestone = application.milestones.first()
    enqueued: list[int] = []
    monkeypatch.setattr(milestone_services, "_enqueue_payout", enqueued.append)
    services.milestone_report(
        milestone_id=milestone.pk, actor=application.applicant, evidence_url="", text="Shipped"
    )
    services.milestone_accept(milestone_id=milestone.pk, actor=steward)
    assert enqueued == [milestone.pk]
    sign_payout(chain, milestone)
    results = at_once([lambda: services.milestone_pay(milestone_id=milestone.pk)] * 4)
    connection.close()
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Milestone.objects.get(pk=milestone.pk).state == MS.PAID
    assert len(payout_events(program.escrow_program_id)) == 1


@pytest.mark.worker
def test_a_real_worker_pays_once_when_the_task_is_delivered_twice(celery_worker, deployed, chain):
    """The payout task on a real worker and broker: the on_commit delivery plus a duplicate
    (a redelivery after a lost ack looks exactly like this) send one transaction."""
    from grants.tasks import pay_milestone
    from jctgov.wallets.services import steward_grant
    from tests.fixtures.worker import wait_until

    steward = steward_grant(address="0x" + "5" * 40)
    reviewers = [UserFactory(), UserFactory()]
    program = make_program(budget=1_000 * WEI, reviewers=reviewers)
    fund_escrow(chain, program.escrow_program_id, 1_000 * WEI)
    applicant = UserFactory(address=Account.create().address)
    application = approved_application(program, steward, reviewers, applicant)
    milestone = application.milestones.first()
    services.milestone_report(
        milestone_id=milestone.pk, actor=applicant, evidence_url="", text="Shipped"
    )
    services.milestone_accept(milestone_id=milestone.pk, actor=steward)  # enqueues on commit
    sign_payout(chain, milestone)  # enqueues the relay on commit
    pay_milestone.delay(milestone.pk)  # the duplicate
    worker = celery_worker()
    wait_until(lambda: Milestone.objects.get(pk=milestone.pk).state == MS.PAID, timeout=60)
    wait_until(lambda: worker.output().count("succeeded") >= 3, timeout=60)
    assert len(payout_events(program.escrow_program_id)) == 1
    assert client.token_balance("JCT", applicant.address) == 50 * WEI
    assert Program.objects.get(pk=program.pk).paid == 50 * WEI


def test_a_conflicted_steward_may_not_accept_or_sign_the_payout(
    db, safe_2_of_3, reviewers, django_capture_on_commit_callbacks
):
    """Dev account 1 is a Safe owner and a steward, and the applicant of this grant: the
    service refuses their acceptance and their signature (the Safe would take it) and says how
    many other stewards must sign."""
    from jctgov.wallets.services import steward_grant

    chain = safe_2_of_3
    other = steward_grant(address=chain.accounts[0])
    conflicted = steward_grant(address=chain.accounts[1])
    program = make_program(budget=1_000 * WEI, reviewers=reviewers)
    fund_escrow(chain, program.escrow_program_id, 1_000 * WEI)
    reviewed = reviewed_application(program, reviewers, conflicted)
    with pytest.raises(ApplicationError) as err:  # nor decide their own application
        services.application_decide(
            application_id=reviewed.pk, actor=conflicted, approve=True, reason="Mine"
        )
    assert (err.value.code, err.value.status) == ("steward_conflicted", 403)
    application = services.application_decide(
        application_id=reviewed.pk, actor=other, approve=True, reason="Strong reviews"
    )
    milestone = application.milestones.first()
    services.milestone_report(
        milestone_id=milestone.pk, actor=application.applicant, evidence_url="", text="Shipped"
    )
    with pytest.raises(ApplicationError) as err:
        services.milestone_accept(milestone_id=milestone.pk, actor=conflicted)
    assert (err.value.code, err.value.status) == ("steward_conflicted", 403)
    accept(milestone, other, django_capture_on_commit_callbacks)
    op = milestone_services.payout_operation_open(Milestone.objects.get(pk=milestone.pk))
    with pytest.raises(ApplicationError) as err:
        chain.sign_operation(op.pk, 1)
    assert (err.value.code, err.value.status) == ("steward_conflicted", 403)
    assert "2 other steward(s) must sign" in err.value.message
    assert op.signatures.count() == 0
    chain.sign_operation(op.pk, 0)
    assert ChainOperation.objects.get(pk=op.pk).state == "collecting"  # 1 of 2: nothing sent
    chain.sign_operation(op.pk, 2)
    assert services.milestone_pay(milestone_id=milestone.pk).state == MS.PAID
