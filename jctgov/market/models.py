"""GPU marketplace: providers and their nodes, heartbeats, compute jobs, leases, match rounds.

Money: ask and job prices are USD ``Decimal`` per GPU-hour; quote amounts are ``Decimal`` in the
quote's currency (USD for stablecoin, JCT for JCT), rounded as the pure ``quotes`` module states.
veJCT is integer wei in NUMERIC(78,0).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from jctgov.core.fields import Uint256Field
from jctgov.core.states import Transition


class GpuModel(models.TextChoices):
    H100_80 = "H100 80GB", "NVIDIA H100 80GB"
    A100_80 = "A100 80GB", "NVIDIA A100 80GB"
    A100_40 = "A100 40GB", "NVIDIA A100 40GB"
    L40S = "L40S", "NVIDIA L40S 48GB"
    RTX_A6000 = "RTX A6000", "NVIDIA RTX A6000 48GB"
    RTX_4090 = "RTX 4090", "NVIDIA GeForce RTX 4090 24GB"
    RTX_3090 = "RTX 3090", "NVIDIA GeForce RTX 3090 24GB"
    L4 = "L4", "NVIDIA L4 24GB"


# VRAM per GPU, used as the default when a provider does not state it.
GPU_VRAM_GB: dict[str, int] = {
    GpuModel.H100_80: 80,
    GpuModel.A100_80: 80,
    GpuModel.A100_40: 40,
    GpuModel.L40S: 48,
    GpuModel.RTX_A6000: 48,
    GpuModel.RTX_4090: 24,
    GpuModel.RTX_3090: 24,
    GpuModel.L4: 24,
}


class PaymentToken(models.TextChoices):
    STABLECOIN = "stablecoin", "Stablecoin (USD)"
    JCT = "jct", "JCT"


class Currency(models.TextChoices):
    USD = "USD"
    JCT = "JCT"


class Provider(models.Model):
    """A wallet that offers GPU capacity. ``vejct`` mirrors VotingEscrow.balanceOf (wei)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="market_provider"
    )
    vejct = Uint256Field(default=0)
    vejct_refreshed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(vejct__gte=0), name="provider_vejct_gte_0")
        ]

    def __str__(self) -> str:
        return f"provider {self.user.address}"


class Node(models.Model):
    """A machine with ``gpu_count`` identical GPUs. Only the sha256 of its API token is stored."""

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="nodes")
    name = models.CharField(max_length=64)
    gpu_model = models.CharField(max_length=32, choices=GpuModel.choices)
    gpu_count = models.PositiveSmallIntegerField()
    vram_gb = models.PositiveSmallIntegerField()
    region = models.CharField(max_length=32)
    ask_usd = models.DecimalField(max_digits=12, decimal_places=4)
    available_hours = models.PositiveIntegerField()
    token_hash = models.CharField(max_length=64, unique=True)
    registered_at = models.DateTimeField()
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    # Demo nodes of `seed_demo` only: `up` simulates their heartbeats (jctgov.market.demo).
    # No API sets it, so a real provider's node is never simulated.
    simulated = models.BooleanField(default=False)
    # Heartbeats before this instant are rolled up into UptimeInterval rows (retention).
    heartbeats_rolled_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(gpu_count__gte=1), name="node_gpu_count_gte_1"),
            models.CheckConstraint(condition=Q(vram_gb__gte=1), name="node_vram_gte_1"),
            models.CheckConstraint(condition=Q(ask_usd__gt=0), name="node_ask_gt_0"),
            models.CheckConstraint(
                condition=Q(available_hours__gte=1), name="node_available_hours_gte_1"
            ),
            models.UniqueConstraint(
                fields=["provider", "name"], name="node_name_unique_per_provider"
            ),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.gpu_count}× {self.gpu_model})"


class Heartbeat(models.Model):
    """One accepted heartbeat. Rejected (too early) heartbeats leave no row."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="heartbeats")
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["node", "received_at"])]

    def __str__(self) -> str:
        return f"heartbeat node #{self.node_id} at {self.received_at:%Y-%m-%d %H:%M:%S}"


class UptimeInterval(models.Model):
    """A run of consecutive heartbeat slots (``slot_s`` seconds each, clock-aligned) in which
    the node sent at least one heartbeat: slots ``first_slot`` … ``last_slot`` (epoch seconds //
    slot_s). What retention keeps of heartbeats older than the uptime window."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="uptime_intervals")
    slot_s = models.PositiveIntegerField()
    first_slot = models.BigIntegerField()
    last_slot = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(last_slot__gte=models.F("first_slot")), name="uptime_interval_ordered"
            ),
            models.CheckConstraint(condition=Q(slot_s__gte=1), name="uptime_interval_slot_gte_1"),
        ]
        indexes = [models.Index(fields=["node", "last_slot"])]

    def __str__(self) -> str:
        return f"node #{self.node_id} slots {self.first_slot}–{self.last_slot} of {self.slot_s} s"


class UnmatchedReason(models.TextChoices):
    """Why the last match round that considered a job left it pending (engine.explain)."""

    NO_MODEL = "no_gpu_model", "No online offer of this GPU model"
    NO_VRAM = "not_enough_vram", "No offer with enough VRAM per GPU"
    NO_GPUS = "not_enough_gpus", "No offer with this many free GPUs on one node"
    NO_HOURS = "not_enough_hours", "No offer available for this many hours"
    PRICE = "price_too_low", "Every fitting offer asks more than the maximum price"
    INELIGIBLE = "providers_ineligible", "Fitting offers' providers lack stake or uptime"
    OWN_NODES = (
        "own_nodes_only",
        "Only your own nodes fit (a job never runs on its submitter's nodes)",
    )
    TAKEN = "capacity_taken", "Fitting capacity went to other jobs this round"
    QUEUED = "not_in_round", "Waiting for a place in a match round"
    EXPIRED = "expired", "Expired before a match (market.job_expiry_s)"


class Job(models.Model):
    """A compute request. ``gpu_model`` empty means any model with at least ``vram_min`` GB."""

    class State(models.TextChoices):
        PENDING = "pending"
        MATCHED = "matched"
        CANCELLED = "cancelled"
        EXPIRED = "expired"

    # Matching and expiry move pending jobs in bulk (conditional updates of pending rows).
    STATE_REFUSAL = ("job_not_pending", "The job is {state}; only pending jobs can be cancelled.")
    TRANSITIONS = {
        "cancel": Transition((State.PENDING,), State.CANCELLED, audit="job_cancelled"),
    }

    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="market_jobs"
    )
    # NULL = any model with enough VRAM (a choice of its own, not a missing value).
    gpu_model = models.CharField(  # noqa: DJ001
        max_length=32, choices=GpuModel.choices, null=True, blank=True
    )
    gpus = models.PositiveSmallIntegerField()
    vram_min = models.PositiveSmallIntegerField(default=1)
    hours = models.PositiveIntegerField()
    max_price_usd = models.DecimalField(max_digits=12, decimal_places=4)
    payment_token = models.CharField(max_length=16, choices=PaymentToken.choices)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    submitted_at = models.DateTimeField(db_index=True)
    # Set by each match round that considered the job and left it pending, and on expiry.
    unmatched_reason = models.CharField(max_length=32, choices=UnmatchedReason.choices, blank=True)
    unmatched_detail = models.CharField(max_length=300, blank=True)
    considered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(gpus__gte=1), name="job_gpus_gte_1"),
            models.CheckConstraint(condition=Q(hours__gte=1), name="job_hours_gte_1"),
            models.CheckConstraint(condition=Q(max_price_usd__gt=0), name="job_max_price_gt_0"),
        ]
        indexes = [
            models.Index(fields=["state", "submitted_at"]),
            # A round's round-robin selection and the per-wallet cap read pending jobs by
            # submitter in age order (jctgov.market.matching.round_jobs).
            models.Index(
                fields=["submitter", "submitted_at", "id"],
                condition=Q(state="pending"),
                name="job_pending_by_submitter",
            ),
        ]
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"job #{self.pk} {self.gpus}× {self.gpu_model or 'any'} {self.hours}h"


class MatchRound(models.Model):
    """One run of the engine. ``inputs`` records the jobs and offers it saw, for replay."""

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    params = models.JSONField(default=dict)
    inputs = models.JSONField(default=dict)
    jobs_considered = models.PositiveIntegerField(default=0)
    offers_considered = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"round #{self.pk}: {self.matched}/{self.jobs_considered} matched"


class MatchLock(models.Model):
    """Singleton row locked (SELECT … FOR UPDATE) by a match round: one round at a time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="match_lock_singleton")]

    def __str__(self) -> str:
        return "match lock"


class Lease(models.Model):
    """A job placed on a node at the node's ask, with the quote the submitter pays."""

    class State(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        COMPLETED = "completed"
        FAILED = "failed"

    OPEN_STATES = (State.PENDING, State.RUNNING)
    STATE_REFUSAL = ("lease_bad_state", "The lease is {state}; it cannot become {target}.")
    TRANSITIONS = {
        "start": Transition((State.PENDING,), State.RUNNING, audit="lease_running"),
        "complete": Transition((State.RUNNING,), State.COMPLETED, audit="lease_completed"),
        "fail": Transition(OPEN_STATES, State.FAILED, audit="lease_failed"),
        # The job owner's word on a completion (no state change: confirmed_at / disputed_at).
        "confirm": Transition(
            (State.COMPLETED,),
            code="lease_not_completed",
            message="The lease is {state}; only a completed lease can be confirmed or disputed.",
        ),
    }

    job = models.OneToOneField(Job, on_delete=models.PROTECT, related_name="lease")
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="leases")
    match_round = models.ForeignKey(
        MatchRound, null=True, blank=True, on_delete=models.SET_NULL, related_name="leases"
    )
    gpus = models.PositiveSmallIntegerField()
    hours = models.PositiveIntegerField()
    price_usd = models.DecimalField(max_digits=12, decimal_places=4)
    # The quote (jctgov.market.quotes): amounts in ``currency`` — USD (6 decimals) for the
    # stablecoin, JCT (18 decimals) when paid in JCT at ``jct_usd_price``.
    payment_token = models.CharField(max_length=16, choices=PaymentToken.choices)
    currency = models.CharField(max_length=8, choices=Currency.choices)
    subtotal = models.DecimalField(max_digits=40, decimal_places=18)
    fee_bps = models.PositiveIntegerField()
    fee = models.DecimalField(max_digits=40, decimal_places=18)
    reservation_fee_bps = models.PositiveIntegerField()
    reservation_fee = models.DecimalField(max_digits=40, decimal_places=18)
    total = models.DecimalField(max_digits=40, decimal_places=18)
    total_usd = models.DecimalField(max_digits=24, decimal_places=6)
    jct_usd_price = models.DecimalField(max_digits=24, decimal_places=8, null=True, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    failure_reason = models.CharField(max_length=200, blank=True)
    # The job owner's word on a completed lease: only a confirmed one, or one whose
    # market.confirmation_window_s passed undisputed, counts toward the provider's reliability.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(gpus__gte=1), name="lease_gpus_gte_1"),
            models.CheckConstraint(condition=Q(hours__gte=1), name="lease_hours_gte_1"),
            models.CheckConstraint(condition=Q(price_usd__gt=0), name="lease_price_gt_0"),
            models.CheckConstraint(condition=Q(total__gte=0), name="lease_total_gte_0"),
            models.CheckConstraint(
                condition=~Q(state="failed") | ~Q(failure_reason=""),
                name="lease_failed_has_reason",
            ),
            # Confirmed or disputed, never both; a dispute always says why.
            models.CheckConstraint(
                condition=Q(confirmed_at__isnull=True) | Q(disputed_at__isnull=True),
                name="lease_confirmed_xor_disputed",
            ),
            models.CheckConstraint(
                condition=Q(disputed_at__isnull=True) | ~Q(dispute_reason=""),
                name="lease_dispute_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["node", "state"]),
            models.Index(fields=["state", "ended_at"]),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"lease #{self.pk} job #{self.job_id} on node #{self.node_id}"


class ReplayRun(models.Model):
    """One background replay preview (jctgov.market.replay), keyed by what determines its
    result: the market parameter values in force, the proposed ones, the window and the round
    cap. A second request for the same key reads this row instead of replaying again."""

    class State(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    key = models.CharField(max_length=64, unique=True)
    changes = models.JSONField(default=dict)
    current = models.JSONField(default=dict)
    days = models.PositiveSmallIntegerField()
    window_end = models.DateTimeField()
    max_rounds = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    rounds_total = models.PositiveIntegerField(default=0)
    rounds_done = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(db_index=True)
    progress_at = models.DateTimeField(null=True, blank=True)  # the worker's last sign of life
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"replay {self.key[:12]} {self.state} {self.rounds_done}/{self.rounds_total}"
