"""Dead ends removed from the forms, in Chromium: parameter bounds shown exactly (10^27 wei is
beyond a JS number), the one units module exact both ways, and cancelling a draft asks first."""

from __future__ import annotations

import pytest

from jctgov.wallets.models import User
from proposals.models import Proposal, ProposalState
from tests.proposals.factories import make_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_token_bounds_are_exact_and_units_convert_exactly(signed_in_page):
    page = signed_in_page
    page.goto("/proposals/new/")
    page.get_by_label("Parameter", exact=True).select_option("market.min_provider_vejct")
    row = page.locator("#changes tbody tr").first
    assert "0 veJCT – 1000000000 veJCT" in row.inner_text()
    assert "000013" not in row.inner_text()  # the float rounding seen before
    converted = page.evaluate(
        """() => {
          const u = window.jctgov.units;
          return [u.toWei("1000000000.000000000000000013").toString(),
                  u.fromWei("1000000000000000000000000013"),
                  window.jctgov.proposals.toWei("999,999,999.999999999999999999")];
        }"""
    )
    assert converted == [
        "1000000000000000000000000013",
        "1000000000.000000000000000013",
        "999999999999999999999999999",
    ]


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
