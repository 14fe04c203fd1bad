"""Milestones: planned → reported → accepted → paying → paid (or failed, retryable).

Payouts go through ``GrantEscrow.payoutOnce(id, to, amount, ref)`` with a deterministic ``ref``
per milestone, so they happen exactly once:

1. *Claim* with a conditional update (accepted → paying, or a paying row whose lease expired):
   of several workers handed the same milestone, exactly one proceeds.
2. *Reconcile before sending*: if the escrow already marks ``ref`` paid (a worker crashed after
   sending), read the ``Payout`` event for the tx hash and block instead of sending again.
3. Refuse before sending when the escrow's ``remaining(id)`` is below the amount.
4. Send; if it reverts with ``AlreadyPaid`` (a concurrent or earlier send landed), reconcile.
The chain refuses a second payout of a ref and anything above the program's remaining budget.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from grants import escrow
from grants.models import Application, ApplicationState, Milestone, MilestoneState, Program
from grants.services.common import (
    hide_unless_visible,
    locked,
    require_signed_in,
    require_state,
    require_steward,
)
from jctgov.chain.client import ChainError, ChainUnavailable
from jctgov.core.errors import ApplicationError, Forbidden
from jctgov.core.services import audit_record
from jctgov.notify.services import emit
from jctgov.wallets.models import User

MS = MilestoneState
MAX_REPORT = 10_000


def _payout_lease() -> timedelta:
    """A worker that claimed a payout and then vanished (killed, host lost) holds it this long."""
    return timedelta(seconds=settings.JCTGOV_CHAIN_LEASE_S)


def _enqueue_payout(milestone_id: int) -> None:
    from grants.tasks import pay_milestone

    transaction.on_commit(lambda: pay_milestone.delay(milestone_id))


@transaction.atomic
def milestone_report(
    *, milestone_id: int, actor: User, evidence_url: str, text: str, now: datetime | None = None
) -> Milestone:
    """The applicant reports a milestone of an approved application (evidence link + text).

    A report can be amended until a steward accepts it.
    """
    require_signed_in(actor)
    milestone = locked(Milestone, milestone_id, "milestone_not_found", "milestone")
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
    require_state(
        milestone,
        (MS.PLANNED, MS.REPORTED),
        code="milestone_not_reportable",
        action="report this milestone",
    )
    text = (text or "").strip()
    if not text:
        raise ApplicationError("Describe what was delivered.", code="field_required", field="text")
    if len(text) > MAX_REPORT:
        raise ApplicationError(
            f"At most {MAX_REPORT} characters.", code="text_too_long", field="text"
        )
    before = milestone.state
    milestone.evidence_url, milestone.report_text = (evidence_url or "").strip(), text
    milestone.state, milestone.reported_at = MS.REPORTED, now or timezone.now()
    milestone.full_clean(exclude=["application", "accepted_by"])
    milestone.save()
    audit_record(
        subject=milestone,
        action="milestone_reported",
        actor=actor,
        from_state=before,
        to_state=MS.REPORTED,
        data={"evidence_url": milestone.evidence_url},
    )
    emit("grants.milestone_reported", subject=milestone, audience="stewards")
    return milestone


@transaction.atomic
def milestone_accept(*, milestone_id: int, actor: User, now: datetime | None = None) -> Milestone:
    """Steward accepts a reported milestone; the payout task is enqueued once this commits."""
    require_steward(actor)
    milestone = locked(Milestone, milestone_id, "milestone_not_found", "milestone")
    require_state(
        milestone, (MS.REPORTED,), code="milestone_not_acceptable", action="accept this milestone"
    )
    program = milestone.application.program
    milestone.state, milestone.accepted_by, milestone.accepted_at = (
        MS.ACCEPTED,
        actor,
        now or timezone.now(),
    )
    milestone.payout_ref = milestone.payout_ref or escrow.payout_ref(
        escrow_program_id=program.escrow_program_id,
        milestone_id=milestone.pk,
        created_at=milestone.application.created_at,
    )
    milestone.save(update_fields=["state", "accepted_by", "accepted_at", "payout_ref"])
    audit_record(
        subject=milestone,
        action="milestone_accepted",
        actor=actor,
        from_state=MS.REPORTED,
        to_state=MS.ACCEPTED,
        data={"payout_ref": milestone.payout_ref},
    )
    emit("grants.milestone_accepted", subject=milestone, audience=[milestone.application.applicant])
    _enqueue_payout(milestone.pk)
    return milestone


@transaction.atomic
def milestone_retry_payout(*, milestone_id: int, actor: User) -> Milestone:
    """Steward retries a failed payout (e.g. after the escrow was topped up)."""
    require_steward(actor)
    milestone = locked(Milestone, milestone_id, "milestone_not_found", "milestone")
    require_state(
        milestone, (MS.FAILED,), code="milestone_not_retryable", action="retry this payout"
    )
    milestone.state, milestone.failure_code, milestone.failure_reason = MS.ACCEPTED, "", ""
    milestone.save(update_fields=["state", "failure_code", "failure_reason"])
    audit_record(
        subject=milestone,
        action="milestone_payout_retried",
        actor=actor,
        from_state=MS.FAILED,
        to_state=MS.ACCEPTED,
    )
    _enqueue_payout(milestone.pk)
    return milestone


def _claim(milestone_id: int, now: datetime) -> bool:
    """Exactly one caller wins: accepted → paying, or take over a paying row whose lease lapsed."""
    with transaction.atomic():
        if Milestone.objects.filter(pk=milestone_id, state=MS.ACCEPTED).update(
            state=MS.PAYING, payout_claimed_at=now
        ):
            milestone = Milestone.objects.get(pk=milestone_id)
            audit_record(
                subject=milestone,
                action="milestone_payout_claimed",
                from_state=MS.ACCEPTED,
                to_state=MS.PAYING,
            )
            return True
    stale = Q(payout_claimed_at__isnull=True) | Q(payout_claimed_at__lt=now - _payout_lease())
    return bool(
        Milestone.objects.filter(stale, pk=milestone_id, state=MS.PAYING).update(
            payout_claimed_at=now
        )
    )


def milestone_pay(*, milestone_id: int, now: datetime | None = None) -> Milestone:
    """Pay an accepted milestone through GrantEscrow: at most once, reconciled with the chain.

    Safe under duplicate delivery (the claim), after a crash at any point (the escrow's
    ``paidRefs`` + ``Payout`` event), and concurrent sends (``payoutOnce`` reverts the second).
    Raises ChainUnavailable (lease released) so the task retries later; permanent refusals
    leave the milestone ``failed`` with a code and a message a steward can act on.
    """
    now = now or timezone.now()
    if not _claim(milestone_id, now):
        return Milestone.objects.get(pk=milestone_id)
    milestone = Milestone.objects.select_related("application__program").get(pk=milestone_id)
    program, to = milestone.application.program, milestone.application.payout_address
    where = {"escrow_program_id": program.escrow_program_id, "to": to, "ref": milestone.payout_ref}
    try:
        if escrow.ref_paid(milestone.payout_ref):
            return _record_paid(milestone_id, escrow.find_payout(**where), reconciled=True)
        left = escrow.remaining(program.escrow_program_id)
        if left < milestone.amount:
            return _record_failed(
                milestone_id,
                "escrow_insufficient",
                f"The escrow holds {left} wei for program {program.escrow_program_id}; "
                f"this payout needs {milestone.amount} wei. Top the program up, then retry.",
            )
        try:
            result = escrow.send_payout(amount=int(milestone.amount), **where)
        except ChainError as exc:
            if "AlreadyPaid" not in exc.message:
                raise
            # Another send of this ref landed between our check and our send: record that one.
            return _record_paid(milestone_id, escrow.find_payout(**where), reconciled=True)
        return _record_paid(milestone_id, result)
    except ChainUnavailable:
        Milestone.objects.filter(pk=milestone_id, state=MS.PAYING).update(payout_claimed_at=None)
        raise
    except ChainError as exc:
        if exc.code == "executor_unavailable":
            return _record_waiting(milestone_id, exc.message)
        return _record_failed(milestone_id, exc.code, exc.message)


@transaction.atomic
def _record_paid(
    milestone_id: int, result: dict[str, Any] | None, *, reconciled: bool = False
) -> Milestone:
    if not result:
        raise ChainUnavailable(
            "The escrow marks this payout done but its event is not visible yet."
        )
    milestone = Milestone.objects.select_for_update().get(pk=milestone_id)
    if milestone.state == MS.PAID:
        return milestone
    application = Application.objects.select_for_update().get(pk=milestone.application_id)
    program = Program.objects.select_for_update().get(pk=application.program_id)
    before = milestone.state
    milestone.state, milestone.paid_at = MS.PAID, timezone.now()
    milestone.tx_hash, milestone.block_number = result["tx_hash"], result["block_number"]
    milestone.failure_code = milestone.failure_reason = ""
    milestone.save()
    program.paid = program.paid + milestone.amount
    program.save(update_fields=["paid", "updated_at"])
    audit_record(
        subject=milestone,
        action="milestone_paid",
        from_state=before,
        to_state=MS.PAID,
        data={
            "tx_hash": milestone.tx_hash,
            "block_number": milestone.block_number,
            "reconciled": reconciled,
        },
    )
    emit("grants.milestone_paid", subject=milestone, audience=[application.applicant])
    if not application.milestones.exclude(state=MS.PAID).exists():
        application.state = ApplicationState.COMPLETED
        application.save(update_fields=["state", "updated_at"])
        audit_record(
            subject=application,
            action="application_completed",
            from_state=ApplicationState.APPROVED,
            to_state=ApplicationState.COMPLETED,
        )
    return milestone


@transaction.atomic
def _record_failed(milestone_id: int, code: str, message: str) -> Milestone:
    milestone = Milestone.objects.select_for_update().get(pk=milestone_id)
    if milestone.state != MS.PAYING:
        return milestone
    milestone.state, milestone.failure_code, milestone.failure_reason = MS.FAILED, code, message
    milestone.payout_claimed_at = None
    milestone.save(update_fields=["state", "failure_code", "failure_reason", "payout_claimed_at"])
    audit_record(
        subject=milestone,
        action="milestone_payout_failed",
        from_state=MS.PAYING,
        to_state=MS.FAILED,
        data={"code": code, "message": message},
    )
    return milestone


@transaction.atomic
def _record_waiting(milestone_id: int, message: str) -> Milestone:
    """No executor key: back to accepted, so the reconcile beat pays it once a key is set."""
    milestone = Milestone.objects.select_for_update().get(pk=milestone_id)
    if milestone.state == MS.PAYING:
        milestone.state, milestone.payout_claimed_at = MS.ACCEPTED, None
        milestone.failure_code, milestone.failure_reason = "executor_unavailable", message
        milestone.save(
            update_fields=["state", "payout_claimed_at", "failure_code", "failure_reason"]
        )
    return milestone


def payouts_pending(*, now: datetime | None = None) -> list[int]:
    """Milestones a payout task should look at: accepted, or paying with a lapsed lease."""
    now = now or timezone.now()
    stale = Q(payout_claimed_at__isnull=True) | Q(payout_claimed_at__lt=now - _payout_lease())
    rows = Milestone.objects.filter(Q(state=MS.ACCEPTED) | (Q(state=MS.PAYING) & stale))
    return list(rows.values_list("pk", flat=True)[:100])
