"""Grant programs, applications, reviews, milestones with on-chain payouts, and recognitions.

Program (funded by an executed grant-budget proposal) → Application → Reviews → steward
decision → Milestone reports → payouts through ``GrantEscrow.payoutOnce``. Transitions are
services in ``grants.services`` (each locks its row, checks the state, audits, and enqueues
with on_commit); nothing else assigns ``state``. Each model's ``TRANSITIONS`` table
(``jctgov.core.states``) is the one statement of which state allows what. Amounts are JCT wei in NUMERIC(78,0).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from jctgov.core.fields import Uint256Field
from jctgov.core.states import Transition


def default_rubric() -> list[dict]:
    return [
        {"criterion": "impact", "weight": 2},
        {"criterion": "feasibility", "weight": 1},
        {"criterion": "team", "weight": 1},
    ]


class Program(models.Model):
    """A grant budget held in ``GrantEscrow`` under ``escrow_program_id``.

    ``committed`` is the sum of approved requests and ``paid`` the sum of paid milestones; the
    check constraints make "committed ≤ budget" and "paid ≤ committed" impossible to break.
    """

    name = models.CharField(max_length=128)
    description = models.TextField(blank=True)
    budget = Uint256Field(default=0)
    token = models.CharField(max_length=16, default="JCT")
    escrow_program_id = models.PositiveBigIntegerField(unique=True)
    source_proposal = models.OneToOneField(
        "proposals.Proposal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="grant_program",
    )
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="reviewing_programs"
    )
    rubric = models.JSONField(default=default_rubric)
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    max_request = Uint256Field(default=0)
    committed = Uint256Field(default=0)
    paid = Uint256Field(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(budget__gte=0), name="program_budget_gte_0"),
            models.CheckConstraint(condition=Q(committed__gte=0), name="program_committed_gte_0"),
            models.CheckConstraint(
                condition=Q(committed__lte=F("budget")), name="program_committed_lte_budget"
            ),
            models.CheckConstraint(
                condition=Q(paid__gte=0) & Q(paid__lte=F("committed")),
                name="program_paid_lte_committed",
            ),
            models.CheckConstraint(
                condition=Q(max_request__gte=0), name="program_max_request_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def remaining(self):
        """Budget not yet committed to an approved application."""
        return self.budget - self.committed

    def is_open(self, now) -> bool:
        return bool(
            self.opens_at and self.opens_at <= now and (not self.closes_at or now < self.closes_at)
        )


class ProgramFunding(models.Model):
    """One executed grant-budget proposal's effect on a program (create or top-up).

    Unique per proposal, so executing the same proposal twice changes the budget once.
    """

    class Kind(models.TextChoices):
        CREATE = "create", "Created"
        TOP_UP = "top_up", "Topped up"

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="fundings")
    proposal = models.OneToOneField(
        "proposals.Proposal", on_delete=models.PROTECT, related_name="grant_funding"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    amount = Uint256Field()
    tx_hash = models.CharField(max_length=66, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="programfunding_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.program_id} by proposal {self.proposal_id}"


class ApplicationState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"
    COMPLETED = "completed", "Completed"


# "Open": the wallet still has this request in play; a second one to the same program is refused.
OPEN_APPLICATION_STATES = (
    ApplicationState.DRAFT,
    ApplicationState.SUBMITTED,
    ApplicationState.UNDER_REVIEW,
    ApplicationState.APPROVED,
)
DECIDED_STATES = (ApplicationState.APPROVED, ApplicationState.REJECTED, ApplicationState.COMPLETED)
_A = ApplicationState
_UNDECIDED = (_A.SUBMITTED, _A.UNDER_REVIEW)


class Application(models.Model):
    # The state machine (jctgov.core.states); services, views and presenters read this table.
    STATE_REFUSAL = ("invalid_state", "Can't {verb}: it is {state}.")
    TRANSITIONS = {
        "edit": Transition(
            (_A.DRAFT,), verb="edit this application", code="application_not_editable"
        ),
        "submit": Transition(
            (_A.DRAFT,),
            _A.SUBMITTED,
            verb="submit this application",
            code="application_not_submittable",
            audit="application_submitted",
        ),
        "withdraw": Transition(
            (_A.DRAFT, *_UNDECIDED),
            _A.WITHDRAWN,
            verb="withdraw this application",
            code="application_not_withdrawable",
            audit="application_withdrawn",
        ),
        "review": Transition(
            _UNDECIDED,
            _A.UNDER_REVIEW,
            verb="review this application",
            code="application_not_reviewable",
            audit="review_submitted",
        ),
        "decide": Transition(  # to approved or rejected
            _UNDECIDED,
            verb="decide on this application",
            code="application_already_decided",
            audit="application_decided",
        ),
        "complete": Transition((_A.APPROVED,), _A.COMPLETED, audit="application_completed"),
    }

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="applications")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grant_applications"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)  # markdown, rendered through nh3
    requested_amount = Uint256Field(default=0)
    payout_address = models.CharField(max_length=42, blank=True)  # EIP-55 checksummed
    team = models.TextField(blank=True)
    state = models.CharField(
        max_length=16,
        choices=ApplicationState.choices,
        default=ApplicationState.DRAFT,
        db_index=True,
    )
    score = models.DecimalField(max_digits=7, decimal_places=4, null=True, blank=True)
    # Not a column: selectors.with_visible_scores sets it (the score, or None where the viewer
    # may not see it); pages show it, never ``score``. Declared so its readers type-check.
    visible_score: Decimal | None
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "applicant"],
                condition=Q(state__in=[s.value for s in OPEN_APPLICATION_STATES]),
                name="application_one_open_per_program",
            ),
            models.CheckConstraint(
                condition=Q(requested_amount__gte=0), name="application_requested_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_decided(self) -> bool:
        return self.state in DECIDED_STATES


class MilestoneState(models.TextChoices):
    PLANNED = "planned", "Planned"
    REPORTED = "reported", "Reported"
    ACCEPTED = "accepted", "Accepted"
    PAYING = "paying", "Paying"
    PAID = "paid", "Paid"
    FAILED = "failed", "Payout failed"


_MS = MilestoneState


class Milestone(models.Model):
    """A deliverable and the amount paid for it once a steward accepts the report.

    ``payout_ref`` is the bytes32 reference passed to ``GrantEscrow.payoutOnce``: the escrow
    refuses a second payout with the same reference, so a resend after a crash cannot pay twice.
    """

    STATE_REFUSAL = ("invalid_state", "Can't {verb}: it is {state}.")
    TRANSITIONS = {
        "report": Transition(
            (_MS.PLANNED, _MS.REPORTED),
            _MS.REPORTED,
            verb="report this milestone",
            code="milestone_not_reportable",
            audit="milestone_reported",
        ),
        "accept": Transition(
            (_MS.REPORTED,),
            _MS.ACCEPTED,
            verb="accept this milestone",
            code="milestone_not_acceptable",
            audit="milestone_accepted",
        ),
        "retry_payout": Transition(  # to paying (signed already) or accepted
            (_MS.FAILED,),
            verb="retry this payout",
            code="milestone_not_retryable",
            audit="milestone_payout_retried",
        ),
        "payout_signed": Transition((_MS.ACCEPTED,), _MS.PAYING, audit="milestone_payout_signed"),
        # Recorded from the chain: whatever the row says, the escrow paid.
        "record_paid": Transition(
            tuple(s for s in _MS if s != _MS.PAID), _MS.PAID, audit="milestone_paid"
        ),
        "record_failed": Transition(
            (_MS.ACCEPTED, _MS.PAYING), _MS.FAILED, audit="milestone_payout_failed"
        ),
    }

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="milestones"
    )
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    deliverable = models.TextField(blank=True)
    amount = Uint256Field()
    due_date = models.DateField(null=True, blank=True)
    state = models.CharField(
        max_length=16, choices=MilestoneState.choices, default=MilestoneState.PLANNED, db_index=True
    )
    evidence_url = models.URLField(max_length=500, blank=True)
    report_text = models.TextField(blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    payout_ref = models.CharField(max_length=66, null=True, blank=True, unique=True)
    payout_claimed_at = models.DateTimeField(null=True, blank=True)
    tx_hash = models.CharField(max_length=66, blank=True)
    block_number = models.BigIntegerField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["application_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "position"], name="milestone_unique_position"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="milestone_amount_gt_0"),
            models.CheckConstraint(
                condition=~Q(state="paid") | ~Q(tx_hash=""), name="milestone_paid_has_tx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}.{self.position} {self.title}"


class Review(models.Model):
    """A reviewer's rubric scores (0–5 per criterion); ``score`` is their weighted mean."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="grant_reviews"
    )
    scores = models.JSONField(default=dict)
    comment = models.TextField(blank=True)
    score = models.DecimalField(max_digits=7, decimal_places=4)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="review_one_per_reviewer"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=5), name="review_score_0_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer_id} on {self.application_id}: {self.score}"


class Recognition(models.Model):
    """One recipient of an executed recognition proposal, paid from the treasury."""

    proposal = models.ForeignKey(
        "proposals.Proposal", on_delete=models.PROTECT, related_name="recognitions"
    )
    recipient = models.CharField(max_length=42)  # EIP-55 checksummed
    amount = Uint256Field()
    reason = models.TextField(blank=True)
    tx_hash = models.CharField(max_length=66, blank=True)
    block_number = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "recipient"], name="recognition_one_per_recipient"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="recognition_amount_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.amount}"
