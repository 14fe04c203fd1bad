"""The execution timeline on a proposal's page and the steward console, in HTML and in Chromium."""

from __future__ import annotations

import json

import pytest

from jctgov.chain.devkeys import DEV_KEYS
from jctgov.wallets.services import steward_grant
from proposals import services
from proposals.models import Proposal, ProposalState
from tests.factories import UserFactory
from tests.fixtures.browser import TestWallet
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
    assert client.get("/steward/").status_code == 403
    client.force_login(steward)
    page = client.get("/steward/").content.decode()
    assert "No relayer key is configured" in page
    assert f'data-open-approval="/api/v1/proposals/{awaiting.pk}/approval"' in page
    assert "The treasury is low." in page
    assert f'data-api="/api/v1/proposals/{failed.pk}/retry-execution"' in page


@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_sign_in_for_the_console(client):
    response = client.get("/steward/")
    assert response.status_code == 302 and "next=/steward/" in response["Location"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_steward_approves_in_the_browser_and_sees_the_timeline(open_page, chain):
    """The 1-of-1 dev Safe: its owner (dev account 0) signs the approval from the console."""
    wallet = TestWallet(DEV_KEYS[0])
    steward_grant(address=wallet.address)
    proposal = make_succeeded(title="Raise the stake minimum")
    page = open_page([wallet])
    sign_in(page)
    page.goto("/steward/")
    page.locator(f'tr[data-proposal="{proposal.pk}"]').get_by_role(
        "button", name="Sign approval"
    ).click()
    page.locator("#queued").get_by_text("Raise the stake minimum").wait_for()
    assert [m for m, _ in wallet.requests].count("eth_signTypedData_v4") == 1
    typed = json.loads(wallet.requests[-1][1][1])
    assert typed["primaryType"] == "SafeTx"
    assert typed["domain"]["verifyingContract"] == chain.deployments["Safe"]
    page.goto(f"/proposals/{proposal.pk}/")
    page.locator("#step-approved").get_by_text(wallet.address).wait_for()
    assert "1 of 1 signatures" in page.locator("#step-approved").inner_text()
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


def sign_in(page) -> None:
    page.goto("/")
    page.get_by_role("button", name="Connect wallet").click()
    page.locator("#wallet-address").wait_for()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_two_of_three_stewards_approve_from_two_browsers(open_page, safe_2_of_3):
    """A 2-of-3 Safe: one steward's signature shows "1 of 2" and sends nothing; the second
    steward, in another browser context with their own wallet, completes it and it is relayed."""
    chain = safe_2_of_3
    first, second = TestWallet(DEV_KEYS[1]), TestWallet(DEV_KEYS[2])
    proposal = make_succeeded(title="Two keys to turn")
    head = chain.head()
    page_one = open_page([first])
    page_one.goto(f"/proposals/{proposal.pk}/")
    page_one.get_by_role("button", name="Sign the approval (stewards)").click()
    page_one.locator(".signature-count").get_by_text("1 of 2 signatures").wait_for()
    assert first.address in page_one.locator("#execution").inner_text()
    assert chain.head() == head  # below the threshold nothing is sent
    assert Proposal.objects.get(pk=proposal.pk).state == S.SUCCEEDED

    page_two = open_page([second])
    page_two.goto(f"/proposals/{proposal.pk}/")
    assert "1 of 2 signatures" in page_two.locator(".signature-count").inner_text()
    page_two.get_by_role("button", name="Sign with my steward wallet").click()
    page_two.locator("#step-scheduled").wait_for()
    queued = Proposal.objects.get(pk=proposal.pk)
    assert queued.state == S.QUEUED
    text = page_two.locator("#step-approved").inner_text()
    assert "2 of 2 signatures" in text and first.address in text and second.address in text
