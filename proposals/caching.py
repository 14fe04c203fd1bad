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

Two tiers: this process's memory first, then the shared cache (Redis in production) that
lets one web process reuse what another rendered. A version in the key makes a local copy
exactly as fresh as a shared one, and saves the network round trip (measured by
bench/load.py). Only the version read remains: one small query per request, and none for a
signed-out visitor's whole page while its version is trusted (``whole_page_for_visitors``).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token

from proposals.models import Proposal

TTL = 10  # seconds
# How long a process trusts the version it read for signed-out visitors' whole pages: they may
# see a page up to this old; signed-in people and every API answer see committed state at once.
VISITOR_VERSION_TTL = 1.0
# At most ~256 rendered lists/details per process (the largest, the 200-row list, is ~70 kB).
local = LocMemCache("jctgov-proposals", {"TIMEOUT": TTL, "OPTIONS": {"MAX_ENTRIES": 256}})


def list_version() -> str:
    """Changes whenever a proposal is created, saved or deleted (one small aggregate)."""
    row = Proposal.objects.order_by().aggregate(latest=Max("updated_at"), count=Count("id"))
    latest = row["latest"].timestamp() if row["latest"] else 0
    return f"{row['count']}-{latest}"


def content_version(proposal: Proposal) -> str:
    """The proposal's own rows and the parameter values: not its votes."""
    stamp = proposal.updated_at.timestamp() if proposal.updated_at else 0
    return f"{proposal.pk}-{stamp}-{proposal.params_block or 0}"  # type: ignore[attr-defined]


def proposal_version(proposal: Proposal) -> str:
    """content_version plus the newest vote. Both need a proposal from
    ``selectors.proposal_with_versions`` (one query for all of it)."""
    return f"{content_version(proposal)}-{proposal.last_vote_id or 0}"  # type: ignore[attr-defined]


def key(prefix: str, *parts: Any) -> str:
    """A cache key; the parts (some from query strings) are hashed to a safe fixed length."""
    digest = hashlib.sha256("\n".join(map(str, parts)).encode()).hexdigest()[:32]
    return f"proposals:{prefix}:{digest}"


def cached(cache_key: str, build: Callable[[], Any]) -> Any:
    """``build()``'s value, cached under ``cache_key`` (both tiers) until ``TTL`` seconds after
    it was built: a copy taken from the shared tier keeps its original deadline."""
    entry = local.get(cache_key)
    if entry is None:
        entry = cache.get(cache_key)
        if entry is None:
            entry = (time.time() + TTL, build())
            cache.set(cache_key, entry, TTL)
        local.set(cache_key, entry, max(0.0, entry[0] - time.time()))
    return entry[1]


def clear() -> None:
    """Forget every cached copy, in both tiers (tests)."""
    local.clear()
    cache.clear()


def _reloaded(request: HttpRequest) -> bool:
    """A reload (the browser sends Cache-Control: max-age=0 or no-cache) wants what is committed
    now: e.g. the page reloading itself after the visitor voted."""
    control = request.headers.get("Cache-Control", "")
    return "no-cache" in control or "max-age=0" in control


def whole_page_for_visitors(version_of: Callable[..., str | None]) -> Callable:
    """Serve signed-out visitors a cached copy of the whole page, keyed by ``version_of``.

    A signed-out visitor's page has nothing personal in it (the CSRF token travels in its
    cookie, set here as on any page), so one rendering serves them all until the version
    changes or ``TTL`` passes. The version itself is trusted for ``VISITOR_VERSION_TTL``, so
    most visits cost two memory lookups and no query (bench/load.py): a visitor may see a page
    up to a second old, unless they reload. Signed-in requests, non-GETs and non-200 answers
    pass through.
    """

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method != "GET" or request.user.is_authenticated:
                return view(request, *args, **kwargs)
            version_key = key("page-version", request.path)
            version = None if _reloaded(request) else local.get(version_key)
            if version is None:
                version = version_of(request, *args, **kwargs)
                if version is not None:
                    local.set(version_key, version, VISITOR_VERSION_TTL)
            if version is None:
                return view(request, *args, **kwargs)
            page_key = key("page", request.get_full_path(), version)
            body = local.get(page_key)
            if body is None:
                response = view(request, *args, **kwargs)
                if response.status_code != 200 or getattr(response, "streaming", False):
                    return response
                local.set(page_key, response.content, TTL)
                return response
            get_token(request)  # the csrftoken cookie the page's JS sends back
            return HttpResponse(body)

        return wrapped

    return decorator
