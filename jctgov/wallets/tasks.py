"""Celery tasks of the wallets app: retention of sign-in records. Thin wrappers."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="wallets.purge_nonces", ignore_result=True)
def purge_nonces() -> int:
    """Beat: delete expired sign-in nonces. Idempotent."""
    from jctgov.wallets.services import nonces_purge

    return nonces_purge()


@shared_task(name="wallets.purge_sessions", ignore_result=True)
def purge_sessions() -> int:
    """Beat: delete expired sessions. Idempotent."""
    from jctgov.wallets.services import sessions_purge

    return sessions_purge()
