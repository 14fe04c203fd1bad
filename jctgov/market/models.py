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


class Job(models.Model):
    """A compute request. ``gpu_model`` empty means any model with at least ``vram_min`` GB."""

    class State(models.TextChoices):
        PENDING = "pending"
        MATCHED = "matched"
        CANCELLED = "cancelled"

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

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(gpus__gte=1), name="job_gpus_gte_1"),
            models.CheckConstraint(condition=Q(hours__gte=1), name="job_hours_gte_1"),
            models.CheckConstraint(condition=Q(max_price_usd__gt=0), name="job_max_price_gt_0"),
        ]
        indexes = [models.Index(fields=["state", "submitted_at"])]
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
        ]
        indexes = [
            models.Index(fields=["node", "state"]),
            models.Index(fields=["state", "ended_at"]),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"lease #{self.pk} job #{self.job_id} on node #{self.node_id}"
