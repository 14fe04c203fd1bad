"""The inbox in Chromium: the unread count in the header, the list, marking read; the settings
page; no horizontal overflow at 1280 and 390 px."""

from __future__ import annotations

import pytest

from jctgov.notify import services
from jctgov.notify.delivery import event_fan_out
from jctgov.wallets.models import User
from tests.proposals.factories import make_active

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = (1280, 390)


def no_horizontal_overflow(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_inbox_count_list_and_mark_read_at_both_widths(signed_in_page, wallet, tmp_path):
    page = signed_in_page
    user = User.objects.get(address=wallet.address)
    services.inbox_ensure(user=user)
    for title in ("Raise the quorum to 5 % for every parameter change", "Fund GPU tooling"):
        event = services.emit("proposal.published", subject=make_active(title=title))
        event_fan_out(event_id=event.pk)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/")
        assert page.locator("#inbox-count").inner_text() == "2"
        page.get_by_role("link", name="Inbox").click()
        page.wait_for_url("**/notifications/inbox/")
        items = page.locator(".inbox-item.unread")
        assert items.count() == 2
        assert "Fund GPU tooling" in items.first.inner_text()  # newest first
        assert no_horizontal_overflow(page), width
        page.screenshot(path=str(tmp_path / f"inbox-{width}.png"), full_page=True)
        page.goto("/notifications/")
        assert no_horizontal_overflow(page), width
        page.screenshot(path=str(tmp_path / f"settings-{width}.png"), full_page=True)
    page.goto("/notifications/inbox/")
    page.get_by_role("button", name="Mark all read").click()
    page.wait_for_load_state()
    assert page.locator(".inbox-item.unread").count() == 0
    assert page.locator("#inbox-count").count() == 0


def test_settings_page_adds_a_webhook_and_shows_the_secret_once(signed_in_page, receiver):
    page = signed_in_page
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto("/notifications/")
    page.get_by_label("Webhook URL").fill(receiver.url("/browser"))
    page.get_by_label("Body format").select_option("slack")
    page.get_by_role("button", name="Add webhook").click()
    secret = page.locator("#webhook-secret .secret")
    secret.wait_for()
    assert secret.inner_text().startswith("whsec_")
    assert no_horizontal_overflow(page)
    page.reload()
    assert page.locator("#webhook-secret").count() == 0
    assert "Slack" in page.locator("#webhook-settings").inner_text()


def test_an_email_link_opened_in_a_fresh_browser_asks_then_verifies(page, wallet):
    """The verification link from the email, in a browser that never visited the site (no
    session, no CSRF cookie yet): opening it changes nothing; the button verifies (the form's
    CSRF token comes with the page)."""
    from jctgov.notify.models import Channel

    user = User.objects.create(address=wallet.address)
    channel = services.email_set(user=user, address="reader@example.org", events_=[])
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"/notifications/verify/{services.verification_token(channel)}/")
    assert "reader@example.org" in page.locator("main").inner_text()
    assert Channel.objects.get(pk=channel.pk).verified_at is None
    page.get_by_role("button", name="Yes, verify this address").click()
    page.get_by_role("heading", name="Email verified").wait_for()
    assert Channel.objects.get(pk=channel.pk).verified_at is not None
    assert no_horizontal_overflow(page)
