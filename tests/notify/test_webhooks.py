"""Webhooks to a real receiver on loopback that checks each HMAC signature and idempotency key;
bodies for JSON, Discord and Slack; unsafe URLs refused when added and when sent; retries with
backoff, then the webhook disabled and its owner told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from jctgov.notify import services
from jctgov.notify.delivery import backoff, deliveries_send_due, event_fan_out
from jctgov.notify.models import Channel, Delivery
from tests.factories import UserFactory
from tests.proposals.factories import make_active

pytestmark = pytest.mark.django_db
API = "/api/v1/notifications"


def emit(capture, event_type="proposal.published", **kw):
    with capture(execute=True), transaction.atomic():
        return services.emit(event_type, subject=make_active(title="Lower fees"), **kw)


def test_signed_bodies_in_three_formats_each_with_its_own_key(
    receiver, subscribe, django_capture_on_commit_callbacks
):
    user = UserFactory()
    subscribe(user, "/json")
    subscribe(user, "/discord", format="discord")
    subscribe(user, "/slack", format="slack")
    event = emit(django_capture_on_commit_callbacks)
    assert receiver.bad_signatures == 0
    by_path = {r["path"]: r for r in receiver.delivered()}
    assert set(by_path) == {"/json", "/discord", "/slack"}
    assert by_path["/json"]["json"]["type"] == "proposal.published"
    assert by_path["/json"]["json"]["title"].endswith("Lower fees")
    assert by_path["/json"]["json"]["url"].startswith("http")
    assert "**" in by_path["/discord"]["json"]["content"]
    assert by_path["/discord"]["json"]["allowed_mentions"] == {"parse": []}
    assert by_path["/slack"]["json"]["text"].startswith("*#")
    keys = {r["key"] for r in by_path.values()}
    assert len(keys) == 3 and all(k.startswith(f"jctgov-{event.pk}-") for k in keys)
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}


def test_a_resend_carries_the_same_key_so_the_receiver_drops_it(
    receiver, subscribe, django_capture_on_commit_callbacks
):
    subscribe(UserFactory(), "/hook")
    emit(django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    # The sender died after sending, before recording: the sweep gives the claim back.
    Delivery.objects.filter(pk=delivery.pk).update(status="pending", next_attempt_at=timezone.now())
    deliveries_send_due()
    assert [r["key"] for r in receiver.delivered()] == [delivery.idempotency_key] * 2
    assert receiver.bad_signatures == 0


def test_a_forged_signature_does_not_verify(
    receiver, subscribe, django_capture_on_commit_callbacks
):
    subscribe(UserFactory(), "/hook")
    receiver.secrets["/hook"] = "whsec_not-the-secret"
    emit(django_capture_on_commit_callbacks)
    assert receiver.bad_signatures == 1
    assert Delivery.objects.get().status == "pending"  # the 401 counts as a failure


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_private_addresses_are_refused_in_production(client, settings, url):
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = False
    client.force_login(UserFactory())
    answer = client.post(f"{API}/channels/webhooks", {"url": url}, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "webhook_url_not_allowed"
    assert not Channel.objects.filter(kind="webhook").exists()


@pytest.mark.parametrize(
    "url,code",
    [("ftp://example.org/x", "invalid_url"), ("http://user:pw@example.org/", "invalid_url")],
)
def test_bad_urls_are_refused(client, url, code):
    client.force_login(UserFactory())
    answer = client.post(f"{API}/channels/webhooks", {"url": url}, content_type="application/json")
    assert answer.status_code == 400 and answer.json()["error"]["code"] == code


def test_the_address_is_checked_again_at_send_time(
    receiver, subscribe, settings, django_capture_on_commit_callbacks
):
    subscribe(UserFactory(), "/hook")  # allowed when added (development setting)
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = False  # now it resolves somewhere private
    emit(django_capture_on_commit_callbacks)
    assert receiver.requests == []
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and "private or reserved" in delivery.last_error


def test_redirects_are_not_followed_and_big_answers_are_cut(
    receiver, subscribe, settings, django_capture_on_commit_callbacks
):
    user = UserFactory()
    subscribe(user, "/moved")
    subscribe(user, "/huge")
    receiver.statuses["/moved"] = 302
    emit(django_capture_on_commit_callbacks)
    errors = dict(Delivery.objects.values_list("channel__target", "last_error"))
    assert "redirects are not followed" in errors[receiver.url("/moved")]
    assert "larger than" in errors[receiver.url("/huge")]
    assert [r["path"] for r in receiver.requests].count("/elsewhere") == 0


def test_failures_back_off_then_the_webhook_is_disabled_and_the_owner_told(
    receiver, subscribe, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_RETRY_BASE_S, settings.NOTIFY_WEBHOOK_DISABLE_AFTER_S = 30, 24 * 3600
    owner = UserFactory()
    hook = subscribe(owner, "/down")
    receiver.statuses["/down"] = 500
    emit(django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(kind="webhook")
    assert delivery.attempts == 1 and delivery.last_status_code == 500
    first_retry = delivery.next_attempt_at
    assert deliveries_send_due(now=first_retry - timedelta(seconds=1)) == 0  # not due yet
    deliveries_send_due(now=first_retry)
    delivery.refresh_from_db()
    assert delivery.attempts == 2
    assert delivery.next_attempt_at - first_retry == backoff(2) == timedelta(seconds=60)
    hook.refresh_from_db()
    assert hook.failing_since is not None and hook.active

    later = hook.failing_since + timedelta(hours=24)
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=later)
    with django_capture_on_commit_callbacks(execute=True):
        deliveries_send_due(now=later)
    hook.refresh_from_db()
    delivery.refresh_from_db()
    assert not hook.active and "24 h" in hook.disabled_reason
    assert delivery.status == "dead" and delivery.attempts == 3
    notice = Delivery.objects.get(user=owner, kind="inbox")
    assert notice.event.type == "notify.webhook_disabled"
    assert receiver.url("/down") in notice.event.text

    emit(django_capture_on_commit_callbacks)  # a disabled webhook gets nothing new
    assert Delivery.objects.filter(channel=hook).count() == 1
    services.channel_update(user=owner, channel_id=hook.pk, active=True)
    hook.refresh_from_db()
    assert hook.active and hook.failing_since is None


def test_a_success_clears_the_failure_record(
    receiver, subscribe, django_capture_on_commit_callbacks
):
    hook = subscribe(UserFactory(), "/flaky")
    receiver.statuses["/flaky"] = 503
    emit(django_capture_on_commit_callbacks)
    receiver.statuses["/flaky"] = 200
    deliveries_send_due(now=timezone.now() + timedelta(minutes=5))
    hook.refresh_from_db()
    assert hook.failing_since is None
    assert Delivery.objects.get().status == "sent"


def test_events_not_chosen_are_not_sent(receiver, subscribe, django_capture_on_commit_callbacks):
    subscribe(UserFactory(), "/only-results", events_=["proposal.closed"])
    event = emit(django_capture_on_commit_callbacks)
    assert event_fan_out(event_id=event.pk) == 0
    assert receiver.requests == []


def test_a_slow_receiver_times_out_and_is_retried(
    receiver, subscribe, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFY_WEBHOOK_READ_TIMEOUT_S = 0.5
    subscribe(UserFactory(), "/slow")
    emit(django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert "TimeoutError" in delivery.last_error
