"""Notification reads: a wallet's channels, inbox and delivery log; events for the feeds."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from jctgov.notify.models import Channel, Delivery

K = Channel.Kind


def inbox_unread_count(*, user: Any) -> int:
    return Delivery.objects.filter(user=user, kind=K.INBOX, read_at__isnull=True).count()


def inbox_items(*, user: Any, limit: int = 50) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(user=user, kind=K.INBOX)
        .select_related("event")
        .order_by("-id")[:limit]
    )


def delivery_log(*, user: Any, limit: int = 50) -> QuerySet[Delivery]:
    """The wallet's email and webhook deliveries, newest first: status, attempts, last error."""
    return (
        Delivery.objects.filter(user=user)
        .exclude(kind=K.INBOX)
        .select_related("event", "channel")
        .order_by("-id")[:limit]
    )


def channels(*, user: Any) -> list[Channel]:
    return list(Channel.objects.filter(user=user).order_by("kind", "id"))
