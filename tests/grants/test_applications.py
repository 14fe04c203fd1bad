"""Applications: drafting, submission rules, withdrawal, and the refusals' exact codes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from grants import services
from grants.models import Application, ApplicationState
from jctgov.core.errors import ApplicationError
from tests.factories import UserFactory, mistyped
from tests.grants.factories import (
    WEI,
    application_fields,
    draft_application,
    make_program,
    set_state,
    submitted_application,
)

pytestmark = pytest.mark.django_db
S = ApplicationState


def _code(call, **kw) -> str:
    with pytest.raises(ApplicationError) as err:
        call(**kw)
    return err.value.code


def test_complete_draft_is_submitted_with_its_milestones(program, applicant):
    application = submitted_application(program, applicant)
    assert application.state == S.SUBMITTED and application.submitted_at
    assert [int(m.amount) for m in application.milestones.all()] == [50 * WEI, 50 * WEI]


def test_a_wallet_cannot_hold_two_open_applications_to_one_program(program, applicant):
    draft_application(program, applicant)
    assert (
        _code(
            services.application_create_draft,
            program_id=program.pk,
            applicant=applicant,
            **application_fields(applicant),
        )
        == "duplicate_open_application"
    )


def test_after_withdrawing_the_wallet_may_apply_again(program, applicant):
    first = submitted_application(program, applicant)
    services.application_withdraw(application_id=first.pk, actor=applicant)
    second = draft_application(program, applicant)
    assert second.pk != first.pk
    assert Application.objects.get(pk=first.pk).state == S.WITHDRAWN


def test_milestones_must_add_up_to_the_request(program, applicant):
    application = draft_application(program, applicant)
    services.application_update_draft(
        application_id=application.pk, actor=applicant, requested_amount=str(101 * WEI)
    )
    assert (
        _code(services.application_submit, application_id=application.pk, actor=applicant)
        == "milestones_sum_mismatch"
    )


def test_request_above_the_program_max_is_refused(applicant):
    program = make_program(budget=1_000 * WEI, max_request=50 * WEI)
    application = draft_application(program, applicant, amount=100 * WEI)
    assert (
        _code(services.application_submit, application_id=application.pk, actor=applicant)
        == "request_exceeds_max"
    )


def test_submission_outside_the_window_is_refused(program, applicant):
    application = draft_application(program, applicant)
    program.closes_at = timezone.now() - timedelta(minutes=1)
    program.save()
    assert (
        _code(services.application_submit, application_id=application.pk, actor=applicant)
        == "program_closed"
    )


def test_payout_address_in_lowercase_is_stored_checksummed(program, applicant):
    fields = application_fields(applicant)
    fields["payout_address"] = applicant.address.lower()
    application = services.application_create_draft(
        program_id=program.pk, applicant=applicant, **fields
    )
    assert application.payout_address == applicant.address


def test_payout_address_with_a_broken_checksum_is_refused(program, applicant):
    fields = application_fields(applicant)
    fields["payout_address"] = mistyped(applicant.address)
    assert (
        _code(
            services.application_create_draft, program_id=program.pk, applicant=applicant, **fields
        )
        == "address_not_checksummed"
    )


def test_only_the_applicant_edits_submits_and_withdraws(program, applicant):
    application = draft_application(program, applicant)
    other = UserFactory()
    for call in (
        services.application_update_draft,
        services.application_submit,
        services.application_withdraw,
    ):
        # A stranger can't see a draft: no hint that it exists (tests/grants/test_visibility.py).
        assert _code(call, application_id=application.pk, actor=other) == "application_not_found"


def test_submitted_application_is_no_longer_editable(program, applicant):
    application = submitted_application(program, applicant)
    assert (
        _code(
            services.application_update_draft,
            application_id=application.pk,
            actor=applicant,
            title="New",
        )
        == "application_not_editable"
    )
    assert (
        _code(services.application_submit, application_id=application.pk, actor=applicant)
        == "application_not_submittable"
    )


def test_approved_application_cannot_be_withdrawn(program, applicant):
    application = submitted_application(program, applicant)
    set_state(application, S.APPROVED)
    assert (
        _code(services.application_withdraw, application_id=application.pk, actor=applicant)
        == "application_not_withdrawable"
    )


def test_draft_needs_at_least_one_milestone_to_submit(program, applicant):
    fields = application_fields(applicant)
    fields["milestones"] = []
    application = services.application_create_draft(
        program_id=program.pk, applicant=applicant, **fields
    )
    assert (
        _code(services.application_submit, application_id=application.pk, actor=applicant)
        == "milestones_required"
    )


def test_the_database_itself_refuses_a_second_open_application(program, applicant):
    """The partial unique index, not only the service's check: a race or a bug can't get past."""
    from django.db import IntegrityError, transaction

    first = draft_application(program, applicant)
    for state in (S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.APPROVED):
        with pytest.raises(IntegrityError), transaction.atomic():
            Application.objects.create(
                program=program, applicant=applicant, title="again", state=state
            )
    set_state(first, S.REJECTED)  # closed applications don't count
    Application.objects.create(program=program, applicant=applicant, title="again")
    assert Application.objects.filter(program=program, applicant=applicant).count() == 2
