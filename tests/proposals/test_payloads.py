"""Payload validation of the three kinds: each refusal names its code and the exact field."""

import json

import pytest
from eth_account import Account
from eth_utils import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from jctgov.core.errors import ApplicationError
from jctgov.core.parameters import REGISTRY
from proposals.canonical import canonical_json
from proposals.payloads import MAX_AMOUNT, validate_payload
from tests.factories import mistyped

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
            [{"recipient": mistyped(A), "amount": 1, "reason": "r"}],
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


# ---------- properties ----------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
KEYS = sorted(REGISTRY)
# Mostly valid parts, so that a good share of payloads is accepted, with every kind of junk.
amounts = st.integers(1, 10**24)
near_amounts = st.one_of(
    amounts,
    amounts.map(str),
    st.integers(-2, MAX_AMOUNT + 2),
    st.sampled_from(["", " 5 ", "1e3", "0x10", "-1", "1.0", "5\n", "٣", "9" * 80]),
    json_values,
)
checksummed = st.binary(min_size=20, max_size=20).map(to_checksum_address)
addresses = st.one_of(
    checksummed,
    checksummed,
    st.sampled_from([A, B, A.lower(), mistyped(B), A + "\n", "0x12"]),
)
good_text = st.text(min_size=1, max_size=40).filter(str.strip)
texts = st.one_of(good_text, good_text, st.sampled_from(["", "  ", "a\x00b", "ok \u202e 🚀"]))


def parameter_values(key: str):
    param = REGISTRY[key]
    inside = st.integers(param.min, param.max)
    edges = st.sampled_from([param.min - 1, param.max + 1, str(param.max + 1)])
    return st.one_of(inside, inside.map(str), edges, json_values)


changes = st.lists(
    st.sampled_from(KEYS + ["market.nope", ""]).flatmap(
        lambda k: (
            st.fixed_dictionaries({"key": st.just(k), "value": parameter_values(k)})
            if k in REGISTRY
            else st.fixed_dictionaries({"key": st.just(k), "value": json_values})
        )
    ),
    min_size=1,
    max_size=4,
)
recipients = st.lists(
    st.fixed_dictionaries({"recipient": addresses, "amount": near_amounts, "reason": texts}),
    min_size=1,
    max_size=3,
)
budgets = st.one_of(
    st.fixed_dictionaries(
        {"amount": near_amounts, "program_name": texts}, optional={"description": texts}
    ),
    st.fixed_dictionaries(
        {"amount": near_amounts, "top_up_program_id": near_amounts},
        optional={"program_name": texts},
    ),
)
PAYLOADS = {
    "parameters": st.one_of(json_values, changes, st.builds(dict, changes=changes)),
    "grant_budget": st.one_of(json_values, budgets, budgets),
    "recognition": st.one_of(json_values, recipients, st.builds(dict, recipients=recipients)),
}
kinds_and_payloads = st.sampled_from(sorted(PAYLOADS)).flatmap(
    lambda kind: st.tuples(st.just(kind), PAYLOADS[kind])
)


@pytest.mark.django_db  # a top-up names a program, looked up in the database
@settings(max_examples=400, deadline=None)
@given(kinds_and_payloads)
def test_any_json_is_accepted_canonically_or_refused_with_a_code_and_field(kind_and_payload):
    kind, payload = kind_and_payload
    try:
        canonical = validate_payload(kind, payload)
    except ApplicationError as err:
        assert err.code and err.field and err.field.split(".")[0].split("[")[0] == "payload"
        return
    # Canonical: validating again changes nothing, and it hashes/stores as plain JSON text.
    assert validate_payload(kind, canonical) == canonical
    stored = canonical_json(canonical).decode()
    assert json.loads(stored) == canonical and "\x00" not in stored
    for amount in _amounts(kind, canonical):
        assert isinstance(amount, str) and amount.isascii() and amount.isdigit()
        assert 0 < int(amount) <= MAX_AMOUNT and str(int(amount)) == amount
    if kind == "parameters":
        for change in canonical["changes"]:
            param = REGISTRY[change["key"]]
            assert param.min <= int(change["value"]) <= param.max
    if kind == "recognition":
        addresses = [r["recipient"] for r in canonical["recipients"]]
        assert len(set(addresses)) == len(addresses)
        assert all(a == to_checksum_address(a) for a in addresses)
        assert int(canonical["total"]) == sum(int(r["amount"]) for r in canonical["recipients"])


def _amounts(kind: str, canonical: dict) -> list:
    if kind == "grant_budget":
        return [canonical["amount"]]
    if kind == "recognition":
        return [r["amount"] for r in canonical["recipients"]] + [canonical["total"]]
    return []


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["parameters", "recognition"]), st.data())
def test_a_bare_list_means_the_same_as_the_wrapped_list(kind, data):
    items = data.draw(changes if kind == "parameters" else recipients)
    wrapper = "changes" if kind == "parameters" else "recipients"
    outcomes = []
    for payload in (items, {wrapper: items}):
        try:
            outcomes.append(validate_payload(kind, payload))
        except ApplicationError as err:
            outcomes.append((err.code, err.field))
    assert outcomes[0] == outcomes[1]
