"""Reviews and decisions: who may review, rubric scores, min reviews, budget commitment."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grants import services
from grants.models import Application, ApplicationState, Program
from jctgov.core.errors import ApplicationError
from tests.factories import UserFactory
from tests.grants.factories import (
    WEI,
    make_program,
    reviewed_application,
    set_state,
    submitted_application,
)

pytestmark = pytest.mark.django_db
S = ApplicationState
GOOD = {"impact": 5, "feasibility": 3, "team": 2}


def _code(call, **kw) -> str:
    with pytest.raises(ApplicationError) as err:
        call(**kw)
    return err.value.code


def test_score_is_the_weighted_mean_and_review_starts_under_review(program, reviewers):
    application = submitted_application(program)
    review = services.review_submit(
        application_id=application.pk, reviewer=reviewers[0], scores=GOOD, comment="Solid"
    )
    application.refresh_from_db()
    # impact weighs 2, feasibility 1, team 1: (2·5 + 3 + 2) / 4
    assert review.score == Decimal("3.75")
    assert application.state == S.UNDER_REVIEW and application.score == Decimal("3.75")


def test_resubmitting_a_review_replaces_it(program, reviewers):
    application = submitted_application(program)
    services.review_submit(application_id=application.pk, reviewer=reviewers[0], scores=GOOD)
    services.review_submit(
        application_id=application.pk,
        reviewer=reviewers[0],
        scores={"impact": 0, "feasibility": 0, "team": 0},
    )
    assert application.reviews.count() == 1
    assert application.reviews.get().score == 0


def test_unassigned_wallet_cannot_review(program, steward):
    application = submitted_application(program)
    assert (
        _code(
            services.review_submit,
            application_id=application.pk,
            reviewer=steward,  # sees the application, is not its reviewer
            scores=GOOD,
        )
        == "not_assigned_reviewer"
    )
    assert (
        _code(
            services.review_submit,
            application_id=application.pk,
            reviewer=UserFactory(),  # can't even see it
            scores=GOOD,
        )
        == "application_not_found"
    )


def test_reviewer_cannot_review_own_application(program, reviewers):
    application = submitted_application(program, reviewers[0])
    assert (
        _code(
            services.review_submit,
            application_id=application.pk,
            reviewer=reviewers[0],
            scores=GOOD,
        )
        == "own_application"
    )


def test_reviewer_cannot_review_an_application_paying_their_address(program, reviewers):
    application = submitted_application(program)
    type(application).objects.filter(pk=application.pk).update(payout_address=reviewers[0].address)
    assert (
        _code(
            services.review_submit,
            application_id=application.pk,
            reviewer=reviewers[0],
            scores=GOOD,
        )
        == "own_application"
    )


@pytest.mark.parametrize(
    "scores,code",
    [
        ({"impact": 5, "feasibility": 3}, "rubric_mismatch"),
        ({**GOOD, "extra": 1}, "rubric_mismatch"),
        ({**GOOD, "team": 6}, "score_out_of_range"),
        ({**GOOD, "team": -1}, "score_out_of_range"),
        ({**GOOD, "team": 2.5}, "score_out_of_range"),
    ],
)
def test_scores_must_match_the_rubric_from_0_to_5(program, reviewers, scores, code):
    application = submitted_application(program)
    assert (
        _code(
            services.review_submit,
            application_id=application.pk,
            reviewer=reviewers[0],
            scores=scores,
        )
        == code
    )


def test_drafts_and_decided_applications_are_not_reviewable(program, reviewers):
    application = submitted_application(program)
    for state in (S.DRAFT, S.APPROVED, S.WITHDRAWN):
        set_state(application, state)
        assert (
            _code(
                services.review_submit,
                application_id=application.pk,
                reviewer=reviewers[0],
                scores=GOOD,
            )
            == "application_not_reviewable"
        )


def test_decision_waits_for_min_reviews(program, reviewers, steward):
    application = reviewed_application(program, reviewers[:1])
    assert (
        _code(
            services.application_decide, application_id=application.pk, actor=steward, approve=True
        )
        == "not_enough_reviews"
    )


def test_only_stewards_decide(program, reviewers):
    application = reviewed_application(program, reviewers)
    assert (
        _code(
            services.application_decide,
            application_id=application.pk,
            actor=reviewers[0],
            approve=True,
        )
        == "not_steward"
    )


def test_approval_commits_the_request_against_the_budget(program, reviewers, steward):
    application = reviewed_application(program, reviewers)
    decided = services.application_decide(
        application_id=application.pk, actor=steward, approve=True, reason="Great"
    )
    program.refresh_from_db()
    assert decided.state == S.APPROVED and decided.decided_by == steward
    assert program.committed == 100 * WEI and program.remaining == 900 * WEI


def test_approval_beyond_the_budget_is_refused(reviewers, steward):
    program = make_program(budget=150 * WEI, reviewers=reviewers)
    first = reviewed_application(program, reviewers)
    second = reviewed_application(program, reviewers)
    services.application_decide(application_id=first.pk, actor=steward, approve=True, reason="Yes")
    assert (
        _code(
            services.application_decide,
            application_id=second.pk,
            actor=steward,
            approve=True,
            reason="Also yes",
        )
        == "budget_exceeded"
    )
    assert Program.objects.get(pk=program.pk).committed == 100 * WEI
    second.refresh_from_db()
    assert second.state == S.UNDER_REVIEW


@pytest.mark.parametrize("approve", [True, False])
def test_a_decision_either_way_needs_a_reason(program, reviewers, steward, approve):
    application = reviewed_application(program, reviewers)
    for reason in ("", "   "):
        with pytest.raises(ApplicationError) as err:
            services.application_decide(
                application_id=application.pk, actor=steward, approve=approve, reason=reason
            )
        assert (err.value.code, err.value.field) == ("reason_required", "reason")
    assert Application.objects.get(pk=application.pk).state == S.UNDER_REVIEW
    assert Program.objects.get(pk=program.pk).committed == 0


def test_rejection_with_a_reason_commits_nothing(program, reviewers, steward):
    application = reviewed_application(program, reviewers)
    rejected = services.application_decide(
        application_id=application.pk, actor=steward, approve=False, reason="Out of scope"
    )
    assert rejected.state == S.REJECTED and rejected.decision_reason == "Out of scope"
    assert Program.objects.get(pk=program.pk).committed == 0
    assert (
        _code(
            services.application_decide, application_id=application.pk, actor=steward, approve=True
        )
        == "application_already_decided"
    )
