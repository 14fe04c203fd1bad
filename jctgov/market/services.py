"""Writes for providers, nodes, heartbeats, jobs and leases. Matching lives in ``matching``."""

from __future__ import annotations

import hashlib
import logging
import math
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jctgov.core.db import lock_wallet, locked
from jctgov.core.errors import (
    ApplicationError,
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
)
from jctgov.core.parameters import current_value
from jctgov.core.services import audit_record
from jctgov.core.transitions import transition
from jctgov.market.models import GPU_VRAM_GB, Heartbeat, Job, Lease, Node, Provider, UnmatchedReason
from jctgov.market.selectors import OFFLINE_AFTER_INTERVALS, heartbeat_interval
from jctgov.wallets.models import User

logger = logging.getLogger(__name__)
TOKEN_PREFIX = "jctn_"


class HeartbeatTooSoon(ApplicationError):
    """A node sent its heartbeat before heartbeat_interval_s / 2 had passed since the last one."""

    status = 429
    code = "heartbeat_too_soon"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(
            f"Too soon: the next heartbeat is accepted in {retry_after_s} s.",
            extra={"retry_after_s": retry_after_s},
        )
        self.retry_after_s = retry_after_s


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- providers and nodes ---------------------------------------------------------------


def provider_register(*, user: User, now: datetime | None = None) -> Provider:
    """The caller's provider record, created on first call. Idempotent."""
    provider = Provider.objects.filter(user=user).first()
    if provider:
        return provider
    with transaction.atomic():
        provider, created = Provider.objects.get_or_create(
            user=user, defaults={"created_at": now or timezone.now()}
        )
        if created:
            audit_record(subject=provider, action="provider_registered", actor=user)
    return provider


def provider_for(user: User) -> Provider:
    provider = Provider.objects.filter(user=user).first()
    if provider is None:
        raise NotFound("Register as a provider first.", code="provider_not_registered")
    return provider


class NodeRegistration(NamedTuple):
    node: Node
    token: str  # plaintext; shown to the provider once and never stored


def node_register(
    *,
    user: User,
    name: str,
    gpu_model: str,
    gpu_count: int,
    region: str,
    ask_usd: Decimal,
    available_hours: int,
    vram_gb: int | None = None,
    now: datetime | None = None,
) -> NodeRegistration:
    """Register a node (and the provider, if new). Returns the heartbeat token once; only its
    sha256 is stored, so a lost token means registering the node again."""
    now = now or timezone.now()
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        provider = provider_register(user=user, now=now)
        if provider.nodes.filter(name=name).exists():
            raise Conflict(
                f"You already have a node named {name!r}.", code="node_name_taken", field="name"
            )
        node = Node(
            provider=provider,
            name=name,
            gpu_model=gpu_model,
            gpu_count=gpu_count,
            vram_gb=vram_gb or GPU_VRAM_GB.get(gpu_model, 0),
            region=region,
            ask_usd=ask_usd,
            available_hours=available_hours,
            token_hash=token_hash(token),
            registered_at=now,
        )
        node.full_clean()
        node.save()
        audit_record(subject=node, action="node_registered", actor=user)
    return NodeRegistration(node, token)


def heartbeat_record(*, token: str, now: datetime | None = None) -> Heartbeat:
    """Record a heartbeat for the node holding ``token``.

    At most one per heartbeat_interval_s / 2: the claim is a conditional update of
    ``last_heartbeat_at``, so concurrent heartbeats can never both count.
    """
    now = now or timezone.now()
    node = Node.objects.filter(token_hash=token_hash(token)).first() if token else None
    if node is None:
        raise Unauthorized("Unknown node token.", code="invalid_node_token")
    if not node.active:
        raise Conflict("This node is deactivated.", code="node_inactive")
    min_gap = heartbeat_interval() / 2
    with transaction.atomic():
        claimed = (
            Node.objects.filter(pk=node.pk)
            .filter(Q(last_heartbeat_at__isnull=True) | Q(last_heartbeat_at__lte=now - min_gap))
            .update(last_heartbeat_at=now)
        )
        if claimed != 1:
            last = Node.objects.values_list("last_heartbeat_at", flat=True).get(pk=node.pk)
            wait = (last + min_gap - now).total_seconds()  # type: ignore[operator]
            raise HeartbeatTooSoon(max(1, math.ceil(wait)))
        return Heartbeat.objects.create(node=node, received_at=now)


# --- stake -----------------------------------------------------------------------------


def provider_refresh_stake(*, provider: Provider, now: datetime | None = None) -> Provider:
    """Set ``provider.vejct`` to VotingEscrow.balanceOf(address) now.

    Chain failures propagate as the chain client's errors: ChainUnavailable (503, transient)
    or ChainError (502); the stored value is then left as it was."""
    from jctgov.chain import client

    balance = client.vejct_balance(provider.user.address)
    Provider.objects.filter(pk=provider.pk).update(
        vejct=balance, vejct_refreshed_at=now or timezone.now()
    )
    provider.refresh_from_db()
    return provider


def stakes_refresh(*, now: datetime | None = None) -> int:
    """Refresh every provider's veJCT at one head block (Multicall3 batches). Returns how many
    providers were updated. Idempotent; on a chain outage nothing changes and the error
    propagates (the beat runs it again)."""
    from jctgov.chain import client

    now = now or timezone.now()
    providers = list(Provider.objects.select_related("user").order_by("id"))
    if not providers:
        return 0
    balances = client.vejct_balances_at([p.user.address for p in providers], client.head_block())
    for provider in providers:
        Provider.objects.filter(pk=provider.pk).update(
            vejct=balances.get(provider.user.address, 0), vejct_refreshed_at=now
        )
    return len(providers)


# --- jobs ------------------------------------------------------------------------------


def job_submit(
    *,
    user: User,
    gpus: int,
    hours: int,
    max_price_usd: Decimal,
    payment_token: str,
    gpu_model: str | None = None,
    vram_min: int = 1,
    now: datetime | None = None,
) -> Job:
    """Queue a compute job for the next match round.

    At most ``market.max_pending_jobs_per_wallet`` unexpired pending jobs per wallet (409
    ``too_many_pending_jobs``): the count and the insert run under a row lock on the wallet's
    user row, so concurrent submissions cannot pass the cap together."""
    now = now or timezone.now()
    job = Job(
        submitter=user,
        gpu_model=gpu_model or None,
        gpus=gpus,
        vram_min=vram_min,
        hours=hours,
        max_price_usd=max_price_usd,
        payment_token=payment_token,
        submitted_at=now,
    )
    job.full_clean()
    with transaction.atomic():
        lock_wallet(user)
        cap = current_value("market.max_pending_jobs_per_wallet")
        expiry_cutoff = now - timedelta(seconds=current_value("market.job_expiry_s"))
        pending = Job.objects.filter(
            submitter=user, state=Job.State.PENDING, submitted_at__gte=expiry_cutoff
        ).count()
        if pending >= cap:
            raise Conflict(
                f"You already have {pending} pending jobs, the most one wallet may have "
                f"(market.max_pending_jobs_per_wallet = {cap}). Cancel one or wait for matches.",
                code="too_many_pending_jobs",
                extra={"max_pending": cap},
            )
        job.save()
        audit_record(subject=job, action="job_submitted", actor=user, to_state=job.state)
    return job


def job_cancel(*, job_id: int, user: User) -> Job:
    """Cancel a still-pending job of the caller's. 409 once it is matched."""
    with transaction.atomic():
        job = locked(Job.objects.filter(submitter=user), job_id, code="job_not_found", what="job")
        return transition(job, "cancel", actor=user)


def jobs_expire(*, now: datetime | None = None) -> int:
    """Pending jobs older than ``market.job_expiry_s`` become ``expired`` (with that reason).

    Idempotent: a conditional update of still-pending rows; a job matched or cancelled
    meanwhile is left alone. Match rounds skip such jobs even before this runs."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=current_value("market.job_expiry_s"))
    ids = list(
        Job.objects.filter(state=Job.State.PENDING, submitted_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:10_000]
    )
    if not ids:
        return 0
    with transaction.atomic():
        expired = Job.objects.filter(pk__in=ids, state=Job.State.PENDING).update(
            state=Job.State.EXPIRED,
            unmatched_reason=UnmatchedReason.EXPIRED,
            unmatched_detail="No match within market.job_expiry_s of submission.",
            considered_at=now,
        )
    logger.info("expired %d pending jobs", expired)
    return expired


# --- leases ----------------------------------------------------------------------------

LEASE_NOT_FOUND = "No such lease."


def _lease_for_provider(lease_id: int, user: User | None) -> Lease:
    """The lease, row-locked, for its node's provider (``user`` None: the system).

    Whoever may not see the lease gets 404 ``lease_not_found``, never 403 (which would tell
    them it exists); only the job's submitter, who sees it, is told it is the provider's."""
    leases = Lease.objects.select_related("node__provider")
    lease = locked(leases, lease_id, code="lease_not_found", what="lease")
    if user is not None and lease.node.provider.user_id != user.pk:
        if Job.objects.filter(pk=lease.job_id, submitter=user).exists():
            raise Forbidden(
                "Only the node's provider reports on this lease.", code="not_lease_provider"
            )
        raise NotFound(LEASE_NOT_FOUND, code="lease_not_found")
    return lease


def lease_start(*, lease_id: int, user: User, now: datetime | None = None) -> Lease:
    """The provider reports the job running: pending → running."""
    now = now or timezone.now()
    with transaction.atomic():
        lease = _lease_for_provider(lease_id, user)
        return transition(lease, "start", actor=user, clean=True, started_at=now)


def lease_complete(*, lease_id: int, user: User, now: datetime | None = None) -> Lease:
    """The provider reports the job done: running → completed (counts for reliability)."""
    now = now or timezone.now()
    with transaction.atomic():
        lease = _lease_for_provider(lease_id, user)
        return transition(lease, "complete", actor=user, clean=True, ended_at=now)


def lease_fail(
    *, lease_id: int, reason: str, user: User | None = None, now: datetime | None = None
) -> Lease:
    """pending|running → failed with a reason (counts against reliability). ``user`` None is
    the system (missed heartbeats)."""
    now = now or timezone.now()
    if not reason.strip():
        raise ApplicationError("Say why the lease failed.", code="reason_required", field="reason")
    with transaction.atomic():
        lease = _lease_for_provider(lease_id, user)
        return _fail(lease, reason.strip()[:200], actor=user, now=now)


def _fail(lease: Lease, reason: str, *, actor: User | None, now: datetime) -> Lease:
    return transition(
        lease,
        "fail",
        actor=actor,
        clean=True,
        data={"reason": reason},
        ended_at=now,
        failure_reason=reason,
    )


def leases_fail_stale(*, now: datetime | None = None) -> list[int]:
    """Fail open leases whose node missed OFFLINE_AFTER_INTERVALS heartbeats.

    Idempotent: each lease is re-checked (state and the node's last heartbeat) under its row
    lock, so two runs never fail one lease twice and a heartbeat that just arrived saves it."""
    now = now or timezone.now()
    cutoff = now - heartbeat_interval() * OFFLINE_AFTER_INTERVALS
    stale = Lease.objects.filter(state__in=Lease.OPEN_STATES, created_at__lt=cutoff).filter(
        Q(node__last_heartbeat_at__lt=cutoff) | Q(node__last_heartbeat_at__isnull=True)
    )
    failed = []
    for lease_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            lease = (
                Lease.objects.select_for_update(of=("self",))
                .select_related("node")
                .filter(pk=lease_id, state__in=Lease.OPEN_STATES)
                .first()
            )
            last = lease.node.last_heartbeat_at if lease else None
            if lease is None or (last is not None and last >= cutoff):
                continue
            _fail(lease, "node missed heartbeats", actor=None, now=now)
        failed.append(lease_id)
    if failed:
        logger.info("failed %d stale leases", len(failed))
    return failed
