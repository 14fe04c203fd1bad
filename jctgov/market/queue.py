"""Which pending jobs a match round sees, and why a job was left unmatched. Pure: no Django.

**Selection.** A round looks at ``limit`` pending jobs. Oldest-first let one wallet freeze the
market: 1,000 unmatchable jobs submitted first filled every round, and a normal job behind
them never reached the engine. Selection is round-robin across submitters before age: each
submitter's jobs are ranked by age (1st, 2nd, …); a round takes every submitter's 1st job
(oldest first), then every 2nd job, and so on. A flood from one wallet then takes one place per
rank, never the round (the per-wallet cap on pending jobs bounds its ranks, expiry ends them).
:func:`select_for_round` is the reference; the Django adapter runs the same order in SQL
(``ROW_NUMBER() OVER (PARTITION BY submitter ORDER BY submitted_at, id)``).

**Explanation.** :class:`Explainer` names the first filter of the engine that no online offer
passes for a job (GPU model, VRAM, free GPUs, hours, price, own nodes, stake/uptime), or, when
some offer passed them all, that the fitting capacity went to other jobs this round.
"""

from __future__ import annotations

import bisect
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from jctgov.market.engine import Job, Offer


@dataclass(frozen=True, slots=True)
class Queued:
    """A pending job's place in the queue: who submitted it and when (any sortable value)."""

    id: Any
    submitter: Hashable
    submitted_at: Any


class FairQueue:
    """Pending jobs in per-submitter lanes, each kept in age order, for repeated rounds.

    ``select`` costs a sort of the lanes' heads per rank the round reaches, not a pass over the
    whole queue: with 100,000 pending jobs from 5,000 wallets a round of 1,000 sorts 5,000
    heads. Jobs leave with ``remove`` once matched (or expired, or cancelled)."""

    def __init__(self, items: Iterable[Queued] = ()) -> None:
        self.lanes: dict[Hashable, list[tuple[Any, Any, Queued]]] = {}
        self.where: dict[Any, Hashable] = {}
        for item in items:
            self.add(item)

    def __len__(self) -> int:
        return len(self.where)

    def add(self, item: Queued) -> None:
        lane = self.lanes.setdefault(item.submitter, [])
        entry = (item.submitted_at, item.id, item)
        if lane and entry[:2] < lane[-1][:2]:
            bisect.insort(lane, entry, key=lambda e: e[:2])
        else:
            lane.append(entry)  # jobs arrive in age order: the usual, O(1) case
        self.where[item.id] = item.submitter

    def remove(self, job_id: Any) -> None:
        submitter = self.where.pop(job_id)
        lane = self.lanes[submitter]
        lane[:] = [e for e in lane if e[1] != job_id]
        if not lane:
            del self.lanes[submitter]

    def select(self, limit: int) -> list[Queued]:
        """Up to ``limit`` jobs: every submitter's oldest (oldest first), then every second
        oldest, … Deterministic: ties go to the lower id."""
        picked: list[Queued] = []
        lanes = list(self.lanes.values())
        rank = 0
        while lanes and len(picked) < limit:
            heads = sorted(lane[rank] for lane in lanes)
            picked.extend(e[2] for e in heads[: limit - len(picked)])
            rank += 1
            lanes = [lane for lane in lanes if len(lane) > rank]
        return picked


def select_for_round(queue: Iterable[Queued], limit: int) -> list[Queued]:
    """Up to ``limit`` jobs of ``queue``, round-robin across submitters before age."""
    return FairQueue(queue).select(limit) if limit >= 1 else []


# (code, human sentence) — codes are UnmatchedReason values of jctgov.market.models.
NO_MODEL = "no_gpu_model"
NO_VRAM = "not_enough_vram"
NO_GPUS = "not_enough_gpus"
NO_HOURS = "not_enough_hours"
PRICE = "price_too_low"
OWN_NODES = "own_nodes_only"
INELIGIBLE = "providers_ineligible"
TAKEN = "capacity_taken"


class Explainer:
    """Why a job found no offer among ``offers`` (the round's offers, before assignment)."""

    def __init__(self, offers: Sequence[Offer], *, min_stake: int = 0, min_uptime_bps: int = 0):
        self.n = len(offers)
        self.model = np.array([o.gpu_model for o in offers], dtype=object)
        self.vram = np.array([o.vram_gb for o in offers], dtype=np.int64)
        self.gpus = np.array([o.gpu_count for o in offers], dtype=np.int64)
        self.hours = np.array([float(o.hours) for o in offers])
        self.ask = np.array([float(o.ask) for o in offers])
        self.owner = np.array([o.owner or "" for o in offers], dtype=object)
        self.admissible = np.array(
            [
                o.eligible and o.stake >= min_stake and o.uptime_bps >= min_uptime_bps
                for o in offers
            ],
            dtype=bool,
        )

    def why(self, job: Job) -> tuple[str, str]:
        """(reason code, a sentence with the figures) for a job the round left unmatched."""
        what = job.gpu_model or f"any GPU with ≥ {job.vram_min} GB"
        cand = np.ones(self.n, dtype=bool)
        if job.gpu_model is not None:
            cand &= self.model == job.gpu_model
        if not cand.any():
            return NO_MODEL, f"No online node offers {what} right now."
        prev, cand = cand, cand & (self.vram >= job.vram_min)
        if not cand.any():
            best = int(self.vram[prev].max())
            return (
                NO_VRAM,
                f"Online {what} nodes have at most {best} GB per GPU; you asked ≥ {job.vram_min} GB.",
            )
        prev, cand = cand, cand & (self.gpus >= job.gpus)
        if not cand.any():
            best = int(self.gpus[prev].max())
            return (
                NO_GPUS,
                f"At most {best} free GPU(s) on one fitting node; the job needs {job.gpus}.",
            )
        prev, cand = cand, cand & (self.hours >= float(job.hours))
        if not cand.any():
            best = int(self.hours[prev].max())
            return (
                NO_HOURS,
                f"Fitting nodes are available for at most {best} h; the job needs {job.hours} h.",
            )
        prev, cand = cand, cand & (self.ask <= float(job.max_price))
        if not cand.any():
            cheapest = float(self.ask[prev].min())
            return PRICE, (
                f"The cheapest fitting offer asks ${cheapest:.4f} per GPU-hour; "
                f"your maximum is ${float(job.max_price):.4f}."
            )
        if job.submitter is not None:
            prev, cand = cand, cand & (self.owner != job.submitter)
            if not cand.any():
                return (
                    OWN_NODES,
                    "Only your own nodes fit, and a job never runs on its submitter's nodes.",
                )
        if not (cand & self.admissible).any():
            return INELIGIBLE, (
                "The providers of every fitting offer are below market.min_provider_vejct or "
                "market.min_uptime_bps."
            )
        fitting = int((cand & self.admissible).sum())
        return (
            TAKEN,
            f"{fitting} fitting offer(s) went to other jobs this round; it will be retried.",
        )
