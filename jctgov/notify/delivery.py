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
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from jctgov.core.tasks import enqueue
from jctgov.notify import events, webhooks
from jctgov.notify.models import Channel, Delivery, Event
from jctgov.notify.services import emit, inboxes_ensure, site_url

K, S = Channel.Kind, Delivery.Status


def _channels(event: Event):
    qs = Channel.objects.filter(active=True)
    if event.type in events.SYSTEM_TYPES:
        qs = qs.filter(kind__in=[K.INBOX, K.EMAIL])
    else:
        qs = qs.filter(events__contains=f",{event.type},")
    qs = qs.exclude(kind=K.EMAIL, verified_at__isnull=True)  # verified addresses only
    if event.audience is not None:
        qs = qs.filter(user__address__in=event.audience)
    return qs.order_by("id")


def _insert_deliveries(event: Event, channel_ids: list[int], now: datetime) -> int:
    """One ``INSERT … SELECT … ON CONFLICT DO NOTHING`` for a chunk of channels: no Python
    object per row, and a row that exists already (an earlier run) is skipped. Returns rows
    inserted."""
    q = connection.ops.quote_name
    when = connection.ops.adapt_datetimefield_value(now)
    marks = ", ".join(["%s"] * len(channel_ids))
    sql = (
        f"INSERT INTO {q(Delivery._meta.db_table)} (event_id, channel_id, user_id, kind, status, "
        "attempts, next_attempt_at, claim, last_error, sent_at, created_at) "
        f"SELECT %s, c.id, c.user_id, c.kind, "
        "CASE WHEN c.kind = 'inbox' THEN 'sent' ELSE 'pending' END, 0, "
        "CASE WHEN c.kind = 'inbox' THEN NULL ELSE %s END, '', '', "
        "CASE WHEN c.kind = 'inbox' THEN %s ELSE NULL END, %s "
        f"FROM {q(Channel._meta.db_table)} c WHERE c.id IN ({marks}) "
        "ON CONFLICT (event_id, channel_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [event.pk, when, when, when, *channel_ids])
        return cursor.rowcount


def event_fan_out(*, event_id: int, now: datetime | None = None) -> int:
    """Create the event's deliveries; idempotent and safe after a crash (each chunk commits on
    its own; a rerun inserts only what is missing). Returns rows added."""
    now = now or timezone.now()
    event = Event.objects.filter(pk=event_id).first()
    if event is None or event.fanned_out_at:
        return 0
    if event.audience:
        inboxes_ensure(addresses=event.audience)  # a named recipient always has an inbox
    chunk, last, added = settings.NOTIFY_FANOUT_CHUNK, 0, 0
    while True:
        ids = list(_channels(event).filter(id__gt=last).values_list("id", flat=True)[:chunk])
        if not ids:
            break
        added += _insert_deliveries(event, ids, now)
        last = ids[-1]
    Event.objects.filter(pk=event.pk, fanned_out_at__isnull=True).update(fanned_out_at=now)
    return added


def backoff(attempts: int) -> timedelta:
    """Delay before the next attempt after ``attempts`` failures: base × 2^(n−1), capped."""
    base, cap = settings.NOTIFY_RETRY_BASE_S, settings.NOTIFY_RETRY_MAX_S
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


@dataclass
class Claimed:
    """A claimed delivery as the sender needs it: plain values, no model objects."""

    pk: int
    event_id: int
    channel_id: int
    kind: str
    attempts: int
    target: str
    secret: str
    format: str

    @property
    def idempotency_key(self) -> str:
        return f"jctgov-{self.event_id}-{self.channel_id}"


def _claim(now: datetime, size: int) -> list[Claimed]:
    """Take up to ``size`` due deliveries: locked rows another sender holds are skipped, and
    the claim token marks ours."""
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
    rows = Delivery.objects.filter(claim=token).values_list(
        "pk", "event_id", "channel_id", "kind", "attempts",
        "channel__target", "channel__secret", "channel__format",
    )  # fmt: skip
    return [Claimed(*row) for row in rows]


def _send_webhooks(items: list[Claimed]) -> dict[int, webhooks.Result]:
    """Sign and POST every webhook delivery of a batch concurrently. The body is built once
    per (event, format); each request has its own key and signature."""
    if not items:
        return {}
    events_by_id = Event.objects.in_bulk({d.event_id for d in items})
    bodies: dict[tuple[int, str], bytes] = {}
    requests = []
    timestamp = int(time.time())
    for d in items:
        event = events_by_id[d.event_id]
        payload = bodies.get((d.event_id, d.format))
        if payload is None:
            payload = webhooks.body(d.format, event, site_url(event.url))
            bodies[(d.event_id, d.format)] = payload
        headers = {
            webhooks.IDEMPOTENCY_HEADER: d.idempotency_key,
            webhooks.SIGNATURE_HEADER: webhooks.sign(d.secret, timestamp, payload),
            "X-Jctgov-Event": event.type,
            "User-Agent": "jctgov-webhooks/1",
        }
        requests.append((d.target, payload, headers))
    return dict(zip([d.pk for d in items], webhooks.post_many(requests), strict=True))


def _send_emails(items: list[Claimed]) -> dict[int, webhooks.Result]:
    from jctgov.notify import emails

    results: dict[int, webhooks.Result] = {}
    if not items:
        return results
    deliveries = Delivery.objects.filter(pk__in=[d.pk for d in items]).select_related(
        "event", "channel"
    )
    try:
        with emails.connection() as conn:
            for delivery in deliveries:
                try:
                    emails.event_message(delivery, connection=conn).send()
                    results[delivery.pk] = webhooks.Result(True)
                except Exception as exc:  # noqa: BLE001 - any SMTP failure is retried
                    results[delivery.pk] = _failure(exc)
    except Exception as exc:  # noqa: BLE001 - the server was unreachable
        for d in items:
            results.setdefault(d.pk, _failure(exc))
    return results


def _failure(exc: Exception) -> webhooks.Result:
    return webhooks.Result(False, None, f"{type(exc).__name__}: {exc}"[:300])


def _record(batch: list[Claimed], results: dict[int, webhooks.Result], now: datetime) -> None:
    """Successes in one UPDATE per status code; failures rescheduled with backoff (or given
    up after NOTIFY_MAX_ATTEMPTS); webhooks' failure clocks started, cleared or run out."""
    by_code: dict[int | None, list[int]] = {}
    failed = []
    for d in batch:
        result = results[d.pk]
        if result.ok:
            by_code.setdefault(result.status, []).append(d.pk)
            continue
        attempts = d.attempts + 1
        dead = attempts >= settings.NOTIFY_MAX_ATTEMPTS
        failed.append(
            Delivery(
                pk=d.pk,
                attempts=attempts,
                last_error=result.error[:300],
                last_status_code=result.status,
                claim="",
                claimed_at=None,
                status=S.DEAD if dead else S.PENDING,
                next_attempt_at=None if dead else now + backoff(attempts),
            )
        )
    for code, ids in by_code.items():
        Delivery.objects.filter(pk__in=ids, status=S.SENDING).update(
            status=S.SENT,
            sent_at=now,
            attempts=F("attempts") + 1,
            last_status_code=code,
            last_error="",
            claim="",
        )
    fields = ["attempts", "last_error", "last_status_code", "claim", "claimed_at", "status"]
    Delivery.objects.bulk_update(failed, [*fields, "next_attempt_at"], batch_size=500)
    kinds = {d.pk: d for d in batch}
    ok_hooks = {d.channel_id for d in batch if d.kind == K.WEBHOOK and results[d.pk].ok}
    bad_hooks = {kinds[f.pk].channel_id for f in failed if kinds[f.pk].kind == K.WEBHOOK}
    bad_hooks -= ok_hooks
    if ok_hooks:
        Channel.objects.filter(pk__in=ok_hooks, failing_since__isnull=False).update(
            failing_since=None
        )
    if bad_hooks:
        Channel.objects.filter(pk__in=bad_hooks, failing_since__isnull=True).update(
            failing_since=now
        )
        cutoff = now - timedelta(seconds=settings.NOTIFY_WEBHOOK_DISABLE_AFTER_S)
        expired = Channel.objects.filter(pk__in=bad_hooks, active=True, failing_since__lte=cutoff)
        for pk in expired.values_list("pk", flat=True):
            webhook_disable(channel_id=pk, now=now)


def deliveries_send_due(*, now: datetime | None = None, budget_s: float | None = None) -> int:
    """Send due deliveries, batch after batch, until none is due or ``budget_s`` is spent.

    At least once per delivery (a sender killed after sending leaves its claim; the sweep gives
    it back and it is sent again with the same idempotency key), recorded exactly once.
    Returns how many were delivered.
    """
    budget = settings.NOTIFY_SEND_BUDGET_S if budget_s is None else budget_s
    deadline, sent = time.monotonic() + budget, 0
    while time.monotonic() < deadline:
        batch = _claim(now or timezone.now(), settings.NOTIFY_SEND_BATCH)
        if not batch:
            break
        results = _send_webhooks([d for d in batch if d.kind == K.WEBHOOK])
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
        enqueue("notify.fan_out", event_id)
    due = Delivery.objects.filter(status=S.PENDING, next_attempt_at__lte=now).exists()
    if due and not lost:
        enqueue("notify.send_due")
    return {"released": released, "refanned": len(lost), "due": due}
