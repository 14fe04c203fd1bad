"""Notification writes: the outbox ``emit`` and the subscriber's own channels.

``emit`` is the one function other apps call, inside the transaction of the change it reports.
Everything else here is the subscriber managing their inbox, email address and webhooks.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from jctgov.core.errors import ApplicationError, Conflict, NotFound
from jctgov.core.tasks import enqueue
from jctgov.notify import events
from jctgov.notify.messages import describe, subject_key
from jctgov.notify.models import Channel, Delivery, Event

VERIFY_SALT = "jctgov.notify.verify-email"
UNSUBSCRIBE_SALT = "jctgov.notify.unsubscribe"
VERIFY_MAX_AGE_S = 3 * 24 * 3600
MAX_WEBHOOKS = 20


def _addresses(audience: Any) -> list[str] | None:
    """None (broadcast), "stewards", or users / addresses → sorted unique addresses."""
    if audience is None:
        return None
    if audience == "stewards":
        from jctgov.wallets.models import STEWARDS_GROUP, User

        audience = User.objects.filter(groups__name=STEWARDS_GROUP)
    found = {getattr(a, "address", a) for a in audience}
    return sorted(a for a in found if a)


def emit(
    event_type: str,
    *,
    subject: Any = None,
    audience: Any = None,
    data: dict[str, Any] | None = None,
    dedupe_key: str | None = None,
    if_known: bool = False,
    message: tuple[str, str, str] | None = None,
) -> Event | None:
    """Write one notification event in the caller's transaction (a transactional outbox).

    Call it inside the ``transaction.atomic`` block that makes the change: the event commits
    exactly when the change does and is never lost; fan-out to the subscribers' channels is
    enqueued after commit (and the beat's sweep picks up any event whose task was lost).
    ``audience`` None reaches every channel subscribed to the type; otherwise wallet users,
    addresses or "stewards". A ``dedupe_key`` already used makes this a no-op (returns None),
    as does an empty audience. ``if_known`` ignores a type that is not a notification type
    (for a hook on a generic state transition). ``message`` (title, text, url) replaces the
    one written from the subject.
    """
    if event_type not in events.EVENT_TYPES and event_type not in events.SYSTEM_TYPES:
        if if_known:
            return None
        raise ValueError(f"unknown notification event type {event_type!r}")
    addresses = _addresses(audience)
    if addresses is not None and not addresses:
        return None
    title, text, url = message or describe(event_type, subject)
    event = Event(
        type=event_type,
        dedupe_key=dedupe_key,
        subject=subject_key(subject),
        title=title,
        text=text,
        url=url,
        data=data or {},
        audience=addresses,
    )
    try:
        with transaction.atomic():  # a savepoint: a duplicate key must not spoil the caller's
            event.save()
    except IntegrityError:
        if dedupe_key and Event.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise
    transaction.on_commit(lambda: _enqueue_fan_out(event.pk))
    return event


def _enqueue_fan_out(event_id: int) -> None:
    enqueue("notify.fan_out", event_id)


# --- the subscriber's channels ------------------------------------------------------------


def _clean_events(value: Iterable[str] | None, kind: str) -> str:
    if value is None:
        return events.encode(events.defaults(kind))
    if isinstance(value, str) or not all(isinstance(v, str) for v in value):
        raise ApplicationError("A list of event types.", code="invalid_events", field="events")
    unknown = sorted(set(value) - set(events.EVENT_TYPES))
    if unknown:
        raise ApplicationError(
            f"Unknown event type {unknown[0]!r}.", code="unknown_event_type", field="events"
        )
    return events.encode(list(value))


def inbox_ensure(*, user: Any) -> Channel:
    """The user's inbox channel, created with the default events. Idempotent."""
    channel = Channel.objects.filter(user=user, kind=Channel.Kind.INBOX).first()
    if channel:
        return channel
    try:
        with transaction.atomic():
            return Channel.objects.create(
                user=user, kind=Channel.Kind.INBOX, events=_clean_events(None, "inbox")
            )
    except IntegrityError:  # created concurrently
        return Channel.objects.get(user=user, kind=Channel.Kind.INBOX)


def inboxes_ensure(*, addresses: list[str]) -> None:
    """Inbox channels for the users of ``addresses`` that have none (one INSERT)."""
    from jctgov.wallets.models import User

    missing = User.objects.filter(address__in=addresses).exclude(
        notify_channels__kind=Channel.Kind.INBOX
    )
    default = _clean_events(None, "inbox")
    Channel.objects.bulk_create(
        [
            Channel(user_id=pk, kind=Channel.Kind.INBOX, events=default)
            for pk in missing.values_list("pk", flat=True)
        ],
        ignore_conflicts=True,
    )


def email_set(*, user: Any, address: str, events_: list[str] | None = None) -> Channel:
    """Set the wallet's email address; a new address must be verified (a link is mailed after
    commit) before anything else is sent to it. Atomic."""
    address = (address or "").strip()
    try:
        if len(address) > 254:
            raise ValidationError("too long")
        validate_email(address)
    except ValidationError:
        raise ApplicationError(
            "Enter a valid email address.", code="invalid_email", field="email"
        ) from None
    with transaction.atomic():
        channel = (
            Channel.objects.select_for_update().filter(user=user, kind=Channel.Kind.EMAIL).first()
        )
        if channel is None:
            channel = Channel(
                user=user, kind=Channel.Kind.EMAIL, events=_clean_events(events_, "email")
            )
        elif events_ is not None:
            channel.events = _clean_events(events_, "email")
        changed = channel.target.lower() != address.lower() or not channel.verified_at
        if channel.target != address:
            channel.target, channel.verified_at = address, None
        channel.active, channel.disabled_at, channel.disabled_reason = True, None, ""
        channel.save()
        if changed:
            _enqueue_verification(channel.pk)  # sent once this commits (the task base)
    return channel


def _enqueue_verification(channel_id: int) -> None:
    enqueue("notify.send_verification", channel_id)


def verification_token(channel: Channel) -> str:
    return signing.dumps({"c": channel.pk, "e": channel.target}, salt=VERIFY_SALT)


def _verification_claim(token: str) -> dict[str, Any]:
    """The (channel, address) a verification link names, if its signature holds (3 days)."""
    try:
        value = signing.loads(token, salt=VERIFY_SALT, max_age=VERIFY_MAX_AGE_S)
    except signing.SignatureExpired:
        raise ApplicationError(
            "This link has expired; ask for a new one.", code="link_expired"
        ) from None
    except signing.BadSignature:
        raise ApplicationError("This link is not valid.", code="invalid_link") from None
    return value if isinstance(value, dict) else {}


def _claimed_channel(value: dict[str, Any], *, lock: bool) -> Channel:
    qs = Channel.objects.select_for_update() if lock else Channel.objects.all()
    pk = value.get("c")
    channel = qs.filter(pk=pk, kind=Channel.Kind.EMAIL).first() if isinstance(pk, int) else None
    if channel is None or channel.target != value.get("e"):
        raise ApplicationError(
            "This link is for an address that is no longer set.", code="invalid_link"
        )
    return channel


def email_verification_channel(*, token: str) -> Channel:
    """The email channel a verification link would verify, changing nothing: the link's page
    asks the reader to confirm (a mail scanner or link prefetcher only GETs it)."""
    return _claimed_channel(_verification_claim(token), lock=False)


def email_verify(*, token: str, now: datetime | None = None) -> Channel:
    """Mark the email address in a (signed, 3-day) verification link verified. Idempotent."""
    value = _verification_claim(token)
    with transaction.atomic():
        channel = _claimed_channel(value, lock=True)
        if not channel.verified_at:
            channel.verified_at = now or timezone.now()
            channel.save(update_fields=["verified_at"])
    return channel


def unsubscribe_token(channel: Channel) -> str:
    return signing.dumps({"c": channel.pk}, salt=UNSUBSCRIBE_SALT)


def unsubscribe(*, token: str) -> Channel:
    """Stop all mail to the channel in a signed unsubscribe link (no sign-in). Idempotent."""
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise ApplicationError("This link is not valid.", code="invalid_link") from None
    with transaction.atomic():
        channel = Channel.objects.select_for_update().filter(pk=value.get("c")).first()
        if channel is None:
            raise NotFound("This subscription no longer exists.", code="channel_not_found")
        if channel.active:
            channel.active, channel.disabled_at = False, timezone.now()
            channel.disabled_reason = "Unsubscribed by the link in an email."
            channel.save(update_fields=["active", "disabled_at", "disabled_reason"])
            _drop_pending(channel)
    return channel


def _drop_pending(channel: Channel) -> None:
    Delivery.objects.filter(
        channel=channel, status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
    ).update(status=Delivery.Status.DEAD, last_error=channel.disabled_reason[:300])


def webhook_create(
    *, user: Any, url: str, format: str = "json", events_: list[str] | None = None
) -> Channel:
    """Add a webhook. The URL must resolve to public addresses only (unless
    NOTIFY_ALLOW_PRIVATE_WEBHOOKS); its signing secret is in the returned object and is never
    shown again. Atomic."""
    from jctgov.notify.webhooks import check_url

    url = check_url(url)
    if format not in Channel.Format.values:
        raise ApplicationError(
            "Choose json, discord or slack.", code="invalid_format", field="format"
        )
    with transaction.atomic():
        count = Channel.objects.select_for_update().filter(user=user, kind=Channel.Kind.WEBHOOK)
        if len(count) >= MAX_WEBHOOKS:
            raise Conflict(f"At most {MAX_WEBHOOKS} webhooks per wallet.", code="too_many_webhooks")
        channel = Channel(
            user=user,
            kind=Channel.Kind.WEBHOOK,
            target=url,
            format=format,
            secret="whsec_" + secrets.token_urlsafe(32),
            events=_clean_events(events_, "webhook"),
        )
        channel.full_clean()
        channel.save()
    return channel


def _own_channel(user: Any, channel_id: Any) -> Channel:
    try:
        return Channel.objects.select_for_update().get(pk=int(channel_id), user=user)
    except (Channel.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such subscription.", code="channel_not_found") from None


def channel_update(
    *, user: Any, channel_id: int, events_: list[str] | None = None, active: bool | None = None
) -> Channel:
    """Change a channel's events, or pause / resume it. Resuming a disabled webhook clears its
    failure record; its given-up deliveries stay given up. Atomic."""
    with transaction.atomic():
        channel = _own_channel(user, channel_id)
        if events_ is not None:
            channel.events = _clean_events(events_, channel.kind)
        if active is not None and active != channel.active:
            channel.active = active
            if active:
                channel.failing_since = channel.disabled_at = None
                channel.disabled_reason = ""
            else:
                channel.disabled_at, channel.disabled_reason = timezone.now(), "Paused by you."
                _drop_pending(channel)
        channel.save()
    return channel


def channel_delete(*, user: Any, channel_id: int) -> None:
    """Remove an email address or a webhook (and its delivery log). The inbox stays."""
    with transaction.atomic():
        channel = _own_channel(user, channel_id)
        if channel.kind == Channel.Kind.INBOX:
            raise Conflict("The inbox can be paused, not removed.", code="inbox_not_removable")
        channel.delete()


def inbox_mark_read(*, user: Any, ids: list[int] | None = None, now: datetime | None = None) -> int:
    """Mark the user's inbox items read (all of them when ``ids`` is None). Returns how many."""
    items = Delivery.objects.filter(user=user, kind=Channel.Kind.INBOX, read_at__isnull=True)
    if ids is not None:
        items = items.filter(pk__in=ids)
    return items.update(read_at=now or timezone.now())


def site_url(path: str) -> str:
    return settings.JCTGOV_SITE_URL.rstrip("/") + path
