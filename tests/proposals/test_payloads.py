"""Payload validation of the three kinds: each refusal names its code and the exact field."""

import pytest
from eth_account import Account

from jctgov.core.errors import ApplicationError
from proposals.payloads import validate_payload

A = Account.create().address
B = Account.create().address


def refusal(kind, payload):
    with pytest.raises(ApplicationError) as err:
        validate_payload(kind, payload)
    return err.value.code, err.value.field


def test_parameter_changes_are_canonicalised_with_string_values():
    payload = validate_payload("parameters", [{"key": "market.jct_fee_bps", "value": 50}])
    assert payload == {"changes": [{"key": "market.jct_fee_bps", "value": "50"}]}


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"changes": []}, "payload_empty", "payload.changes"),
        (
            {"changes": [{"key": "market.nope", "value": 1}]},
            "unknown_parameter",
            "payload.changes[0].key",
        ),
        (
            {"changes": [{"key": "market.jct_fee_bps", "value": 5000}]},
            "parameter_out_of_bounds",
            "payload.changes[0].value",
        ),
        (
            {
                "changes": [
                    {"key": "market.jct_fee_bps", "value": 1},
                    {"key": "market.jct_fee_bps", "value": 2},
                ]
            },
            "duplicate_parameter",
            "payload.changes[1].key",
        ),
        (
            {"changes": [{"key": "market.jct_fee_bps"}]},
            "field_required",
            "payload.changes[0].value",
        ),
        (
            {"changes": [{"key": "market.jct_fee_bps", "value": 1.5}]},
            "invalid_integer",
            "payload.changes[0].value",
        ),
        ({"changes": "market.jct_fee_bps=1"}, "invalid_payload", "payload.changes"),
    ],
)
def test_parameter_payload_refusals(payload, code, field):
    assert refusal("parameters", payload) == (code, field)


def test_grant_budget_creates_a_program():
    assert validate_payload(
        "grant_budget", {"program_name": " GPU research ", "amount": 10**21}
    ) == {"program_name": "GPU research", "description": "", "amount": str(10**21)}


@pytest.mark.django_db
def test_grant_budget_tops_up_an_existing_program_only():
    from tests.grants.factories import make_program

    program = make_program()
    assert validate_payload("grant_budget", {"top_up_program_id": program.pk, "amount": "5"}) == {
        "top_up_program_id": program.pk,
        "amount": "5",
    }
    for missing in (program.pk + 1, 0):
        assert refusal("grant_budget", {"top_up_program_id": missing, "amount": "5"}) == (
            "program_not_found",
            "payload.top_up_program_id",
        )


@pytest.mark.parametrize(
    ("payload", "code", "field"),
    [
        ({"program_name": "x"}, "field_required", "payload.amount"),
        ({"program_name": "x", "amount": 0}, "amount_not_positive", "payload.amount"),
        ({"amount": 1}, "field_required", "payload.program_name"),
        ({"program_name": "x" * 200, "amount": 1}, "text_too_long", "payload.program_name"),
        (
            {"top_up_program_id": 2, "program_name": "x", "amount": 1},
            "invalid_payload",
            "payload.program_name",
        ),
        (
            {"top_up_program_id": "two", "amount": 1},
            "invalid_integer",
            "payload.top_up_program_id",
        ),
        ({"program_name": "x", "amount": 10**40}, "amount_too_large", "payload.amount"),
    ],
)
def test_grant_budget_refusals(payload, code, field):  # none of these reaches the database
    assert refusal("grant_budget", payload) == (code, field)


def test_recognition_sums_total_and_keeps_checksummed_recipients():
    payload = validate_payload(
        "recognition",
        {
            "recipients": [
                {"recipient": A, "amount": 10, "reason": "docs"},
                {"recipient": B, "amount": "20", "reason": "uptime"},
            ]
        },
    )
    assert payload["total"] == "30"
    assert [r["recipient"] for r in payload["recipients"]] == [A, B]


@pytest.mark.parametrize(
    ("entries", "code", "field"),
    [
        (
            [{"recipient": A.lower().replace("0x", "0X"), "amount": 1, "reason": "r"}],
            "invalid_address",
            "payload.recipients[0].recipient",
        ),
        (
            [{"recipient": "0x" + A[2:].swapcase(), "amount": 1, "reason": "r"}],
            "address_not_checksummed",
            "payload.recipients[0].recipient",
        ),
        (
            [{"recipient": A.lower(), "amount": 1, "reason": "r"}],
            "address_not_checksummed",
            "payload.recipients[0].recipient",
        ),
        (
            [
                {"recipient": A, "amount": 1, "reason": "r"},
                {"recipient": A, "amount": 2, "reason": "r"},
            ],
            "duplicate_recipient",
            "payload.recipients[1].recipient",
        ),
        (
            [{"recipient": A, "amount": 0, "reason": "r"}],
            "amount_not_positive",
            "payload.recipients[0].amount",
        ),
        (
            [{"recipient": A, "amount": 1, "reason": ""}],
            "field_required",
            "payload.recipients[0].reason",
        ),
        (
            [{"recipient": "0x1234", "amount": 1, "reason": "r"}],
            "invalid_address",
            "payload.recipients[0].recipient",
        ),
    ],
)
def test_recognition_refusals(entries, code, field):
    assert refusal("recognition", {"recipients": entries}) == (code, field)


def test_unknown_kind_is_refused():
    assert refusal("lottery", {}) == ("invalid_kind", "kind")
