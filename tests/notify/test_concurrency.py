"""At most once under real row locks (PostgreSQL): fan-outs and senders running at once."""

from __future__ import annotations

import pytest

from jctgov.notify import services
from jctgov.notify.delivery import deliveries_send_due, event_fan_out
from jctgov.notify.models import Delivery, Event
from tests.factories import UserFactory
from tests.proposals.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_fan_outs_and_senders_at_once_make_and_send_each_delivery_once(
    postgres_only, receiver, subscribe, settings
):
    settings.NOTIFY_FANOUT_CHUNK, settings.NOTIFY_SEND_BATCH = 20, 15
    settings.NOTIFY_WEBHOOK_READ_TIMEOUT_S = 60  # about claims, not timeouts (a loaded box)
    users = [UserFactory() for _ in range(60)]
    for i, user in enumerate(users):
        subscribe(user, f"/c/{i}", events_=["proposal.closed"])
        services.inbox_ensure(user=user)
    event = Event.objects.create(type="proposal.closed", title="Closed")  # no task enqueued
    added = run_together(*[lambda: event_fan_out(event_id=event.pk) for _ in range(4)])
    assert sum(added) == 120  # 60 webhooks + 60 inboxes, between them, once
    assert Delivery.objects.filter(event=event).count() == 120

    sent = run_together(*[deliveries_send_due for _ in range(4)])
    assert sum(sent) == 60
    assert len(receiver.delivered()) == 60
    assert set(receiver.keys.values()) == {1}  # no delivery taken by two senders
    assert not Delivery.objects.exclude(status="sent").exists()
