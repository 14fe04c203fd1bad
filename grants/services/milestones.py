"""Milestones: planned → reported → accepted → paying → paid (or failed, retryable).

A payout is one operation of the chain-operation kit (``jctgov.chain.operations``): the
stewards sign the Safe's ``GrantEscrow.payoutOnce(id, to, amount, ref)`` SafeTx (k of M) from
the milestone page or the console, and at the threshold a worker relays it (accepted →
paying → paid). ``ref`` is deterministic per milestone, so it happens exactly once:

1. the kit claims the operation, and finds an ``ExecutionSuccess`` for its SafeTx (a worker
   crashed after relaying) before sending anything;
2. *reconcile before sending*: if the escrow already marks ``ref`` paid, the ``Payout`` event
   gives the tx hash and block instead of a second send;
3. refuse before sending when the escrow's ``remaining(id)`` is below the amount.
The chain refuses a second payout of a ref and anything above the program's remaining budget.
A steward who is the applicant or the payout address may neither accept the milestone nor
sign its payout (conflict of interest), even though the Safe would take the signature.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from grants import escrow
from grants.models import Application, ApplicationState, Milestone, MilestoneState, Program
from grants.services.common import hide_unless_visible
from jctgov.chain import client as chain
from jctgov.chain import operations as ops
from jctgov.chain.client import ChainUnavailable
from jctgov.chain.models import ChainOperation, OperationKind
from jctgov.core.actors import require_signed_in, require_steward
from jctgov.core.db import locked
from jctgov.core.errors import ApplicationError, Forbidden
from jctgov.core.states import can
from jctgov.core.tasks import enqueue
from jctgov.core.transitions import require, transition
from jctgov.notify.services import emit
from jctgov.wallets.models import User

MS = MilestoneState
MAX_REPORT = 10_000
SUBJECT = "grants.milestone"


def _enqueue_payout(milestone_id: int) -> None:
    """The payout task, sent once the caller's transaction commits (the task base's rule)."""
    enqueue("grants.pay_milestone", milestone_id)


def _locked(milestone_id: int) -> Milestone:
    return locked(Milestone, milestone_id, code="milestone_not_found", what="milestone")


def conflicted_addresses(application: Application) -> set[str]:
    """Who may not decide, accept or sign for this application: its applicant and payee."""
    found = {application.payout_address or ""}
    if application.applicant_id:
        found.add(application.applicant.address or "")
    return {a.lower() for a in found if a}


def require_not_conflicted(actor: User, application: Application, what: str) -> None:
    """Conflicts of interest (issue 12, item 5): refused with ``steward_conflicted``."""
    if (actor.address or "").lower() in conflicted_addresses(application):
        raise Forbidden(
            f"You are the applicant or the payout address of this application: another steward "
            f"must {what}.",
            code="steward_conflicted",
        )


def payout_operation(milestone_id: int) -> ChainOperation | None:
    return ops.live_operation(SUBJECT, milestone_id, OperationKind.PAYOUT)


@transaction.atomic
def milestone_report(
    *, milestone_id: int, actor: User, evidence_url: str, text: str, now: datetime | None = None
) -> Milestone:
    """The applicant reports a milestone of an approved application (evidence link + text).

    A report can be amended until a steward accepts it.
    """
    require_signed_in(actor)
    milestone = _locked(milestone_id)
    application = milestone.application
    if application.applicant_id != actor.pk:
        hide_unless_visible(application, actor, "milestone_not_found", "milestone")
        raise Forbidden("Only the applicant can report milestones.", code="not_applicant")
    if application.state != ApplicationState.APPROVED:
        raise ApplicationError(
            "Milestones of an approved application only.",
            code="milestone_not_reportable",
            status=409,
        )
    require(milestone, "report")
    text = (text or "").strip()
    if not text:
        raise ApplicationError("Describe what was delivered.", code="field_required", field="text")
    if len(text) > MAX_REPORT:
        raise ApplicationError(
            f"At most {MAX_REPORT} characters.", code="text_too_long", field="text"
        )
    milestone.evidence_url, milestone.report_text = (evidence_url or "").strip(), text
    milestone.reported_at = now or timezone.now()
    milestone.full_clean(exclude=["application", "accepted_by"])
    transition(milestone, "report", actor=actor, data={"evidence_url": milestone.evidence_url})
    emit("grants.milestone_reported", subject=milestone, audience="stewards")
    return milestone


@transaction.atomic
def milestone_accept(*, milestone_id: int, actor: User, now: datetime | None = None) -> Milestone:
    """Steward accepts a reported milestone (not the applicant or payee: ``steward_conflicted``);
    the payout task, which opens the Safe transaction for signatures, runs once this commits."""
    require_steward(actor)
    milestone = _locked(milestone_id)
    require(milestone, "accept")
    require_not_conflicted(actor, milestone.application, "accept this milestone")
    program = milestone.application.program
    payout_ref = milestone.payout_ref or escrow.payout_ref(
        escrow_program_id=program.escrow_program_id,
        milestone_id=milestone.pk,
        created_at=milestone.application.created_at,
    )
    transition(
        milestone,
        "accept",
        actor=actor,
        data={"payout_ref": payout_ref},
        accepted_by=actor,
        accepted_at=now or timezone.now(),
        payout_ref=payout_ref,
    )
    emit("grants.milestone_accepted", subject=milestone, audience=[milestone.application.applicant])
    _enqueue_payout(milestone.pk)
    return milestone


@transaction.atomic
def milestone_retry_payout(*, milestone_id: int, actor: User) -> Milestone:
    """Steward retries a failed payout (e.g. after the escrow was topped up)."""
    require_steward(actor)
    milestone = _locked(milestone_id)
    require(milestone, "retry_payout")
    op = payout_operation(milestone.pk)
    transition(
        milestone,
        "retry_payout",
        to=MS.PAYING if op is not None and op.state == "ready" else MS.ACCEPTED,
        actor=actor,
        failure_code="",
        failure_reason="",
    )
    if op is not None:
        ops.operation_clear_failure(operation_id=op.pk)
    _enqueue_payout(milestone.pk)
    return milestone


def payout_operation_open(milestone: Milestone) -> ChainOperation:
    """The Safe's ``payoutOnce`` SafeTx of an accepted milestone (opened once)."""
    existing = payout_operation(milestone.pk)
    if existing is not None:
        return existing
    program, application = milestone.application.program, milestone.application
    return ops.operation_open(
        kind=OperationKind.PAYOUT,
        subject_type=SUBJECT,
        subject_id=milestone.pk,
        to=chain.address_of("GrantEscrow"),
        data=escrow.payout_data(
            escrow_program_id=program.escrow_program_id,
            to=application.payout_address,
            amount=int(milestone.amount),
            ref=milestone.payout_ref,  # type: ignore[arg-type]
        ),
        description=(
            f"GrantEscrow.payoutOnce: {milestone.amount} JCT wei of program "
            f"{program.escrow_program_id} to {application.payout_address} "
            f"(milestone {milestone.position} of application {application.pk}, "
            f"ref {milestone.payout_ref})"
        ),
    )


def milestone_pay(*, milestone_id: int, now: datetime | None = None) -> Milestone:
    """Task body: open the payout's Safe transaction (for the stewards' signatures) and relay
    it once they reach the threshold: at most once, reconciled with the chain.

    Idempotent: below the threshold nothing is sent; duplicate deliveries and a crash at any
    point are the kit's claim and reconciliation (module docstring). Raises ChainUnavailable
    so the task retries later; refusals leave the milestone ``failed`` with a code and message.
    """
    milestone = Milestone.objects.select_related("application__program").get(pk=milestone_id)
    if milestone.state not in (MS.ACCEPTED, MS.PAYING):
        return milestone
    op = payout_operation_open(milestone)
    if op.state in ("ready", "sending"):
        ops.operation_relay(operation_id=op.pk, now=now)
    return Milestone.objects.get(pk=milestone_id)


# --- what the kit asks before sending, and the records ---------------------------------------


def _check_payout(op: ChainOperation) -> dict[str, Any] | None:
    milestone = Milestone.objects.select_related("application__program").get(pk=op.subject_id)
    program, to = milestone.application.program, milestone.application.payout_address
    where: dict[str, Any] = {
        "escrow_program_id": program.escrow_program_id,
        "to": to,
        "ref": milestone.payout_ref,
    }
    if escrow.ref_paid(milestone.payout_ref):  # type: ignore[arg-type]
        found = escrow.find_payout(**where)
        if not found:
            raise ChainUnavailable(
                "The escrow marks this payout done; its event is not visible yet."
            )
        return found
    left = escrow.remaining(program.escrow_program_id)
    if left < milestone.amount:
        raise ApplicationError(
            f"The escrow holds {left} wei for program {program.escrow_program_id}; "
            f"this payout needs {milestone.amount} wei. Top the program up, then retry.",
            code="escrow_insufficient",
        )
    return None


def _on_payout_ready(op: ChainOperation) -> None:
    milestone = Milestone.objects.select_for_update().get(pk=op.subject_id)
    if not can(milestone, "payout_signed"):
        return
    transition(
        milestone,
        "payout_signed",
        data={"safe_tx_hash": op.safe_tx_hash},
        payout_claimed_at=timezone.now(),
        failure_code="",
        failure_reason="",
    )


def _on_payout_done(op: ChainOperation, step: dict[str, Any], reconciled: bool) -> None:
    _record_paid(op.subject_id, step, reconciled=reconciled)


def _on_payout_failed(op: ChainOperation, code: str, reason: str) -> None:
    _record_failed(op.subject_id, code, reason)


def _payout_conflicts(op: ChainOperation) -> set[str]:
    milestone = Milestone.objects.select_related("application__applicant").get(pk=op.subject_id)
    return conflicted_addresses(milestone.application)


@transaction.atomic
def _record_paid(
    milestone_id: int, result: dict[str, Any], *, reconciled: bool = False
) -> Milestone:
    milestone = Milestone.objects.select_for_update().get(pk=milestone_id)
    if not can(milestone, "record_paid"):
        return milestone
    application = Application.objects.select_for_update().get(pk=milestone.application_id)
    program = Program.objects.select_for_update().get(pk=application.program_id)
    transition(
        milestone,
        "record_paid",
        data={
            "tx_hash": result["tx_hash"],
            "block_number": result["block_number"],
            "reconciled": reconciled,
        },
        paid_at=timezone.now(),
        tx_hash=result["tx_hash"],
        block_number=result["block_number"],
        failure_code="",
        failure_reason="",
    )
    program.paid = program.paid + milestone.amount
    program.save(update_fields=["paid", "updated_at"])
    emit("grants.milestone_paid", subject=milestone, audience=[application.applicant])
    if not application.milestones.exclude(state=MS.PAID).exists():
        transition(application, "complete")
    return milestone


@transaction.atomic
def _record_failed(milestone_id: int, code: str, message: str) -> Milestone:
    milestone = Milestone.objects.select_for_update().get(pk=milestone_id)
    if not can(milestone, "record_failed"):
        return milestone
    return transition(
        milestone,
        "record_failed",
        data={"code": code, "message": message},
        failure_code=code,
        failure_reason=message,
        payout_claimed_at=None,
    )


def payouts_pending(*, now: datetime | None = None) -> list[int]:
    """Accepted milestones whose payout's Safe transaction is not open yet (the task that opens
    it was lost, or the chain was down). Relaying signed ones is the kit's own beat."""
    opened = ChainOperation.objects.filter(
        subject_type=SUBJECT, kind=OperationKind.PAYOUT, state__in=ops.LIVE_STATES
    ).values_list("subject_id", flat=True)
    rows = Milestone.objects.filter(Q(state=MS.ACCEPTED)).exclude(pk__in=opened)
    return list(rows.values_list("pk", flat=True)[:100])


ops.register(
    SUBJECT,
    OperationKind.PAYOUT,
    ops.Handler(
        check=_check_payout,
        on_done=_on_payout_done,
        on_failed=_on_payout_failed,
        on_ready=_on_payout_ready,
        conflicted=_payout_conflicts,
    ),
)
