"""In Chromium with the injected test wallet: vote by signing typed data; draft with live validation."""

import json

import pytest

from proposals.models import Proposal, Vote
from tests.proposals.factories import WEI, make_active

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_voting_in_the_browser_signs_typed_data_and_records_the_vote(page, wallet, fake_chain):
    proposal = make_active(snapshot_block=100, total_supply=1000 * WEI)
    fake_chain.snapshot(100, {wallet.address: 120 * WEI})
    page.goto(f"/proposals/{proposal.pk}/")
    page.get_by_label("Reason (optional)").fill("fees too high")
    page.get_by_role("button", name="Vote For").click()
    page.locator("#my-vote").filter(has_text="You voted For with 120 veJCT").wait_for()
    vote = Vote.objects.get(proposal=proposal, voter=wallet.address)
    assert (vote.choice, vote.reason, vote.counted) == (1, "fees too high", True)
    method, params = wallet.requests[-1]
    assert method == "eth_signTypedData_v4"
    typed = json.loads(params[1])
    assert typed["primaryType"] == "Vote" and typed["message"]["proposal"] == proposal.uid
    page.locator("#tally-for").filter(has_text="120").wait_for()  # after the reload


def test_draft_form_validates_live_and_saves(signed_in_page):
    page = signed_in_page
    page.goto("/proposals/new/")
    page.get_by_label("Title").fill("Raise the reservation fee")
    page.get_by_label("Parameter", exact=True).select_option("market.reservation_fee_bps")
    page.get_by_label("New value").fill("900")
    page.locator("#payload-error").filter(has_text="between 0 and 500").wait_for()
    page.get_by_label("New value").fill("40")
    page.locator("#payload-ok").filter(has_text="valid").wait_for()
    page.get_by_role("button", name="Save draft").click()
    changes = page.locator("#parameter-changes")
    changes.filter(has_text="0.40%").wait_for()  # the saved draft's page: old → new
    assert "0.25%" in changes.inner_text()
    proposal = Proposal.objects.get(title="Raise the reservation fee")
    assert proposal.payload == {"changes": [{"key": "market.reservation_fee_bps", "value": "40"}]}
