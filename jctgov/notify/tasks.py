"""Celery tasks of notifications: thin wrappers around the delivery services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings


@shared_task(name="notify.fan_out", ignore_result=True, acks_late=True)
def fan_out(event_id: int) -> int:
    """Create the event's deliveries (idempotent), then start the senders."""
    from jctgov.notify.delivery import event_fan_out

    added = event_fan_out(event_id=event_id)
    for _ in range(settings.NOTIFY_SEND_TASKS):
        send_due.delay()
    return added


@shared_task(name="notify.send_due", ignore_result=True, acks_late=True)
def send_due() -> int:
    """Send due deliveries for up to NOTIFY_SEND_BUDGET_S; safe to run twice or concurrently."""
    from jctgov.notify.delivery import deliveries_send_due

    return deliveries_send_due()


@shared_task(
    name="notify.send_verification",
    ignore_result=True,
    autoretry_for=(OSError,),
    max_retries=5,
    retry_backoff=10,
)
def send_verification(channel_id: int) -> bool:
    """Mail the verification link of an email channel (not once verified)."""
    from jctgov.notify.emails import send_verification as send
    from jctgov.notify.models import Channel

    channel = (
        Channel.objects.filter(pk=channel_id, verified_at__isnull=True)
        .select_related("user")
        .first()
    )
    if channel is None:
        return False
    send(channel)
    return True


@shared_task(name="notify.sweep", ignore_result=True)
def sweep() -> dict:
    """Beat: recover lost fan-outs and dead senders' claims; start sending what is due."""
    from jctgov.notify.delivery import deliveries_recover

    return deliveries_recover()
