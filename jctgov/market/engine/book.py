"""Assign: pairs by decreasing priority while both sides fit, then one improvement pass
(the package docstring explains the rule). Indices are positions in id-sorted lists."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .model import Assignment, Job, Offer

# Feasible pairs as parallel arrays: job index, offer index, priority, score.
Pairs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def assign(
    jobs: Sequence[Job], offers: Sequence[Offer], pairs: Pairs, max_jobs_per_offer: int | None
) -> list[Assignment]:
    """Greedy by priority, then one pass of relocation swaps; returns assignments by job id."""
    if not pairs[0].size:
        return []
    book = Book(jobs, offers, pairs, max_jobs_per_offer)
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


class Book:
    """Reservation state of one round. Indices are positions in id-sorted lists (= id order)."""

    def __init__(
        self,
        jobs: Sequence[Job],
        offers: Sequence[Offer],
        pairs: Pairs,
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
