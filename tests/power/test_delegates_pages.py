"""The delegates directory and profile pages in Chromium, over delegations made on Anvil and
indexed as the worker does; delegating from a profile goes through the wallet."""

from __future__ import annotations

import pytest

from jctgov.chain import client as chain_client
from jctgov.chain.devkeys import DEV_KEYS
from jctgov.delegates.models import DelegateStatement
from proposals import services
from tests.fixtures.chain import WEI
from tests.power.test_browser import screenshot_dir, wait_outcome
from tests.proposals.factories import Voter, make_active, vote_body

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("deployed_first"),
]


@pytest.fixture
def wallet_key() -> str:
    return DEV_KEYS[8]


@pytest.fixture
def delegations(delegations):
    """The delegates API tests' delegations (1 and 2 to 5; 3 and 4 to 6; 7 has a statement),
    and a statement for 5."""
    DelegateStatement.objects.create(
        address=delegations[5], text="# Why me\nI vote **for** open grants."
    )
    return delegations


def shows_about(text: str, wei: int) -> bool:
    """``text`` ("569.64 veJCT") is ``wei`` as the page formats it, give or take one cent:
    veJCT decays every second, and the page and the test read it at different seconds."""
    shown = int(round(float(text.split()[0].replace(",", "")) * 100))
    return abs(shown - wei // 10**16) <= 1


def rows(page) -> list[str]:
    return page.locator("#delegates tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.address)"
    )


def test_directory_sorts_by_power_and_searches_by_address(delegations, page):
    a = delegations
    page.goto("/delegates/")
    assert rows(page) == [a[5], a[6], a[7]]
    five = page.locator(f'#delegates tr[data-address="{a[5]}"]')
    power = chain_client.vejct_balance(a[1]) + chain_client.vejct_balance(a[2])
    assert shows_about(five.locator("td.amount").inner_text(), power)
    assert "\t2\t" in five.inner_text() and "yes" in five.inner_text()
    page.get_by_label("Search by address").fill(a[6][10:20].upper())
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**search=*")
    assert rows(page) == [a[6]]
    page.get_by_label("Search by address").fill("0xZZ")
    page.get_by_role("button", name="Show").click()
    assert "hexadecimal" in page.locator("#directory-error").inner_text()


def test_directory_sorts_by_participation_and_pages(delegations, page, stored_snapshot):
    a = delegations
    keen, delegator = Voter(), Voter()  # no delegated veJCT now, but voted when it had some
    DelegateStatement.objects.create(address=keen.address, text="I always vote.")
    proposal = make_active(snapshot_block=30)
    stored_snapshot(30, {delegator.address: 10 * WEI}, {delegator.address: keen.address})
    services.vote_cast(proposal_id=proposal.pk, **vote_body(proposal, keen, choice=3))
    DelegateStatement.objects.bulk_create(
        DelegateStatement(address="0x" + f"{i:040x}", text="hello") for i in range(1, 26)
    )
    page.goto("/delegates/")
    assert rows(page)[:2] == [a[5], a[6]]  # by delegated veJCT now
    page.get_by_label("Sort by").select_option("participation")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**ordering=participation*")
    assert rows(page)[0] == keen.address
    keen_row = page.locator(f'#delegates tr[data-address="{keen.address}"]').inner_text()
    assert "100.0% (1 of 1)" in keen_row
    assert "Page 1 of 2 · 29 delegates" in page.locator(".pager").inner_text()
    page.get_by_role("link", name="Next").click()
    page.wait_for_url("**page=2")
    assert len(rows(page)) == 4
    assert page.get_by_label("Sort by").input_value() == "participation"


def test_profile_shows_statement_figures_and_votes_with_reasons(delegations, page, stored_snapshot):
    a = delegations
    delegate, delegator = Voter(), Voter()
    proposal = make_active(snapshot_block=30, title="Fund the GPU grants")
    stored_snapshot(30, {delegator.address: 10 * WEI}, {delegator.address: delegate.address})
    services.vote_cast(
        proposal_id=proposal.pk, **vote_body(proposal, delegate, choice=1, reason="good value")
    )
    page.goto(f"/delegates/{delegate.address.lower()}/")
    assert page.locator("#delegate-address").inner_text() == delegate.address
    assert page.locator("#participation").inner_text() == "100.0% (1 of 1 proposals)"
    history = page.locator(f'#voting-history tr[data-proposal="{proposal.pk}"]').inner_text()
    assert "Fund the GPU grants" in history and "For" in history and "good value" in history
    assert "10 (1 delegator)" in history
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=str(screenshot_dir() / f"delegate-votes-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"/delegates/{a[5]}/")
    assert page.locator("#statement-html strong").inner_text() == "for"
    assert page.locator("#statement-html h1").inner_text() == "Why me"
    power = chain_client.vejct_balance(a[1]) + chain_client.vejct_balance(a[2])
    assert shows_about(page.locator("#delegated-power").inner_text(), power)
    assert page.locator("#delegator-count").inner_text() == "2"
    assert page.locator("#no-votes").is_visible()


def test_delegate_to_this_address_from_a_profile(delegations, chain, page, wallet):
    a = delegations
    page.goto(f"/delegates/{a[7]}/")
    page.get_by_role("link", name="Delegate to this address").click()
    field = page.get_by_label("Delegate to (address, any case)")
    field.wait_for()
    assert field.input_value() == a[7]
    page.locator("#power-view").wait_for(state="visible")
    page.get_by_role("button", name="Delegate", exact=True).click()
    assert "Confirmed in block" in wait_outcome(page)
    delegation = chain.contract("VoteDelegation")
    assert delegation.functions.delegateOf(wallet.address).call() == a[7]
    assert [t["to"].lower() for t in wallet.sent_transactions()] == [
        chain.deployments["VoteDelegation"].lower()
    ]


def test_signed_in_delegate_previews_and_saves_their_statement(signed_in_page, wallet):
    page = signed_in_page
    page.goto(f"/delegates/{wallet.address}/")
    assert page.locator("#statement-none").is_visible()
    text = page.get_by_label("Statement (Markdown, at most 10000 characters)")
    text.fill("## Priorities\n\n- **cheaper** GPUs\n<script>alert(1)</script>")
    page.get_by_role("button", name="Preview").click()
    page.locator("#statement-preview h2").wait_for()
    assert page.locator("#statement-preview strong").inner_text() == "cheaper"
    assert page.locator("#statement-preview script").count() == 0
    assert not DelegateStatement.objects.exists()  # a preview saves nothing
    page.get_by_role("button", name="Save statement").click()
    page.get_by_text("Saved.").wait_for()
    saved = DelegateStatement.objects.get(address=wallet.address)
    assert saved.text.startswith("## Priorities")
    assert page.locator("#statement-html strong").inner_text() == "cheaper"
    page.reload()
    assert page.locator("#statement-html h2").inner_text() == "Priorities"


def test_only_the_delegate_sees_the_editor(delegations, page):
    page.goto(f"/delegates/{delegations[5]}/")
    assert page.locator("#statement-editor").count() == 0
    assert page.locator("#delegate-here").is_visible()


@pytest.mark.parametrize("width", [390, 1280])
def test_delegates_pages_fit_the_screen(delegations, page, stored_snapshot, width):
    a = delegations
    proposal = make_active(snapshot_block=30, title="Raise the reservation fee to 0.5 %")
    stored_snapshot(30, {a[1]: 10 * WEI}, {a[1]: a[5]})
    voter = Voter()
    stored_snapshot(31, {voter.address: 10 * WEI})
    page.set_viewport_size({"width": width, "height": 900})
    for path, name in ((" /delegates/".strip(), "directory"), (f"/delegates/{a[5]}/", "profile")):
        page.goto(path)
        overflow = page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)
        page.screenshot(
            path=str(screenshot_dir() / f"delegates-{name}-{width}.png"), full_page=True
        )
    assert proposal.pk
