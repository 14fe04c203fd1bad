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
