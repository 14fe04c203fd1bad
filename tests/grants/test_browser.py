"""The applicant's and the steward's paths in Chromium, with the injected test wallet."""

from __future__ import annotations

import pytest
from django.utils import timezone

from grants import services
from grants.models import Application, ApplicationState, Milestone, MilestoneState
from jctgov.chain.devkeys import DEV_KEYS
from jctgov.wallets.services import steward_grant
from tests.grants.factories import WEI, funded_reviewed_application, make_program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_application(page, *, title: str, amount: str, milestones: list[tuple[str, str]]) -> None:
    """Type into the application form like a person: title, request, milestone rows."""
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Requested amount (JCT)").fill(amount)
    for n, (name, share) in enumerate(milestones, start=1):
        if n > 1 and not page.get_by_label(f"Milestone {n} title").count():
            page.get_by_role("button", name="Add milestone").click()
        page.get_by_label(f"Milestone {n} title").fill(name)
        page.get_by_label(f"Milestone {n} amount").fill(share)


def test_applicant_applies_and_sees_the_status(signed_in_page, wallet):
    page = signed_in_page
    program = make_program(name="Open tooling", budget=1_000 * WEI)
    page.goto(f"/grants/{program.pk}/")
    page.get_by_role("link", name="Apply").click()
    page.get_by_label("Description (Markdown)").fill("Measures **real** throughput.")
    assert (
        page.get_by_label("Payout address (0x…, any case: stored checksummed)").input_value()
        == wallet.address
    )
    fill_application(
        page,
        title="GPU benchmark suite",
        amount="120.5",
        milestones=[("Harness", "100"), ("Report", "20.5")],
    )
    page.get_by_role("button", name="Submit application").click()
    page.locator("#application-state").get_by_text("Submitted").wait_for()
    assert "<strong>real</strong>" in page.locator("#description").inner_html()
    application = Application.objects.get(applicant__address=wallet.address)
    assert application.requested_amount == 120 * WEI + WEI // 2
    assert application.state == ApplicationState.SUBMITTED
    page.goto("/grants/applications/")
    assert "Submitted" in page.locator(f'tr[data-application="{application.pk}"]').inner_text()


def test_applicant_sees_a_clear_error_when_milestones_do_not_add_up(signed_in_page):
    page = signed_in_page
    program = make_program(budget=1_000 * WEI)
    page.goto(f"/grants/{program.pk}/apply/")
    fill_application(page, title="Mismatch", amount="10", milestones=[("Only part", "5")])
    page.get_by_role("button", name="Submit application").click()
    page.get_by_text("not the 10000000000000000000 requested").wait_for()
    assert Application.objects.get().state == ApplicationState.DRAFT


def test_applicant_saves_a_draft_edits_it_and_then_submits(signed_in_page, wallet):
    page = signed_in_page
    program = make_program(name="Open tooling", budget=1_000 * WEI)
    page.goto(f"/grants/{program.pk}/apply/")
    fill_application(page, title="First idea", amount="40", milestones=[("Prototype", "40")])
    page.get_by_role("button", name="Save draft").click()
    page.locator("#application-state").get_by_text("Draft").wait_for()

    page.get_by_role("link", name="Edit draft").click()
    assert page.get_by_label("Title", exact=True).input_value() == "First idea"
    assert page.get_by_label("Milestone 1 amount").input_value() == "40"
    fill_application(
        page,
        title="Better idea",
        amount="60.25",
        milestones=[("Prototype", "40"), ("Docs", "20.25")],
    )
    page.get_by_role("button", name="Submit application").click()
    page.locator("#application-state").get_by_text("Submitted").wait_for()
    application = Application.objects.get(applicant__address=wallet.address)
    assert application.title == "Better idea"
    assert application.requested_amount == 60 * WEI + WEI // 4
    assert [m.title for m in application.milestones.all()] == ["Prototype", "Docs"]
    assert "Edit draft" not in page.content()


@pytest.mark.parametrize("wallet_key", [DEV_KEYS[0]])  # the dev Safe's 1-of-1 owner
def test_steward_approves_then_accepts_and_the_milestone_is_paid(signed_in_page, wallet, chain):
    page = signed_in_page
    steward = steward_grant(address=wallet.address)
    application = funded_reviewed_application(chain)

    page.goto("/steward/")
    page.locator(f'#decisions tr[data-application="{application.pk}"]').get_by_role(
        "link", name="CUDA profiler"
    ).click()
    page.get_by_role("button", name="Approve").click()  # no reason yet: refused, said why
    page.locator("#decide-status").get_by_text("reason for the approval").wait_for()
    assert Application.objects.get(pk=application.pk).state == ApplicationState.UNDER_REVIEW
    page.get_by_label("Reason (shown to the applicant; required)").fill("Strong reviews")
    page.get_by_role("button", name="Approve").click()
    page.locator("#application-state").get_by_text("Approved").wait_for()
    assert "Strong reviews" in page.locator("#decision").inner_text()

    milestone = application.milestones.first()
    services.milestone_report(
        milestone_id=milestone.pk,
        actor=application.applicant,
        evidence_url="https://example.org/r",
        text="Shipped",
        now=timezone.now(),
    )
    page.goto("/steward/")
    page.locator(f'#reported tr[data-milestone="{milestone.pk}"]').get_by_role(
        "button", name="Accept"
    ).click()
    page.locator("#reported").get_by_text("No milestone report waits.").wait_for()  # reloaded
    services.milestone_pay(milestone_id=milestone.pk)  # the worker opens the payout SafeTx
    assert Milestone.objects.get(pk=milestone.pk).state == MilestoneState.ACCEPTED  # unsigned
    page.goto(f"/grants/applications/{application.pk}/")
    box = page.locator("#payout-signatures")
    assert "0 of 1 signatures" in box.inner_text() and "payoutOnce" in box.inner_text()
    box.get_by_role("button", name="Sign with my steward wallet").click()
    page.locator(f'tr[data-milestone="{milestone.pk}"] .tx-hash').wait_for()  # relayed, reloaded
    paid = Milestone.objects.get(pk=milestone.pk)
    assert paid.state == MilestoneState.PAID and paid.accepted_by == steward
    page.goto(f"/grants/applications/{application.pk}/")
    row = page.locator(f'tr[data-milestone="{milestone.pk}"]')
    assert "Paid" in row.inner_text() and paid.tx_hash[:12] in row.inner_text()
    page.goto(f"/grants/{application.program_id}/")
    assert page.locator("#budget-paid").inner_text() == "50"
