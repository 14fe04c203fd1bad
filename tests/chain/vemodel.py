"""Plain-Python model of veJCT power (the formula the contract must match exactly)."""

from __future__ import annotations

from dataclasses import dataclass

WEEK = 7 * 24 * 3600
MAXTIME = 4 * 365 * 24 * 3600


def round_week(t: int) -> int:
    return t // WEEK * WEEK


@dataclass(frozen=True)
class Lock:
    amount: int = 0
    end: int = 0

    def power(self, t: int) -> int:
        """slope * (end - t) with slope = amount // MAXTIME (integer, as on chain)."""
        if self.amount == 0 or t >= self.end:
            return 0
        return (self.amount // MAXTIME) * (self.end - t)
