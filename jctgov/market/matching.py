"""Match rounds: adapt the database to the pure engine, and its assignments back to leases.

Jobs and offers are first turned into plain JSON records (stored on the MatchRound, so the
round can be replayed with other parameters), then into the engine's dataclasses.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from jctgov.core.parameters import current_values
from jctgov.core.services import audit_record
from jctgov.market import engine, pricing
from jctgov.market.models import Job, Lease, MatchLock, MatchRound, Node
from jctgov.market.queue import Explainer
from jctgov.market.selectors import (
    BPS,
    OFFLINE_AFTER_INTERVALS,
    heartbeat_interval,
    reliabilities,
    uptimes_bps,
    used_gpus,
)

logger = logging.getLogger(__name__)
MAX_JOBS_PER_ROUND = 1_000
MARKET_PREFIX = "market."


# --- records: plain, JSON-serialisable round inputs ------------------------------------


def job_record(job: Job) -> dict[str, Any]:
    return {
        "id": job.pk,
        "gpu_model": job.gpu_model or None,
        "gpus": job.gpus,
        "vram_min": job.vram_min,
        "hours": job.hours,
        "max_price_usd": str(job.max_price_usd),
        "payment_token": job.payment_token,
        "submitter": str(job.submitter_id),
    }


def offer_records(*, now: datetime) -> list[dict[str, Any]]:
    """One offer per active, online node with free GPUs, with its provider's stake, the
    node's uptime and the provider's reliability. Eligibility is left to the engine
    (min_stake, min_uptime_bps) so a replay can change the thresholds."""
    cutoff = now - heartbeat_interval() * OFFLINE_AFTER_INTERVALS
    nodes = list(
        Node.objects.filter(active=True, last_heartbeat_at__gte=cutoff)
        .select_related("provider")
        .order_by("id")
    )
    used = used_gpus([n.pk for n in nodes])
    uptime = uptimes_bps(nodes, now=now)
    reliability = reliabilities(sorted({n.provider_id for n in nodes}))
    records = []
    for node in nodes:
        free = node.gpu_count - used.get(node.pk, 0)
        if free <= 0:
            continue
        rel = reliability[node.provider_id]
        records.append(
            {
                "id": node.pk,
                "provider": node.provider_id,
                "owner": str(node.provider.user_id),
                "gpu_model": node.gpu_model,
                "gpus": free,
                "vram_gb": node.vram_gb,
                "hours": node.available_hours,
                "ask_usd": str(node.ask_usd),
                "stake": str(int(node.provider.vejct)),
                "uptime_bps": uptime[node.pk],
                "reliability_bps": rel.numerator * BPS // rel.denominator,
            }
        )
    return records


def market_params(values: dict[str, int]) -> dict[str, int]:
    return {k: v for k, v in values.items() if k.startswith(MARKET_PREFIX)}


# --- records → engine ------------------------------------------------------------------


def engine_job(record: dict[str, Any]) -> engine.Job:
    return engine.Job(
        id=str(record["id"]),
        gpu_model=record["gpu_model"],
        gpus=record["gpus"],
        vram_min=record["vram_min"],
        hours=Decimal(record["hours"]),
        max_price=Decimal(record["max_price_usd"]),
        payment_token=record["payment_token"],
        submitter=record.get("submitter"),  # absent from rounds recorded before issue 15
    )


def engine_offer(record: dict[str, Any]) -> engine.Offer:
    return engine.Offer(
        id=str(record["id"]),
        provider=str(record["provider"]),
        gpu_model=record["gpu_model"],
        gpu_count=record["gpus"],
        vram_gb=record["vram_gb"],
        ask=Decimal(record["ask_usd"]),
        hours=Decimal(record["hours"]),
        stake=int(record["stake"]),
        uptime_bps=record["uptime_bps"],
        reliability=Decimal(record["reliability_bps"]) / BPS,
        # Stake and uptime thresholds are applied by the engine (min_stake, min_uptime_bps).
        eligible=True,
        owner=record.get("owner"),
    )


def run_engine(
    jobs: list[dict[str, Any]], offers: list[dict[str, Any]], values: dict[str, int]
) -> engine.RoundResult:
    """The engine over records with the parameter ``values`` (current or proposed)."""
    return engine.match(
        [engine_job(j) for j in jobs],
        [engine_offer(o) for o in offers],
        engine.Weights.from_params(values),
        min_stake=values["market.min_provider_vejct"],
        min_uptime_bps=values["market.min_uptime_bps"],
    )


def assignment_pairs(result: engine.RoundResult) -> list[tuple[int, int, int]]:
    """(job id, offer id, gpus) for each assignment, in the engine's order."""
    return [(int(a.job_id), int(a.offer_id), a.gpus) for a in result.assignments]


# --- the round -------------------------------------------------------------------------


def match_round(*, now: datetime | None = None) -> MatchRound | None:
    """Match pending jobs to free capacity and create leases with quotes.

    One round at a time: the round holds a row lock on the MatchLock singleton for its whole
    transaction, so free capacity is computed after the previous round committed and a node's
    GPUs are never double-booked. Idempotent: a job leaves ``pending`` in the transaction that
    creates its lease (and Lease.job is unique). Returns None (and records nothing) when no job
    is pending, or when nothing matched and jobs and offers are those of the last round.
    """
    now = now or timezone.now()
    MatchLock.objects.get_or_create(id=1)
    with transaction.atomic():
        MatchLock.objects.select_for_update().get(id=1)
        values = current_values()
        jobs = round_jobs(now=now, values=values)
        if not jobs:
            return None
        jobs_in = [job_record(j) for j in jobs]
        offers_in = offer_records(now=now)
        result = run_engine(jobs_in, offers_in, values)
        inputs = {"jobs": jobs_in, "offers": offers_in}
        if not result.assignments and _same_market_as_last_round(inputs):
            # Nothing matched and nothing changed: a beat every 10 s would otherwise store the
            # same unmatched jobs and offers again and again (replay gains nothing from them).
            return None
        match = MatchRound.objects.create(
            started_at=now,
            params=market_params(values),
            inputs=inputs,
            jobs_considered=len(jobs_in),
            offers_considered=len(offers_in),
        )
        jobs_by_id = {j.pk: j for j in jobs}
        free = {o["id"]: o["gpus"] for o in offers_in}
        nodes = Node.objects.in_bulk(list(free))
        created = 0
        for job_id, node_id, gpus in assignment_pairs(result):
            if free.get(node_id, 0) < gpus:  # the engine's guarantee, checked again here
                logger.error("engine over-assigned node %s; skipping job %s", node_id, job_id)
                continue
            if _lease_create(match, jobs_by_id[job_id], nodes[node_id], gpus, values, now):
                free[node_id] -= gpus
                created += 1
        _explain_unmatched(jobs, offers_in, result, values, now)
        match.matched = created
        match.finished_at = timezone.now()
        match.save(update_fields=["matched", "finished_at"])
    logger.info("match round %s: %d of %d jobs matched", match.pk, created, len(jobs_in))
    return match


def round_jobs(*, now: datetime, values: dict[str, int]) -> list[Job]:
    """The pending, unexpired jobs this round sees: round-robin across submitters before age
    (jctgov.market.queue.select_for_round, in SQL), at most MAX_JOBS_PER_ROUND."""
    expiry_cutoff = now - timedelta(seconds=values["market.job_expiry_s"])
    rank = Window(
        RowNumber(), partition_by=[F("submitter_id")], order_by=[F("submitted_at"), F("id")]
    )
    # The window runs over narrow (id, submitter, submitted_at) rows read in index order; only
    # the chosen jobs are then loaded whole.
    ids = list(
        Job.objects.filter(state=Job.State.PENDING, submitted_at__gte=expiry_cutoff)
        .annotate(rank=rank)
        .order_by("rank", "submitted_at", "id")
        .values_list("id", flat=True)[:MAX_JOBS_PER_ROUND]
    )
    by_id = Job.objects.in_bulk(ids)
    return [by_id[pk] for pk in ids]


def _explain_unmatched(
    jobs: list[Job],
    offers_in: list[dict[str, Any]],
    result: engine.RoundResult,
    values: dict[str, int],
    now: datetime,
) -> None:
    """Store on each job the round left pending why it did not match (only rows that change)."""
    unmatched = set(result.unmatched_job_ids)
    explainer = Explainer(
        [engine_offer(o) for o in offers_in],
        min_stake=values["market.min_provider_vejct"],
        min_uptime_bps=values["market.min_uptime_bps"],
    )
    changed = []
    for job in jobs:
        if str(job.pk) not in unmatched:
            continue
        code, detail = explainer.why(engine_job(job_record(job)))
        if (job.unmatched_reason, job.unmatched_detail) != (code, detail):
            job.unmatched_reason, job.unmatched_detail, job.considered_at = code, detail, now
            changed.append(job)
    if changed:
        # Only still-pending rows: a job cancelled meanwhile keeps its state (bulk_update
        # writes just these columns).
        Job.objects.bulk_update(
            changed, ["unmatched_reason", "unmatched_detail", "considered_at"], batch_size=500
        )


def _signature(inputs: dict[str, Any]) -> tuple[Any, ...]:
    jobs = sorted(j["id"] for j in inputs.get("jobs", []))
    offers = sorted((o["id"], o["gpus"], o["ask_usd"]) for o in inputs.get("offers", []))
    return (tuple(jobs), tuple(offers))


def _same_market_as_last_round(inputs: dict[str, Any]) -> bool:
    last = (
        MatchRound.objects.order_by("-started_at", "-id").values_list("inputs", flat=True).first()
    )
    return last is not None and _signature(last) == _signature(inputs)


def _lease_create(
    match: MatchRound, job: Job, node: Node, gpus: int, values: dict[str, int], now: datetime
) -> Lease | None:
    # Claim the job with a conditional update: a job cancelled meanwhile is skipped.
    if Job.objects.filter(pk=job.pk, state=Job.State.PENDING).update(state=Job.State.MATCHED) != 1:
        return None
    quote = pricing.quote_for(Decimal(gpus * job.hours), node.ask_usd, job.payment_token, values)
    lease = Lease(
        job=job,
        node=node,
        match_round=match,
        gpus=gpus,
        hours=job.hours,
        price_usd=node.ask_usd,
        created_at=now,
        **pricing.lease_quote_fields(quote),
    )
    lease.full_clean(exclude=["job"])
    lease.save()
    audit_record(
        subject=job,
        action="job_matched",
        from_state="pending",
        to_state="matched",
        data={"lease": lease.pk, "node": node.pk},
    )
    audit_record(
        subject=lease,
        action="lease_created",
        to_state=lease.state,
        data={"total": str(lease.total), "currency": lease.currency},
    )
    return lease
