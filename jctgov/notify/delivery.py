"""Fan-out and sending: one delivery row per (event, channel), sent at least once, recorded
once; receivers drop repeats by the idempotency key.

- ``event_fan_out`` inserts deliveries in chunks with ``ON CONFLICT DO NOTHING`` on the unique
  (event, channel): a fan-out killed half-way and run again adds only the missing rows.
- ``deliveries_send_due`` claims due rows (``FOR UPDATE SKIP LOCKED`` then a claim token), so
  concurrent senders never take the same row; webhooks go out in parallel over pooled
  keep-alive connections. A failure is retried with exponential backoff; a webhook failing
  for ``NOTIFY_WEBHOOK_DISABLE_AFTER_S`` is disabled and its owner told.
- ``deliveries_recover`` (the beat's sweep) re-fans events whose task was lost and gives back
  claims of a sender that died, so nothing is lost after a crash.
"""

from __future__ import annotations

import secrets
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from jctgov.notify import events, webhooks
from jctgov.notify.models import Channel, Delivery, Event
from jctgov.notify.services import emit, inboxes_ensure, site_url

K, S = Channel.Kind, Delivery.Status
_executor: ThreadPoolExecutor | None = None


def _channels(event: Event):
    qs = Channel.objects.filter(active=True)
    if event.type in events.SYSTEM_TYPES:
        qs = qs.filter(kind__in=[K.INBOX, K.EMAIL])
    else:
        qs = qs.filter(events__contains=f",{event.type},")
    qs = qs.exclude(kind=K.EMAIL, verified_at__isnull=True)  # verified addresses only
    if event.audience is not None:
        qs = qs.filter(user__address__in=event.audience)
    return qs.order_by("id").values_list("id", "user_id", "kind")


def event_fan_out(*, event_id: int, now: datetime | None = None) -> int:
    """Create the event's deliveries; idempotent and safe after a crash. Returns rows added."""
    now = now or timezone.now()
    event = Event.objects.filter(pk=event_id).first()
    if event is None or event.fanned_out_at:
        return 0
    if event.audience:
        inboxes_ensure(addresses=event.audience)  # a named recipient always has an inbox
    chunk, last, added = settings.NOTIFY_FANOUT_CHUNK, 0, 0
    while True:
        rows = list(_channels(event).filter(id__gt=last)[:chunk])
        if not rows:
            break
        present = set(
            Delivery.objects.filter(event=event, channel_id__in=[r[0] for r in rows]).values_list(
                "channel_id", flat=True
            )
        )
        created = Delivery.objects.bulk_create(
            [
                Delivery(
                    event_id=event.pk,
                    channel_id=channel_id,
                    user_id=user_id,
                    kind=kind,
                    status=S.SENT if kind == K.INBOX else S.PENDING,
                    sent_at=now if kind == K.INBOX else None,
                    next_attempt_at=None if kind == K.INBOX else now,
                )
                for channel_id, user_id, kind in rows
                if channel_id not in present
            ],
            ignore_conflicts=True,
        )
        added += len(created)
        last = rows[-1][0]
    Event.objects.filter(pk=event.pk, fanned_out_at__isnull=True).update(fanned_out_at=now)
    return added


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after ``attempts`` failures: base × 2^(n−1), capped."""
    base, cap = settings.NOTIFY_RETRY_BASE_S, settings.NOTIFY_RETRY_MAX_S
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def _claim(now: datetime, size: int) -> list[Delivery]:
    token = secrets.token_hex(8)
    with transaction.atomic():
        ids = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(status=S.PENDING, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:size]
        )
        if not ids:
            return []
        Delivery.objects.filter(pk__in=ids, status=S.PENDING).update(
            status=S.SENDING, claim=token, claimed_at=now
        )
    return list(Delivery.objects.filter(claim=token).select_related("event", "channel"))


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(settings.NOTIFY_SEND_CONCURRENCY, "notify-send")
    return _executor


def _send_webhook(delivery: Delivery, links: dict) -> webhooks.Result:
    event, channel = delivery.event, delivery.channel
    key = delivery.idempotency_key
    payload = webhooks.body(
        channel.format, event, key, links.setdefault(event.pk, site_url(event.url))
    )
    headers = {
        webhooks.IDEMPOTENCY_HEADER: key,
        webhooks.SIGNATURE_HEADER: webhooks.sign(channel.secret, int(time.time()), payload),
        "X-Jctgov-Event": event.type,
        "User-Agent": "jctgov-webhooks/1",
    }
    return webhooks.post(channel.target, payload, headers)


def _send_emails(items: list[Delivery]) -> dict[int, webhooks.Result]:
    from jctgov.notify import emails

    results: dict[int, webhooks.Result] = {}
    if not items:
        return results
    try:
        with emails.connection() as conn:
            for delivery in items:
                try:
                    emails.event_message(delivery, connection=conn).send()
                    results[delivery.pk] = webhooks.Result(True)
                except Exception as exc:  # noqa: BLE001 - any SMTP failure is retried
                    results[delivery.pk] = webhooks.Result(
                        False, None, f"{type(exc).__name__}: {exc}"[:300]
                    )
    except Exception as exc:  # noqa: BLE001 - the server was unreachable
        for delivery in items:
            results.setdefault(
                delivery.pk, webhooks.Result(False, None, f"{type(exc).__name__}: {exc}"[:300])
            )
    return results


def _record(batch: list[Delivery], results: dict[int, webhooks.Result], now: datetime) -> None:
    by_code: dict[int | None, list[int]] = {}
    failed = []
    for delivery in batch:
        result = results[delivery.pk]
        if result.ok:
            by_code.setdefault(result.status, []).append(delivery.pk)
            continue
        delivery.attempts += 1
        delivery.last_error, delivery.last_status_code = result.error[:300], result.status
        delivery.claim, delivery.claimed_at = "", None
        if delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            delivery.status = S.DEAD
        else:
            delivery.status, delivery.next_attempt_at = S.PENDING, now + backoff(delivery.attempts)
        failed.append(delivery)
    for code, ids in by_code.items():
        Delivery.objects.filter(pk__in=ids, status=S.SENDING).update(
            status=S.SENT,
            sent_at=now,
            attempts=F("attempts") + 1,
            last_status_code=code,
            last_error="",
            claim="",
        )
    fields = [
        "attempts",
        "last_error",
        "last_status_code",
        "claim",
        "claimed_at",
        "status",
        "next_attempt_at",
    ]
    Delivery.objects.bulk_update(failed, fields, batch_size=500)
    ok_hooks = {d.channel_id for d in batch if d.kind == K.WEBHOOK and results[d.pk].ok}
    bad_hooks = {d.channel_id for d in failed if d.kind == K.WEBHOOK} - ok_hooks
    if ok_hooks:
        Channel.objects.filter(pk__in=ok_hooks, failing_since__isnull=False).update(
            failing_since=None
        )
    if bad_hooks:
        Channel.objects.filter(pk__in=bad_hooks, failing_since__isnull=True).update(
            failing_since=now
        )
        cutoff = now - timedelta(seconds=settings.NOTIFY_WEBHOOK_DISABLE_AFTER_S)
        for pk in Channel.objects.filter(
            pk__in=bad_hooks, active=True, failing_since__lte=cutoff
        ).values_list("pk", flat=True):
            webhook_disable(channel_id=pk, now=now)


def deliveries_send_due(*, now: datetime | None = None, budget_s: float | None = None) -> int:
    """Send due deliveries, batch after batch, until none is due or ``budget_s`` is spent.

    At least once per delivery (a sender killed after sending leaves its claim; the sweep gives
    it back and it is sent again with the same idempotency key), recorded exactly once.
    """
    budget = settings.NOTIFY_SEND_BUDGET_S if budget_s is None else budget_s
    deadline, sent = time.monotonic() + budget, 0
    while time.monotonic() < deadline:
        at = now or timezone.now()
        batch = _claim(at, settings.NOTIFY_SEND_BATCH)
        if not batch:
            break
        links: dict = {}
        hooks = [d for d in batch if d.kind == K.WEBHOOK]
        results = dict(
            zip(
                [d.pk for d in hooks],
                _pool().map(partial(_send_webhook, links=links), hooks),
                strict=True,
            )
        )
        results.update(_send_emails([d for d in batch if d.kind == K.EMAIL]))
        _record(batch, results, now or timezone.now())
        sent += sum(1 for r in results.values() if r.ok)
    return sent


def webhook_disable(*, channel_id: int, now: datetime | None = None) -> bool:
    """Disable a webhook that kept failing; its pending deliveries are given up and its owner
    is told in the inbox and by (verified) email. Atomic; idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        channel = (
            Channel.objects.select_for_update().select_related("user").filter(pk=channel_id).first()
        )
        if channel is None or not channel.active:
            return False
        hours = settings.NOTIFY_WEBHOOK_DISABLE_AFTER_S / 3600
        channel.active, channel.disabled_at = False, now
        channel.disabled_reason = f"Disabled after failing for {hours:g} h."
        channel.save(update_fields=["active", "disabled_at", "disabled_reason"])
        Delivery.objects.filter(channel=channel, status__in=[S.PENDING, S.SENDING]).update(
            status=S.DEAD, last_error=channel.disabled_reason
        )
        emit(
            events.WEBHOOK_DISABLED,
            audience=[channel.user],
            data={"webhook": channel.pk, "url": channel.target},
            message=(
                "A webhook of yours was disabled",
                f"{channel.target} failed every delivery for {hours:g} h, so it was disabled. "
                "Fix the receiver, then resume it on the notifications page.",
                "/notifications/",
            ),
        )
    return True


def deliveries_recover(*, now: datetime | None = None) -> dict[str, Any]:
    """The sweep: give back claims of dead senders, re-fan events whose task was lost, and
    enqueue sending when something is due. Idempotent."""
    from jctgov.notify import tasks

    now = now or timezone.now()
    lease = now - timedelta(seconds=settings.NOTIFY_CLAIM_LEASE_S)
    released = Delivery.objects.filter(status=S.SENDING, claimed_at__lt=lease).update(
        status=S.PENDING, claim="", claimed_at=None
    )
    grace = now - timedelta(seconds=settings.NOTIFY_FANOUT_GRACE_S)
    lost = list(
        Event.objects.filter(fanned_out_at__isnull=True, created_at__lt=grace)
        .order_by("id")
        .values_list("pk", flat=True)[:100]
    )
    for event_id in lost:
        tasks.fan_out.delay(event_id)
    due = Delivery.objects.filter(status=S.PENDING, next_attempt_at__lte=now).exists()
    if due and not lost:
        tasks.send_due.delay()
    return {"released": released, "refanned": len(lost), "due": due}
