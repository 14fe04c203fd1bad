"""Wallet trouble in plain words, in Chromium: no wallet, a wallet on another network (with the
offer to switch, adding the chain when the wallet lacks it), a declined signature."""

from __future__ import annotations

import pytest
from django.conf import settings

from jctgov.wallets.models import User
from tests.proposals.factories import make_active

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GET_A_WALLET = "https://ethereum.org/en/wallets/find-wallet/"


def test_without_a_wallet_voting_and_connecting_say_how_to_get_one(open_page):
    proposal = make_active()
    page = open_page([])  # a browser with no wallet at all
    page.goto(f"/proposals/{proposal.pk}/")
    page.get_by_role("button", name="Vote For").click()
    error = page.locator("#vote-error")
    error.filter(has_text="No Ethereum wallet found in this browser").wait_for()
    assert "Cannot read properties" not in error.inner_text()
    status = page.locator("#wallet-status")
    assert (
        status.get_by_role("link", name="How to get a wallet").get_attribute("href") == GET_A_WALLET
    )
    assert page.get_by_role("button", name="Vote For").is_enabled()  # not left busy

    page.get_by_role("button", name="Connect wallet").click()
    status.filter(has_text="No Ethereum wallet found").wait_for()
    assert status.get_by_role("link", name="How to get a wallet").is_visible()


def test_a_wallet_on_another_network_is_offered_the_switch_then_signs_in(open_page, wallet):
    wallet.chain_id, wallet.knows_site_chain = 1, False  # on mainnet, the site's chain unknown
    page = open_page([wallet])
    page.goto("/")
    page.get_by_role("button", name="Connect wallet").click()
    status = page.locator("#wallet-status")
    status.filter(
        has_text=f"Your wallet is on chain 1; this site uses {settings.CHAIN_NAME}"
    ).wait_for()
    assert wallet.requests == []  # nothing signed on the wrong network
    assert not User.objects.filter(address=wallet.address).exists()

    page.get_by_role("button", name=f"Switch to {settings.CHAIN_NAME}").click()
    status.filter(has_text="Your wallet is now on").wait_for()
    log = page.evaluate("window.__jctgovWalletLog")
    site_chain = hex(settings.CHAIN_ID)
    assert [method for method, _ in log] == [
        "wallet_switchEthereumChain",
        "wallet_addEthereumChain",
    ]
    added = log[1][1][0]
    assert added["chainId"] == site_chain and added["chainName"] == settings.CHAIN_NAME
    assert added["rpcUrls"] == [settings.CHAIN_PUBLIC_RPC_URL]

    page.get_by_role("button", name="Connect wallet").click()
    page.locator("#wallet-address").wait_for()
    assert [method for method, _ in wallet.requests] == ["personal_sign"]


def test_a_declined_sign_in_says_so_plainly(page, wallet):
    wallet.reject_signatures = True
    page.goto("/")
    button = page.get_by_role("button", name="Connect wallet")
    button.click()
    page.locator("#wallet-status").filter(
        has_text="You declined the request in your wallet: nothing was signed or sent."
    ).wait_for()
    assert button.is_enabled() and button.get_attribute("aria-busy") is None
