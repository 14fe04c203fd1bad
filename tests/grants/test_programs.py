"""Programs from executed proposals, top-ups, recognitions and steward configuration."""

from __future__ import annotations

import pytest

from grants import services
from grants.models import Program, Recognition
from jctgov.core.errors import ApplicationError
from proposals.models import ProposalKind
from tests.factories import UserFactory
from tests.grants.factories import WEI, executed_proposal, make_program, reviewed_application

pytestmark = pytest.mark.django_db


def test_executed_budget_proposal_creates_one_open_program_even_when_rerun():
    proposal = executed_proposal()
    first = services.program_create_from_proposal(
        proposal=proposal, escrow_program_id=proposal.pk, tx_hash="0xabc"
    )
    again = services.program_create_from_proposal(
        proposal=proposal, escrow_program_id=proposal.pk, tx_hash="0xabc"
    )
    assert first.pk == again.pk and Program.objects.count() == 1
    assert first.name == "GPU tooling" and first.budget == 1_000 * WEI
    assert first.max_request == first.budget and first.committed == 0
    assert first.source_proposal_id == proposal.pk and first.opens_at is not None


def test_escrow_program_id_cannot_serve_two_programs():
    services.program_create_from_proposal(proposal=executed_proposal(), escrow_program_id=7)
    with pytest.raises(ApplicationError) as err:
        services.program_create_from_proposal(proposal=executed_proposal(), escrow_program_id=7)
    assert err.value.code == "escrow_program_taken"


def test_top_up_raises_the_budget_once_per_proposal():
    program = make_program(budget=100 * WEI)
    top_up = executed_proposal(payload={"top_up_program_id": program.pk, "amount": str(50 * WEI)})
    services.program_top_up_from_proposal(proposal=top_up, tx_hash="0x1")
    services.program_top_up_from_proposal(proposal=top_up, tx_hash="0x1")
    program.refresh_from_db()
    assert program.budget == 150 * WEI
    assert program.fundings.count() == 1


def test_top_up_of_unknown_program_is_refused():
    top_up = executed_proposal(payload={"top_up_program_id": 999_999, "amount": "5"})
    with pytest.raises(ApplicationError) as err:
        services.program_top_up_from_proposal(proposal=top_up)
    assert err.value.code == "program_not_found"


def test_recognitions_are_recorded_once_per_recipient():
    a, b = UserFactory().address, UserFactory().address
    proposal = executed_proposal(
        kind=ProposalKind.RECOGNITION,
        payload={
            "recipients": [
                {"recipient": a, "amount": "10", "reason": "Docs"},
                {"recipient": b, "amount": "20", "reason": "Bug bounty"},
            ]
        },
    )
    services.recognitions_record(proposal=proposal, tx_hash="", block_number=None)
    rows = services.recognitions_record(proposal=proposal, tx_hash="0xfeed", block_number=12)
    assert Recognition.objects.count() == 2
    assert {(r.recipient, int(r.amount), r.tx_hash, r.block_number) for r in rows} == {
        (a, 10, "0xfeed", 12),
        (b, 20, "0xfeed", 12),
    }


def test_only_stewards_configure_programs(steward, program):
    with pytest.raises(ApplicationError) as err:
        services.program_update(program_id=program.pk, actor=UserFactory(), max_request=1)
    assert err.value.code == "not_steward"
    reviewer = UserFactory()
    updated = services.program_update(
        program_id=program.pk,
        actor=steward,
        reviewers=[reviewer.address],
        rubric=[{"criterion": "impact", "weight": 3}],
        max_request=str(10 * WEI),
    )
    assert list(updated.reviewers.all()) == [reviewer]
    assert updated.rubric == [{"criterion": "impact", "weight": 3}]
    assert updated.max_request == 10 * WEI


@pytest.mark.parametrize(
    "rubric",
    [
        [],
        [{"criterion": "a", "weight": 0}],
        [{"criterion": "a", "weight": 1}, {"criterion": "a", "weight": 2}],
    ],
)
def test_invalid_rubrics_are_refused(steward, program, rubric):
    with pytest.raises(ApplicationError) as err:
        services.program_update(program_id=program.pk, actor=steward, rubric=rubric)
    assert err.value.code == "invalid_rubric"


def test_rubric_is_frozen_once_reviews_exist(steward, program, reviewers):
    reviewed_application(program, reviewers[:1])
    with pytest.raises(ApplicationError) as err:
        services.program_update(
            program_id=program.pk, actor=steward, rubric=[{"criterion": "x", "weight": 1}]
        )
    assert err.value.code == "rubric_locked"


def test_max_request_above_budget_is_refused(steward, program):
    with pytest.raises(ApplicationError) as err:
        services.program_update(
            program_id=program.pk, actor=steward, max_request=str(program.budget + 1)
        )
    assert err.value.code == "max_request_exceeds_budget"
