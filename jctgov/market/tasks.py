"""Market beat tasks: thin wrappers around services, each safe to run twice or concurrently."""

from celery import shared_task


@shared_task(ignore_result=True)
def run_match_round() -> int:
    """One matching round. A singleton row lock keeps concurrent rounds from double-booking."""
    from jctgov.market.matching import match_round

    result = match_round()
    return result.matched if result else 0


@shared_task(ignore_result=True)
def refresh_stakes() -> int:
    """Re-read every provider's veJCT at the chain head. Idempotent."""
    from jctgov.market.services import stakes_refresh

    return stakes_refresh()


@shared_task(ignore_result=True)
def fail_stale_leases() -> int:
    """Fail open leases whose node stopped sending heartbeats. Idempotent."""
    from jctgov.market.services import leases_fail_stale

    return len(leases_fail_stale())


@shared_task(ignore_result=True)
def expire_jobs() -> int:
    """Pending jobs past market.job_expiry_s become expired. Idempotent."""
    from jctgov.market.services import jobs_expire

    return jobs_expire()


@shared_task(ignore_result=True, acks_late=True)
def run_replay(run_id: int) -> None:
    """One background replay preview. Safe twice and after a crash: the run is claimed with a
    conditional update, and a lost run is taken over once its progress is stale."""
    from jctgov.market.replay_runs import replay_run_execute

    replay_run_execute(run_id=run_id)


@shared_task(ignore_result=True)
def retry_stale_replays() -> int:
    """Re-enqueue replay runs that were never picked up or whose worker died. Idempotent."""
    from jctgov.market.replay_runs import replay_runs_retry_stale

    return replay_runs_retry_stale()


@shared_task(ignore_result=True)
def market_retention() -> dict:
    """Roll heartbeats beyond the uptime window into uptime intervals, drop match inputs
    beyond the replay window, delete old replay runs. Idempotent."""
    from jctgov.market.retention import retention_run

    return retention_run()


@shared_task(ignore_result=True)
def simulate_demo_nodes() -> int:
    """Heartbeats (and lease progress) for `seed_demo`'s nodes while `up` runs; nothing for
    real nodes, and nothing at all unless JCTGOV_SIMULATE_DEMO_NODES is on. Idempotent."""
    from jctgov.market.demo import demo_nodes_tick

    return demo_nodes_tick()


@shared_task(name="notify.nodes_offline", ignore_result=True)
def nodes_offline() -> int:
    """Beat: tell providers when a node stopped sending heartbeats (once per outage)."""
    from jctgov.market.notices import nodes_offline as scan

    return scan()
