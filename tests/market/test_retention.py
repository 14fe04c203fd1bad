"""Issue 15, retention: heartbeats rolled up into uptime intervals without changing uptime,
match inputs dropped beyond the replay window, the periodic tasks declared in code."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jctgov.market import selectors
from jctgov.market.models import Heartbeat, MatchRound, UptimeInterval
from jctgov.market.retention import heartbeats_roll_up, match_inputs_drop, retention_run
from jctgov.schedule import BEAT_SCHEDULE
from tests.market.factories import NodeFactory, heartbeats_every

pytestmark = pytest.mark.django_db


def _flaky_node(now, days):
    """Heartbeats every 60 s for ``days`` days, except a 3-hour gap every day."""
    node = NodeFactory(registered_at=now - timedelta(days=days))
    for day in range(days):
        start = now - timedelta(days=days - day) + timedelta(seconds=17)
        heartbeats_every(node, start=start, end=start + timedelta(hours=21), interval_s=60)
    return node


def test_rolling_up_old_heartbeats_leaves_uptime_unchanged():
    now = timezone.now()
    node = _flaky_node(now, days=12)
    windows = [timedelta(days=7), timedelta(days=10), timedelta(days=12)]
    before = {w: selectors.uptimes_bps([node], now=now, window=w)[node.pk] for w in windows}
    raw = Heartbeat.objects.filter(node=node).count()
    rolled = heartbeats_roll_up(now=now)
    assert 0 < rolled < raw  # heartbeats older than 8 days are gone…
    assert Heartbeat.objects.filter(node=node).count() == raw - rolled
    assert UptimeInterval.objects.filter(node=node).count() == 4  # …one run per old day
    after = {w: selectors.uptimes_bps([node], now=now, window=w)[node.pk] for w in windows}
    assert after == before
    assert 8_000 < before[timedelta(days=12)] < 9_000  # 21 of 24 hours
    assert heartbeats_roll_up(now=now) == 0  # idempotent
    assert (
        selectors.uptimes_bps([node], now=now, window=windows[-1])[node.pk] == before[windows[-1]]
    )


def test_a_run_continues_across_two_roll_ups():
    now = timezone.now()
    node = NodeFactory(registered_at=now - timedelta(days=11))
    heartbeats_every(
        node, start=now - timedelta(days=11), end=now - timedelta(days=7), interval_s=60
    )
    window = timedelta(days=11)
    before = selectors.uptimes_bps([node], now=now, window=window)[node.pk]
    heartbeats_roll_up(now=now - timedelta(days=1))
    heartbeats_roll_up(now=now)
    assert UptimeInterval.objects.filter(node=node).count() == 1  # one unbroken run
    assert selectors.uptimes_bps([node], now=now, window=window)[node.pk] == before


def test_match_inputs_beyond_the_replay_window_are_dropped():
    now = timezone.now()
    inputs = {"jobs": [{"id": 1}], "offers": []}
    old = MatchRound.objects.create(started_at=now - timedelta(days=40), inputs=inputs)
    recent = MatchRound.objects.create(started_at=now - timedelta(days=29), inputs=inputs)
    assert match_inputs_drop(now=now) == 1
    old.refresh_from_db(), recent.refresh_from_db()
    assert old.inputs == {} and recent.inputs == inputs
    assert retention_run(now=now)["match_inputs_dropped"] == 0


def test_market_periodic_tasks_are_declared_and_run():
    from jctgov.market import tasks

    names = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert {
        "jctgov.market.tasks.expire_jobs",
        "jctgov.market.tasks.market_retention",
        "jctgov.market.tasks.retry_stale_replays",
        "jctgov.market.tasks.simulate_demo_nodes",
    } <= names
    assert tasks.market_retention() == {
        "heartbeats_rolled_up": 0,
        "match_inputs_dropped": 0,
        "replay_runs_deleted": 0,
    }
    assert tasks.expire_jobs() == 0 and tasks.retry_stale_replays() == 0
