"""Celery tasks of the grants app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task

from jctgov.chain.client import ChainUnavailable


@shared_task(
    name="grants.pay_milestone",
    ignore_result=True,
    acks_late=True,  # safe to re-run: milestone_pay claims, then reconciles with the chain
    autoretry_for=(ChainUnavailable,),  # transient only; reverts end as "failed"
    max_retries=8,
    retry_backoff=5,
    retry_backoff_max=300,
)
def pay_milestone(milestone_id: int) -> str:
    """Pay one accepted milestone through GrantEscrow, exactly once. Returns the final state."""
    from grants.services import milestone_pay

    return milestone_pay(milestone_id=milestone_id).state


@shared_task(name="grants.reconcile_payouts", ignore_result=True)
def reconcile_payouts() -> int:
    """Beat: re-enqueue accepted payouts (executor was missing) and paying ones whose worker died."""
    from grants.services import payouts_pending

    pending = payouts_pending()
    for milestone_id in pending:
        pay_milestone.delay(milestone_id)
    return len(pending)
