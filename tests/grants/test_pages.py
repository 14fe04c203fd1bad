"""Grants pages render what each role needs, and descriptions are rendered safely."""

from __future__ import annotations

import pytest

from grants import services
from proposals.models import ProposalKind
from tests.factories import UserFactory
from tests.grants.factories import (
    approved_application,
    draft_application,
    executed_proposal,
    reviewed_application,
)

pytestmark = pytest.mark.django_db


def test_program_pages_show_budget_figures(client, program, reviewers, steward):
    approved_application(program, steward, reviewers)
    listing = client.get("/grants/").content.decode()
    assert program.name in listing and "1,000" in listing
    detail = client.get(f"/grants/{program.pk}/").content.decode()
    assert 'id="budget-committed">100<' in detail and 'id="budget-remaining">900<' in detail


def test_application_description_markdown_is_sanitised(client, program, applicant):
    application = draft_application(program, applicant)
    type(application).objects.filter(pk=application.pk).update(
        description="**bold** <script>alert(1)</script> [x](javascript:alert(2))"
    )
    client.force_login(applicant)
    page = client.get(f"/grants/applications/{application.pk}/").content.decode()
    assert "<strong>bold</strong>" in page
    assert "<script>alert(1)" not in page and "javascript:alert" not in page


def test_apply_page_needs_a_signed_in_wallet(client, program, applicant):
    assert client.get(f"/grants/{program.pk}/apply/").status_code == 302
    client.force_login(applicant)
    page = client.get(f"/grants/{program.pk}/apply/").content.decode()
    assert 'id="apply-form"' in page and applicant.address in page


def test_my_applications_and_review_queue_list_the_right_rows(
    client, program, reviewers, applicant
):
    application = reviewed_application(program, reviewers[:1], applicant)
    client.force_login(applicant)
    assert (
        f'data-application="{application.pk}"'
        in client.get("/grants/applications/").content.decode()
    )
    client.force_login(reviewers[1])
    assert f'data-application="{application.pk}"' in client.get("/grants/reviews/").content.decode()


def test_steward_console_is_for_stewards_and_lists_decisions(client, program, reviewers, steward):
    application = reviewed_application(program, reviewers)
    client.force_login(UserFactory())
    assert client.get("/grants/steward/").status_code == 403
    client.force_login(steward)
    page = client.get("/grants/steward/").content.decode()
    assert f'data-application="{application.pk}"' in page
    detail = client.get(f"/grants/applications/{application.pk}/").content.decode()
    assert 'id="decide"' in detail and "Approve" in detail


def test_recognitions_page_lists_contributors(client):
    recipient = UserFactory().address
    proposal = executed_proposal(
        kind=ProposalKind.RECOGNITION,
        payload={
            "recipients": [
                {"recipient": recipient, "amount": str(5 * 10**18), "reason": "Wrote the docs"}
            ]
        },
    )
    services.recognitions_record(proposal=proposal, tx_hash="0x" + "ef" * 32, block_number=3)
    page = client.get("/grants/recognitions/").content.decode()
    assert recipient in page and "Wrote the docs" in page and "5 JCT" in page
