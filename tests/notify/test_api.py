"""The notifications API: a wallet's channels, inbox and delivery log; documented error codes."""

from __future__ import annotations

import pytest

from jctgov.notify import services
from jctgov.notify.delivery import event_fan_out
from jctgov.notify.models import Channel
from tests.factories import UserFactory
from tests.proposals.factories import make_active

pytestmark = pytest.mark.django_db
API = "/api/v1/notifications"


def code(answer) -> str:
    return answer.json()["error"]["code"]


def test_signed_out_requests_are_refused(client):
    assert client.get(f"{API}/channels").status_code in (401, 403)
    assert client.get(f"{API}/inbox").status_code in (401, 403)
    assert client.get(f"{API}/event-types").status_code == 200  # public


def test_webhook_secret_is_in_the_creation_answer_only(client, receiver):
    client.force_login(UserFactory())
    created = client.post(
        f"{API}/channels/webhooks",
        {"url": receiver.url("/a"), "format": "slack", "events": ["proposal.executed"]},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["secret"].startswith("whsec_")
    assert created.json()["events"] == ["proposal.executed"]
    listed = client.get(f"{API}/channels").json()
    assert {c["kind"] for c in listed} == {"inbox", "webhook"}
    assert all("secret" not in c for c in listed)


def test_bad_input_gets_a_code_and_writes_nothing(client, receiver):
    user = UserFactory()
    client.force_login(user)
    post = lambda body: client.post(  # noqa: E731
        f"{API}/channels/webhooks", body, content_type="application/json"
    )
    assert code(post({"url": receiver.url("/a"), "events": ["nope"]})) == "unknown_event_type"
    assert code(post({"url": receiver.url("/a"), "format": "teams"})) == "invalid_input"
    assert code(post({"url": "http://exa mple.org/"})) == "invalid_url"
    assert code(post({"url": "http://no-such-host.invalid/"})) == "webhook_host_unresolvable"
    answer = client.put(f"{API}/channels/email", {"email": "x@"}, content_type="application/json")
    assert answer.status_code == 400 and code(answer) == "invalid_email"
    assert not Channel.objects.filter(user=user).exclude(kind="inbox").exists()


def test_channels_of_others_are_not_found_and_the_inbox_stays(client, receiver):
    owner, other = UserFactory(), UserFactory()
    hook = services.webhook_create(user=owner, url=receiver.url("/a"))
    client.force_login(other)
    answer = client.patch(
        f"{API}/channels/{hook.pk}", {"active": False}, content_type="application/json"
    )
    assert answer.status_code == 404 and code(answer) == "channel_not_found"
    assert client.delete(f"{API}/channels/{hook.pk}").status_code == 404
    inbox = services.inbox_ensure(user=other)
    answer = client.delete(f"{API}/channels/{inbox.pk}")
    assert answer.status_code == 409 and code(answer) == "inbox_not_removable"
    client.force_login(owner)
    answer = client.patch(
        f"{API}/channels/{hook.pk}",
        {"active": False, "events": ["proposal.closed"]},
        content_type="application/json",
    )
    assert answer.status_code == 200
    assert answer.json()["active"] is False and answer.json()["events"] == ["proposal.closed"]


def test_inbox_items_unread_count_and_read(client):
    user = UserFactory()
    services.inbox_ensure(user=user)
    event = services.emit("proposal.published", subject=make_active(title="Fees"))
    event_fan_out(event_id=event.pk)
    client.force_login(user)
    inbox = client.get(f"{API}/inbox").json()
    assert inbox["unread"] == 1 and inbox["items"][0]["title"].endswith("Fees")
    marked = client.post(f"{API}/inbox/read", {}, content_type="application/json").json()
    assert marked == {"marked": 1}
    assert client.get(f"{API}/inbox").json()["unread"] == 0
