"""Matching engine: compute jobs × GPU offers → assignments. Pure Python + numpy, no Django.

Kubernetes-scheduler style: **filter** every (job, offer) pair, **score** the feasible ones with
the governance weights, then **assign** greedily. The Django side adapts database rows to
``Offer``/``Job`` and turns ``Assignment`` rows into leases; ``bench/matching.py`` and the
replay command call :func:`match` directly.

Capacity model (one round):
    An offer is a node with ``gpu_count`` *free* GPUs of one model, each with ``vram_gb`` GB,
    available for ``hours`` hours. A job needs ``gpus`` GPUs on one node for ``hours`` hours.
    A job fits an offer when the offer still has ≥ ``gpus`` free GPUs and ``offer.hours ≥
    job.hours``. Assigned GPUs stay reserved for the rest of the round (and, for the caller, until
    the lease ends: pass the remaining capacity next round, see :func:`offers_after`). So a node
    may host several jobs while it has free GPUs; hours are a per-job fit, not a shared budget.

Filter: model (``job.gpu_model``, or any model when it is None), ``vram_gb ≥ job.vram_min``,
free GPUs, hours, ``ask ≤ job.max_price``, ``offer.eligible``, ``stake ≥ min_stake``,
``uptime_bps ≥ min_uptime_bps``. Float arrays only pre-filter (float(Decimal) is monotone, so
they never drop a feasible pair); every assignment is re-checked in exact ``Decimal``.

Score of a feasible pair, each term in [0, 1], combined as Σ wₖ·termₖ / Σ wₖ:
    price       1 − ask / job.max_price — the job's headroom: cheaper is better, normalised by
                the job's own budget (so the term is comparable across GPU models)
    stake       log(1 + veJCT) / log(1 + max veJCT among the round's admissible offers):
                log-scaled so a whale does not flatten everyone else to 0
    uptime      uptime_bps / 10 000
    reliability reliability (already a smoothed ratio in [0, 1])

Assign: pairs are taken in decreasing *priority* = job value × score, where job value =
``max_price × gpus × hours`` (the most the job will pay). With the price weight alone the priority
is exactly the pair's surplus ``(max_price − ask) × GPU-hours``, so the engine is a surplus
greedy; other weights trade surplus for stake, uptime and reliability. A pair is taken when the
job is unassigned and the offer still fits it. Then one improvement pass: an unmatched job may
take a place from an occupant that can move to another offer with room, when that raises the
total priority (an augmenting path of length 3; matched jobs stay matched). On the benchmark
instance this reaches η ≈ 0.97 of the optimal surplus (see ``bench/matching.py`` for the exact
comparison); greedy alone was ≈ 0.957.

Determinism: inputs are sorted by id before anything is computed, ties in priority go to the
lower (job id, offer id); no dict/set order, clock or randomness is involved, so shuffled
input gives the identical result.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

import numpy as np

BPS = 10_000
WEI_PER_JCT = 10**18
PAYMENT_TOKENS = ("stablecoin", "jct")


@dataclass(frozen=True, slots=True)
class Offer:
    """Free capacity on one node. ``ask`` is USD per GPU-hour; ``stake`` is the provider's veJCT in wei."""

    id: str
    provider: str
    gpu_model: str
    gpu_count: int
    vram_gb: int
    ask: Decimal
    hours: Decimal
    stake: int
    uptime_bps: int
    reliability: float | Decimal
    eligible: bool
    region: str = ""
    # The wallet that owns the node. A job never matches its submitter's own nodes: otherwise a
    # provider could feed itself leases and report them completed to inflate its reliability.
    owner: str | None = None


@dataclass(frozen=True, slots=True)
class Job:
    """A compute request. ``gpu_model=None`` means any model with ``vram_gb ≥ vram_min``."""

    id: str
    gpu_model: str | None
    gpus: int
    vram_min: int
    hours: Decimal
    max_price: Decimal
    payment_token: str = "stablecoin"
    submitter: str | None = None  # the submitting wallet (None: unknown, e.g. old replay records)

    @property
    def gpu_hours(self) -> Decimal:
        return self.gpus * Decimal(self.hours)


@dataclass(frozen=True, slots=True)
class Weights:
    """Score weights in basis points (governance parameters ``market.weight_*``)."""

    price: int
    stake: int
    uptime: int
    reliability: int

    def __post_init__(self) -> None:
        if min(self.price, self.stake, self.uptime, self.reliability) < 0:
            raise ValueError("weights must be ≥ 0")

    @property
    def total(self) -> int:
        return self.price + self.stake + self.uptime + self.reliability

    @classmethod
    def from_params(cls, values: Mapping[str, int]) -> Weights:
        """Build from the parameter registry's values (keys ``market.weight_price`` …)."""
        return cls(
            price=int(values["market.weight_price"]),
            stake=int(values["market.weight_stake"]),
            uptime=int(values["market.weight_uptime"]),
            reliability=int(values["market.weight_reliability"]),
        )


PRICE_ONLY = Weights(price=BPS, stake=0, uptime=0, reliability=0)


@dataclass(frozen=True, slots=True)
class Assignment:
    """Job ``job_id`` runs on offer ``offer_id`` at the offer's ask; ``score`` in [0, 1]."""

    job_id: str
    offer_id: str
    provider: str
    gpus: int
    hours: Decimal
    price: Decimal
    gpu_hours: Decimal
    score: float


@dataclass(frozen=True, slots=True)
class RoundStats:
    jobs: int
    offers: int
    offers_admissible: int
    feasible_pairs: int
    matched: int
    gpu_hours: Decimal
    surplus: Decimal


@dataclass(frozen=True, slots=True)
class RoundResult:
    """Assignments and unmatched job ids, both sorted by job id."""

    assignments: tuple[Assignment, ...]
    unmatched_job_ids: tuple[str, ...]
    stats: RoundStats


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
    pairs = _feasible_pairs(job_list, admissible, weights)
    assignments = _assign(job_list, admissible, pairs, max_jobs_per_offer)
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


# Feasible pairs as parallel arrays: job index, offer index, priority, score.
_Pairs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _feasible_pairs(jobs: Sequence[Job], offers: Sequence[Offer], weights: Weights) -> _Pairs:
    """Vectorised filter + score over offers bucketed by GPU model."""
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0))
    if not jobs or not offers:
        return empty
    ask = np.array([float(o.ask) for o in offers])
    gpus = np.array([o.gpu_count for o in offers], dtype=np.int64)
    vram = np.array([o.vram_gb for o in offers], dtype=np.int64)
    hours = np.array([float(o.hours) for o in offers])
    owner = np.array([o.owner if o.owner is not None else "" for o in offers], dtype=object)
    other = _offer_terms(offers, weights)  # stake/uptime/reliability part of the score, weighted
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


def _offer_terms(offers: Sequence[Offer], weights: Weights) -> np.ndarray:
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


def _assign(
    jobs: Sequence[Job], offers: Sequence[Offer], pairs: _Pairs, max_jobs_per_offer: int | None
) -> list[Assignment]:
    """Greedy by priority, then one pass of relocation swaps; returns assignments by job id."""
    if not pairs[0].size:
        return []
    book = _Book(jobs, offers, pairs, max_jobs_per_offer)
    book.greedy()
    if book.improve():
        book.greedy()  # a move freed GPUs on some node: let the rest of the queue use them
    return [
        Assignment(
            job_id=jobs[j].id,
            offer_id=offers[o].id,
            provider=offers[o].provider,
            gpus=jobs[j].gpus,
            hours=jobs[j].hours,
            price=offers[o].ask,
            gpu_hours=jobs[j].gpu_hours,
            score=round(book.score[j], 9),
        )
        for j, o in enumerate(book.at)
        if o >= 0
    ]


class _Book:
    """Reservation state of one round. Indices are positions in id-sorted lists (= id order)."""

    def __init__(
        self,
        jobs: Sequence[Job],
        offers: Sequence[Offer],
        pairs: _Pairs,
        max_jobs_per_offer: int | None,
    ) -> None:
        self.jobs, self.offers = jobs, offers
        job_idx, offer_idx, priority, score = pairs
        # Candidates per job: priority desc, then offer id asc.
        order = np.lexsort((offer_idx, -priority, job_idx))
        self.cuts = np.searchsorted(job_idx[order], np.arange(len(jobs) + 1)).tolist()
        self.cand_o, self.cand_p, self.cand_s = (
            a[order].tolist() for a in (offer_idx, priority, score)
        )
        self.pairs = pairs
        self.free = [o.gpu_count for o in offers]
        cap = max_jobs_per_offer if max_jobs_per_offer is not None else len(jobs)
        self.slots = [cap] * len(offers)
        self.at = [-1] * len(jobs)
        self.prio = [0.0] * len(jobs)
        self.score = [0.0] * len(jobs)
        self.hosted: list[list[int]] = [[] for _ in offers]

    def fits(self, j: int, o: int, extra_gpus: int = 0, extra_slots: int = 0) -> bool:
        """Capacity now (plus what an eviction would free), re-checked in exact Decimal."""
        job, offer = self.jobs[j], self.offers[o]
        return (
            self.free[o] + extra_gpus >= job.gpus
            and self.slots[o] + extra_slots > 0
            and offer.ask <= job.max_price
            and offer.hours >= job.hours
        )

    def put(self, j: int, o: int, prio: float, score: float) -> None:
        self.at[j], self.prio[j], self.score[j] = o, prio, score
        self.free[o] -= self.jobs[j].gpus
        self.slots[o] -= 1
        self.hosted[o].append(j)

    def lift(self, j: int) -> None:
        o = self.at[j]
        self.free[o] += self.jobs[j].gpus
        self.slots[o] += 1
        self.hosted[o].remove(j)
        self.at[j] = -1

    def greedy(self) -> None:
        """Take pairs by priority desc, ties by (job id, offer id), when both sides still fit."""
        job_idx, offer_idx, priority, score = self.pairs
        order = np.lexsort((offer_idx, job_idx, -priority))
        left = self.at.count(-1)
        if left == 0:
            return
        cols = (
            job_idx[order].tolist(),
            offer_idx[order].tolist(),
            priority[order].tolist(),
            score[order].tolist(),
        )
        for j, o, p, s in zip(*cols, strict=True):
            if self.at[j] < 0 and self.fits(j, o):
                self.put(j, o, p, s)
                left -= 1
                if left == 0:
                    break

    def improve(self) -> bool:
        """For each unmatched job (highest best priority first): take an offer from an occupant
        that can move to another offer with room, if that raises total priority. Every move
        strictly increases the total and keeps matched jobs matched, so fill never drops.
        Returns whether a move left a node with more free GPUs than before."""
        freed = False
        cuts, cand_o, cand_p, cand_s = self.cuts, self.cand_o, self.cand_p, self.cand_s
        waiting = [j for j in range(len(self.jobs)) if self.at[j] < 0 and cuts[j] < cuts[j + 1]]
        waiting.sort(key=lambda j: (-cand_p[cuts[j]], j))
        for i in waiting:
            best: tuple[float, int, int, tuple[float, float], tuple[int, float, float]] | None = (
                None
            )
            for c in range(cuts[i], cuts[i + 1]):
                o, p, s = cand_o[c], cand_p[c], cand_s[c]
                if best is not None and p <= best[0]:
                    break  # a move gains at most about p (relocating rarely gains): prune
                for k in sorted(self.hosted[o]):
                    if not self.fits(i, o, self.jobs[k].gpus, 1):
                        continue
                    alt = self._relocation(k, exclude=o)
                    if alt is None:
                        continue
                    gain = p + alt[1] - self.prio[k]
                    if gain > 1e-9 and (best is None or gain > best[0]):
                        best = (gain, o, k, (p, s), alt)
            if best is not None:
                _, o, k, (p, s), (o2, p2, s2) = best
                self.lift(k)
                self.put(k, o2, p2, s2)
                self.put(i, o, p, s)
                freed = freed or self.jobs[k].gpus > self.jobs[i].gpus
        return freed

    def _relocation(self, k: int, exclude: int) -> tuple[int, float, float] | None:
        """Job k's best other offer that has room now."""
        for c in range(self.cuts[k], self.cuts[k + 1]):
            o = self.cand_o[c]
            if o != exclude and self.fits(k, o):
                return o, self.cand_p[c], self.cand_s[c]
        return None
