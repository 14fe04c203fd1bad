"""Programs and recognitions: created by executed proposals, configured by stewards.

``program_create_from_proposal``, ``program_top_up_from_proposal`` and ``recognitions_record``
are called by proposal execution (issue 5) once the timelock batch is executed; each is
idempotent per proposal (unique rows keyed by the proposal), so a rerun changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from grants.models import Program, ProgramFunding, Recognition, Review
from jctgov.core.actors import require_steward
from jctgov.core.addresses import checksummed_address
from jctgov.core.amounts import token_amount
from jctgov.core.db import locked
from jctgov.core.errors import ApplicationError, Conflict, NotFound
from jctgov.core.services import audit_record
from jctgov.core.text import is_storable
from jctgov.notify.services import emit
from jctgov.wallets.models import User

MAX_CRITERIA = 10
MAX_WEIGHT = 100
MAX_REVIEWERS = 50
_UNSET: Any = object()


def _payload_amount(proposal: Any) -> int:
    return token_amount((proposal.payload or {}).get("amount"), "payload.amount")


@transaction.atomic
def program_create_from_proposal(
    *, proposal: Any, escrow_program_id: int, tx_hash: str = ""
) -> Program:
    """Create the program an executed grant-budget proposal funded on ``GrantEscrow``.

    Idempotent per proposal: a second call returns the program the first one created.
    ``escrow_program_id`` is the id passed to ``fundProgram``; deriving it from the proposal
    (e.g. its pk) keeps reruns of the execution deterministic. Applications open at once,
    with the default rubric and ``max_request`` = budget until a steward changes them.
    """
    existing = ProgramFunding.objects.filter(proposal=proposal).select_related("program").first()
    if existing:
        return existing.program
    payload = proposal.payload or {}
    amount = _payload_amount(proposal)
    program = Program(
        name=(payload.get("program_name") or proposal.title)[:128],
        description=payload.get("description") or "",
        budget=amount,
        max_request=amount,
        escrow_program_id=int(escrow_program_id),
        source_proposal=proposal,
        opens_at=timezone.now(),
    )
    program.full_clean(exclude=["source_proposal", "escrow_program_id"])
    try:
        with transaction.atomic():
            program.save()
            ProgramFunding.objects.create(
                program=program,
                proposal=proposal,
                kind=ProgramFunding.Kind.CREATE,
                amount=amount,
                tx_hash=tx_hash,
            )
    except IntegrityError:
        # A concurrent execution of the same proposal won the race, or the escrow id is taken.
        existing = (
            ProgramFunding.objects.filter(proposal=proposal).select_related("program").first()
        )
        if existing:
            return existing.program
        raise Conflict(
            f"Escrow program {escrow_program_id} already belongs to another program.",
            code="escrow_program_taken",
        ) from None
    audit_record(
        subject=program,
        action="program_created",
        to_state="open",
        data={
            "proposal": proposal.pk,
            "budget": str(amount),
            "tx_hash": tx_hash,
            "escrow_program_id": int(escrow_program_id),
        },
    )
    return program


def _top_up_target(proposal: Any, program_id: int | None, escrow_program_id: int | None) -> Program:
    if escrow_program_id is not None:
        lookup: dict[str, Any] = {"escrow_program_id": int(escrow_program_id)}
    else:
        target = (
            program_id
            if program_id is not None
            else (proposal.payload or {}).get("top_up_program_id")
        )
        lookup = {"pk": target}
    try:
        return Program.objects.select_for_update().get(**lookup)
    except (Program.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such grant program to top up.", code="program_not_found") from None


@transaction.atomic
def program_top_up_from_proposal(
    *,
    proposal: Any,
    tx_hash: str = "",
    program_id: int | None = None,
    escrow_program_id: int | None = None,
) -> Program:
    """Raise a program's budget by an executed top-up proposal's amount.

    The program is ``payload.top_up_program_id`` (a jctgov program id) unless ``program_id`` or
    ``escrow_program_id`` names it. Idempotent per proposal; the budget changes under a row lock.
    """
    existing = ProgramFunding.objects.filter(proposal=proposal).select_related("program").first()
    if existing:
        return existing.program
    amount = _payload_amount(proposal)
    program = _top_up_target(proposal, program_id, escrow_program_id)
    before = program.budget
    program.budget = program.budget + amount
    program.save(update_fields=["budget", "updated_at"])
    ProgramFunding.objects.create(
        program=program,
        proposal=proposal,
        kind=ProgramFunding.Kind.TOP_UP,
        amount=amount,
        tx_hash=tx_hash,
    )
    audit_record(
        subject=program,
        action="program_topped_up",
        data={
            "proposal": proposal.pk,
            "amount": str(amount),
            "budget_before": str(before),
            "budget": str(program.budget),
            "tx_hash": tx_hash,
        },
    )
    return program


@transaction.atomic
def recognitions_record(
    *, proposal: Any, tx_hash: str = "", block_number: int | None = None
) -> list[Recognition]:
    """One Recognition per recipient of an executed recognition proposal.

    Idempotent per (proposal, recipient): a rerun only fills in a tx hash that was missing.
    """
    rows = []
    for index, item in enumerate((proposal.payload or {}).get("recipients", [])):
        recipient = checksummed_address(
            item.get("recipient"), f"payload.recipients[{index}].recipient"
        )
        amount = token_amount(item.get("amount"), f"payload.recipients[{index}].amount")
        recognition, created = Recognition.objects.get_or_create(
            proposal=proposal,
            recipient=recipient,
            defaults={
                "amount": amount,
                "reason": item.get("reason") or "",
                "tx_hash": tx_hash,
                "block_number": block_number,
            },
        )
        if not created and tx_hash and not recognition.tx_hash:
            recognition.tx_hash, recognition.block_number = tx_hash, block_number
            recognition.save(update_fields=["tx_hash", "block_number"])
        if created:
            audit_record(
                subject=recognition,
                action="recognition_recorded",
                data={"proposal": proposal.pk, "amount": str(amount), "tx_hash": tx_hash},
            )
            emit("grants.recognition_executed", subject=recognition, audience=[recipient])
        rows.append(recognition)
    return rows


def validate_rubric(rubric: Any) -> list[dict[str, Any]]:
    """A rubric is 1–10 distinct criteria, each with an integer weight 1–100."""
    if not isinstance(rubric, list) or not rubric or len(rubric) > MAX_CRITERIA:
        raise ApplicationError(
            f"A rubric lists 1 to {MAX_CRITERIA} criteria.", code="invalid_rubric", field="rubric"
        )
    clean, seen = [], set()
    for index, item in enumerate(rubric):
        field = f"rubric[{index}]"
        criterion = item.get("criterion") if isinstance(item, dict) else None
        weight = item.get("weight") if isinstance(item, dict) else None
        if (
            not isinstance(criterion, str)
            or not criterion.strip()
            or len(criterion) > 64
            or not is_storable(criterion)
        ):
            raise ApplicationError(
                "Name the criterion (≤ 64 characters).",
                code="invalid_rubric",
                field=f"{field}.criterion",
            )
        criterion = criterion.strip()
        if criterion in seen:
            raise ApplicationError(
                f"{criterion} is listed twice.", code="invalid_rubric", field=f"{field}.criterion"
            )
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= MAX_WEIGHT:
            raise ApplicationError(
                f"Weights are integers from 1 to {MAX_WEIGHT}.",
                code="invalid_rubric",
                field=f"{field}.weight",
            )
        seen.add(criterion)
        clean.append({"criterion": criterion, "weight": weight})
    return clean


def _apply_window(program: Program, opens_at: Any, closes_at: Any) -> None:
    if opens_at is not _UNSET:
        program.opens_at = opens_at
    if closes_at is not _UNSET:
        program.closes_at = closes_at
    if program.opens_at and program.closes_at and program.closes_at <= program.opens_at:
        raise ApplicationError(
            "The window must close after it opens.", code="invalid_window", field="closes_at"
        )


@transaction.atomic
def program_update(
    *,
    program_id: int,
    actor: User,
    reviewers: list[str] | None = None,
    rubric: list[dict[str, Any]] | None = None,
    opens_at: datetime | None = _UNSET,
    closes_at: datetime | None = _UNSET,
    max_request: int | str | None = None,
    description: str | None = None,
) -> Program:
    """Steward: assign reviewers (by address), set the rubric, window and max request.

    The rubric is frozen once a review exists, so every review of a program uses the same one.
    """
    require_steward(actor)
    program = locked(Program, program_id, code="program_not_found", what="grant program")
    changed: dict[str, Any] = {}
    if rubric is not None:
        if Review.objects.filter(application__program=program).exists():
            raise Conflict(
                "Reviews exist: the rubric can no longer change.",
                code="rubric_locked",
                extra={"field": "rubric"},
            )
        program.rubric = validate_rubric(rubric)
        changed["rubric"] = program.rubric
    _apply_window(program, opens_at, closes_at)
    if max_request is not None:
        value = token_amount(max_request, "max_request")
        if value > program.budget:
            raise ApplicationError(
                "The max request can't exceed the budget.",
                code="max_request_exceeds_budget",
                field="max_request",
            )
        program.max_request = value
        changed["max_request"] = str(value)
    if description is not None:
        program.description = description
    program.full_clean(exclude=["source_proposal", "reviewers"])
    program.save()
    if reviewers is not None:
        if len(reviewers) > MAX_REVIEWERS:
            raise ApplicationError(
                f"At most {MAX_REVIEWERS} reviewers.", code="too_many_reviewers", field="reviewers"
            )
        users = [
            User.objects.get_or_create_for_address(checksummed_address(a, f"reviewers[{i}]"))
            for i, a in enumerate(reviewers)
        ]
        program.reviewers.set(users)
        emit("grants.review_requested", subject=program, audience=users)
        changed["reviewers"] = [u.address for u in users]
    changed.update(opens_at=str(program.opens_at), closes_at=str(program.closes_at))
    audit_record(subject=program, action="program_updated", actor=actor, data=changed)
    return program
