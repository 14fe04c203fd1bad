"""Reads for the lock page: a holder's position from the chain, and its veJCT decay curve.

The curve is VotingEscrow's own arithmetic (integer slope = amount // MAXTIME, power =
slope × (end − t)), so the page's plot and the contract agree to the wei.
"""

from __future__ import annotations

import time
from typing import Any

from jctgov.chain import locks
from jctgov.chain.models import Delegation, VeLock

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


# --- from the indexed mirrors (no chain call): the home page ------------------------------

CLOCK_TTL_S = 30


def chain_time() -> int:
    """Chain time now (veJCT decays by chain time; dev chains may run ahead of the wall clock),
    read from the chain at most every ``CLOCK_TTL_S`` seconds: the offset to the wall clock
    is cached, so a page load costs no RPC call. The wall clock while the chain can't say."""
    from django.core.cache import cache

    from jctgov.delegates.selectors import chain_now

    wall = int(time.time())
    offset = cache.get("power:chain-clock-offset")
    if offset is None:
        offset = chain_now() - wall
        cache.set("power:chain-clock-offset", offset, CLOCK_TTL_S)
    return wall + int(offset)


def lock_of(address: str, *, now: int) -> dict[str, Any]:
    """``address``'s lock as indexed from VotingEscrow events (amount, unlock time, veJCT at
    chain time ``now``, computed as the contract does), its delegate and how many delegate to
    it. Three small queries."""
    lock = VeLock.objects.filter(address=address).first()
    delegate = (
        Delegation.objects.filter(delegator=address).values_list("delegate", flat=True).first()
    )
    amount, end = (int(lock.amount), int(lock.unlock_time)) if lock else (0, 0)
    return {
        "amount": amount,
        "end": end,
        "expired": amount > 0 and end <= now,
        "vejct": vejct_at(amount=amount, end=end, t=now),
        "delegate": delegate or None,
        "delegators": Delegation.objects.filter(delegate=address).count(),
    }


NETWORK_TTL_S = 30


def network_power(*, now: int) -> dict[str, int]:
    """Total JCT locked and veJCT at chain time ``now`` over every indexed lock, and the number
    of holders with power. Summed exactly in Python (veJCT = amount // MAXTIME × time left per
    lock, as VotingEscrow does) and cached for ``NETWORK_TTL_S`` seconds: the home page reads
    it on every visit, the lock set changes far less often. One query when not cached."""
    from django.core.cache import cache

    found = cache.get("power:network")
    if found is not None:
        return found
    locked = vejct = holders = 0
    rows = VeLock.objects.filter(unlock_time__gt=now).values_list("amount", "unlock_time")
    for stored, end in rows.iterator(chunk_size=2000):
        amount = int(stored)
        locked += amount
        power = vejct_at(amount=amount, end=int(end), t=now)
        vejct += power
        holders += power > 0
    found = {"locked": locked, "vejct": vejct, "holders": holders}
    cache.set("power:network", found, NETWORK_TTL_S)
    return found
