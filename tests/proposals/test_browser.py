"""In Chromium with the injected test wallet: vote by signing typed data; drafts per kind with
live validation."""

import json

import pytest
from eth_account import Account

from proposals.models import Proposal, Vote
from tests.factories import mistyped
from tests.grants.factories import make_program
from tests.proposals.factories import WEI, make_active

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_voting_in_the_browser_signs_typed_data_and_records_the_vote(page, wallet, stored_snapshot):
    proposal = make_active(snapshot_block=100, total_supply=1000 * WEI)
    stored_snapshot(100, {wallet.address: 120 * WEI})
    page.goto(f"/proposals/{proposal.pk}/")
    page.get_by_label("Reason (optional)").fill("fees too high")
    page.get_by_role("button", name="Vote For").click()
    page.locator("#my-vote").filter(has_text="You voted For with 120 veJCT").wait_for()
    vote = Vote.objects.get(proposal=proposal, voter=wallet.address)
    assert (vote.choice, vote.reason, vote.counted) == (1, "fees too high", True)
    method, params = wallet.requests[-1]
    assert method == "eth_signTypedData_v4"
    assert params[0].lower() == wallet.address.lower()
    typed = json.loads(params[1])
    assert typed["primaryType"] == "Vote" and typed["message"]["proposal"] == proposal.uid
    assert typed["domain"]["verifyingContract"] == proposal.verifying_contract

    # After the reload: the tally counts it, and the page (no sign-in) finds the wallet's vote.
    page.locator("#tally-for").filter(has_text="120").wait_for()
    page.locator("#my-vote").filter(has_text="You voted For with 120 veJCT").wait_for()
    assert "fees too high" in page.locator("#receipts").inner_text()

    # Changing one's mind: a second signature replaces the first in the tally.
    page.get_by_role("button", name="Vote Against").click()
    page.locator("#tally-against").filter(has_text="120").wait_for()
    assert page.locator("#tally-for").inner_text() == "0"
    assert Vote.objects.filter(proposal=proposal).count() == 2


def test_a_wallet_without_power_is_told_before_signing(page, wallet, stored_snapshot):
    proposal = make_active(snapshot_block=100)
    stored_snapshot(100, {Account.create().address: WEI})
    page.goto(f"/proposals/{proposal.pk}/")
    page.locator("#vote-eligibility").filter(
        has_text="had no veJCT at snapshot block 100"
    ).wait_for()
    assert page.get_by_role("button", name="Abstain").is_disabled()
    assert wallet.requests == [] and not Vote.objects.exists()


def test_draft_form_validates_live_and_saves(signed_in_page):
    page = signed_in_page
    page.goto("/proposals/new/")
    page.get_by_label("Title").fill("Raise the reservation fee")
    page.get_by_label("Parameter", exact=True).select_option(label="Reservation fee")
    page.get_by_label("New value").fill("9")  # percent, as the form asks
    page.locator("#payload-error").filter(has_text="between 0% and 5%").wait_for()
    page.get_by_label("New value").fill("0.4")
    page.locator("#changes").filter(has_text="Stored as 40 bps").wait_for()
    page.locator("#payload-ok").filter(has_text="valid").wait_for()
    page.get_by_role("button", name="Save draft").click()
    changes = page.locator("#parameter-changes")
    changes.filter(has_text="0.40%").wait_for()  # the saved draft's page: old → new
    assert "0.25%" in changes.inner_text()
    proposal = Proposal.objects.get(title="Raise the reservation fee")
    assert proposal.payload == {"changes": [{"key": "market.reservation_fee_bps", "value": "40"}]}


def test_recognition_draft_checksums_lowercase_and_refuses_repeated_recipients(signed_in_page):
    page = signed_in_page
    alice, bob = Account.create().address, Account.create().address
    page.goto("/proposals/new/?kind=recognition")
    page.get_by_label("Title").fill("Thank the docs team")
    rows = page.locator("#recipients")
    rows.get_by_label("Recipient address").fill(mistyped(alice))
    rows.get_by_label("Amount (JCT)").fill("1500")
    rows.get_by_label("Reason").fill("docs")
    error = page.locator("#payload-error")
    error.filter(has_text="mixed-case checksum (EIP-55) does not match").wait_for()
    rows.get_by_label("Recipient address").fill(alice.lower())  # accepted, stored checksummed
    page.locator("#payload-ok").filter(has_text="valid").wait_for()
    error = page.locator("#payload-error")
    page.get_by_role("button", name="Add a recipient").click()
    rows.get_by_label("Recipient address").nth(1).fill(alice)
    rows.get_by_label("Amount (JCT)").nth(1).fill("2.5")
    rows.get_by_label("Reason").nth(1).fill("translations")
    error.filter(has_text="listed twice").wait_for()
    rows.get_by_label("Recipient address").nth(1).fill(bob)
    page.locator("#payload-ok").filter(has_text="valid").wait_for()
    # The lowercase address typed in the first row now reads checksummed (EIP-55).
    assert rows.get_by_label("Recipient address").first.input_value() == alice
    page.get_by_role("button", name="Save draft").click()
    page.locator("#recognition-recipients").filter(has_text="1,502.5").wait_for()  # total
    proposal = Proposal.objects.get(title="Thank the docs team")
    assert proposal.payload["recipients"][0]["recipient"] == alice
    assert proposal.payload["recipients"][1] == {
        "recipient": bob,
        "amount": str(25 * WEI // 10),
        "reason": "translations",
    }


def test_grant_top_up_draft_needs_an_existing_program(signed_in_page):
    page = signed_in_page
    program = make_program(name="GPU research")
    page.goto("/proposals/new/?kind=grant_budget")
    page.get_by_label("Title").fill("More GPU research")
    page.get_by_label("Top up an existing program").check()
    page.get_by_label("Program id").fill(str(program.pk + 100))
    page.locator("#grant-amount").fill("5000")
    page.locator("#payload-error").filter(has_text="no grant program").wait_for()
    page.get_by_label("Program id").fill(str(program.pk))
    page.locator("#payload-ok").filter(has_text="valid").wait_for()
    page.get_by_role("button", name="Save draft").click()
    page.get_by_text(f"Top up grant program #{program.pk}").wait_for()
    proposal = Proposal.objects.get(title="More GPU research")
    assert proposal.payload == {"top_up_program_id": program.pk, "amount": str(5000 * WEI)}


def test_a_too_long_title_is_shown_at_the_title_field(signed_in_page):
    page = signed_in_page
    page.goto("/proposals/new/")
    page.get_by_label("Title").evaluate("(node) => node.removeAttribute('maxlength')")
    page.get_by_label("Title").fill("x" * 300)
    page.get_by_label("New value").fill("0.4")
    page.get_by_role("button", name="Save draft").click()
    page.locator('[data-error-for="title"]').filter(has_text="256").wait_for()
    assert not Proposal.objects.exists()


def test_a_delegate_sees_their_delegated_power_and_votes_with_it(
    page, wallet, stored_snapshot, tmp_path
):
    proposal = make_active(snapshot_block=100, total_supply=1000 * WEI)
    a, b = Account.create().address, Account.create().address
    stored_snapshot(
        100,
        {wallet.address: 100 * WEI, a: 20 * WEI, b: 30 * WEI},
        {a: wallet.address, b: wallet.address},
    )
    page.goto(f"/proposals/{proposal.pk}/")
    page.locator("#my-power").filter(
        has_text="100 veJCT of your own + 50 veJCT delegated to you by 2 of your 2 delegators"
    ).wait_for()
    page.get_by_role("button", name="Vote For").click()
    page.locator("#my-vote").filter(
        has_text="You voted For with 100 veJCT + 50 veJCT from 2 delegators"
    ).wait_for()
    page.locator("#tally-for").filter(has_text="150").wait_for()
    assert "50 (2 delegators)" in page.locator("#receipts").inner_text()
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(tmp_path / f"proposal-delegated-{width}.png"), full_page=True)
        # The power line and the receipts' box fit the screen (the wide table scrolls inside).
        for selector in ("#my-power", "#receipts-section .table-scroll"):
            right = page.locator(selector).evaluate("e => e.getBoundingClientRect().right")
            assert right <= width, (selector, width)
