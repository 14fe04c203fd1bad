"""Reads for the lock page: a holder's position from the chain, and its veJCT decay curve.

The curve is VotingEscrow's own arithmetic (integer slope = amount // MAXTIME, power =
slope × (end − t)), so the page's plot and the contract agree to the wei.
"""

from __future__ import annotations

from typing import Any

from jctgov.chain import locks

CURVE_POINTS = 24


def vejct_at(*, amount: int, end: int, t: int) -> int:
    """veJCT of a lock of ``amount`` wei ending at ``end`` at time ``t`` (VotingEscrow._userPoint)."""
    if amount <= 0 or end <= t:
        return 0
    return (amount // locks.MAX_LOCK_S) * (end - t)


def decay_curve(*, amount: int, end: int, now: int, points: int = CURVE_POINTS) -> list[dict]:
    """``points`` + 1 evenly spaced (t, veJCT) samples from ``now`` to ``end`` (empty when the
    lock has expired). Power decays linearly, so the samples are exact, not an approximation."""
    if amount <= 0 or end <= now:
        return []
    span = end - now
    times = sorted({now + span * i // points for i in range(points + 1)})
    return [{"t": t, "vejct": str(vejct_at(amount=amount, end=end, t=t))} for t in times]


def holder_power(address: str) -> dict[str, Any]:
    """The lock page's data for ``address``: balances, lock, veJCT now, curve, delegate.

    Amounts are decimal strings of wei (JSON numbers would lose digits in browsers)."""
    state = locks.holder_state(address)
    has_lock = state.lock_amount > 0
    return {
        "address": state.address,
        "block": state.block,
        "chain_time": state.timestamp,
        "jct_balance": str(state.jct_balance),
        "allowance": str(state.allowance),
        "lock": {
            "amount": str(state.lock_amount),
            "end": state.lock_end,
            "expired": state.lock_end <= state.timestamp,
        }
        if has_lock
        else None,
        "vejct": str(state.vejct),
        "curve": decay_curve(amount=state.lock_amount, end=state.lock_end, now=state.timestamp),
        "delegate": state.delegate,
        "delegation_available": locks.delegation_deployed(),
        "week_s": locks.WEEK_S,
        "max_lock_s": locks.MAX_LOCK_S,
    }
