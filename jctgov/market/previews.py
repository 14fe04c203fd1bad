"""The replay preview of a parameter proposal, for its page: asks for the run, shows its state.

A marketplace-parameters proposal page shows what its values would have done to the last
week's market: the recorded jobs and offers re-run through the engine with the values in force
(before) and with the proposed ones (after). Slow on a busy week, so it runs in a worker
(jctgov.market.replay_runs) once per values and window; the window ends on a ``WINDOW_STEP``
boundary, so everyone reading the page in those minutes shares one run, and a stored preview
is exact for its window (recorded rounds never change).

Not a presenter: asking for a preview may create the run and enqueue its worker (a write,
through ``replay_runs``). The table rows themselves are ``domain.present``'s.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.urls import reverse
from django.utils.dateparse import parse_datetime

from jctgov.core.errors import ApplicationError
from jctgov.market import replay_runs
from jctgov.market.domain import MAX_PAGE_ROUNDS
from jctgov.market.models import ReplayRun

PREVIEW_DAYS = 7
# Once executed the proposed values are the ones in force (before = after); a defeated,
# cancelled or expired proposal changes nothing. Previews are for the decision.
PREVIEW_STATES = ("draft", "pending", "active", "succeeded", "queued", "failed")
# Market parameters a replay of recorded rounds cannot show: uptime was measured (and leases
# timed out) under the interval in force when each round ran.
NOT_REPLAYED = ("market.heartbeat_interval_s",)


def _market_changes(proposal: Any) -> dict[str, str]:
    if proposal.kind != "parameters" or proposal.state not in PREVIEW_STATES:
        return {}
    changes = (proposal.payload or {}).get("changes", [])
    return {
        c["key"]: str(c["value"])
        for c in changes
        if isinstance(c, dict) and str(c.get("key", "")).startswith("market.")
    }


def proposal_replay_preview(
    proposal: Any, *, days: int = PREVIEW_DAYS, now: datetime | None = None
) -> dict[str, Any] | None:
    """The before/after replay preview for a marketplace-parameters proposal, for its page.

    None when there is nothing to preview (another kind, no ``market.*`` change, or a final
    state). Otherwise the presented preview (``rows``: label, before, after, change) once its
    background run is done; ``{"pending": …}`` with the run's progress (the page polls
    ``status_url``) while it runs; ``error`` when the replay refuses the values. The work runs
    once per (values, window) in a worker (jctgov.market.replay_runs), never in the request.
    """
    changes = _market_changes(proposal)
    if not changes:
        return None
    try:
        run = replay_runs.replay_request(
            changes=changes, days=days, now=now, page_cap=MAX_PAGE_ROUNDS
        )
    except ApplicationError as exc:  # a bound changed since the proposal was drafted
        return {"error": exc.message, "days": days}
    if run.state == ReplayRun.State.FAILED:
        return {"error": run.error, "days": days}
    if run.state != ReplayRun.State.DONE:
        return {
            "pending": True,
            "days": days,
            "key": run.key,
            "status_url": reverse("market-api:replay-status", args=[run.key]),
            "rounds_done": run.rounds_done,
            "rounds_total": run.rounds_total,
        }
    data = dict(run.result["page"])  # type: ignore[index]  # a finished run has its result
    for name in ("window_end", "first_round_at"):
        data[name] = parse_datetime(data[name]) if data.get(name) else None
    data["not_replayed"] = [k for k in changes if k in NOT_REPLAYED]
    return data
