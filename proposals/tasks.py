"""Celery tasks of the proposals app: thin wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="proposals.advance_proposals", ignore_result=True)
def advance_proposals() -> dict[str, int]:
    """Beat, every few seconds: pending → active (snapshot stored), active → closed (ended).

    Idempotent and safe to overlap: each transition locks its row and rechecks the state.
    """
    from proposals.services import proposals_advance

    return proposals_advance()
