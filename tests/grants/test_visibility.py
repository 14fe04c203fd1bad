"""What the public, the applicant and reviewers may see before a decision: the CSV export
lists decided applications only (stewards get all), and the running mean score stays hidden
from a reviewer until they have reviewed and from the applicant until the decision."""

from __future__ import annotations

import csv
import io

import pytest

from grants import services
from tests.factories import UserFactory
from tests.grants.factories import (
    approved_application,
    draft_application,
    submitted_application,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/grants"


def export(client, program) -> list[dict]:
    answer = client.get(f"{API}/programs/{program.pk}/export.csv")
    assert answer.status_code == 200
    return list(csv.DictReader(io.StringIO(answer.content.decode())))


def test_public_csv_export_lists_decided_applications_only(client, program, reviewers, steward):
    decided = approved_application(program, steward, reviewers)
    submitted = submitted_application(program)
    withdrawn = submitted_application(program)
    services.application_withdraw(application_id=withdrawn.pk, actor=withdrawn.applicant)
    public_ids = {row["application_id"] for row in export(client, program)}
    assert public_ids == {str(decided.pk)}
    # The API itself hides the undecided ones from the public: the export agrees.
    assert client.get(f"{API}/applications/{submitted.pk}").status_code == 404
    client.force_login(steward)
    steward_ids = {row["application_id"] for row in export(client, program)}
    assert steward_ids == {str(decided.pk), str(submitted.pk), str(withdrawn.pk)}


def review(application, reviewer, score: int) -> None:
    scores = {c["criterion"]: score for c in application.program.rubric}
    services.review_submit(application_id=application.pk, reviewer=reviewer, scores=scores)


def score_seen_by(client, user, application) -> tuple:
    """(detail API score, program list API score, page shows a score) for ``user``."""
    client.force_login(user)
    detail = client.get(f"{API}/applications/{application.pk}").json()["score"]
    rows = client.get(f"{API}/programs/{application.program_id}/applications").json()["results"]
    listed = next(r["score"] for r in rows if r["id"] == application.pk)
    page = client.get(f"/grants/applications/{application.pk}/").content.decode()
    return detail, listed, "· score " in page


def test_a_reviewer_sees_the_score_only_after_reviewing(client, program, reviewers):
    application = submitted_application(program)
    review(application, reviewers[0], 5)
    assert score_seen_by(client, reviewers[1], application) == (None, None, False)
    queue = client.get(f"{API}/reviews/queue").json()["results"]
    assert [r["score"] for r in queue] == [None]
    page = client.get(f"/grants/applications/{application.pk}/").content.decode()
    assert "5.00" not in page  # no mean of the other reviewer's scores either
    review(application, reviewers[1], 3)
    detail, listed, on_page = score_seen_by(client, reviewers[1], application)
    assert detail == listed == "4.0000" and on_page


def test_the_applicant_sees_the_score_only_after_the_decision(
    client, program, reviewers, steward, applicant
):
    application = submitted_application(program, applicant)
    review(application, reviewers[0], 4)
    review(application, reviewers[1], 4)
    assert score_seen_by(client, applicant, application) == (None, None, False)
    mine = client.get(f"{API}/applications").json()["results"]
    assert [r["score"] for r in mine] == [None]
    assert "4.0000" not in client.get("/grants/applications/").content.decode()
    services.application_decide(
        application_id=application.pk, actor=steward, approve=True, reason="Good"
    )
    assert score_seen_by(client, applicant, application) == ("4.0000", "4.0000", True)
    assert score_seen_by(client, UserFactory(), application)[0] == "4.0000"  # public now


def test_stewards_see_the_running_score(client, program, reviewers, steward):
    application = submitted_application(program)
    review(application, reviewers[0], 2)
    assert score_seen_by(client, steward, application) == ("2.0000", "2.0000", True)


def status_and_code(response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


def test_other_peoples_applications_answer_404_like_missing_ones(client, program, applicant):
    draft = draft_application(program, applicant)
    submitted = submitted_application(program)
    client.force_login(UserFactory())
    missing = 10**9
    for target in (draft.pk, submitted.pk, missing):
        for path in ("submit", "withdraw"):
            answer = client.post(f"{API}/applications/{target}/{path}")
            assert status_and_code(answer) == (404, "application_not_found"), (target, path)
        answer = client.patch(
            f"{API}/applications/{target}", {"title": "Mine now"}, content_type="application/json"
        )
        assert status_and_code(answer) == (404, "application_not_found")
        answer = client.post(
            f"{API}/applications/{target}/reviews",
            {"scores": {"impact": 5}},
            content_type="application/json",
        )
        assert status_and_code(answer) == (404, "application_not_found")


def test_other_peoples_milestones_answer_404_like_missing_ones(client, program, reviewers, steward):
    decided = approved_application(program, steward, reviewers)
    visible = decided.milestones.first()
    undecided = submitted_application(program).milestones.first()
    client.force_login(UserFactory())
    body = {"evidence_url": "https://example.org/x", "text": "done"}

    def report(milestone_id):
        return client.post(
            f"{API}/milestones/{milestone_id}/report", body, content_type="application/json"
        )

    assert status_and_code(report(undecided.pk)) == (404, "milestone_not_found")
    assert status_and_code(report(10**9)) == (404, "milestone_not_found")
    # A decided application is public: saying "not yours" there reveals nothing.
    assert status_and_code(report(visible.pk)) == (403, "not_applicant")
