"""The shared kit (jctgov.core): row-or-404, state transitions as data, the task base that
enqueues on commit, and the address and amount validators."""

from __future__ import annotations

import pytest
from django.db import transaction
from rest_framework import serializers

from jctgov.celery import app as celery_app
from jctgov.core.addresses import AddressField, address_any_case, checksummed_address
from jctgov.core.amounts import MAX_AMOUNT, TokenAmountField, token_amount
from jctgov.core.db import fetch, locked
from jctgov.core.errors import ApplicationError, Conflict, NotFound
from jctgov.core.models import AuditEvent
from jctgov.core.states import can
from jctgov.core.transitions import require, transition
from proposals.models import Proposal, ProposalState
from tests.factories import UserFactory
from tests.grants.test_concurrency import at_once
from tests.proposals.factories import make_draft

S = ProposalState
CHECKSUMMED = "0x52908400098527886E0F7030069857D2E4169EE7"  # an EIP-55 test vector

# --- locked / fetch --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("pk", [10**9, "not-a-number", None])
def test_a_missing_row_is_a_404_with_the_callers_code(pk):
    with transaction.atomic(), pytest.raises(NotFound) as refused:
        locked(Proposal, pk, code="proposal_not_found", what="proposal")
    assert (refused.value.status, refused.value.code) == (404, "proposal_not_found")
    assert refused.value.message == "No such proposal."


@pytest.mark.django_db
def test_a_queryset_narrows_who_finds_the_row():
    draft = make_draft()
    stranger = UserFactory()
    assert fetch(Proposal, draft.pk, code="x", what="proposal") == draft
    with pytest.raises(NotFound):
        fetch(Proposal.objects.filter(author=stranger), draft.pk, code="x", what="proposal")


@pytest.mark.postgres
def test_concurrent_transitions_of_one_locked_row_move_it_once(postgres_only):
    """Four requests cancel one draft at once: the row lock serialises them, the first moves
    it, the other three see "cancelled" and get the table's 409; one audit row."""
    draft = make_draft()

    def cancel():
        with transaction.atomic():
            proposal = locked(Proposal, draft.pk, code="proposal_not_found", what="proposal")
            return transition(proposal, "cancel", actor=draft.author).state

    results = at_once([cancel] * 4)
    assert results.count(S.CANCELLED) == 1
    refusals = [r for r in results if isinstance(r, Conflict)]
    assert len(refusals) == 3 and {r.code for r in refusals} == {"invalid_state"}
    assert AuditEvent.objects.filter(subject_id=draft.pk, action="cancelled").count() == 1


# --- transitions --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_refused_transition_answers_the_models_code_message_and_state():
    proposal = make_draft()
    with transaction.atomic():
        transition(proposal, "cancel", actor=proposal.author)
    with pytest.raises(Conflict) as refused:
        transition(proposal, "cancel", actor=proposal.author)
    assert refused.value.code == "invalid_state"
    assert refused.value.message == "Can't cancel a proposal that is cancelled."
    assert refused.value.extra == {"state": "cancelled"}
    assert AuditEvent.objects.filter(subject_id=proposal.pk, action="cancelled").count() == 1


@pytest.mark.django_db
def test_a_transition_saves_the_fields_and_writes_one_audit_row():
    proposal = make_draft()
    with transaction.atomic():
        transition(
            proposal, "cancel", actor=proposal.author, data={"reason": "r"}, cancel_reason="r"
        )
    stored = Proposal.objects.get(pk=proposal.pk)
    assert (stored.state, stored.cancel_reason) == (S.CANCELLED, "r")
    event = AuditEvent.objects.get(subject_id=proposal.pk, action="cancelled")
    assert (event.from_state, event.to_state, event.data) == ("draft", "cancelled", {"reason": "r"})
    assert event.actor == proposal.author


@pytest.mark.django_db
def test_per_transition_codes_override_the_models():
    from grants.models import Application

    application = Application(state="approved")
    with pytest.raises(Conflict) as refused:
        require(application, "withdraw")
    assert refused.value.code == "application_not_withdrawable"
    assert refused.value.message == "Can't withdraw this application: it is approved."


def test_the_cancel_rules_the_page_shows_are_the_services_table():
    """The proposal page offers a steward "cancel" exactly where a service would accept it."""
    offered = {s for s in S if can(Proposal(state=s), "steward_cancel", "cancel_operation")}
    assert offered == {"draft", "pending", "active", "succeeded", "queued", "failed"}
    assert {s for s in S if can(Proposal(state=s), "cancel")} == {"draft", "pending"}


# --- the transaction-aware task base -----------------------------------------------------

SENT: list[int] = []


@celery_app.task(name="tests.core.record_sent")
def record_sent(value: int) -> None:
    SENT.append(value)


@pytest.fixture
def sent():
    SENT.clear()
    yield SENT
    SENT.clear()


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_inside_a_transaction_is_sent_after_commit(sent):
    with transaction.atomic():
        record_sent.delay(1)
        assert sent == []  # not before the commit: the row it names isn't visible yet
    assert sent == [1]


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_in_a_rolled_back_transaction_is_never_sent(sent):
    with pytest.raises(RuntimeError), transaction.atomic():
        record_sent.delay(2)
        raise RuntimeError("the service refused after enqueueing")
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():  # a savepoint rolled back
            record_sent.delay(3)
            raise RuntimeError
        record_sent.delay(4)
    assert sent == [4]


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_outside_a_transaction_is_sent_at_once(sent):
    record_sent.delay(5)
    assert sent == [5]


@pytest.mark.django_db
def test_a_test_cases_own_transaction_does_not_hold_tasks_back(
    sent, django_capture_on_commit_callbacks
):
    """Only the code's own atomic blocks defer (a test case's wrapper never commits)."""
    record_sent.delay(6)
    assert sent == [6]
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        record_sent.delay(7)
        assert sent == [6]
    assert sent == [6, 7] and len(callbacks) == 1


# --- addresses and amounts ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("0x" + "12" * 19, "invalid_address"),
        (CHECKSUMMED + "\n", "invalid_address"),
        (None, "invalid_address"),
        (CHECKSUMMED[:-1] + "e", "address_not_checksummed"),  # one case flipped: a typo
    ],
)
def test_addresses_refused_with_their_code(typed, code):
    with pytest.raises(ApplicationError) as refused:
        checksummed_address(typed, "payout_address")
    assert (refused.value.code, refused.value.field) == (code, "payout_address")


def test_addresses_in_one_case_are_accepted_and_checksummed():
    assert checksummed_address(CHECKSUMMED.lower()) == CHECKSUMMED
    assert checksummed_address("0x" + CHECKSUMMED[2:].upper()) == CHECKSUMMED
    assert address_any_case(CHECKSUMMED) == CHECKSUMMED
    with pytest.raises(ApplicationError) as refused:
        address_any_case(CHECKSUMMED[:-1] + "e")
    assert refused.value.code == "invalid_address"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (1.5, "invalid_amount"),
        (True, "invalid_amount"),
        ("12abc", "invalid_amount"),
        ("0", "amount_not_positive"),
        (MAX_AMOUNT + 1, "amount_too_large"),
    ],
)
def test_amounts_refused_with_their_code(value, code):
    with pytest.raises(ApplicationError) as refused:
        token_amount(value, "amount")
    assert refused.value.code == code


def test_amounts_are_exact_integers_of_wei():
    assert token_amount(str(MAX_AMOUNT), "amount") == MAX_AMOUNT
    assert token_amount(" 7 ", "amount") == 7
    assert token_amount(0, "amount", allow_zero=True) == 0


def test_serializer_fields_keep_the_codes():
    class Payout(serializers.Serializer):
        to = AddressField()
        amount = TokenAmountField()

    good = Payout(data={"to": CHECKSUMMED.lower(), "amount": "10"})
    assert good.is_valid(), good.errors
    assert good.validated_data == {"to": CHECKSUMMED, "amount": 10}
    bad = Payout(data={"to": CHECKSUMMED[:-1] + "e", "amount": 1.5})
    assert not bad.is_valid()
    assert bad.errors["to"][0].code == "address_not_checksummed"
    assert bad.errors["amount"][0].code == "invalid_amount"
    assert Payout({"to": CHECKSUMMED, "amount": 10**27}).data["amount"] == str(10**27)


@pytest.mark.django_db(transaction=True)
def test_services_enqueue_a_task_by_its_celery_name_after_commit(sent):
    from jctgov.core.tasks import enqueue

    with transaction.atomic():
        enqueue("tests.core.record_sent", 8)
        assert sent == []
    assert sent == [8]
    with pytest.raises(KeyError):
        enqueue("tests.core.no_such_task")
