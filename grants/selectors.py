"""Reads of the grants app: lists, visibility rules, queues and the accountability export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet

from grants.models import (
    DECIDED_STATES,
    OPEN_APPLICATION_STATES,
    Application,
    ApplicationState,
    Milestone,
    MilestoneState,
    Program,
    Recognition,
    Review,
)
from jctgov.core.errors import NotFound

S = ApplicationState


def program_list() -> QuerySet[Program]:
    return Program.objects.annotate(
        application_count=Count("applications", filter=~Q(applications__state=S.DRAFT))
    ).order_by("-created_at", "-id")


def program_get(program_id: int) -> Program:
    try:
        return Program.objects.prefetch_related("reviewers").get(pk=program_id)
    except (Program.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such grant program.", code="program_not_found") from None


def milestone_get(milestone_id: int) -> Milestone:
    """A milestone as stored now (after a service changed it), for the API's answer."""
    return Milestone.objects.get(pk=milestone_id)


def _applications() -> QuerySet[Application]:
    return Application.objects.select_related(
        "program", "applicant", "decided_by"
    ).prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.order_by("position")),
        Prefetch("reviews", queryset=Review.objects.select_related("reviewer")),
    )


def can_view_application(application: Application, user: Any) -> bool:
    """Applicant always; stewards and the program's reviewers once submitted; public once decided."""
    if getattr(user, "is_authenticated", False) and application.applicant_id == user.pk:
        return True
    if application.state == S.DRAFT:
        return False
    if application.is_decided:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_steward or application.program.reviewers.filter(pk=user.pk).exists()


def application_get(application_id: int, user: Any) -> Application:
    """The application if ``user`` may see it; 404 otherwise (no hint that it exists)."""
    try:
        application = _applications().get(pk=application_id)
    except (Application.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such application.", code="application_not_found") from None
    if not can_view_application(application, user):
        raise NotFound("No such application.", code="application_not_found")
    return application


def visible_reviews(application: Application, user: Any) -> list[Review]:
    """Stewards see every review; a reviewer their own; the applicant and the public all of them
    once the decision is made (reviews stay independent and private until then)."""
    reviews = list(application.reviews.all())
    if not getattr(user, "is_authenticated", False):
        return reviews if application.is_decided else []
    if user.is_steward or application.is_decided:
        return reviews
    return [r for r in reviews if r.reviewer_id == user.pk]


def score_visible(application: Application, user: Any) -> bool:
    """May ``user`` see the application's mean score? Everyone once it is decided; stewards
    always; a reviewer once they have reviewed it (before, the mean of the others' hidden
    scores would anchor their own); never the applicant before the decision.
    Uses the prefetched reviews: no query per application."""
    if application.is_decided:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_steward:
        return True
    if application.applicant_id == user.pk:
        return False
    return any(r.reviewer_id == user.pk for r in application.reviews.all())


def with_visible_scores(applications: Iterable[Application], user: Any) -> list[Application]:
    """``applications`` with ``visible_score`` set: the score, or None where ``user`` may not
    see it (see score_visible). Pages show ``visible_score``, never ``score``."""
    rows = list(applications)
    for a in rows:
        a.visible_score = a.score if score_visible(a, user) else None
    return rows


def rubric_breakdown(rubric: list[dict[str, Any]], reviews: list[Review]) -> list[dict[str, Any]]:
    """Per criterion of the rubric: its weight and the mean score of ``reviews`` (2 places)."""
    rows = []
    for item in rubric:
        scores = [
            int(r.scores[item["criterion"]]) for r in reviews if item["criterion"] in r.scores
        ]
        mean = (Decimal(sum(scores)) / len(scores)).quantize(Decimal("0.01")) if scores else None
        rows.append({"criterion": item["criterion"], "weight": item["weight"], "mean": mean})
    return rows


def open_application_of(program: Program, user: Any) -> Application | None:
    """The wallet's open application to ``program`` (at most one: a partial unique index)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Application.objects.filter(
        program=program, applicant=user, state__in=OPEN_APPLICATION_STATES
    ).first()


def application_form_initial(application: Application) -> dict[str, Any]:
    """A draft as the application form's JSON (amounts as wei strings)."""
    return {
        "id": application.pk,
        "title": application.title,
        "description": application.description,
        "team": application.team,
        "requested_amount": str(application.requested_amount),
        "payout_address": application.payout_address,
        "milestones": [
            {
                "title": m.title,
                "deliverable": m.deliverable,
                "amount": str(m.amount),
                "due_date": m.due_date.isoformat() if m.due_date else "",
            }
            for m in application.milestones.all()
        ],
    }


def applications_of(user: Any) -> QuerySet[Application]:
    return _applications().filter(applicant=user).order_by("-created_at", "-id")


def program_applications(program: Program, user: Any) -> QuerySet[Application]:
    """A program's applications (not drafts) visible to ``user``, oldest first: the rule of
    can_view_application as one SQL filter, so a page of them costs no query per row."""
    rows = _applications().filter(program=program).exclude(state=S.DRAFT).order_by("id")
    if not getattr(user, "is_authenticated", False):
        return rows.filter(state__in=DECIDED_STATES)
    if user.is_steward or program.reviewers.filter(pk=user.pk).exists():
        return rows
    return rows.filter(Q(state__in=DECIDED_STATES) | Q(applicant=user))


def review_queue(reviewer: Any) -> QuerySet[Application]:
    """Submitted or under-review applications of the reviewer's programs, not their own."""
    return (
        _applications()
        .filter(program__reviewers=reviewer, state__in=[S.SUBMITTED, S.UNDER_REVIEW])
        .exclude(applicant=reviewer)
        .exclude(payout_address=reviewer.address)
        .order_by("submitted_at", "id")
    )


def steward_queue() -> dict[str, list]:
    """What awaits a steward: decisions, reported milestones, payouts in flight or failed."""
    milestones = Milestone.objects.select_related("application__program", "application__applicant")
    return {
        "decisions": list(
            _applications()
            .filter(state__in=[S.SUBMITTED, S.UNDER_REVIEW])
            .annotate(review_count=Count("reviews", distinct=True))
            .order_by("submitted_at", "id")
        ),
        "reported": list(milestones.filter(state=MilestoneState.REPORTED).order_by("reported_at")),
        "payouts": list(
            milestones.filter(
                state__in=[MilestoneState.ACCEPTED, MilestoneState.PAYING, MilestoneState.FAILED]
            ).order_by("accepted_at")
        ),
        "paid": list(milestones.filter(state=MilestoneState.PAID).order_by("-paid_at")[:20]),
    }


def programs_open(now: Any, *, limit: int = 5) -> QuerySet[Program]:
    """Programs taking applications at ``now`` (``Program.is_open`` as SQL), closing first,
    those without a deadline last."""
    return (
        Program.objects.filter(opens_at__lte=now)
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
        .order_by(F("closes_at").asc(nulls_last=True), "id")[:limit]
    )


def recognition_list() -> QuerySet[Recognition]:
    return Recognition.objects.select_related("proposal").order_by("-created_at", "-id")


EXPORT_COLUMNS = [
    "application_id",
    "title",
    "applicant",
    "payout_address",
    "state",
    "requested_amount_wei",
    "score",
    "reviews",
    "submitted_at",
    "decided_by",
    "decided_at",
    "decision_reason",
    "milestone",
    "milestone_title",
    "milestone_amount_wei",
    "milestone_state",
    "tx_hash",
    "block_number",
    "paid_at",
]


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # CSV injection: a spreadsheet would run a cell starting with = + - @ as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _export_rows(applications: Iterable[Application]) -> Iterable[list[str]]:
    for a in applications:
        head = [
            a.pk,
            a.title,
            a.applicant.address,
            a.payout_address,
            a.state,
            a.requested_amount,
            a.score,
            len(a.reviews.all()),
            a.submitted_at and a.submitted_at.isoformat(),
            a.decided_by.address if a.decided_by else "",
            a.decided_at and a.decided_at.isoformat(),
            a.decision_reason,
        ]
        milestones: list[Any] = list(a.milestones.all()) or [None]
        for m in milestones:
            tail = (
                [
                    m.position,
                    m.title,
                    m.amount,
                    m.state,
                    m.tx_hash,
                    m.block_number,
                    m.paid_at and m.paid_at.isoformat(),
                ]
                if m
                else [""] * 7
            )
            yield [_cell(v) for v in head + tail]


def program_export_csv(program: Program, user: Any = None) -> str:
    """Decisions and payouts of a program, one row per milestone: the decided applications for
    everyone (what the API shows anyone), every application but drafts for stewards."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    rows = _applications().filter(program=program).exclude(state=S.DRAFT).order_by("id")
    if not (getattr(user, "is_authenticated", False) and user.is_steward):
        rows = rows.filter(state__in=DECIDED_STATES)
    writer.writerows(_export_rows(rows))
    return out.getvalue()


def milestone_payout_operations(application: Any) -> list[dict[str, Any]]:
    """The payout Safe transactions of an application's milestones still taking signatures
    (k of M, who signed, decoded), each with its milestone's position. Two queries."""
    from jctgov.chain.models import ChainOperation
    from jctgov.chain.presenters import operation_data

    positions = dict(application.milestones.values_list("pk", "position"))
    rows = (
        ChainOperation.objects.filter(
            subject_type="grants.milestone",
            subject_id__in=list(positions),
            state__in=("collecting", "ready"),
        )
        .exclude(safe="")
        .prefetch_related("signatures")
    )
    return [{**operation_data(op), "position": positions[op.subject_id]} for op in rows]
