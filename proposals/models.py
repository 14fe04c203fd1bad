"""Proposals of the three kinds, their lifecycle, and signed vote receipts.

Lifecycle (DESIGN.md): draft → pending → active → succeeded | defeated | no_quorum;
succeeded → queued → executed | failed; cancelled; expired. Transitions are services in
``proposals.services`` (each locks the row, checks the state, audits, and enqueues with
on_commit); nothing else assigns ``state``. ``Proposal.TRANSITIONS`` (``jctgov.core.states``)
is the one statement of which state allows what.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q

from jctgov.core.fields import Uint256Field  # uint256 wei: NUMERIC(78,0), exact on SQLite
from jctgov.core.states import Transition

if TYPE_CHECKING:
    from proposals.tally import Tally


class ProposalKind(models.TextChoices):
    PARAMETERS = "parameters", "Marketplace parameters"
    GRANT_BUDGET = "grant_budget", "Grant budget"
    RECOGNITION = "recognition", "Contribution recognition"


class ProposalState(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    SUCCEEDED = "succeeded", "Succeeded"
    DEFEATED = "defeated", "Defeated"
    NO_QUORUM = "no_quorum", "No quorum"
    QUEUED = "queued", "Queued"
    EXECUTED = "executed", "Executed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class VoteChoice(models.IntegerChoices):
    FOR = 1, "For"
    AGAINST = 2, "Against"
    ABSTAIN = 3, "Abstain"


OPEN_STATES = (ProposalState.PENDING, ProposalState.ACTIVE)
CLOSED_STATES = (ProposalState.SUCCEEDED, ProposalState.DEFEATED, ProposalState.NO_QUORUM)
FINAL_STATES = (
    ProposalState.DEFEATED,
    ProposalState.NO_QUORUM,
    ProposalState.EXECUTED,
    ProposalState.CANCELLED,
    ProposalState.EXPIRED,
)


class NotPublished(ValueError):
    """A field that publishing fixes was read on a proposal that has none (a draft)."""


def execution_lease() -> timedelta:
    """How long a worker's claim on a proposal's chain step lasts (JCTGOV_CHAIN_LEASE_S)."""
    return timedelta(seconds=settings.JCTGOV_CHAIN_LEASE_S)


_S = ProposalState


class Proposal(models.Model):
    # The state machine (jctgov.core.states): the services, the pages and the API read it.
    STATE_REFUSAL = ("invalid_state", "Can't {verb} a proposal that is {state}.")
    TRANSITIONS = {
        "edit": Transition((_S.DRAFT,)),
        "publish": Transition((_S.DRAFT,), _S.PENDING, audit="published"),
        "activate": Transition((_S.PENDING,), _S.ACTIVE, audit="activated"),
        "close": Transition((_S.ACTIVE,), audit="closed"),  # to the tally's outcome
        # The author, before the vote opens; a steward, any time before it executes (a queued
        # or failed one through the timelock's cancel: "cancel_operation").
        "cancel": Transition((_S.DRAFT, _S.PENDING), _S.CANCELLED, audit="cancelled"),
        "steward_cancel": Transition(
            (_S.DRAFT, _S.PENDING, _S.ACTIVE, _S.SUCCEEDED, _S.FAILED),
            _S.CANCELLED,
            verb="cancel",
            audit="cancelled",
        ),
        "cancel_operation": Transition((_S.QUEUED, _S.FAILED), _S.CANCELLED, verb="cancel"),
        "approve": Transition((_S.SUCCEEDED,)),  # the stewards sign scheduleBatch
        "expire": Transition((_S.SUCCEEDED,), _S.EXPIRED, audit="expired"),
        "retry": Transition((_S.FAILED,), audit="execution_retried"),  # queued or succeeded
        # Recorded from the chain (the timelock's events) by the chain-operation handlers.
        "record_scheduled": Transition((_S.SUCCEEDED, _S.FAILED), _S.QUEUED, audit="scheduled"),
        "record_executed": Transition((_S.QUEUED, _S.FAILED), _S.EXECUTED, audit="executed"),
        "record_cancelled": Transition(
            tuple(s for s in _S if s not in (_S.EXECUTED, _S.CANCELLED)),
            _S.CANCELLED,
            audit="cancelled",
        ),
        "schedule_failed": Transition((_S.SUCCEEDED,), _S.FAILED, audit="execution_failed"),
        "execute_failed": Transition((_S.QUEUED,), _S.FAILED, audit="execution_failed"),
    }

    kind = models.CharField(max_length=16, choices=ProposalKind.choices)
    title = models.CharField(max_length=256)
    body = models.TextField(validators=[MaxLengthValidator(20_000)], blank=True)
    discussion_url = models.URLField(max_length=500, blank=True)
    payload = models.JSONField(default=dict)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    state = models.CharField(
        max_length=16, choices=ProposalState.choices, default=ProposalState.DRAFT, db_index=True
    )

    # Fixed at publish: the content hash votes commit to, and the rules the vote runs under.
    uid = models.CharField(max_length=66, unique=True, null=True, blank=True)
    chain_id = models.BigIntegerField(null=True, blank=True)
    verifying_contract = models.CharField(max_length=42, blank=True)
    snapshot_block = models.BigIntegerField(null=True, blank=True)
    snapshot_total_supply = Uint256Field(null=True, blank=True)
    quorum_bps = models.PositiveIntegerField(null=True, blank=True)
    voting_period_s = models.PositiveIntegerField(null=True, blank=True)
    proposal_threshold = Uint256Field(null=True, blank=True)
    author_power = Uint256Field(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True, db_index=True)

    # Fixed at close: the SQL-aggregate tally.
    closed_at = models.DateTimeField(null=True, blank=True)
    for_power = Uint256Field(null=True, blank=True)
    against_power = Uint256Field(null=True, blank=True)
    abstain_power = Uint256Field(null=True, blank=True)

    cancel_reason = models.TextField(blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    # Execution (issue 5): steward approval, timelock operation, outcome.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    operation_id = models.CharField(max_length=66, blank=True)  # hashOperationBatch, salt = uid
    queued_at = models.DateTimeField(null=True, blank=True)
    execution_delay_s = models.PositiveIntegerField(null=True, blank=True)
    ready_at = models.DateTimeField(null=True, blank=True)  # chain time the operation is ready
    schedule_tx = models.CharField(max_length=66, blank=True)
    schedule_block = models.BigIntegerField(null=True, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    execute_tx = models.CharField(max_length=66, blank=True)
    execute_block = models.BigIntegerField(null=True, blank=True)
    cancel_tx = models.CharField(max_length=66, blank=True)
    # Parameter proposals: {key: value as decimal text} in force just before the execution
    # (the chain's value at the block before it), so the page can say "Was → Now" afterwards.
    # Null until executed, and on proposals executed before it was recorded.
    parameters_before = models.JSONField(null=True, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_reason = models.TextField(blank=True)
    # A worker's claim on the chain step in flight (schedule, execute, cancel): at most one
    # process talks to the timelock for a proposal; a crashed worker's claim lapses.
    execution_claimed_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Not columns: the read side sets these on the instances it returns (templates and cache
    # keys read them). Declared so their readers type-check; an instance that did not come
    # through the named selector has none (AttributeError, as before).
    tally: Tally  # selectors.open_proposals
    results: dict[str, Any]  # dashboard.selectors.visitor_home
    is_ready: bool  # selectors.execution_console, on the queued ones
    expires_at: datetime  # selectors.execution_console, on those awaiting approval

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["author", "state"]), models.Index(fields=["kind", "state"])]
        constraints = [
            models.CheckConstraint(
                # A draft may be cancelled before it ever had a uid.
                condition=Q(state__in=[ProposalState.DRAFT, ProposalState.CANCELLED])
                | Q(uid__isnull=False),
                name="proposal_published_has_uid",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[ProposalState.QUEUED, ProposalState.EXECUTED])
                | (Q(approved_at__isnull=False) & ~Q(operation_id="")),
                name="proposal_queued_is_approved_with_operation",
            ),
            models.CheckConstraint(
                condition=~Q(state=ProposalState.EXECUTED) | ~Q(execute_tx=""),
                name="proposal_executed_has_tx",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def execution_claim_live(self, now: datetime) -> bool:
        """Is a worker sending this proposal's chain step right now (its claim not lapsed)?"""
        claimed = self.execution_claimed_at
        return claimed is not None and claimed > now - execution_lease()

    @property
    def is_open_for_votes(self) -> bool:
        return self.state == ProposalState.ACTIVE

    # Publishing sets uid, snapshot_block and the voting window together (services.lifecycle),
    # and nothing clears them: code holding a published proposal (pending or later) reads them
    # here, typed without None. On a draft they raise NotPublished instead of a None crash.
    def _not_published(self, name: str) -> NotPublished:
        return NotPublished(f"proposal {self.pk} ({self.state}) has no {name}: not published")

    @property
    def published_uid(self) -> str:
        if self.uid is None:
            raise self._not_published("uid")
        return self.uid

    @property
    def published_snapshot_block(self) -> int:
        if self.snapshot_block is None:
            raise self._not_published("snapshot_block")
        return self.snapshot_block

    @property
    def voting_starts_at(self) -> datetime:
        if self.starts_at is None:
            raise self._not_published("starts_at")
        return self.starts_at

    @property
    def voting_ends_at(self) -> datetime:
        if self.ends_at is None:
            raise self._not_published("ends_at")
        return self.ends_at


class Vote(models.Model):
    """A signed vote receipt. Every receipt is kept; ``counted`` marks each voter's latest.
    A counted vote weighs ``power + delegated_power``.

    ``digest`` is the EIP-712 hash the voter signed: the same signed vote is stored once.
    The partial unique index makes two counted votes of one voter impossible in the database.
    """

    digest = models.CharField(max_length=66, unique=True)
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="votes")
    voter = models.CharField(max_length=42)
    choice = models.PositiveSmallIntegerField(choices=VoteChoice.choices)
    reason = models.TextField(blank=True, validators=[MaxLengthValidator(1_000)])
    timestamp = models.BigIntegerField()
    # 0x + hex: 65 bytes (ECDSA) or a contract wallet's longer one, such as a multi-owner
    # Safe's (proposals.contract_votes.MAX_CONTRACT_SIGNATURE_BYTES).
    signature = models.CharField(max_length=4_096)
    power = Uint256Field()  # the voter's own veJCT at the snapshot block (0: a delegate only)
    # While counted: the veJCT of the voter's delegators at the snapshot block who have not
    # voted themselves (Snapshot's rule), and how many they are. 0 on a receipt that is not
    # counted. A delegator's own vote lowers these on their delegate's counted vote.
    delegated_power = Uint256Field(default=0)
    delegators = models.PositiveIntegerField(default=0)
    counted = models.BooleanField(default=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["proposal", "counted", "choice"])]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "voter"],
                condition=Q(counted=True),
                name="vote_one_counted_per_voter",
            ),
            models.CheckConstraint(condition=Q(choice__in=[1, 2, 3]), name="vote_choice_basic"),
            models.CheckConstraint(condition=Q(power__gte=0), name="vote_power_not_negative"),
            models.CheckConstraint(
                condition=Q(delegated_power__gte=0), name="vote_delegated_power_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(counted=True) | Q(delegated_power=0, delegators=0),
                name="vote_uncounted_carries_no_delegation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.voter} {self.get_choice_display()} on #{self.proposal_id}"
