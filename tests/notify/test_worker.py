"""Real Celery worker processes on the real broker: a worker SIGKILLed in the middle of a
fan-out, and a webhook that keeps failing until it is disabled."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone

from jctgov.notify import services
from jctgov.notify.delivery import deliveries_recover
from jctgov.notify.models import Channel, Delivery, Event
from jctgov.notify.tasks import fan_out
from tests.factories import UserFactory
from tests.fixtures.worker import wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
SUBSCRIBERS = 300
CHUNK = 50


def _dsn() -> str:
    db = connection.settings_dict
    return (
        f"host={db.get('HOST') or '127.0.0.1'} port={db.get('PORT') or 5432} "
        f"dbname={db['NAME']} user={db.get('USER') or 'postgres'}"
    )


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


# This test is about fan-out after a crash, not timeouts: on a loaded 2-core box the loopback
# receiver can take over the 5 s default to answer, and a timed-out attempt waits for the
# beat's retry, which this test does not run (test_webhooks covers retries).
SLOW_BOX_READ_TIMEOUT_S = "60"


def test_a_worker_killed_mid_fan_out_then_restarted_leaves_one_delivery_each(
    celery_worker, receiver, subscribe, postgres_only
):
    users = [UserFactory() for _ in range(SUBSCRIBERS)]
    channels = [
        subscribe(user, f"/s/{i}", events_=["proposal.closed"]) for i, user in enumerate(users)
    ]
    event = Event.objects.create(type="proposal.closed", title="#1 Raise quorum: succeeded")
    worker = celery_worker(
        NOTIFY_FANOUT_CHUNK=str(CHUNK), NOTIFY_WEBHOOK_READ_TIMEOUT_S=SLOW_BOX_READ_TIMEOUT_S
    )

    # Another transaction holds the unique key of subscriber #150's delivery: the worker's
    # fan-out commits two chunks, then waits on that row lock in the third. Kill it there.
    blocker = psycopg.connect(_dsn())
    middle = channels[SUBSCRIBERS // 2 - 1]
    blocker.execute(
        "INSERT INTO notify_delivery (event_id, channel_id, user_id, kind, status, attempts, "
        "claim, last_error, created_at) VALUES (%s, %s, %s, 'webhook', 'pending', 0, '', '', now())",
        (event.pk, middle.pk, middle.user_id),
    )
    fan_out.delay(event.pk)
    wait_until(
        lambda: Delivery.objects.filter(event=event).count() == 2 * CHUNK and _waiting_on_a_lock()
    )
    worker.kill()
    blocker.rollback()
    blocker.close()
    # The statement the dead worker had in flight may still commit on the server: its chunk
    # is in or out as a whole. Either way the fan-out stopped half-way.
    assert Delivery.objects.filter(event=event).count() in (2 * CHUNK, 3 * CHUNK)
    assert Event.objects.get(pk=event.pk).fanned_out_at is None
    assert receiver.requests == []  # it died before any sending began

    celery_worker(
        NOTIFY_FANOUT_CHUNK=str(CHUNK), NOTIFY_WEBHOOK_READ_TIMEOUT_S=SLOW_BOX_READ_TIMEOUT_S
    )
    later = timezone.now() + timedelta(minutes=1)  # the beat's sweep finds the lost fan-out
    assert deliveries_recover(now=later)["refanned"] == 1
    wait_until(lambda: len(receiver.delivered()) >= SUBSCRIBERS, timeout=60)
    # Every request has arrived; the senders record the last statuses as their batches end.
    wait_until(lambda: not Delivery.objects.exclude(status="sent").exists(), timeout=90)

    per_channel = Delivery.objects.filter(event=event).values_list("channel_id", flat=True)
    assert sorted(per_channel) == sorted(c.pk for c in channels)  # one each, none lost
    assert len(receiver.delivered()) == SUBSCRIBERS
    assert set(receiver.keys.values()) == {1}  # no key twice
    assert {r["path"] for r in receiver.delivered()} == {f"/s/{i}" for i in range(SUBSCRIBERS)}
    assert receiver.bad_signatures == 0


def test_a_failing_webhook_is_retried_with_backoff_then_disabled_and_its_owner_emailed(
    celery_worker, receiver, subscribe, smtp_server, django_capture_on_commit_callbacks
):
    owner = UserFactory()
    email = services.email_set(user=owner, address="owner@example.org", events_=[])
    services.email_verify(token=services.verification_token(email))
    hook = subscribe(owner, "/down", events_=["proposal.closed"])
    receiver.statuses["/down"] = 500
    celery_worker(
        NOTIFY_RETRY_BASE_S="0.4",
        NOTIFY_RETRY_MAX_S="5",
        NOTIFY_WEBHOOK_DISABLE_AFTER_S="3",
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_server.port),
        EMAIL_USE_TLS="0",
    )
    from django.db import transaction

    with transaction.atomic():
        services.emit("proposal.closed", message=("#1 Raise quorum", "Succeeded.", "/proposals/1/"))

    def disabled():
        deliveries_recover()  # what the beat does every few seconds
        return not Channel.objects.get(pk=hook.pk).active

    wait_until(disabled, timeout=60, interval=0.3)
    attempts = [r["at"] for r in receiver.requests if r["path"] == "/down"]
    assert len(attempts) >= 3
    gaps = [b - a for a, b in zip(attempts, attempts[1:], strict=False)]
    # Exponential backoff: the n-th retry waits at least base × 2^(n−1) (0.4 s, 0.8 s, …).
    for n, gap in enumerate(gaps, start=1):
        assert gap >= 0.4 * 2 ** (n - 1) * 0.9, gaps
    assert gaps[-1] > gaps[0]
    delivery = Delivery.objects.get(channel=hook)
    assert delivery.status == "dead" and delivery.attempts == len(attempts)
    assert delivery.last_status_code == 500
    assert len({r["key"] for r in receiver.requests}) == 1  # every retry carries the same key
    inbox = Delivery.objects.get(user=owner, kind="inbox")
    assert inbox.event.type == "notify.webhook_disabled"
    wait_until(lambda: smtp_server.to("owner@example.org"), timeout=30)
    [notice] = smtp_server.to("owner@example.org")
    assert "disabled" in notice["Subject"]
