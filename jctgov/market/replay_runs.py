"""Replay previews as background work (issue 15: the preview burned CPU per request).

A request (``POST /api/v1/market/replay`` or a parameter proposal's page) becomes a
:class:`~jctgov.market.models.ReplayRun` keyed by everything its result depends on: the
parameter values in force, the proposed ones, the window (its end rounded down to
``domain.WINDOW_STEP``, so requests within those minutes share it) and the round cap. The
first request for a key creates the row and enqueues ``run_replay`` on commit; every later one
reads the row (progress while it runs, the result once done). The API refuses a window with
more than ``MAX_REPLAY_ROUNDS`` recorded rounds (400 ``replay_too_many_rounds``); pages
replay only the newest ``MAX_PAGE_ROUNDS`` and say so.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from jctgov.core.errors import ApplicationError
from jctgov.core.parameters import current_values
from jctgov.core.tasks import enqueue
from jctgov.market import replay
from jctgov.market.domain import present, window_end
from jctgov.market.models import ReplayRun
from jctgov.wallets.models import User

logger = logging.getLogger(__name__)
RUN_REPLAY = "jctgov.market.tasks.run_replay"
MAX_REPLAY_ROUNDS = 20_000  # ~4 ms a round on the benchmark's sizes: at most ~80 s of a worker
# A run whose worker shows no progress for this long was lost (crash): the next delivery or
# the beat's retry takes it over.
STALE_AFTER = timedelta(minutes=2)


def run_key(
    current: dict[str, int], proposed: dict[str, int], days: int, end: datetime, cap: int
) -> str:
    material = json.dumps(
        [current, proposed, days, end.isoformat(), cap], sort_keys=True, default=str
    )
    return hashlib.sha256(material.encode()).hexdigest()


def replay_request(
    *,
    changes: dict[str, Any],
    days: int,
    user: User | None = None,
    now: datetime | None = None,
    page_cap: int | None = None,
) -> ReplayRun:
    """The replay run for these values and window: an existing one (any state), or a new one
    whose task is enqueued when this transaction commits.

    Validates every change against the registry (400 ``unknown_parameter`` /
    ``parameter_out_of_bounds`` / ``invalid_integer``). Without ``page_cap``, a window of more
    than MAX_REPLAY_ROUNDS recorded rounds is refused (400 ``replay_too_many_rounds``); with
    it, only the newest ``page_cap`` rounds are replayed. Idempotent: one row per key (unique)."""

    proposed = replay.validate_overrides(changes)
    current = current_values()
    end = window_end(now or timezone.now())
    cap = page_cap if page_cap is not None else MAX_REPLAY_ROUNDS
    if page_cap is None:
        total = replay.window_round_count(end - timedelta(days=days), end)
        if total > MAX_REPLAY_ROUNDS:
            raise ApplicationError(
                f"The last {days} days hold {total} recorded match rounds; a replay runs at most "
                f"{MAX_REPLAY_ROUNDS}. Ask for fewer days.",
                code="replay_too_many_rounds",
                field="days",
                extra={"rounds": total, "max_rounds": MAX_REPLAY_ROUNDS},
            )
    key = run_key(current, proposed, days, end, cap)
    with transaction.atomic():
        run, created = ReplayRun.objects.get_or_create(
            key=key,
            defaults={
                "changes": proposed,
                "current": current,
                "days": days,
                "window_end": end,
                "max_rounds": cap,
                "requested_by": user,
                "created_at": timezone.now(),
            },
        )
        if created:
            enqueue(RUN_REPLAY, run.pk)  # sent once this commits (the task base)
    return run


def replay_run_execute(*, run_id: int, now: datetime | None = None) -> ReplayRun | None:
    """Run the replay of ``run_id`` and store its result (or its refusal).

    Claims the run with a conditional update (queued, or running without progress for
    STALE_AFTER), so two deliveries never replay it at once and a crashed worker's run is taken
    over; a done or failed run is left alone. Returns the run, or None when not claimed."""
    now = now or timezone.now()
    claimable = Q(state=ReplayRun.State.QUEUED) | Q(
        state=ReplayRun.State.RUNNING, progress_at__lt=now - STALE_AFTER
    )
    if not ReplayRun.objects.filter(claimable, pk=run_id).update(
        state=ReplayRun.State.RUNNING, progress_at=now, rounds_done=0
    ):
        return None
    run = ReplayRun.objects.get(pk=run_id)

    def progress(done: int, total: int) -> None:
        ReplayRun.objects.filter(pk=run_id, state=ReplayRun.State.RUNNING).update(
            rounds_done=done, rounds_total=total, progress_at=timezone.now()
        )

    try:
        preview = replay.replay_preview(
            run.changes,
            days=run.days,
            now=run.window_end,
            max_rounds=run.max_rounds,
            current=run.current,
            progress=progress,
        )
    except ApplicationError as exc:  # a bound changed between the request and the run
        ReplayRun.objects.filter(pk=run_id).update(
            state=ReplayRun.State.FAILED, error=exc.message[:300], finished_at=timezone.now()
        )
        return ReplayRun.objects.get(pk=run_id)
    result = {
        "preview": replay.preview_json(preview),
        "page": replay.preview_json(present(preview)),
    }
    ReplayRun.objects.filter(pk=run_id).update(
        state=ReplayRun.State.DONE,
        rounds_done=preview["rounds"],
        rounds_total=preview["rounds"],
        result=result,
        finished_at=timezone.now(),
    )
    logger.info("replay run %s: %d rounds", run_id, preview["rounds"])
    return ReplayRun.objects.get(pk=run_id)


def replay_runs_retry_stale(*, now: datetime | None = None) -> int:
    """Re-enqueue runs that are queued or lost (no progress for STALE_AFTER). Idempotent."""
    now = now or timezone.now()
    stale = ReplayRun.objects.filter(
        Q(state=ReplayRun.State.QUEUED, created_at__lt=now - STALE_AFTER)
        | Q(state=ReplayRun.State.RUNNING, progress_at__lt=now - STALE_AFTER)
    ).values_list("pk", flat=True)[:100]
    ids = list(stale)
    for run_id in ids:
        enqueue(RUN_REPLAY, run_id)
    return len(ids)


def run_status(run: ReplayRun) -> dict[str, Any]:
    """What the API and the page's poller show of a run."""
    result = run.result or {}
    return {
        "key": run.key,
        "state": run.state,
        "days": run.days,
        "window_end": run.window_end.isoformat(),
        "rounds_done": run.rounds_done,
        "rounds_total": run.rounds_total,
        "error": run.error or None,
        "result": result.get("preview"),
        "rows": (result.get("page") or {}).get("rows"),
    }
