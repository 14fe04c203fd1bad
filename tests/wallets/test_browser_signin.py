"""Sign-in in the browser: "Connect wallet" finds the wallet (EIP-6963 or window.ethereum),
signs the EIP-4361 message with personal_sign, and the page shows the signed-in address."""

import pytest
from eth_account import Account

from jctgov.wallets.models import User
from tests.fixtures.browser import TestWallet

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def connect(page):
    page.goto("/")
    page.get_by_role("button", name="Connect wallet").click()


def assert_signed_in_as(page, wallet: TestWallet) -> None:
    shown = page.locator("#wallet-address")
    shown.wait_for()
    assert shown.get_attribute("title") == wallet.address
    assert shown.inner_text() == f"{wallet.address[:6]}…{wallet.address[-4:]}"
    assert [method for method, _ in wallet.requests] == ["personal_sign"]
    assert "wants you to sign in with your Ethereum account" in wallet.requests[0][1][0]
    assert User.objects.filter(address=wallet.address).exists()


def test_connect_wallet_signs_in_and_shows_the_address(page, wallet):
    connect(page)
    assert_signed_in_as(page, wallet)


def test_wallet_announced_only_through_eip6963_signs_in(open_page, wallet):
    page = open_page([wallet], legacy=False)
    assert page.evaluate("window.ethereum === undefined")
    connect(page)
    assert_signed_in_as(page, wallet)


def test_wallet_injected_only_as_window_ethereum_signs_in(open_page, wallet):
    page = open_page([wallet], announce=False)
    connect(page)
    assert_signed_in_as(page, wallet)


def two_wallets() -> list[TestWallet]:
    return [
        TestWallet(Account.create().key.hex(), name="Alpha Wallet", rdns="io.alpha"),
        TestWallet(Account.create().key.hex(), name="Beta Wallet", rdns="io.beta"),
    ]


def test_with_two_wallets_the_person_picks_one_and_keeps_using_it(open_page):
    alpha, beta = two_wallets()
    page = open_page([alpha, beta], legacy=False)
    connect(page)
    picker = page.get_by_role("dialog", name="Choose a wallet")
    picker.get_by_role("button", name="Alpha Wallet").wait_for()
    picker.get_by_role("button", name="Beta Wallet").click()
    assert_signed_in_as(page, beta)
    assert alpha.requests == []
    # After the reload the page still signs with the chosen wallet (votes come from it too).
    assert page.evaluate("window.jctgov.wallet.account()") == beta.address.lower()


def test_cancelling_the_wallet_choice_leaves_the_person_signed_out(open_page):
    alpha, beta = two_wallets()
    page = open_page([alpha, beta], legacy=False)
    connect(page)
    page.get_by_role("dialog", name="Choose a wallet").get_by_role("button", name="Cancel").click()
    page.locator("#wallet-status").filter(has_text="No wallet chosen").wait_for()
    assert page.get_by_role("button", name="Connect wallet").is_enabled()
    assert alpha.requests == beta.requests == []
    assert not User.objects.exists()


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


def test_pages_load_no_script_or_style_from_another_origin(page, live_server):
    # The machine has no internet: everything is vendored and served by the app itself.
    foreign = []
    page.on(
        "request",
        lambda r: foreign.append(r.url) if not r.url.startswith(live_server.url) else None,
    )
    for path in ("/", "/proposals/", "/grants/", "/market/"):
        page.goto(path)
    assert [u for u in foreign if not u.startswith("data:")] == []
