"""The settings page, the inbox and the Atom feeds, through Django's test client."""

from __future__ import annotations

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from jctgov.notify import services
from jctgov.notify.delivery import event_fan_out
from jctgov.notify.models import Channel, Delivery
from proposals.models import ProposalKind, ProposalState
from tests.factories import UserFactory
from tests.proposals.factories import make_active

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def test_settings_need_a_signed_in_wallet(client):
    answer = client.get("/notifications/")
    assert answer.status_code == 302 and "next=/notifications/" in answer["Location"]


def test_a_webhook_added_on_the_page_shows_its_secret_once(client, receiver):
    user = UserFactory()
    client.force_login(user)
    answer = client.post(
        "/notifications/webhooks",
        {"url": receiver.url("/hook"), "format": "discord", "events": ["proposal.closed"]},
        follow=True,
    )
    page = answer.content.decode()
    hook = Channel.objects.get(kind="webhook")
    assert hook.secret in page and "Webhook added." in page
    assert hook.format == "discord" and hook.events == ",proposal.closed,"
    assert hook.secret not in client.get("/notifications/").content.decode()


def test_refusals_are_shown_on_the_page(client, settings):
    settings.NOTIFY_ALLOW_PRIVATE_WEBHOOKS = False
    client.force_login(UserFactory())
    page = client.post(
        "/notifications/webhooks", {"url": "http://169.254.169.254/"}, follow=True
    ).content.decode()
    assert "private or reserved address" in page
    page = client.post("/notifications/email", {"email": "nope"}, follow=True).content.decode()
    assert "Enter a valid email address." in page
    assert not Channel.objects.exclude(kind="inbox").exists()


def test_inbox_events_pause_and_remove(client, receiver):
    user = UserFactory()
    client.force_login(user)
    client.post("/notifications/inbox-events", {"events": ["proposal.closed", "bogus"]})
    assert Channel.objects.get(kind="inbox").events == ",proposal.closed,"
    client.post("/notifications/webhooks", {"url": receiver.url("/x"), "format": "json"})
    hook = Channel.objects.get(kind="webhook")
    client.post(f"/notifications/channels/{hook.pk}", {"action": "pause"})
    hook.refresh_from_db()
    assert not hook.active
    other = UserFactory()
    client.force_login(other)
    client.post(f"/notifications/channels/{hook.pk}", {"action": "delete"})  # not theirs
    assert Channel.objects.filter(pk=hook.pk).exists()
    client.force_login(user)
    client.post(f"/notifications/channels/{hook.pk}", {"action": "delete"})
    assert not Channel.objects.filter(pk=hook.pk).exists()


def test_the_delivery_log_shows_failures_and_their_reason(client, subscribe, receiver):
    user = UserFactory()
    subscribe(user, "/down")
    receiver.statuses["/down"] = 500
    event = services.emit("proposal.published", subject=make_active(title="Fee cut"))
    event_fan_out(event_id=event.pk)
    from jctgov.notify.delivery import deliveries_send_due

    deliveries_send_due()
    client.force_login(user)
    page = client.get("/notifications/").content.decode()
    assert "Fee cut" in page and "HTTP 500" in page and "Waiting to be sent" in page


def test_inbox_lists_items_and_marks_them_read(client):
    user = UserFactory()
    services.inbox_ensure(user=user)
    for title in ("One", "Two"):
        event_fan_out(
            event_id=services.emit("proposal.published", subject=make_active(title=title)).pk
        )
    client.force_login(user)
    page = client.get("/notifications/inbox/").content.decode()
    assert page.index("Two") < page.index("One")  # newest first
    assert re.search(r'id="inbox-count"[^>]*>2<', page)
    client.post("/notifications/inbox/read")
    assert not Delivery.objects.filter(read_at__isnull=True).exists()


def _entries(client, url: str) -> list[str]:
    answer = client.get(url)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(answer.content)
    return [e.find(f"{ATOM}title").text for e in root.findall(f"{ATOM}entry")]


def test_atom_feeds_of_proposals_and_results_per_kind(client):
    make_active(title="Open one")
    closed = make_active(title="Closed one", kind=ProposalKind.PARAMETERS)
    closed.state, closed.closed_at = ProposalState.DEFEATED, timezone.now() - timedelta(minutes=1)
    closed.save()
    make_active(
        title="A budget",
        kind=ProposalKind.GRANT_BUDGET,
        payload={"program_name": "Tools", "description": "x", "amount": "1"},
    )
    proposals = _entries(client, "/feeds/proposals/")
    assert {t.split(" ", 1)[1] for t in proposals} == {"Open one", "Closed one", "A budget"}
    assert [t.split(" ", 1)[1] for t in _entries(client, "/feeds/proposals/grant_budget/")] == [
        "A budget"
    ]
    assert [t.split(" ", 1)[1] for t in _entries(client, "/feeds/results/")] == ["Closed one"]
    assert _entries(client, "/feeds/results/recognition/") == []
    assert client.get("/feeds/results/bogus/").status_code == 404
