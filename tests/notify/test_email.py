"""Email through a real SMTP server on loopback: the verification link first, then event emails
(plain text + HTML) with an unsubscribe link that works without signing in."""

from __future__ import annotations

import re

import pytest
from django.db import transaction

from jctgov.notify import services
from jctgov.notify.models import Channel, Delivery
from tests.factories import UserFactory
from tests.proposals.factories import make_active

pytestmark = pytest.mark.django_db
API = "/api/v1/notifications"


def parts(message) -> tuple[str, str]:
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


def link_in(text: str, kind: str) -> str:
    match = re.search(rf"http://[^\s]+(/notifications/{kind}/[^\s/]+/)", text)
    assert match, text
    return match.group(1)


def publish(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        return services.emit("proposal.published", subject=make_active(title="Raise quorum"))


def test_verification_then_event_email_then_one_click_unsubscribe(
    client, smtp_server, django_capture_on_commit_callbacks
):
    user = UserFactory()
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.put(
            f"{API}/channels/email",
            {"email": "holder@example.org", "events": ["proposal.published"]},
            content_type="application/json",
        )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["verified_at"] is None
    [verification] = smtp_server.to("holder@example.org")
    text, html = parts(verification)
    verify_path = link_in(text, "verify")
    assert verify_path in html

    publish(django_capture_on_commit_callbacks)  # not verified yet: nothing is mailed
    assert len(smtp_server.to("holder@example.org")) == 1
    assert not Delivery.objects.filter(kind="email").exists()

    client.logout()  # the link works from any browser
    # Opening the link (as a mail scanner or prefetcher does) asks; only the POST verifies.
    page = client.get(verify_path).content.decode()
    assert "Send notifications to <strong>holder@example.org</strong>?" in page
    assert Channel.objects.get(kind="email").verified_at is None
    assert "Email verified" in client.post(verify_path).content.decode()
    assert Channel.objects.get(kind="email").verified_at is not None
    assert "already verified" in client.get(verify_path).content.decode()

    publish(django_capture_on_commit_callbacks)
    mails = smtp_server.to("holder@example.org")
    assert len(mails) == 2
    event_mail = mails[1]
    assert event_mail["Subject"].startswith("[jctgov] #")
    assert "Raise quorum" in event_mail["Subject"]
    text, html = parts(event_mail)
    assert "voting opens once" in text and "<h1" in html
    unsubscribe_path = link_in(text, "unsubscribe")
    assert unsubscribe_path in event_mail["List-Unsubscribe"]
    assert event_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Delivery.objects.get(kind="email").status == "sent"

    # A mail client's one-click POST: no session, no CSRF token; the signed token is enough.
    assert client.get(unsubscribe_path).status_code == 200  # a confirmation page, no change
    assert Channel.objects.get(kind="email").active
    answer = client.post(unsubscribe_path)
    assert answer.status_code == 200 and "Unsubscribed" in answer.content.decode()
    publish(django_capture_on_commit_callbacks)
    assert len(smtp_server.to("holder@example.org")) == 2


def test_a_tampered_link_is_refused(client):
    user = UserFactory()
    channel = services.email_set(user=user, address="a@example.org")
    token = services.verification_token(channel)
    assert client.get(f"/notifications/verify/{token}x/").status_code == 400
    assert client.post(f"/notifications/verify/{token}x/").status_code == 400
    assert client.post(f"/notifications/unsubscribe/{token}/").status_code == 400  # wrong salt
    channel.refresh_from_db()
    assert channel.verified_at is None and channel.active


def test_changing_the_address_needs_a_new_verification(
    smtp_server, django_capture_on_commit_callbacks
):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        channel = services.email_set(user=user, address="old@example.org")
    services.email_verify(token=services.verification_token(channel))
    with django_capture_on_commit_callbacks(execute=True):
        channel = services.email_set(user=user, address="new@example.org")
    assert channel.verified_at is None
    assert len(smtp_server.to("new@example.org")) == 1
    # The old address's link no longer verifies anything.
    with pytest.raises(Exception, match="no longer set"):
        services.email_verify(
            token=services.verification_token(Channel(pk=channel.pk, target="old@example.org"))
        )


def test_smtp_down_is_retried_with_backoff(settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    user = UserFactory()
    channel = services.email_set(user=user, address="a@example.org", events_=["proposal.published"])
    services.email_verify(token=services.verification_token(channel))
    publish(django_capture_on_commit_callbacks)
    delivery = Delivery.objects.get(kind="email")
    assert delivery.status == "pending" and delivery.attempts == 1
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()
    assert delivery.next_attempt_at > delivery.created_at
