"""Grants pages render what each role needs, and descriptions are rendered safely."""

from __future__ import annotations

import json
import re

import pytest

from grants import services
from proposals.models import ProposalKind
from tests.factories import UserFactory
from tests.grants.factories import (
    WEI,
    approved_application,
    draft_application,
    executed_proposal,
    reviewed_application,
    submitted_application,
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
    assert client.get("/steward/").status_code == 403
    client.force_login(steward)
    page = client.get("/steward/").content.decode()
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


def test_applicant_edits_a_draft_on_a_prefilled_form(client, program, applicant):
    application = draft_application(program, applicant)
    client.force_login(applicant)
    detail = client.get(f"/grants/applications/{application.pk}/").content.decode()
    assert f'href="/grants/applications/{application.pk}/edit/"' in detail
    page = client.get(f"/grants/applications/{application.pk}/edit/").content.decode()
    initial = json.loads(
        re.search(r'id="application-initial" type="application/json">(.*?)</script>', page)[1]
    )
    assert initial["id"] == application.pk and initial["title"] == "CUDA profiler"
    assert [m["amount"] for m in initial["milestones"]] == [str(50 * WEI), str(50 * WEI)]
    client.force_login(UserFactory())  # someone else's draft does not exist for them
    assert client.get(f"/grants/applications/{application.pk}/edit/").status_code == 404


def test_a_submitted_application_is_no_longer_offered_for_editing(client, program, applicant):
    application = submitted_application(program, applicant)
    client.force_login(applicant)
    response = client.get(f"/grants/applications/{application.pk}/edit/")
    assert response.status_code == 302
    assert response["Location"] == f"/grants/applications/{application.pk}/"
    assert "Edit draft" not in client.get(response["Location"]).content.decode()


def test_apply_link_continues_the_wallets_open_application(client, program, applicant):
    application = draft_application(program, applicant)
    client.force_login(applicant)
    response = client.get(f"/grants/{program.pk}/apply/")
    assert response["Location"] == f"/grants/applications/{application.pk}/edit/"
    services.application_submit(application_id=application.pk, actor=applicant)
    response = client.get(f"/grants/{program.pk}/apply/")
    assert response["Location"] == f"/grants/applications/{application.pk}/"


def test_applicant_sees_the_rubric_breakdown_only_after_the_decision(
    client, program, reviewers, steward, applicant
):
    application = submitted_application(program, applicant)
    for reviewer, impact in zip(reviewers, (5, 2), strict=True):
        services.review_submit(
            application_id=application.pk,
            reviewer=reviewer,
            scores={"impact": impact, "feasibility": 4, "team": 3},
            comment=f"impact {impact}",
        )
    client.force_login(applicant)
    before = client.get(f"/grants/applications/{application.pk}/").content.decode()
    assert "Reviews are shown to you once a steward decides" in before
    assert "impact 5" not in before and 'id="rubric-breakdown"' not in before
    services.application_decide(
        application_id=application.pk, actor=steward, approve=False, reason="Not this round"
    )
    after = client.get(f"/grants/applications/{application.pk}/").content.decode()
    assert "impact 5" in after and "impact 2" in after and "Not this round" in after
    breakdown = re.search(r'<tfoot id="rubric-breakdown">(.*?)</tfoot>', after, re.S)[1]
    # weights impact 2, feasibility 1, team 1: reviews (10+4+3)/4 = 4.25 and (4+4+3)/4 = 2.75
    assert 'data-criterion="impact">3.50<' in breakdown
    assert 'data-criterion="feasibility">4.00<' in breakdown
    assert "<strong>3.5000</strong>" in breakdown
