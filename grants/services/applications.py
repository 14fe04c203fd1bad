"""Applications and reviews: draft → submitted → under_review → approved | rejected | withdrawn.

Each transition locks the application row, checks the state, writes an audit event. Approval
also locks the program row, so concurrent approvals can never commit more than the budget
(and the ``program_committed_lte_budget`` check constraint backs that up in the database).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from grants.models import (
    OPEN_APPLICATION_STATES,
    Application,
    ApplicationState,
    Milestone,
    Program,
)
from grants.services.common import hide_unless_visible
from jctgov.core.actors import require_signed_in
from jctgov.core.addresses import checksummed_address
from jctgov.core.amounts import token_amount
from jctgov.core.db import fetch, locked
from jctgov.core.errors import ApplicationError, Conflict, Forbidden
from jctgov.core.services import audit_record
from jctgov.core.transitions import require, transition
from jctgov.notify.services import emit
from jctgov.wallets.models import User

S = ApplicationState
MAX_MILESTONES = 20
MAX_REASON = 2_000
SCORE_PLACES = Decimal("0.0001")
_FIELDS = ("title", "description", "requested_amount", "payout_address", "team")


def _locked(application_id: int) -> Application:
    return locked(Application, application_id, code="application_not_found", what="application")


def _require_open(program: Program, now: datetime) -> None:
    if not program.is_open(now):
        raise Conflict("This program is not accepting applications now.", code="program_closed")


def _require_applicant(application: Application, actor: User) -> None:
    require_signed_in(actor)
    if application.applicant_id != actor.pk:
        hide_unless_visible(application, actor, "application_not_found", "application")
        raise Forbidden("Only the applicant can do this.", code="not_applicant")


def _clean_milestones(milestones: list[dict[str, Any]]) -> list[Milestone]:
    if len(milestones) > MAX_MILESTONES:
        raise ApplicationError(
            f"At most {MAX_MILESTONES} milestones.", code="too_many_milestones", field="milestones"
        )
    rows = []
    for index, item in enumerate(milestones):
        field = f"milestones[{index}]"
        title = (item.get("title") or "").strip()
        if not title:
            raise ApplicationError(
                "Name the milestone.", code="field_required", field=f"{field}.title"
            )
        due = item.get("due_date")
        if due is not None and not isinstance(due, date):
            try:
                due = date.fromisoformat(str(due))
            except ValueError:
                raise ApplicationError(
                    "Use a YYYY-MM-DD date.", code="invalid_date", field=f"{field}.due_date"
                ) from None
        rows.append(
            Milestone(
                position=index + 1,
                title=title[:200],
                deliverable=item.get("deliverable") or "",
                amount=token_amount(item.get("amount"), f"{field}.amount"),
                due_date=due,
            )
        )
    return rows


def _apply_fields(application: Application, fields: dict[str, Any]) -> None:
    for name in _FIELDS:
        if fields.get(name) is None:
            continue
        value = fields[name]
        if name == "requested_amount":
            value = token_amount(value, name, allow_zero=True)
        elif name == "payout_address" and value:
            value = checksummed_address(value, name)
        elif isinstance(value, str) and name != "description":
            value = value.strip()
        setattr(application, name, value)


def _replace_milestones(application: Application, milestones: list[dict[str, Any]] | None) -> None:
    if milestones is None:
        return
    rows = _clean_milestones(milestones)
    application.milestones.all().delete()
    for row in rows:
        row.application = application
        row.full_clean(exclude=["application"])
    Milestone.objects.bulk_create(rows)


@transaction.atomic
def application_create_draft(
    *,
    program_id: int,
    applicant: User,
    title: str,
    milestones: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
    **fields: Any,
) -> Application:
    """A draft application by ``applicant`` to an open program; one open application each."""
    require_signed_in(applicant)
    program = fetch(Program, program_id, code="program_not_found", what="grant program")
    _require_open(program, now or timezone.now())
    if Application.objects.filter(
        program=program, applicant=applicant, state__in=OPEN_APPLICATION_STATES
    ).exists():
        raise Conflict(
            "You already have an open application to this program.",
            code="duplicate_open_application",
        )
    application = Application(program=program, applicant=applicant, title=title)
    _apply_fields(application, {**fields, "title": title})
    application.full_clean(exclude=["program", "applicant"], validate_constraints=False)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:  # the partial unique index caught a concurrent second draft
        raise Conflict(
            "You already have an open application to this program.",
            code="duplicate_open_application",
        ) from None
    _replace_milestones(application, milestones)
    audit_record(
        subject=application, action="application_drafted", actor=applicant, to_state=S.DRAFT
    )
    return application


@transaction.atomic
def application_update_draft(
    *,
    application_id: int,
    actor: User,
    milestones: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Application:
    """Edit a draft (applicant only); ``milestones``, when given, replace the existing ones."""
    application = _locked(application_id)
    _require_applicant(application, actor)
    require(application, "edit")
    _apply_fields(application, fields)
    application.full_clean(exclude=["program", "applicant"], validate_constraints=False)
    application.save()
    _replace_milestones(application, milestones)
    audit_record(
        subject=application,
        action="application_edited",
        actor=actor,
        from_state=S.DRAFT,
        to_state=S.DRAFT,
    )
    return application


def _check_complete(application: Application, program: Program) -> None:
    requested = int(application.requested_amount)
    if not application.title.strip():
        raise ApplicationError(
            "Give the application a title.", code="field_required", field="title"
        )
    if requested <= 0:
        raise ApplicationError(
            "Request an amount greater than zero.",
            code="amount_not_positive",
            field="requested_amount",
        )
    if requested > program.max_request:
        raise ApplicationError(
            f"The program accepts requests up to {program.max_request} wei.",
            code="request_exceeds_max",
            field="requested_amount",
        )
    if not application.payout_address:
        raise ApplicationError(
            "Give a payout address.", code="field_required", field="payout_address"
        )
    checksummed_address(application.payout_address, "payout_address")
    amounts = [int(m.amount) for m in application.milestones.all()]
    if not amounts:
        raise ApplicationError(
            "Plan at least one milestone.", code="milestones_required", field="milestones"
        )
    if sum(amounts) != requested:
        raise ApplicationError(
            f"Milestone amounts add up to {sum(amounts)} wei, not the {requested} requested.",
            code="milestones_sum_mismatch",
            field="milestones",
        )


@transaction.atomic
def application_submit(
    *, application_id: int, actor: User, now: datetime | None = None
) -> Application:
    """Submit a complete draft while the program's window is open (applicant only)."""
    application = _locked(application_id)
    _require_applicant(application, actor)
    require(application, "submit")
    now = now or timezone.now()
    _require_open(application.program, now)
    _check_complete(application, application.program)
    transition(
        application,
        "submit",
        actor=actor,
        data={"requested_amount": str(application.requested_amount)},
        submitted_at=now,
    )
    emit(
        "grants.application_submitted",
        subject=application,
        audience=application.program.reviewers.all(),
    )
    return application


@transaction.atomic
def application_withdraw(*, application_id: int, actor: User) -> Application:
    """The applicant withdraws before a decision; the wallet may then apply again."""
    application = _locked(application_id)
    _require_applicant(application, actor)
    return transition(application, "withdraw", actor=actor)
