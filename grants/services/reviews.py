"""Reviews and the steward's decision: rubric scores, min reviews, the budget commitment.

Approval locks the application, then the program row, so concurrent approvals can never
commit more than the budget (``program_committed_lte_budget`` backs that up in the database).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from grants.models import Application, ApplicationState, Program, Review
from grants.services.common import hide_unless_visible
from grants.services.milestones import require_not_conflicted
from jctgov.core.actors import require_signed_in, require_steward
from jctgov.core.db import locked
from jctgov.core.errors import ApplicationError, Conflict, Forbidden
from jctgov.core.parameters import current_value
from jctgov.core.transitions import require, transition
from jctgov.notify.services import emit
from jctgov.wallets.models import User

S = ApplicationState
MAX_REASON = 2_000
SCORE_PLACES = Decimal("0.0001")


def weighted_score(rubric: list[dict[str, Any]], scores: dict[str, Any]) -> Decimal:
    """Σ weight·score / Σ weight, to 4 places (exact Decimal arithmetic, no float)."""
    total_weight = sum(int(c["weight"]) for c in rubric)
    weighted = sum(int(c["weight"]) * int(scores[c["criterion"]]) for c in rubric)
    return (Decimal(weighted) / Decimal(total_weight)).quantize(SCORE_PLACES, ROUND_HALF_UP)


def _clean_scores(rubric: list[dict[str, Any]], scores: Any) -> dict[str, int]:
    expected = {c["criterion"] for c in rubric}
    if not isinstance(scores, dict) or set(scores) != expected:
        raise ApplicationError(
            "Score exactly the rubric's criteria: " + ", ".join(sorted(expected)) + ".",
            code="rubric_mismatch",
            field="scores",
        )
    clean = {}
    for criterion, value in scores.items():
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 5:
            raise ApplicationError(
                "Scores are whole numbers from 0 to 5.",
                code="score_out_of_range",
                field=f"scores.{criterion}",
            )
        clean[criterion] = value
    return clean


def _refresh_score(application: Application) -> None:
    scores = [r.score for r in application.reviews.all()]
    application.score = (
        (sum(scores, Decimal(0)) / len(scores)).quantize(SCORE_PLACES, ROUND_HALF_UP)
        if scores
        else None
    )


@transaction.atomic
def review_submit(
    *, application_id: int, reviewer: User, scores: dict[str, int], comment: str = ""
) -> Review:
    """An assigned reviewer scores each rubric criterion 0–5; resubmitting replaces their review.

    Refused for the reviewer's own application (same wallet) and once a decision is made.
    The first review moves a submitted application to under_review.
    """
    require_signed_in(reviewer)
    application = locked(
        Application, application_id, code="application_not_found", what="application"
    )
    program = application.program
    if not program.reviewers.filter(pk=reviewer.pk).exists():
        hide_unless_visible(application, reviewer, "application_not_found", "application")
        raise Forbidden("You are not a reviewer of this program.", code="not_assigned_reviewer")
    if application.applicant_id == reviewer.pk or application.payout_address == reviewer.address:
        raise Forbidden("You can't review your own application.", code="own_application")
    require(application, "review")
    clean = _clean_scores(program.rubric, scores)
    review, _ = Review.objects.update_or_create(
        application=application,
        reviewer=reviewer,
        defaults={
            "scores": clean,
            "comment": comment or "",
            "score": weighted_score(program.rubric, clean),
        },
    )
    _refresh_score(application)
    transition(
        application,
        "review",
        actor=reviewer,
        data={"review": review.pk, "score": str(review.score)},
    )
    return review


@transaction.atomic
def application_decide(
    *,
    application_id: int,
    actor: User,
    approve: bool,
    reason: str = "",
    now: datetime | None = None,
) -> Application:
    """Steward approves or rejects with a reason, once ``grants.min_reviews`` reviews exist.
    A steward who is the applicant or the payout address may not (``steward_conflicted``).

    Either way the reason is required: the applicant reads it and the accountability export
    carries it. Approval locks the program row and commits the requested amount:
    committed + amount ≤ budget, or ``budget_exceeded``.
    """
    require_steward(actor)
    application = locked(
        Application, application_id, code="application_not_found", what="application"
    )
    require(application, "decide")
    require_not_conflicted(actor, application, "decide on it")
    needed = current_value("grants.min_reviews")
    have = application.reviews.count()
    if have < needed:
        raise Conflict(
            f"{have} of {needed} required reviews so far.",
            code="not_enough_reviews",
            extra={"reviews": have, "required": needed},
        )
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ApplicationError(
            f"At most {MAX_REASON} characters.", code="text_too_long", field="reason"
        )
    if not reason:
        raise ApplicationError(
            f"Give the applicant the reason for the {'approval' if approve else 'rejection'}.",
            code="reason_required",
            field="reason",
        )
    if approve:
        _commit_budget(application)
    transition(
        application,
        "decide",
        to=S.APPROVED if approve else S.REJECTED,
        actor=actor,
        data={"reason": reason, "amount": str(application.requested_amount)},
        decided_by=actor,
        decided_at=now or timezone.now(),
        decision_reason=reason,
    )
    emit("grants.application_decided", subject=application, audience=[application.applicant])
    return application


def _commit_budget(application: Application) -> None:
    # The row lock serialises approvals per program: the second waits, then sees the first's
    # committed amount. Without it two approvals could each pass the check and overspend.
    program = Program.objects.select_for_update().get(pk=application.program_id)
    amount = application.requested_amount
    if program.committed + amount > program.budget:
        raise Conflict(
            f"Approving would commit {program.committed + amount} wei of a {program.budget} wei "
            "budget.",
            code="budget_exceeded",
            extra={"remaining": str(program.budget - program.committed)},
        )
    program.committed = program.committed + amount
    program.save(update_fields=["committed", "updated_at"])
