"""Sign-in-only pages ask to sign in on the spot and return to where the reader was."""

from __future__ import annotations

import pytest

from jctgov.wallets.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_sign_in_only_page_asks_to_sign_in_and_returns_to_it(page, wallet, live_server):
    page.goto("/grants/applications/")
    assert page.url == f"{live_server.url}/signin/?next=/grants/applications/"
    page.get_by_role("heading", name="Sign in to continue").wait_for()
    page.get_by_role("button", name="Sign in with your wallet").click()
    page.wait_for_url(f"{live_server.url}/grants/applications/")
    assert page.locator("#wallet-address").get_attribute("title") == wallet.address
    assert User.objects.filter(address=wallet.address).exists()


def test_signin_refuses_to_send_the_reader_elsewhere(client):
    for target in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        html = client.get("/signin/", {"next": target}).content.decode()
        assert 'data-next="/"' in html and "evil" not in html.replace(target, "")
