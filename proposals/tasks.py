"""Celery tasks of the proposals app: thin wrappers around services."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from jctgov.chain.client import ChainUnavailable


@shared_task(name="proposals.advance_proposals", ignore_result=True)
def advance_proposals() -> dict[str, int]:
    """Beat, every few seconds: pending → active (snapshot stored), active → closed (ended).

    Idempotent and safe to overlap: each transition locks its row and rechecks the state.
    """
    from proposals.services import proposals_advance

    return proposals_advance()


# Timelock steps. Safe to re-run (a claim, then the timelock's own state decides), so they are
# acknowledged late: a worker killed mid-step gets its message redelivered. Only transient chain
# errors are retried; permanent ones end as ``failed`` inside the service.
_CHAIN_STEP: dict[str, Any] = {
    "ignore_result": True,
    "acks_late": True,
    "autoretry_for": (ChainUnavailable,),
    "max_retries": 8,
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
}


@shared_task(name="proposals.schedule_proposal", **_CHAIN_STEP)
def schedule_proposal(proposal_id: int) -> str:
    """scheduleBatch an approved proposal on the timelock, exactly once. Returns the state."""
    from proposals.services import proposal_schedule

    return proposal_schedule(proposal_id=proposal_id).state


@shared_task(name="proposals.execute_proposal", **_CHAIN_STEP)
def execute_proposal(proposal_id: int) -> str:
    """executeBatch a queued proposal once its delay has passed, exactly once. Returns the state."""
    from proposals.services import proposal_execute

    return proposal_execute(proposal_id=proposal_id).state


@shared_task(name="proposals.execution_due", ignore_result=True)
def execution_due() -> dict[str, int]:
    """Beat: enqueue due schedule/execute steps (also those a crashed worker left), expire
    succeeded proposals past their grace. Idempotent."""
    from proposals.services import proposals_execution_due

    return proposals_execution_due()


@shared_task(name="notify.closing_soon", ignore_result=True)
def closing_soon() -> int:
    """Beat: "voting closes in 24 h" to holders who have not voted (once per proposal)."""
    from proposals.notices import proposals_closing_soon

    return proposals_closing_soon()
