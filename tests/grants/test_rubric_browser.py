"""The steward edits a program's rubric as rows (criterion, weight; the 0–5 score is fixed),
adds and removes rows, and saves; the server validates as before and its error points at the
row. Saving reviewers never re-sends an unchanged rubric (frozen once reviews exist)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grants.models import Program
from jctgov.wallets.services import steward_grant
from tests.grants.factories import make_program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 390])
def test_the_steward_edits_the_rubric_as_rows(signed_in_page, wallet, width):
    page = signed_in_page
    steward_grant(address=wallet.address)
    program = make_program(name="GPU tooling")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"/grants/{program.pk}/")
    assert not page.get_by_label("Rubric (JSON)").is_visible()  # rows instead of JSON
    assert page.get_by_label("Criterion 1", exact=True).input_value() == "impact"
    assert page.get_by_label("Weight of criterion 1").input_value() == "2"
    assert page.locator("#rubric-rows tbody tr").count() == 3

    page.get_by_role("button", name="Remove criterion 3").click()
    page.get_by_role("button", name="Add a criterion").click()
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "Criterion 3"
    page.get_by_label("Criterion 3", exact=True).fill("openness")
    page.get_by_label("Weight of criterion 3").fill("250")
    page.get_by_role("button", name="Save").click()
    page.locator("#configure-status").filter(
        has_text="Weights are integers from 1 to 100"
    ).wait_for()
    assert page.get_by_label("Weight of criterion 3").get_attribute("aria-invalid") == "true"
    assert page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth") <= 0
    Path("/tmp/forms").mkdir(exist_ok=True)
    page.locator("#configure").screenshot(path=f"/tmp/forms/rubric-{width}.png")

    page.get_by_label("Weight of criterion 3").fill("3")
    page.get_by_role("button", name="Save").click()
    page.locator("#rubric").filter(has_text="openness").wait_for()
    assert Program.objects.get(pk=program.pk).rubric == [
        {"criterion": "impact", "weight": 2},
        {"criterion": "feasibility", "weight": 1},
        {"criterion": "openness", "weight": 3},
    ]


def test_saving_reviewers_leaves_an_unchanged_rubric_alone(signed_in_page, wallet):
    page = signed_in_page
    steward_grant(address=wallet.address)
    program = make_program()
    sent = []
    page.on("request", lambda r: sent.append(r.post_data_json) if r.method == "PATCH" else None)
    page.goto(f"/grants/{program.pk}/")
    page.get_by_label("Reviewer addresses (one per line)").fill(wallet.address)
    page.get_by_role("button", name="Save").click()
    page.locator("#rubric").filter(has_text=wallet.address).wait_for()
    assert sent == [{"reviewers": [wallet.address]}]
