"""Forms for people, in Chromium: parameters chosen by name, values typed in their unit and
converted exactly (10^27 wei is beyond a JS number), bounds in units, a Markdown preview, and
cancelling a draft asks first."""

from __future__ import annotations

import json
import re

import pytest

from jctgov.wallets.models import User
from proposals.models import Proposal, ProposalState
from tests.proposals.factories import make_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


OVERFLOW = "() => document.scrollingElement.scrollWidth - window.innerWidth"


@pytest.mark.parametrize("width", [1280, 390])
def test_a_parameter_is_chosen_by_name_and_its_value_converts_exactly(signed_in_page, width):
    """A 10^27-scale veJCT value typed in veJCT is posted as the exact wei integer string, and
    reads back exactly when the draft is edited; bounds and the current value are in units."""
    page = signed_in_page
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/proposals/new/")
    page.get_by_label("Title").fill("Raise the provider minimum")
    page.get_by_label("Parameter", exact=True).select_option(label="Minimum provider veJCT")
    row = page.locator("#changes tbody tr").first
    text = row.inner_text()
    assert "market.min_provider_vejct" in text  # the key, as the detail
    assert "0 veJCT – 1,000,000,000 veJCT" in text and "1,000 veJCT" in text
    assert "000013" not in text  # the float rounding seen before
    page.get_by_label("New value").fill("999,999,999.999999999999999999")
    row.filter(has_text="Stored as 999999999999999999999999999 wei").wait_for()
    page.get_by_label("New value").fill("1000000000.000000000000000001")
    page.locator("#payload-error").filter(has_text="between 0 veJCT and 1,000,000,000").wait_for()
    page.get_by_label("New value").fill("999999999.999999999999999999")
    page.locator("#payload-ok").filter(has_text="valid").wait_for()
    assert page.evaluate(OVERFLOW) <= 0
    with page.expect_request(lambda r: r.url.endswith("/api/v1/proposals")) as posted:
        page.get_by_role("button", name="Save draft").click()
    sent = json.loads(posted.value.post_data)["payload"]
    assert sent == {
        "changes": [{"key": "market.min_provider_vejct", "value": "999999999999999999999999999"}]
    }
    page.wait_for_url(re.compile(r"/proposals/\d+/$"))
    proposal = Proposal.objects.get(title="Raise the provider minimum")
    assert proposal.payload["changes"][0]["value"] == "999999999999999999999999999"
    page.goto(f"/proposals/{proposal.pk}/edit/")
    assert page.get_by_label("New value").input_value() == "999999999.999999999999999999"


def test_percent_and_days_convert_to_bps_and_seconds(signed_in_page):
    page = signed_in_page
    page.goto("/proposals/new/")
    page.get_by_label("Title").fill("Two rules")
    page.get_by_label("Parameter", exact=True).select_option(label="Quorum")
    page.get_by_label("New value").fill("4.25")
    page.locator("#changes").filter(has_text="Stored as 425 bps").wait_for()
    page.get_by_role("button", name="Add a change").click()
    second = page.locator("#changes tbody tr").nth(1)
    second.get_by_label("Parameter", exact=True).select_option(label="Voting period")
    assert second.get_by_label("Unit of time").input_value() == "days"  # 3 days now
    assert "3 days" in second.inner_text() and "1 minute – 30 days" in second.inner_text()
    second.get_by_label("New value").fill("1.5")
    second.filter(has_text="Stored as 129600 seconds").wait_for()
    second.get_by_label("Unit of time").select_option("hours")
    second.filter(has_text="Stored as 5400 seconds").wait_for()
    page.locator("#payload-ok").filter(has_text="valid").wait_for()
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/proposals/\d+/$"))
    assert Proposal.objects.get(title="Two rules").payload == {
        "changes": [
            {"key": "governance.quorum_bps", "value": "425"},
            {"key": "governance.voting_period_s", "value": "5400"},
        ]
    }


def test_the_markdown_preview_shows_the_text_rendered_and_sanitized(signed_in_page):
    page = signed_in_page
    page.goto("/proposals/new/")
    assert "100 veJCT" in page.locator("#threshold-note").inner_text()  # not wei
    page.get_by_label("Text (Markdown)").fill(
        "## Why\n\nFees are **too high**.\n\n- one\n- two\n\n<script>alert(1)</script>"
    )
    preview = page.locator("#body-preview")
    preview.locator("h2", has_text="Why").wait_for()
    assert preview.locator("strong").inner_text() == "too high"
    assert preview.locator("li").count() == 2
    assert preview.locator("script").count() == 0


def test_cancelling_a_draft_asks_for_confirmation(signed_in_page, wallet):
    page = signed_in_page
    draft = make_draft(author=User.objects.get(address=wallet.address))
    page.goto(f"/proposals/{draft.pk}/")
    asked: list[str] = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.get_by_role("button", name="Cancel", exact=True).click()
    page.wait_for_timeout(300)
    assert asked == ["Cancel this draft? It cannot be published afterwards."]
    draft.refresh_from_db()
    assert draft.state == ProposalState.DRAFT

    page.once("dialog", lambda d: answer(d, True))
    page.get_by_role("button", name="Cancel", exact=True).click()
    page.wait_for_load_state("load")
    page.locator(".badge.cancelled").first.wait_for()
    assert Proposal.objects.get(pk=draft.pk).state == ProposalState.CANCELLED
