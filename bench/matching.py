"""Matching engine benchmark (fixed seed; not a timed test). Run: .venv/bin/python bench/matching.py [--quick]

Quality tier — 2,000 jobs × 2,500 offers (1,000 providers), GPUs from {H100 80GB, A100 40GB,
A100 80GB, L40S, RTX 4090, RTX 3090}, counts {1,2,4,8}, 30% of jobs pay in JCT, veJCT Pareto,
uptime Beta(20,1). Surplus of an assignment = (job max price − ask) × GPU-hours.

What ``eta`` compares, exactly:
  * ``matching-quality`` line: the engine with ``max_jobs_per_offer=1`` (each offer is one slot)
    against the exact optimum of that same problem, ``scipy.optimize.linear_sum_assignment`` on
    the dense job × offer surplus matrix with infeasible pairs masked (they score 0 and are
    dropped afterwards, i.e. "unassigned"). fill, violations and stake_priority_cost on this line
    are from the same one-slot runs.
  * ``capacitated-quality`` line (extra, not one of the issue's two lines): the engine's default mode (an offer hosts several jobs
    while it has free GPUs) against an *upper bound* on that problem's optimum — the LP
    relaxation (x ∈ [0,1] per feasible pair, Σ_offers x ≤ 1 per job, Σ_jobs gpus·x ≤ gpu_count
    per offer) solved by HiGHS. ``eta_lb`` ≤ the true ratio.
  * ``stake_priority_cost`` = 1 − surplus(weights price 4000, stake 2000) / surplus(price only).
Violations are counted by checking every constraint here, independently of the engine.

Throughput tier — 20,000 jobs in batches of 200 against 2,000 providers (one node each); a round
is one hour, a lease frees its GPUs after its hours; 5% of providers go offline (ineligible) at
the middle batch. Only ``engine.match`` is timed. matches_per_s = matches / Σ match time.
numpy is held to one thread (the issue's target is per core). The ``throughput-detail`` line
gives the tier's fill and how many providers went offline.

Fairness tier (issue 15) — 100,000 pending jobs, the first 1,000 unmatchable ones from one
wallet; rounds of 1,000 selected round-robin across submitters; see :func:`fairness`. Its line
is the last one printed.

The lines the issues specify are printed exactly as
``matching-quality: eta=X fill=Y violations=N stake_priority_cost=Z``,
``matching-throughput: matches_per_s=X p99_batch_ms=Y`` and
``matching-fairness: legit_matched_in_rounds=R matches_per_s=X``, with numbers only after
each ``=``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

# One core: BLAS/OpenMP pools must not spread numpy work over more (set before importing numpy).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
from scipy import sparse  # noqa: E402
from scipy.optimize import linear_sum_assignment, linprog  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jctgov.market.engine import PRICE_ONLY, Job, Offer, Weights, match  # noqa: E402
from jctgov.market.queue import Explainer, FairQueue, Queued  # noqa: E402

SEED = 20240607
WEI = 10**18
MIN_STAKE = 1_000 * WEI
MIN_UPTIME_BPS = 9_000
STAKE_ON = Weights(price=4_000, stake=2_000, uptime=0, reliability=0)
# model, VRAM per GPU, typical ask USD/GPU-h, share of nodes
MODELS = [
    ("H100 80GB", 80, 2.50, 0.15),
    ("A100 80GB", 80, 1.60, 0.15),
    ("A100 40GB", 40, 1.20, 0.15),
    ("L40S", 48, 0.90, 0.15),
    ("RTX 4090", 24, 0.45, 0.20),
    ("RTX 3090", 24, 0.30, 0.20),
]
COUNTS = [1, 2, 4, 8]


def _usd(x: float) -> Decimal:
    return Decimal(f"{x:.4f}")


def make_providers(rng: np.random.Generator, n: int) -> list[dict]:
    stake = (rng.pareto(1.5, n) + 1) * 900  # JCT; Pareto(α=1.5, x_m=900): ~15% below the minimum
    uptime = rng.beta(20, 1, n)
    reliability = rng.beta(18, 1.5, n)
    return [
        {
            "id": f"p{i:04d}",
            "stake": int(stake[i]) * WEI,
            "uptime_bps": int(uptime[i] * 10_000),
            "reliability": round(float(reliability[i]), 4),
        }
        for i in range(n)
    ]


def make_offers(rng: np.random.Generator, providers: list[dict], n: int) -> list[Offer]:
    owner = np.concatenate(
        [np.arange(len(providers)), rng.integers(0, len(providers), n - len(providers))]
    )
    model = rng.choice(len(MODELS), n, p=[m[3] for m in MODELS])
    count = rng.choice(COUNTS, n, p=[0.3, 0.3, 0.2, 0.2])
    noise = rng.lognormal(0, 0.15, n)
    hours = rng.choice([24, 72, 168, 720], n, p=[0.2, 0.3, 0.3, 0.2])
    offers = []
    for i in range(n):
        name, vram, base, _ = MODELS[model[i]]
        p = providers[owner[i]]
        offers.append(
            Offer(
                id=f"o{i:05d}",
                provider=p["id"],
                gpu_model=name,
                gpu_count=int(count[i]),
                vram_gb=vram,
                ask=_usd(base * noise[i]),
                hours=Decimal(int(hours[i])),
                stake=p["stake"],
                uptime_bps=p["uptime_bps"],
                reliability=p["reliability"],
                eligible=True,
            )
        )
    return offers


def make_jobs(rng: np.random.Generator, n: int, max_hours: int, prefix: str = "j") -> list[Job]:
    model = rng.choice(len(MODELS), n, p=[m[3] for m in MODELS])
    any_model = rng.random(n) < 0.2
    vram_any = rng.choice([24, 40, 48, 80], n)
    gpus = rng.choice(COUNTS, n, p=[0.4, 0.3, 0.2, 0.1])
    hours = rng.integers(1, max_hours + 1, n)
    markup = rng.lognormal(0.05, 0.2, n)
    jct = rng.random(n) < 0.3
    jobs = []
    for i in range(n):
        if any_model[i]:
            name, vram = None, int(vram_any[i])
            base = min(m[2] for m in MODELS if m[1] >= vram)
        else:
            name, vram, base, _ = MODELS[model[i]]
        jobs.append(
            Job(
                id=f"{prefix}{i:05d}",
                gpu_model=name,
                gpus=int(gpus[i]),
                vram_min=vram,
                hours=Decimal(int(hours[i])),
                max_price=_usd(base * markup[i]),
                payment_token="jct" if jct[i] else "stablecoin",
            )
        )
    return jobs


def feasibility(jobs: list[Job], offers: list[Offer]) -> tuple[np.ndarray, np.ndarray]:
    """Independent filter: mask[i, j] and surplus[i, j] (0 where infeasible)."""
    names = np.array([o.gpu_model for o in offers])
    ok_offer = np.array(
        [o.eligible and o.stake >= MIN_STAKE and o.uptime_bps >= MIN_UPTIME_BPS for o in offers]
    )
    ask = np.array([float(o.ask) for o in offers])
    cnt = np.array([o.gpu_count for o in offers])
    vram = np.array([o.vram_gb for o in offers])
    hrs = np.array([float(o.hours) for o in offers])
    mask = np.zeros((len(jobs), len(offers)), bool)
    surplus = np.zeros(mask.shape)
    for i, j in enumerate(jobs):
        m = ok_offer & (vram >= j.vram_min) & (cnt >= j.gpus) & (hrs >= float(j.hours))
        m &= ask <= float(j.max_price)
        if j.gpu_model is not None:
            m &= names == j.gpu_model
        mask[i] = m
        surplus[i] = np.where(m, (float(j.max_price) - ask) * j.gpus * float(j.hours), 0.0)
    return mask, surplus


def violations(result, jobs: list[Job], offers: list[Offer], one_slot: bool) -> int:
    """Count broken constraints, checked one by one without the engine's code."""
    jobs_by, offers_by = {j.id: j for j in jobs}, {o.id: o for o in offers}
    bad, seen, used, hosted = 0, set(), {}, {}
    for a in result.assignments:
        j, o = jobs_by.get(a.job_id), offers_by.get(a.offer_id)
        if j is None or o is None or a.job_id in seen:
            bad += 1
            continue
        seen.add(a.job_id)
        used[o.id] = used.get(o.id, 0) + j.gpus
        hosted[o.id] = hosted.get(o.id, 0) + 1
        bad += sum(
            [
                not o.eligible,
                o.stake < MIN_STAKE,
                o.uptime_bps < MIN_UPTIME_BPS,
                j.gpu_model is not None and j.gpu_model != o.gpu_model,
                o.vram_gb < j.vram_min,
                o.hours < j.hours,
                o.ask > j.max_price,
                a.price != o.ask,
                a.gpus != j.gpus,
                a.gpu_hours != j.gpus * j.hours,
            ]
        )
    bad += sum(used[k] > offers_by[k].gpu_count for k in used)
    bad += sum(n > 1 for n in hosted.values()) if one_slot else 0
    bad += len(seen | set(result.unmatched_job_ids)) != len(jobs)
    return bad


def surplus_of(result, jobs: list[Job]) -> float:
    price = {j.id: j.max_price for j in jobs}
    return float(sum((price[a.job_id] - a.price) * a.gpu_hours for a in result.assignments))


def lp_upper_bound(
    jobs: list[Job], offers: list[Offer], mask: np.ndarray, surplus: np.ndarray
) -> float:
    rows, cols = np.nonzero(mask)
    n = rows.size
    gpus = np.array([j.gpus for j in jobs], float)
    a_jobs = sparse.csr_matrix((np.ones(n), (rows, np.arange(n))), shape=(len(jobs), n))
    a_offers = sparse.csr_matrix((gpus[rows], (cols, np.arange(n))), shape=(len(offers), n))
    b = np.concatenate([np.ones(len(jobs)), [o.gpu_count for o in offers]])
    res = linprog(
        -surplus[rows, cols],
        A_ub=sparse.vstack([a_jobs, a_offers]),
        b_ub=b,
        bounds=(0, 1),
        method="highs",
    )
    if res.status != 0:
        raise RuntimeError(res.message)
    return -res.fun


def quality(n_jobs: int, n_offers: int, n_providers: int) -> None:
    rng = np.random.default_rng(SEED)
    offers = make_offers(rng, make_providers(rng, n_providers), n_offers)
    jobs = make_jobs(rng, n_jobs, max_hours=72)
    kw = {"min_stake": MIN_STAKE, "min_uptime_bps": MIN_UPTIME_BPS}
    mask, surplus = feasibility(jobs, offers)
    r, c = linear_sum_assignment(surplus, maximize=True)
    optimum = float(surplus[r, c][mask[r, c]].sum())

    one = match(jobs, offers, PRICE_ONLY, max_jobs_per_offer=1, **kw)
    one_stake = match(jobs, offers, STAKE_ON, max_jobs_per_offer=1, **kw)
    bad = sum(violations(x, jobs, offers, one_slot=True) for x in (one, one_stake))
    print(
        f"matching-quality: eta={surplus_of(one, jobs) / optimum:.4f} "
        f"fill={one.stats.matched / n_jobs:.4f} violations={bad} "
        f"stake_priority_cost={1 - surplus_of(one_stake, jobs) / surplus_of(one, jobs):.4f}"
    )

    cap = match(jobs, offers, PRICE_ONLY, **kw)
    cap_stake = match(jobs, offers, STAKE_ON, **kw)
    bad = sum(violations(x, jobs, offers, one_slot=False) for x in (cap, cap_stake))
    bound = lp_upper_bound(jobs, offers, mask, surplus)
    print(
        f"capacitated-quality: eta_lb={surplus_of(cap, jobs) / bound:.4f} "
        f"fill={cap.stats.matched / n_jobs:.4f} violations={bad} "
        f"stake_priority_cost={1 - surplus_of(cap_stake, jobs) / surplus_of(cap, jobs):.4f}"
    )


def throughput(n_jobs: int, batch: int, n_providers: int) -> None:
    rng = np.random.default_rng(SEED + 1)
    base = make_offers(rng, make_providers(rng, n_providers), n_providers)
    jobs = make_jobs(rng, n_jobs, max_hours=8)
    weights = Weights(price=4_000, stake=2_000, uptime=2_000, reliability=2_000)
    free = {o.id: o.gpu_count for o in base}
    eligible = {o.id: True for o in base}
    releases: dict[int, list[tuple[str, int]]] = {}
    n_batches = (n_jobs + batch - 1) // batch
    times, matched = [], 0
    for b in range(n_batches):
        for offer_id, gpus in releases.pop(b, []):
            free[offer_id] += gpus
        if b == n_batches // 2:  # 5% of providers drop out mid-run
            for k in rng.choice(n_providers, n_providers // 20, replace=False):
                eligible[base[k].id] = False
        offers = [
            Offer(**{**_fields(o), "gpu_count": free[o.id], "eligible": eligible[o.id]})
            for o in base
            if free[o.id] > 0
        ]
        t0 = time.perf_counter()
        result = match(
            jobs[b * batch : (b + 1) * batch],
            offers,
            weights,
            min_stake=MIN_STAKE,
            min_uptime_bps=MIN_UPTIME_BPS,
        )
        times.append(time.perf_counter() - t0)
        matched += result.stats.matched
        for a in result.assignments:
            free[a.offer_id] -= a.gpus
            releases.setdefault(b + int(a.hours), []).append((a.offer_id, a.gpus))
    t = np.array(times)
    print(
        f"matching-throughput: matches_per_s={matched / t.sum():.0f} "
        f"p99_batch_ms={np.percentile(t, 99) * 1000:.1f}"
    )
    print(
        f"throughput-detail: fill={matched / n_jobs:.4f} batches={n_batches} "
        f"offline_providers={n_providers // 20}"
    )


def fairness(n_pending: int, n_flood: int, round_size: int, n_providers: int, rounds: int) -> None:
    """The review's flood: one wallet submits ``n_flood`` unmatchable jobs first, then
    ``n_pending − n_flood`` ordinary jobs arrive from 5,000 wallets. Each round selects
    ``round_size`` jobs (jctgov.market.queue.FairQueue: round-robin across submitters before
    age; in the app the same order is one SQL window query), matches them, and explains every unmatched one (as the Django round stores
    the reason). Timed in CPU seconds of this process (numpy on one thread): selection +
    match + explanations. Also run with the old oldest-first
    selection for comparison (``fifo_…`` on the detail line)."""
    rng = np.random.default_rng(SEED + 2)
    base = make_offers(rng, make_providers(rng, n_providers), n_providers)
    legit = make_jobs(rng, n_pending - n_flood, max_hours=8, prefix="L")
    flood = [
        Job(
            id=f"F{i:05d}",
            gpu_model="H100 80GB",
            gpus=64,
            vram_min=80,
            hours=Decimal(1),
            max_price=Decimal("0.01"),
            submitter="flooder",
        )
        for i in range(n_flood)
    ]
    wallets = rng.integers(0, 5_000, len(legit))
    jobs = {j.id: j for j in flood}
    jobs.update(
        {
            j.id: Job(**{**_fields_of(j, Job), "submitter": f"w{w}"})
            for j, w in zip(legit, wallets, strict=True)
        }
    )
    queue = [
        Queued(id=j.id, submitter=j.submitter, submitted_at=t) for t, j in enumerate(jobs.values())
    ]
    weights = Weights(price=4_000, stake=2_000, uptime=2_000, reliability=2_000)
    kw = {"min_stake": MIN_STAKE, "min_uptime_bps": MIN_UPTIME_BPS}

    def run(waiting) -> tuple[int | None, int, float]:
        free = {o.id: o.gpu_count for o in base}
        releases: dict[int, list[tuple[str, int]]] = {}
        first_legit, matched, elapsed = None, 0, 0.0
        for r in range(1, rounds + 1):
            for offer_id, gpus in releases.pop(r, []):
                free[offer_id] += gpus
            offers = [
                Offer(**{**_fields(o), "gpu_count": free[o.id]}) for o in base if free[o.id] > 0
            ]
            t0 = time.process_time()  # CPU seconds of this process: one core, whatever else runs
            chosen = waiting.select(round_size)
            result = match([jobs[q.id] for q in chosen], offers, weights, **kw)
            explain = Explainer(offers, **kw)
            for job_id in result.unmatched_job_ids:
                explain.why(jobs[job_id])
            elapsed += time.process_time() - t0
            done = {a.job_id for a in result.assignments}
            matched += len(done)
            if first_legit is None and any(not i.startswith("F") for i in done):
                first_legit = r
            for job_id in done:
                waiting.remove(job_id)
            for a in result.assignments:
                free[a.offer_id] -= a.gpus
                releases.setdefault(r + int(a.hours), []).append((a.offer_id, a.gpus))
        return first_legit, matched, elapsed

    fifo_first, _, _ = run(_OldestFirst(queue))
    first, matched, elapsed = run(FairQueue(queue))
    print(
        f"fairness-detail: pending={n_pending} flood={n_flood} round_size={round_size} "
        f"rounds={rounds} matched={matched} "
        f"fifo_legit_matched_in_rounds={fifo_first if fifo_first else f'never_in_{rounds}'}"
    )
    print(
        f"matching-fairness: legit_matched_in_rounds={first if first else 0} "
        f"matches_per_s={matched / elapsed:.0f}"
    )


class _OldestFirst:
    """The selection before issue 15: the oldest ``limit`` pending jobs."""

    def __init__(self, items: list[Queued]) -> None:
        self.items = sorted(items, key=lambda q: (q.submitted_at, q.id))

    def select(self, limit: int) -> list[Queued]:
        return self.items[:limit]

    def remove(self, job_id: str) -> None:
        self.items = [q for q in self.items if q.id != job_id]


def _fields_of(o, cls) -> dict:
    return {f: getattr(o, f) for f in cls.__slots__}


def _fields(o: Offer) -> dict:
    return {f: getattr(o, f) for f in Offer.__slots__}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small instances (smoke run)")
    args = parser.parse_args()
    if args.quick:
        quality(400, 500, 200)
        throughput(2_000, 200, 2_000)
        fairness(10_000, 1_000, 1_000, 2_000, rounds=3)
    else:
        quality(2_000, 2_500, 1_000)
        throughput(20_000, 200, 2_000)
        fairness(100_000, 1_000, 1_000, 2_000, rounds=10)


if __name__ == "__main__":
    main()
