import pytest

from jctgov.wallets.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_connect_wallet_signs_in_and_shows_the_address(page, wallet):
    page.goto("/")
    page.get_by_role("button", name="Connect wallet").click()
    shown = page.locator("#wallet-address")
    shown.wait_for()
    assert shown.get_attribute("title") == wallet.address
    assert [method for method, _ in wallet.requests] == ["personal_sign"]
    assert "wants you to sign in with your Ethereum account" in wallet.requests[0][1][0]
    assert User.objects.filter(address=wallet.address).exists()


def test_sign_out_returns_to_connect_button(signed_in_page):
    signed_in_page.get_by_role("button", name="Sign out").click()
    signed_in_page.get_by_role("button", name="Connect wallet").wait_for()


def test_page_without_a_wallet_explains_what_is_missing(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    page.goto("/")
    page.get_by_role("button", name="Connect wallet").click()
    status = page.locator("#wallet-status")
    status.filter(has_text="No Ethereum wallet found").wait_for()
    context.close()
