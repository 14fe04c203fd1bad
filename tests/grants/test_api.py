"""The grants API: the applicant's and steward's paths over HTTP, errors, visibility, CSV."""

from __future__ import annotations

import csv
import io

import pytest

from grants.models import ApplicationState, Milestone, MilestoneState
from tests.factories import UserFactory, mistyped
from tests.grants.factories import (
    WEI,
    application_fields,
    approved_application,
    reviewed_application,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/grants"


def as_user(client, user):
    client.force_login(user)
    return client


def test_program_page_data_shows_budget_committed_paid_remaining(
    client, program, reviewers, steward
):
    approved_application(program, steward, reviewers)
    body = client.get(f"{API}/programs/{program.pk}").json()
    assert body["budget"] == str(1_000 * WEI) and body["committed"] == str(100 * WEI)
    assert body["paid"] == "0" and body["remaining"] == str(900 * WEI)
    assert body["is_open"] is True
    assert [p["id"] for p in client.get(f"{API}/programs").json()["results"]] == [program.pk]


def test_applicant_drafts_edits_submits_and_sees_status(client, program, applicant):
    as_user(client, applicant)
    fields = application_fields(applicant)
    created = client.post(
        f"{API}/programs/{program.pk}/applications", fields, content_type="application/json"
    )
    assert created.status_code == 201, created.json()
    app_id = created.json()["id"]
    edited = client.patch(
        f"{API}/applications/{app_id}",
        {"title": "CUDA profiler v2"},
        content_type="application/json",
    )
    assert edited.json()["title"] == "CUDA profiler v2"
    submitted = client.post(f"{API}/applications/{app_id}/submit")
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    mine = client.get(f"{API}/applications").json()["results"]
    assert [(a["id"], a["state"]) for a in mine] == [(app_id, "submitted")]


def test_errors_carry_codes_and_fields(client, program, applicant):
    as_user(client, applicant)
    fields = application_fields(applicant)
    fields["payout_address"] = mistyped(applicant.address)
    answer = client.post(
        f"{API}/programs/{program.pk}/applications", fields, content_type="application/json"
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "address_not_checksummed"
    assert answer.json()["error"]["field"] == "payout_address"
    assert client.post(f"{API}/applications/999999/submit").json()["error"]["code"] == (
        "application_not_found"
    )


def test_signed_out_callers_get_401(client, program):
    answer = client.post(
        f"{API}/programs/{program.pk}/applications", {"title": "x"}, content_type="application/json"
    )
    assert answer.status_code == 401


def test_reviews_reach_the_applicant_only_after_the_decision(client, program, reviewers, steward):
    application = reviewed_application(program, reviewers)
    as_user(client, application.applicant)
    before = client.get(f"{API}/applications/{application.pk}").json()
    assert before["reviews"] == [] and before["state"] == "under_review"
    as_user(client, steward)
    decided = client.post(
        f"{API}/applications/{application.pk}/decide",
        {"approve": False, "reason": "Too early"},
        content_type="application/json",
    )
    assert decided.status_code == 200 and decided.json()["state"] == "rejected"
    as_user(client, application.applicant)
    after = client.get(f"{API}/applications/{application.pk}").json()
    assert len(after["reviews"]) == 2 and after["decision_reason"] == "Too early"
    assert after["reviews"][0]["scores"] == {"impact": 4, "feasibility": 4, "team": 4}


def test_reviewer_sees_queue_and_submits_scores(client, program, reviewers, applicant):
    from tests.grants.factories import submitted_application

    application = submitted_application(program, applicant)
    as_user(client, reviewers[0])
    queue = client.get(f"{API}/reviews/queue").json()["results"]
    assert [a["id"] for a in queue] == [application.pk]
    answer = client.post(
        f"{API}/applications/{application.pk}/reviews",
        {"scores": {"impact": 5, "feasibility": 5, "team": 5}, "comment": "Yes"},
        content_type="application/json",
    )
    assert answer.status_code == 201 and answer.json()["score"] == "5.0000"
    bad = client.post(
        f"{API}/applications/{application.pk}/reviews",
        {"scores": {"impact": 9, "feasibility": 5, "team": 5}},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "score_out_of_range"


def test_drafts_are_invisible_to_others(client, program, applicant):
    as_user(client, applicant)
    app_id = client.post(
        f"{API}/programs/{program.pk}/applications",
        application_fields(applicant),
        content_type="application/json",
    ).json()["id"]
    as_user(client, UserFactory())
    assert client.get(f"{API}/applications/{app_id}").status_code == 404


def test_decision_refusals_have_exact_codes(client, program, reviewers, steward):
    application = reviewed_application(program, reviewers[:1])
    as_user(client, reviewers[0])
    answer = client.post(
        f"{API}/applications/{application.pk}/decide",
        {"approve": True},
        content_type="application/json",
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "not_steward")
    as_user(client, steward)
    answer = client.post(
        f"{API}/applications/{application.pk}/decide",
        {"approve": True},
        content_type="application/json",
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "not_enough_reviews")


def test_milestone_report_and_accept_enqueue_the_payout(
    client, program, reviewers, steward, django_capture_on_commit_callbacks
):
    application = approved_application(program, steward, reviewers)
    milestone = application.milestones.first()
    as_user(client, application.applicant)
    reported = client.post(
        f"{API}/milestones/{milestone.pk}/report",
        {"evidence_url": "https://example.org/v1", "text": "Released"},
        content_type="application/json",
    )
    assert reported.json()["state"] == "reported"
    as_user(client, steward)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        accepted = client.post(f"{API}/milestones/{milestone.pk}/accept")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert accepted.json()["payout_ref"].startswith("0x")
    # the payout task (besides the notification fan-out of the "accepted" event)
    assert len([c for c in callbacks if "emit" not in c.__qualname__]) == 1
    again = client.post(f"{API}/milestones/{milestone.pk}/accept")
    assert again.json()["error"]["code"] == "milestone_not_acceptable"


def test_csv_export_lists_decisions_and_payouts(client, program, reviewers, steward):
    application = approved_application(program, steward, reviewers)
    Milestone.objects.filter(application=application, position=1).update(
        state=MilestoneState.PAID, tx_hash="0x" + "ab" * 32, block_number=42
    )
    answer = client.get(f"{API}/programs/{program.pk}/export.csv")
    assert answer["Content-Type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.content.decode())))
    assert len(rows) == 2  # one per milestone
    assert (
        rows[0]["state"] == ApplicationState.APPROVED and rows[0]["decided_by"] == steward.address
    )
    assert rows[0]["milestone_state"] == "paid" and rows[0]["block_number"] == "42"
    assert rows[1]["milestone_state"] == "planned" and rows[1]["tx_hash"] == ""


def test_csv_cells_cannot_smuggle_spreadsheet_formulas(client, program, reviewers, steward):
    application = approved_application(program, steward, reviewers)
    type(application).objects.filter(pk=application.pk).update(title='=HYPERLINK("x")')
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(f"{API}/programs/{program.pk}/export.csv").content.decode())
        )
    )
    assert rows[0]["title"].startswith("'=")


def test_steward_configures_a_program(client, program, steward):
    reviewer = UserFactory()
    as_user(client, steward)
    answer = client.patch(
        f"{API}/programs/{program.pk}",
        {"reviewers": [reviewer.address], "max_request": str(5 * WEI)},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.json()
    assert answer.json()["reviewers"] == [reviewer.address]
    assert answer.json()["max_request"] == str(5 * WEI)


def test_recognitions_are_public(client):
    from grants import services
    from proposals.models import ProposalKind
    from tests.grants.factories import executed_proposal

    recipient = UserFactory().address
    proposal = executed_proposal(
        kind=ProposalKind.RECOGNITION,
        payload={"recipients": [{"recipient": recipient, "amount": "7", "reason": "Translations"}]},
    )
    services.recognitions_record(proposal=proposal, tx_hash="0x" + "cd" * 32, block_number=9)
    rows = client.get(f"{API}/recognitions").json()["results"]
    assert [(r["recipient"], r["amount"], r["reason"]) for r in rows] == [
        (recipient, "7", "Translations")
    ]
