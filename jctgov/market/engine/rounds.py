"""One matching round: check the input, filter and score every (job, offer) pair with numpy,
assign (``book``); and the exact one-pair filter."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from decimal import Decimal

import numpy as np

from .book import Pairs, assign
from .model import BPS, PAYMENT_TOKENS, WEI_PER_JCT, Job, Offer, RoundResult, RoundStats, Weights


def match(
    jobs: Iterable[Job],
    offers: Iterable[Offer],
    weights: Weights,
    *,
    min_stake: int = 0,
    min_uptime_bps: int = 0,
    max_jobs_per_offer: int | None = None,
) -> RoundResult:
    """One matching round. Pure and deterministic; never over-books an offer or a job.

    ``max_jobs_per_offer`` caps how many jobs one offer takes this round (None: GPU capacity
    only; 1: exclusive nodes, the setting under which ``linear_sum_assignment`` is the exact
    optimum the benchmark compares against).
    """
    job_list = sorted(jobs, key=lambda j: j.id)
    offer_list = sorted(offers, key=lambda o: o.id)
    _check_unique(job_list, "job")
    _check_unique(offer_list, "offer")
    for job in job_list:
        _check_job(job)
    if max_jobs_per_offer is not None and max_jobs_per_offer < 1:
        raise ValueError("max_jobs_per_offer must be ≥ 1 (or None)")
    admissible = [
        o
        for o in offer_list
        if o.eligible
        and o.stake >= min_stake
        and o.uptime_bps >= min_uptime_bps
        and o.gpu_count > 0
        and o.hours > 0
    ]
    pairs = feasible_pairs(job_list, admissible, weights)
    assignments = assign(job_list, admissible, pairs, max_jobs_per_offer)
    matched = {a.job_id for a in assignments}
    max_price = {j.id: j.max_price for j in job_list}
    stats = RoundStats(
        jobs=len(job_list),
        offers=len(offer_list),
        offers_admissible=len(admissible),
        feasible_pairs=len(pairs[0]),
        matched=len(assignments),
        gpu_hours=sum((a.gpu_hours for a in assignments), Decimal(0)),
        surplus=sum(
            ((max_price[a.job_id] - a.price) * a.gpu_hours for a in assignments), Decimal(0)
        ),
    )
    unmatched = tuple(j.id for j in job_list if j.id not in matched)
    return RoundResult(assignments=tuple(assignments), unmatched_job_ids=unmatched, stats=stats)


def offers_after(offers: Iterable[Offer], result: RoundResult) -> list[Offer]:
    """The offers with the GPUs ``result`` reserved taken out (fully booked offers dropped)."""
    used: dict[str, int] = {}
    for a in result.assignments:
        used[a.offer_id] = used.get(a.offer_id, 0) + a.gpus
    left = [replace(o, gpu_count=o.gpu_count - used.get(o.id, 0)) for o in offers]
    return [o for o in left if o.gpu_count > 0]


def feasible(job: Job, offer: Offer, *, min_stake: int = 0, min_uptime_bps: int = 0) -> bool:
    """The filter for one pair, in exact arithmetic (capacity = the offer's gpu_count)."""
    return (
        offer.eligible
        and offer.stake >= min_stake
        and offer.uptime_bps >= min_uptime_bps
        and (job.gpu_model is None or job.gpu_model == offer.gpu_model)
        and offer.vram_gb >= job.vram_min
        and offer.gpu_count >= job.gpus
        and offer.hours >= job.hours
        and offer.ask <= job.max_price
        and not _own_node(job, offer)
    )


def _own_node(job: Job, offer: Offer) -> bool:
    return job.submitter is not None and job.submitter == offer.owner


def _check_unique(items: Sequence[Job | Offer], kind: str) -> None:
    for a, b in zip(items, items[1:], strict=False):
        if a.id == b.id:
            raise ValueError(f"duplicate {kind} id {a.id!r}")


def _check_job(job: Job) -> None:
    if job.gpus < 1 or job.hours <= 0 or job.max_price <= 0:
        raise ValueError(f"job {job.id!r}: gpus ≥ 1, hours > 0 and max_price > 0 are required")
    if job.payment_token not in PAYMENT_TOKENS:
        raise ValueError(f"job {job.id!r}: payment_token must be one of {PAYMENT_TOKENS}")


def feasible_pairs(jobs: Sequence[Job], offers: Sequence[Offer], weights: Weights) -> Pairs:
    """Vectorised filter + score over offers bucketed by GPU model."""
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0))
    if not jobs or not offers:
        return empty
    ask = np.array([float(o.ask) for o in offers])
    gpus = np.array([o.gpu_count for o in offers], dtype=np.int64)
    vram = np.array([o.vram_gb for o in offers], dtype=np.int64)
    hours = np.array([float(o.hours) for o in offers])
    owner = np.array([o.owner if o.owner is not None else "" for o in offers], dtype=object)
    other = offer_terms(offers, weights)  # stake/uptime/reliability part of the score, weighted
    buckets: dict[str, np.ndarray] = {}
    for model in sorted({o.gpu_model for o in offers}):
        buckets[model] = np.flatnonzero(np.array([o.gpu_model == model for o in offers]))
    everyone = np.arange(len(offers))
    total = weights.total
    parts: list[tuple[np.ndarray, ...]] = []
    for j, job in enumerate(jobs):
        cand = everyone if job.gpu_model is None else buckets.get(job.gpu_model)
        if cand is None:
            continue
        max_price = float(job.max_price)
        keep = (
            (vram[cand] >= job.vram_min)
            & (gpus[cand] >= job.gpus)
            & (hours[cand] >= float(job.hours))
            & (ask[cand] <= max_price)
        )
        idx = cand[keep]
        if job.submitter is not None and idx.size:
            idx = idx[owner[idx] != job.submitter]
        if not idx.size:
            continue
        headroom = 1.0 - ask[idx] / max_price
        score = (weights.price * headroom + other[idx]) / total if total else np.zeros(idx.size)
        value = max_price * job.gpus * float(job.hours)
        parts.append((np.full(idx.size, j, np.int64), idx, value * score, score))
    if not parts:
        return empty
    return tuple(np.concatenate(col) for col in zip(*parts, strict=True))  # type: ignore[return-value]


def offer_terms(offers: Sequence[Offer], weights: Weights) -> np.ndarray:
    """w_stake·stake + w_uptime·uptime + w_reliability·reliability per offer (unnormalised by Σw)."""
    log_stake = np.array([math.log1p(max(o.stake, 0) / WEI_PER_JCT) for o in offers])
    top = log_stake.max()
    stake = log_stake / top if top > 0 else np.zeros(len(offers))
    uptime = np.clip(np.array([o.uptime_bps for o in offers], dtype=float) / BPS, 0.0, 1.0)
    reliability = np.clip(np.array([float(o.reliability) for o in offers]), 0.0, 1.0)
    terms: np.ndarray = (
        weights.stake * stake + weights.uptime * uptime + weights.reliability * reliability
    )
    return terms
