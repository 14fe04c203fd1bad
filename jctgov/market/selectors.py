"""Reads: uptime, reliability, eligibility, free capacity and the public market summary."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.db.models import BigIntegerField, Count, F, Func, Max, Min, Q, QuerySet, Sum, Value
from django.utils import timezone

from jctgov.core.errors import NotFound
from jctgov.core.parameters import current_value
from jctgov.market.models import (
    GpuModel,
    Heartbeat,
    Job,
    Lease,
    Node,
    Provider,
    ReplayRun,
    UnmatchedReason,
    UptimeInterval,
)

UPTIME_WINDOW = timedelta(days=7)
BPS = 10_000
# A node that missed this many expected heartbeats in a row is offline: it gets no new leases,
# and its open leases fail (see services.leases_fail_stale).
OFFLINE_AFTER_INTERVALS = 3


def heartbeat_interval() -> timedelta:
    return timedelta(seconds=current_value("market.heartbeat_interval_s"))


def _window_start(node: Node, now: datetime, window: timedelta) -> datetime:
    # A node is only accountable for the time since it registered: new nodes are not punished
    # for the part of the window before they existed.
    return max(node.registered_at, now - window)


def _expected_intervals(start: datetime, now: datetime, interval: timedelta) -> int:
    elapsed = max((now - start).total_seconds(), 0.0)
    return max(1, math.ceil(elapsed / interval.total_seconds()))


class EpochSeconds(Func):
    """Whole seconds since 1970-01-01 UTC of a datetime column, on PostgreSQL and SQLite."""

    output_field = BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="FLOOR(EXTRACT(EPOCH FROM %(expressions)s))::bigint"
        )

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            # '%%%%s' → '%%s' in the SQL → '%s' after parameter substitution: strftime's format
            compiler,
            connection,
            template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)",
        )


def uptime_bps(
    node: Node,
    *,
    now: datetime | None = None,
    window: timedelta = UPTIME_WINDOW,
    interval: timedelta | None = None,
) -> int:
    """Intervals with a heartbeat / expected intervals since max(registration, now − window),
    in bps, capped at 100%."""
    return uptimes_bps([node], now=now, window=window, interval=interval)[node.pk]


def uptimes_bps(
    nodes: list[Node],
    *,
    now: datetime | None = None,
    window: timedelta = UPTIME_WINDOW,
    interval: timedelta | None = None,
) -> dict[int, int]:
    """uptime_bps for many nodes in one query: {node id: bps}.

    "Received" counts heartbeat intervals (clock-aligned slots of heartbeat_interval_s) with at
    least one heartbeat, not heartbeats: the rate limit lets a node send two per interval, and
    counting those would let a node that is up half the time claim 100%.
    """
    now = now or timezone.now()
    interval = interval or heartbeat_interval()
    seconds = max(1, int(interval.total_seconds()))
    earliest = now - window
    slot = EpochSeconds("received_at") / Value(seconds)  # integer division on both databases
    counts = dict(
        Heartbeat.objects.filter(node__in=nodes, received_at__gte=earliest, received_at__lte=now)
        .values_list("node")
        .annotate(n=Count(slot, distinct=True))
        .values_list("node", "n")
    )
    rolled = _rolled_up_slots(nodes, earliest=earliest, now=now, seconds=seconds)
    result = {}
    for node in nodes:
        start = _window_start(node, now, window)
        # heartbeats never predate registration; older ones are rolled up (retention.py)
        received = counts.get(node.pk, 0) + rolled.get(node.pk, 0)
        result[node.pk] = min(BPS, received * BPS // _expected_intervals(start, now, interval))
    return result


def counted_completed(*, now: datetime | None = None) -> Q:
    """Completed leases that count toward reliability: undisputed, and confirmed by the job
    owner or past ``market.confirmation_window_s`` since completion. A provider's own
    "completed" alone counts for nothing until then (issue 15: self-reported inflation)."""
    now = now or timezone.now()
    window = timedelta(seconds=current_value("market.confirmation_window_s"))
    return Q(state=Lease.State.COMPLETED, disputed_at__isnull=True) & (
        Q(confirmed_at__isnull=False) | Q(ended_at__lte=now - window)
    )


def _rolled_up_slots(
    nodes: list[Node], *, earliest: datetime, now: datetime, seconds: int
) -> dict[int, int]:
    """Slots of ``seconds`` overlapping [earliest, now] covered by each node's rolled-up
    uptime intervals (heartbeats that retention replaced). One query."""
    lo_ts, hi_ts = int(earliest.timestamp()), int(now.timestamp()) + 1
    rows = (
        UptimeInterval.objects.filter(node__in=nodes)
        .annotate(end_ts=(F("last_slot") + 1) * F("slot_s"))
        .filter(end_ts__gt=lo_ts)
        .values_list("node_id", "slot_s", "first_slot", "last_slot")
    )
    result: dict[int, int] = {}
    for node_id, slot_s, first, last in rows:
        lo, hi = max(first * slot_s, lo_ts), min((last + 1) * slot_s, hi_ts)
        if hi > lo:
            result[node_id] = result.get(node_id, 0) + (hi - 1) // seconds - lo // seconds + 1
    return result


def reliability(provider: Provider) -> Fraction:
    """(completed + 1) / (completed + failed + 2): Laplace smoothing, so a new provider is 1/2."""
    return reliabilities([provider.pk])[provider.pk]


def reliabilities(provider_ids: list[int], *, now: datetime | None = None) -> dict[int, Fraction]:
    rows = (
        Lease.objects.filter(node__provider_id__in=provider_ids)
        .values("node__provider_id")
        .annotate(
            completed=Count("id", filter=counted_completed(now=now)),
            failed=Count("id", filter=Q(state=Lease.State.FAILED)),
        )
    )
    counts = {r["node__provider_id"]: (r["completed"], r["failed"]) for r in rows}
    result = {}
    for pid in provider_ids:
        completed, failed = counts.get(pid, (0, 0))
        result[pid] = Fraction(completed + 1, completed + failed + 2)
    return result


def reliability_bps(provider: Provider) -> int:
    value = reliability(provider)
    return value.numerator * BPS // value.denominator


def node_online(node: Node, *, now: datetime, interval: timedelta) -> bool:
    if node.last_heartbeat_at is None:
        return False
    return now - node.last_heartbeat_at <= interval * OFFLINE_AFTER_INTERVALS


@dataclass
class Eligibility:
    """Whether a provider may receive leases, and every reason why not."""

    eligible: bool
    reasons: list[str] = field(default_factory=list)
    vejct: int = 0
    min_vejct: int = 0
    uptime_bps: int = 0
    min_uptime_bps: int = 0


def eligibility(provider: Provider, *, now: datetime | None = None) -> Eligibility:
    """Stake ≥ market.min_provider_vejct and best active node uptime ≥ market.min_uptime_bps."""
    now = now or timezone.now()
    min_vejct = current_value("market.min_provider_vejct")
    min_uptime = current_value("market.min_uptime_bps")
    nodes = list(provider.nodes.filter(active=True))
    best_uptime = max(uptimes_bps(nodes, now=now).values(), default=0)
    reasons = []
    if not nodes:
        reasons.append("no active nodes registered")
    if int(provider.vejct) < min_vejct:
        reasons.append("veJCT below market.min_provider_vejct")
    if best_uptime < min_uptime:
        reasons.append("uptime below market.min_uptime_bps")
    return Eligibility(
        eligible=not reasons,
        reasons=reasons,
        vejct=int(provider.vejct),
        min_vejct=min_vejct,
        uptime_bps=best_uptime,
        min_uptime_bps=min_uptime,
    )


def used_gpus(node_ids: list[int]) -> dict[int, int]:
    """GPUs held by pending or running leases, per node."""
    rows = (
        Lease.objects.filter(node_id__in=node_ids, state__in=Lease.OPEN_STATES)
        .values("node_id")
        .annotate(used=Sum("gpus"))
    )
    return {r["node_id"]: r["used"] or 0 for r in rows}


def market_summary(*, now: datetime | None = None, recent: int = 20) -> dict:
    """Online capacity and asks by GPU model, open jobs, and the most recent matches."""
    now = now or timezone.now()
    interval = heartbeat_interval()
    nodes = list(Node.objects.filter(active=True))
    online = [n for n in nodes if node_online(n, now=now, interval=interval)]
    used = used_gpus([n.pk for n in online])
    by_model: dict[str, dict] = {}
    for node in online:
        row = by_model.setdefault(
            node.gpu_model,
            {"gpu_model": node.gpu_model, "nodes": 0, "gpus": 0, "free_gpus": 0, "asks": []},
        )
        row["nodes"] += 1
        row["gpus"] += node.gpu_count
        row["free_gpus"] += max(0, node.gpu_count - used.get(node.pk, 0))
        row["asks"].append(node.ask_usd)
    capacity = []
    for model in GpuModel.values:
        if model not in by_model:
            continue
        row = by_model[model]
        asks = sorted(row.pop("asks"))
        row.update(min_ask_usd=asks[0], median_ask_usd=_median(asks), max_ask_usd=asks[-1])
        capacity.append(row)
    pending = Job.objects.filter(state=Job.State.PENDING).aggregate(
        jobs=Count("id"),
        gpus=Sum("gpus"),
        max_bid=Max("max_price_usd"),
        min_bid=Min("max_price_usd"),
    )
    leases = Lease.objects.select_related("node").order_by("-created_at", "-id")[:recent]
    return {
        "capacity": capacity,
        "pending_jobs": pending["jobs"] or 0,
        "pending_gpus": pending["gpus"] or 0,
        "recent_matches": [
            {
                "lease": lease.pk,
                "gpu_model": lease.node.gpu_model,
                "gpus": lease.gpus,
                "hours": lease.hours,
                "price_usd": lease.price_usd,
                "payment_token": lease.payment_token,
                "state": lease.state,
                "created_at": lease.created_at,
            }
            for lease in leases
        ],
    }


def _median(values: list[Decimal]) -> Decimal:
    mid = len(values) // 2
    if len(values) % 2:
        return values[mid]
    return (values[mid - 1] + values[mid]) / 2


def provider_status(provider: Provider, *, now: datetime | None = None) -> dict:
    """Everything the provider dashboard shows: stake, reliability, eligibility, nodes, leases."""
    now = now or timezone.now()
    interval = heartbeat_interval()
    nodes = list(provider.nodes.order_by("id"))
    uptimes = uptimes_bps(nodes, now=now)
    used = used_gpus([n.pk for n in nodes])
    counts = Lease.objects.filter(node__provider=provider).aggregate(
        completed=Count("id", filter=counted_completed(now=now)),
        awaiting=Count("id", filter=Q(state=Lease.State.COMPLETED) & ~counted_completed(now=now)),
        failed=Count("id", filter=Q(state=Lease.State.FAILED)),
        open=Count("id", filter=Q(state__in=Lease.OPEN_STATES)),
    )
    rel = Fraction(counts["completed"] + 1, counts["completed"] + counts["failed"] + 2)
    leases = (
        Lease.objects.filter(node__provider=provider)
        .select_related("node")
        .order_by("-created_at", "-id")
    )
    return {
        "provider": provider,
        "address": provider.user.address,
        "vejct": int(provider.vejct),
        "vejct_refreshed_at": provider.vejct_refreshed_at,
        "reliability_bps": rel.numerator * BPS // rel.denominator,
        "leases_completed": counts["completed"],
        # completed by the provider's word, not (yet) by the owner's or the window's
        "leases_unconfirmed": counts["awaiting"],
        "leases_failed": counts["failed"],
        "leases_open": counts["open"],
        "eligibility": eligibility(provider, now=now),
        # open leases first (the provider reports on them), then the latest closed ones
        "leases": list(leases.filter(state__in=Lease.OPEN_STATES)[:100])
        + list(leases.exclude(state__in=Lease.OPEN_STATES)[:20]),
        "nodes": [
            {
                "node": node,
                "uptime_bps": uptimes[node.pk],
                "online": node_online(node, now=now, interval=interval),
                "free_gpus": max(0, node.gpu_count - used.get(node.pk, 0)),
            }
            for node in nodes
        ],
    }


def jobs_of(user: Any) -> QuerySet[Job]:
    """The user's jobs, newest first, with their leases' nodes."""
    return Job.objects.filter(submitter=user).select_related("lease__node")


def job_of(user: Any, job_id: int) -> Job:
    """One of the user's jobs, or NotFound (job_not_found): another's job is not found either."""
    job = jobs_of(user).filter(pk=job_id).first()
    if job is None:
        raise NotFound("No such job.", code="job_not_found")
    return job


def leases_of(user: Any, role: str | None = None) -> QuerySet[Lease]:
    """Leases on the user's nodes (role "provider"), of the user's jobs ("submitter"), or both."""
    leases = Lease.objects.select_related("node")
    if role == "provider":
        return leases.filter(node__provider__user=user)
    if role == "submitter":
        return leases.filter(job__submitter=user)
    return leases.filter(Q(node__provider__user=user) | Q(job__submitter=user))


def replay_run_get(key: str) -> ReplayRun:
    """A replay preview run by its key, or NotFound (replay_not_found)."""
    run = ReplayRun.objects.filter(key=key).first()
    if run is None:
        raise NotFound("No such replay.", code="replay_not_found")
    return run


def unmatched_of(job: Job) -> dict | None:
    """Why a pending (or expired) job has no lease: the last round's reason, or that no round
    has considered it yet."""
    if job.state not in (Job.State.PENDING, Job.State.EXPIRED):
        return None
    code = job.unmatched_reason or UnmatchedReason.QUEUED
    if job.state == Job.State.EXPIRED:
        code = UnmatchedReason.EXPIRED
    return {
        "code": code,
        "message": UnmatchedReason(code).label,
        "detail": job.unmatched_detail,
        "considered_at": job.considered_at,
    }


def nodes_health(user, *, now: datetime | None = None) -> list[dict]:
    """The wallet's provider nodes (none if it is no provider): online, uptime over
    ``UPTIME_WINDOW`` and last heartbeat. Three queries whatever the number of nodes."""
    now = now or timezone.now()
    interval = heartbeat_interval()
    nodes = list(Node.objects.filter(provider__user=user).order_by("-active", "name", "id"))
    uptimes = uptimes_bps(nodes, now=now, interval=interval) if nodes else {}
    return [
        {
            "node": node,
            "online": node.active and node_online(node, now=now, interval=interval),
            "uptime_bps": uptimes.get(node.pk, 0),
        }
        for node in nodes
    ]


RECENT_MATCHES = timedelta(hours=24)


def network_figures(*, now: datetime | None = None) -> dict:
    """Providers and nodes online now (a heartbeat within ``OFFLINE_AFTER_INTERVALS``
    intervals) and leases matched in the last ``RECENT_MATCHES``. Two aggregate queries."""
    now = now or timezone.now()
    since = now - heartbeat_interval() * OFFLINE_AFTER_INTERVALS
    online = Node.objects.filter(active=True, last_heartbeat_at__gte=since).aggregate(
        nodes=Count("id"), providers=Count("provider", distinct=True), gpus=Sum("gpu_count")
    )
    matched = Lease.objects.filter(created_at__gte=now - RECENT_MATCHES).count()
    return {
        "providers_online": online["providers"] or 0,
        "nodes_online": online["nodes"] or 0,
        "gpus_online": online["gpus"] or 0,
        "matched_recently": matched,
        "matched_window_h": int(RECENT_MATCHES.total_seconds()) // 3600,
    }
