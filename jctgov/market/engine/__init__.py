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

# Relative imports only: the package loads on its own, without jctgov (so without Django),
# for a third party to read and for the Django-free check in tests/market/test_engine.py.
from .model import (
    BPS,
    PAYMENT_TOKENS,
    PRICE_ONLY,
    WEI_PER_JCT,
    Assignment,
    Job,
    Offer,
    RoundResult,
    RoundStats,
    Weights,
)
from .rounds import feasible, match, offers_after

__all__ = [
    "BPS",
    "PAYMENT_TOKENS",
    "PRICE_ONLY",
    "WEI_PER_JCT",
    "Assignment",
    "Job",
    "Offer",
    "RoundResult",
    "RoundStats",
    "Weights",
    "feasible",
    "match",
    "offers_after",
]
