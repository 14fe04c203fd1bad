"""The lock page in Chromium with the injected wallet sending real transactions to Anvil:
create, add, extend and withdraw, each refusal decoded, and delegation from the page."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jctgov.chain import client as chain_client
from jctgov.chain.devkeys import DEV_KEYS
from jctgov.chain.locks import MAX_LOCK_S, WEEK_S
from tests.fixtures.chain import WEI

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("deployed_first"),
]

HOLDER = 3  # dev account: 1,000,000 JCT and ether from the deployment
CONFIRMED = "Confirmed in block"
UNLOCK = "Unlock date (UTC, rounds down to a week)"


@pytest.fixture
def wallet_key() -> str:
    return DEV_KEYS[HOLDER]


def open_power(page, query: str = ""):
    page.goto("/power/" + query)
    page.locator("#power-view").wait_for(state="visible")
    return page


def day(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def tokens(wei: int) -> str:
    """The page's format: thousands separated, two decimals at most, rounded down."""
    cents = wei // 10**16
    whole, rest = divmod(cents, 100)
    return f"{whole:,}" + (f".{rest:02d}".rstrip("0") if rest else "")


def wait_outcome(page) -> str:
    """Wait until the transaction box shows a confirmation or an error; return its text."""
    page.wait_for_function(
        "() => document.getElementById('tx-state').textContent.startsWith('Confirmed')"
        " || document.getElementById('tx-error').textContent !== ''"
    )
    return page.locator("#tx-box").inner_text()


def locked(chain, who: int = HOLDER) -> tuple[int, int]:
    amount, end = chain.contract("VotingEscrow").functions.locked(chain.accounts[who]).call()
    return int(amount), int(end)


def test_create_lock_shows_the_outcome_then_approves_and_locks(chain, page, wallet):
    page = open_power(page)
    assert page.locator("#jct-balance").inner_text() == "1,000,000 JCT"
    assert page.locator("#lock-end").inner_text() == "No lock."
    assert "round down to a whole week" in page.locator("#week-note").inner_text()
    now = chain.now()
    picked = (now // WEEK_S + 104) * WEEK_S + 3 * 86400  # mid-week, about two years ahead
    end = picked // WEEK_S * WEEK_S
    page.get_by_label("Amount (JCT)").fill("1,000")
    page.get_by_label(UNLOCK, exact=True).fill(day(picked))
    preview = page.locator("#create-preview").inner_text()
    slope = 1000 * WEI // MAX_LOCK_S
    expected = {tokens(slope * (end - t)) for t in range(now, now + 4)}
    assert f"1,000 JCT until {day(end)} ({day(picked)} rounds down to the week: {day(end)})" in (
        preview
    )
    assert any(f"gives {e} veJCT now, decaying to 0 on {day(end)}." in preview for e in expected)
    assert "opens twice" in preview  # the escrow must be approved first
    assert wallet.sent_transactions() == []  # nothing sent before the click

    page.get_by_role("button", name="Lock JCT").click()
    outcome = wait_outcome(page)
    assert CONFIRMED in outcome, outcome
    sent = wallet.sent_transactions()
    escrow = chain.deployments["VotingEscrow"]
    assert [t["to"].lower() for t in sent] == [
        chain.deployments["JCT"].lower(),
        escrow.lower(),
    ]
    assert locked(chain) == (1000 * WEI, end)
    vejct = chain.contract("VotingEscrow").functions.balanceOf(chain.accounts[HOLDER]).call()
    assert page.locator("#lock-amount").inner_text() == "1,000 JCT"
    assert page.locator("#lock-end").inner_text() == f"Unlocks on {day(end)} 00:00 UTC"
    assert page.locator("#vejct-now").inner_text() == f"{tokens(vejct)} veJCT"
    assert f"You now have {tokens(vejct)} veJCT from 1,000 JCT locked until {day(end)}." in outcome
    assert page.locator("#tx-hash").inner_text().startswith("Transaction 0x")
    assert page.locator("#vejct-plot svg polyline").count() == 1
    assert page.locator("#create-section").is_hidden()
    page.screenshot(path=str(screenshot_dir() / "power-confirmed.png"), full_page=True)


def test_create_refusals_are_explained_before_any_wallet_opens(chain, page, wallet):
    page = open_power(page)
    now = chain.now()
    page.get_by_label("Amount (JCT)").fill("2,000,000")
    page.get_by_label(UNLOCK, exact=True).fill(day(now + 60 * WEEK_S))
    page.get_by_role("button", name="Lock JCT").click()
    outcome = wait_outcome(page)
    assert "Not enough JCT: you have 1,000,000 JCT, this needs 2,000,000 JCT." in outcome
    page.get_by_label("Amount (JCT)").fill("10")
    page.get_by_label(UNLOCK, exact=True).fill(day(now + MAX_LOCK_S + WEEK_S * 2))
    assert "more than 4 years away" in page.locator("#create-preview").inner_text()
    page.get_by_label("Amount (JCT)").fill("1.0000000000000000001")
    assert page.locator("#create-preview").inner_text() == "JCT has at most 18 decimals."
    assert wallet.sent_transactions() == []


def test_rejecting_in_the_wallet_is_said_plainly(chain, page, wallet):
    page = open_power(page)
    wallet.reject_transactions = True
    page.get_by_label("Amount (JCT)").fill("5")
    page.get_by_label(UNLOCK, exact=True).fill(day(chain.now() + 30 * WEEK_S))
    page.get_by_role("button", name="Lock JCT").click()
    assert "You rejected the request in your wallet." in wait_outcome(page)
    assert locked(chain) == (0, 0)


def test_add_jct_and_extend_the_lock(chain, page, wallet):
    chain.lock(HOLDER, 1000 * WEI, weeks=52)
    _, end = locked(chain)
    page = open_power(page)
    page.get_by_label("Add JCT (keeps the unlock date)").fill("500.5")
    preview = page.locator("#add-preview").inner_text()
    assert f"Adding 500.5 JCT makes 1,500.5 JCT locked until {day(end)}" in preview
    page.get_by_role("button", name="Add JCT").click()
    assert CONFIRMED in wait_outcome(page)
    assert locked(chain) == (1500 * WEI + 5 * 10**17, end)
    assert len(wallet.sent_transactions()) == 2  # approve + increaseAmount
    assert page.locator("#lock-amount").inner_text() == "1,500.5 JCT"

    # Extending to the same week or earlier is refused on the page, before the wallet.
    page.get_by_label("New unlock date (UTC, rounds down to a week)").fill(day(end + 3 * 86400))
    assert (
        "must be later than the current unlock date" in page.locator("#extend-preview").inner_text()
    )
    new_picked = end + 60 * WEEK_S + 2 * 86400
    new_end = new_picked // WEEK_S * WEEK_S
    page.get_by_label("New unlock date (UTC, rounds down to a week)").fill(day(new_picked))
    assert f"locked until {day(new_end)}" in page.locator("#extend-preview").inner_text()
    page.get_by_role("button", name="Extend lock").click()
    assert CONFIRMED in wait_outcome(page)
    assert locked(chain) == (1500 * WEI + 5 * 10**17, new_end)
    assert page.locator("#lock-end").inner_text() == f"Unlocks on {day(new_end)} 00:00 UTC"
    assert len(wallet.sent_transactions()) == 3


def test_withdraw_before_expiry_is_refused_with_the_contract_reason(chain, page, wallet):
    chain.lock(HOLDER, 1000 * WEI, weeks=10)
    page = open_power(page)
    page.get_by_role("button", name="Withdraw").click()
    outcome = wait_outcome(page)
    assert "The lock has not expired yet: you can withdraw on its unlock date." in outcome
    assert "revert" not in outcome.lower() and "0x" not in page.locator("#tx-error").inner_text()
    assert wallet.sent_transactions() == []  # refused by the simulation, the wallet never opened
    assert locked(chain)[0] == 1000 * WEI


def test_after_expiry_adding_is_refused_and_withdraw_returns_the_jct(chain, page, wallet):
    chain.lock(HOLDER, 1000 * WEI, weeks=2)
    chain.increase_time(3 * WEEK_S)
    page = open_power(page)
    assert page.locator("#lock-end").inner_text().startswith("Expired on ")
    assert page.locator("#manage-expired").is_visible()
    page.get_by_label("Add JCT (keeps the unlock date)").fill("1")
    page.get_by_role("button", name="Add JCT").click()
    assert "The lock has expired: withdraw first" in wait_outcome(page)
    assert wallet.sent_transactions() == []

    page.get_by_role("button", name="Withdraw").click()
    outcome = wait_outcome(page)
    assert CONFIRMED in outcome and "1,000 JCT returned" in outcome
    assert locked(chain) == (0, 0)
    assert chain_client.token_balance("JCT", chain.accounts[HOLDER]) == 1_000_000 * WEI
    assert page.locator("#jct-balance").inner_text() == "1,000,000 JCT"
    assert page.locator("#create-section").is_visible()


def test_delegate_change_and_remove_from_the_lock_page(chain, page, wallet):
    chain.lock(HOLDER, 1000 * WEI, weeks=52)
    delegation = chain.contract("VoteDelegation")
    first, second = chain.accounts[5], chain.accounts[6]
    page = open_power(page)
    assert page.locator("#current-delegate").inner_text() == "none"
    page.get_by_label("Delegate to (address, any case)").fill(first.lower())
    page.wait_for_function(
        "() => document.getElementById('delegate-preview').textContent.includes('will count')"
    )
    assert first in page.locator("#delegate-preview").inner_text()  # checksummed
    page.get_by_role("button", name="Delegate", exact=True).click()
    assert CONFIRMED in wait_outcome(page)
    assert delegation.functions.delegateOf(wallet.address).call() == first
    assert page.locator("#current-delegate").inner_text() == first

    # Delegating to yourself: the contract's reason, in words.
    page.get_by_label("Delegate to (address, any case)").fill(
        wallet.address.upper().replace("0X", "0x")
    )
    page.get_by_role("button", name="Change delegate").click()
    assert "You cannot delegate to yourself" in wait_outcome(page)

    page.get_by_label("Delegate to (address, any case)").fill(second)
    page.get_by_role("button", name="Change delegate").click()
    assert CONFIRMED in wait_outcome(page)
    assert delegation.functions.delegateOf(wallet.address).call() == second

    page.get_by_role("button", name="Remove delegation").click()
    assert "You have no delegate" in wait_outcome(page)
    assert int(delegation.functions.delegateOf(wallet.address).call(), 16) == 0
    assert page.locator("#current-delegate").inner_text() == "none"
    assert page.locator("#undelegate-button").is_hidden()
    assert len(wallet.sent_transactions()) == 3


def test_a_typo_in_the_delegate_address_is_caught(chain, page, wallet):
    page = open_power(page)
    broken = "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # EIP-55 checksum broken
    page.get_by_label("Delegate to (address, any case)").fill(broken)
    page.get_by_role("button", name="Delegate", exact=True).click()
    assert "mixed-case checksum is wrong" in wait_outcome(page)
    assert wallet.sent_transactions() == []


def test_a_profile_link_prefills_the_delegate(chain, page):
    target = chain.accounts[7]
    page = open_power(page, "?delegate=" + target.lower())
    assert page.get_by_label("Delegate to (address, any case)").input_value() == target


@pytest.mark.parametrize("width", [390, 1280])
def test_lock_page_fits_the_screen(chain, page, width):
    chain.lock(HOLDER, 1000 * WEI, weeks=100)
    page.set_viewport_size({"width": width, "height": 900})
    page = open_power(page)
    page.locator("#vejct-plot svg").wait_for()
    overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    page.screenshot(path=str(screenshot_dir() / f"power-{width}.png"), full_page=True)


def screenshot_dir():
    from pathlib import Path

    path = Path("/tmp/powerui-shots")
    path.mkdir(exist_ok=True)
    return path
