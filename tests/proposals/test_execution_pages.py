"""The execution timeline on a proposal's page and the steward console, in HTML and in Chromium."""

from __future__ import annotations

import pytest

from jctgov.wallets.services import steward_grant
from proposals import services
from proposals.models import Proposal, ProposalState
from tests.factories import UserFactory
from tests.proposals.factories import make_succeeded
from tests.proposals.test_execution import DELAY

S = ProposalState


@pytest.mark.django_db
def test_steward_console_lists_what_awaits_approval_and_what_failed(client, steward, settings):
    settings.JCTGOV_EXECUTOR_KEY = ""
    awaiting = make_succeeded(title="Lower the JCT fee")
    failed = make_succeeded(title="Pay the translators")
    Proposal.objects.filter(pk=failed.pk).update(
        state=S.FAILED, failure_code="treasury_insufficient", failure_reason="The treasury is low."
    )
    client.force_login(UserFactory())
    assert client.get("/proposals/steward/").status_code == 403
    client.force_login(steward)
    page = client.get("/proposals/steward/").content.decode()
    assert "No executor key is configured" in page
    assert f'data-api="/api/v1/proposals/{awaiting.pk}/queue"' in page
    assert "The treasury is low." in page
    assert f'data-api="/api/v1/proposals/{failed.pk}/retry-execution"' in page


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_sign_in_for_the_console(client):
    response = client.get("/proposals/steward/")
    assert response.status_code == 302 and "next=/proposals/steward/" in response["Location"]


@pytest.mark.browser
@pytest.mark.chain
@pytest.mark.django_db(transaction=True)
def test_steward_approves_in_the_browser_and_sees_the_timeline(signed_in_page, wallet, chain):
    steward_grant(address=wallet.address)
    proposal = make_succeeded(title="Raise the stake minimum")
    page = signed_in_page
    page.goto("/proposals/steward/")
    page.locator(f'tr[data-proposal="{proposal.pk}"]').get_by_role("button", name="Approve").click()
    page.locator("#queued").get_by_text("Raise the stake minimum").wait_for()
    page.goto(f"/proposals/{proposal.pk}/")
    page.locator("#step-approved").get_by_text(wallet.address).wait_for()
    queued = Proposal.objects.get(pk=proposal.pk)
    assert queued.state == S.QUEUED
    assert queued.schedule_tx in page.locator("#step-scheduled").inner_text()

    chain.increase_time(DELAY + 1)
    services.proposals_execution_due()  # the beat (eager here)
    page.reload()
    executed = Proposal.objects.get(pk=proposal.pk)
    assert executed.state == S.EXECUTED
    assert executed.execute_tx in page.locator("#step-executed").inner_text()
    assert page.locator("#proposal-state").inner_text() == "Executed"
