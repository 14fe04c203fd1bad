"""Retention: what the market keeps, and for how long (issue 15: tables grew without bound).

* Heartbeats older than the uptime window (plus a day) are rolled up into
  :class:`~jctgov.market.models.UptimeInterval` rows: runs of consecutive clock-aligned slots
  with a heartbeat. ``selectors.uptimes_bps`` counts the rolled-up slots with the raw ones, so
  uptime is what it was (exactly so for the 7-day window, which never reaches rolled-up time;
  for longer windows a rolled-up slot counts when it overlaps the window).
* Match round inputs (the jobs and offers a replay needs) older than the longest replay window
  are emptied; the round's counts stay.
* Replay runs older than a day are deleted (their window has long moved on).

Each step is idempotent and safe to run concurrently (node row locks; conditional updates).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from jctgov.market.models import Heartbeat, MatchRound, Node, ReplayRun, UptimeInterval
from jctgov.market.replay import REPLAY_MAX_DAYS
from jctgov.market.selectors import UPTIME_WINDOW, heartbeat_interval

RAW_HEARTBEATS_KEPT = UPTIME_WINDOW + timedelta(days=1)
MATCH_INPUTS_KEPT = timedelta(days=REPLAY_MAX_DAYS + 1)
REPLAY_RUNS_KEPT = timedelta(days=1)
BATCH = 1_000


def retention_run(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        "heartbeats_rolled_up": heartbeats_roll_up(now=now),
        "match_inputs_dropped": match_inputs_drop(now=now),
        "replay_runs_deleted": ReplayRun.objects.filter(
            created_at__lt=now - REPLAY_RUNS_KEPT
        ).delete()[0],
    }


def _runs(slots: list[int]) -> list[tuple[int, int]]:
    """Sorted distinct slots → [(first, last)] of consecutive runs."""
    runs: list[tuple[int, int]] = []
    for slot in slots:
        if runs and slot == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], slot)
        else:
            runs.append((slot, slot))
    return runs


def heartbeats_roll_up(*, now: datetime | None = None) -> int:
    """Roll every node's heartbeats older than RAW_HEARTBEATS_KEPT (cut at a slot boundary)
    into uptime intervals and delete them. Returns how many heartbeats were rolled up.

    Per node in one transaction under the node's row lock: the intervals are written and the
    heartbeats deleted together, so a crash or a second run never counts a slot twice."""
    now = now or timezone.now()
    slot_s = max(1, int(heartbeat_interval().total_seconds()))
    cutoff_ts = int((now - RAW_HEARTBEATS_KEPT).timestamp()) // slot_s * slot_s
    cutoff = datetime.fromtimestamp(cutoff_ts, tz=UTC)
    node_ids = list(
        Heartbeat.objects.filter(received_at__lt=cutoff)
        .values_list("node_id", flat=True)
        .distinct()
        .order_by("node_id")
    )
    rolled = 0
    for node_id in node_ids:
        with transaction.atomic():
            node = Node.objects.select_for_update().get(pk=node_id)
            old = Heartbeat.objects.filter(node_id=node_id, received_at__lt=cutoff)
            times = list(old.values_list("received_at", flat=True))
            if not times:
                continue
            slots = sorted({int(t.timestamp()) // slot_s for t in times})
            runs = _runs(slots)
            last = (
                UptimeInterval.objects.filter(node_id=node_id, slot_s=slot_s)
                .order_by("-last_slot")
                .first()
            )
            if last is not None and runs and last.last_slot + 1 >= runs[0][0]:
                last.last_slot = max(last.last_slot, runs[0][1])
                last.save(update_fields=["last_slot"])
                runs = runs[1:]
            UptimeInterval.objects.bulk_create(
                UptimeInterval(node_id=node_id, slot_s=slot_s, first_slot=a, last_slot=b)
                for a, b in runs
            )
            rolled += old.delete()[0]
            if node.heartbeats_rolled_until is None or node.heartbeats_rolled_until < cutoff:
                Node.objects.filter(pk=node_id).update(heartbeats_rolled_until=cutoff)
    return rolled


def match_inputs_drop(*, now: datetime | None = None) -> int:
    """Empty the recorded inputs of rounds older than the longest replay window."""
    now = now or timezone.now()
    old = MatchRound.objects.filter(started_at__lt=now - MATCH_INPUTS_KEPT).exclude(inputs={})
    dropped = 0
    while ids := list(old.values_list("pk", flat=True)[:BATCH]):
        dropped += MatchRound.objects.filter(pk__in=ids).update(inputs={})
    return dropped
