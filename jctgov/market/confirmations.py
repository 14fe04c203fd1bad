"""The job owner's word on a completed lease: confirm or dispute (issue 15).

A provider alone reports a lease started and completed; until the job's owner confirms the
completion, or ``market.confirmation_window_s`` passes without a dispute, it does not count
toward the provider's reliability (``selectors.counted_completed``). A dispute is recorded
with its reason and audited; a disputed lease never counts as completed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from jctgov.core.db import locked
from jctgov.core.errors import ApplicationError, Conflict
from jctgov.core.parameters import current_value
from jctgov.core.services import audit_record
from jctgov.core.transitions import require
from jctgov.market.models import Lease
from jctgov.wallets.models import User


def _owned_lease_for_update(lease_id: int, user: User) -> Lease:
    """The completed lease of one of ``user``'s jobs, row-locked; 404 for anyone else's."""
    owned = Lease.objects.filter(job__submitter=user)
    lease = locked(owned, lease_id, code="lease_not_found", what="lease")
    require(lease, "confirm")
    return lease


def lease_confirm(*, lease_id: int, user: User, now: datetime | None = None) -> Lease:
    """The job owner confirms the provider's "completed": it counts toward the provider's
    reliability from now on. Idempotent (a second confirm changes nothing); 409
    ``lease_disputed`` once disputed. Atomic, under the lease's row lock."""
    now = now or timezone.now()
    with transaction.atomic():
        lease = _owned_lease_for_update(lease_id, user)
        if lease.disputed_at is not None:
            raise Conflict("You disputed this lease.", code="lease_disputed")
        if lease.confirmed_at is None:
            lease.confirmed_at = now
            lease.save(update_fields=["confirmed_at"])
            audit_record(subject=lease, action="lease_confirmed", actor=user)
    return lease


def lease_dispute(*, lease_id: int, user: User, reason: str, now: datetime | None = None) -> Lease:
    """The job owner disputes the provider's "completed", with a reason (recorded, audited).
    A disputed lease never counts as completed. Only within ``market.confirmation_window_s``
    of completion (409 ``confirmation_window_closed``), not after a confirm (409
    ``lease_confirmed``), once (409 ``lease_disputed``). Atomic, under the row lock."""
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ApplicationError("Say what went wrong.", code="reason_required", field="reason")
    with transaction.atomic():
        lease = _owned_lease_for_update(lease_id, user)
        if lease.confirmed_at is not None:
            raise Conflict("You confirmed this lease.", code="lease_confirmed")
        if lease.disputed_at is not None:
            raise Conflict("You already disputed this lease.", code="lease_disputed")
        window = timedelta(seconds=current_value("market.confirmation_window_s"))
        if lease.ended_at is not None and now > lease.ended_at + window:
            raise Conflict(
                "The confirmation window of this lease has closed.",
                code="confirmation_window_closed",
            )
        lease.disputed_at, lease.dispute_reason = now, reason[:500]
        lease.full_clean(exclude=["job", "node", "match_round"])
        lease.save(update_fields=["disputed_at", "dispute_reason"])
        audit_record(
            subject=lease, action="lease_disputed", actor=user, data={"reason": reason[:500]}
        )
    return lease
