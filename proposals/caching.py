"""Cached proposal reads (pages and API), keyed by what the database has committed.

A cached copy is stored under a *version* read from the rows it was built from, so a write
makes the old copy unreachable as soon as it commits, whoever wrote it and whatever the
transaction timing (no signals, no invalidation race):

- the list: the number of proposals and their latest ``updated_at``;
- one proposal: its ``updated_at``, its newest vote id (every vote, including one that
  replaces an earlier vote, inserts a receipt) and the newest mirrored parameter block (the
  "Now" column of parameter proposals).

A queryset ``.update()`` leaves ``updated_at`` alone, and "2d 3h left" texts age, so copies
also expire after ``TTL`` seconds: nothing is served more than ``TTL`` seconds old.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max

from proposals.models import Proposal

TTL = 10  # seconds


def list_version() -> str:
    """Changes whenever a proposal is created, saved or deleted (one small aggregate)."""
    row = Proposal.objects.order_by().aggregate(latest=Max("updated_at"), count=Count("id"))
    latest = row["latest"].timestamp() if row["latest"] else 0
    return f"{row['count']}-{latest}"


def proposal_version(proposal: Proposal) -> str:
    """Needs a proposal from ``selectors.proposal_with_versions`` (one query for all of it)."""
    stamp = proposal.updated_at.timestamp() if proposal.updated_at else 0
    return f"{proposal.pk}-{stamp}-{proposal.last_vote_id or 0}-{proposal.params_block or 0}"


def key(prefix: str, *parts: Any) -> str:
    """A cache key; the parts (some from query strings) are hashed to a safe fixed length."""
    digest = hashlib.sha256("\n".join(map(str, parts)).encode()).hexdigest()[:32]
    return f"proposals:{prefix}:{digest}"


def cached(cache_key: str, build: Callable[[], Any]) -> Any:
    """``build()``'s value, cached for ``TTL`` seconds under ``cache_key``."""
    value = cache.get(cache_key)
    if value is None:
        value = build()
        cache.set(cache_key, value, TTL)
    return value
