"""Properties of Sign-In with Ethereum: parsing, field checks, signatures, and the login service.

- Any EIP-4361 message we can write parses back to the same fields, and only canonical text
  parses at all; any other text is refused as ``malformed_message`` (never another exception).
- The field checks refuse exactly when an independent reading of the rules says so.
- A signature covers every character: a message changed anywhere never verifies.
- Through the API, no message/signature a client can send signs anyone in or causes a 5xx.
"""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta

import pytest
from coincurve import PrivateKey
from eth_account import Account
from eth_utils import is_checksum_address
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from jctgov.wallets import siwe_check
from proposals.eip712 import SECP256K1_N
from tests.wallets.test_auth import sign, siwe_text

# EIP-4361: statement = *( reserved / unreserved / " " ); nonce = 8*( ALPHA / DIGIT ).
STATEMENT_CHARS = string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;= "
SKEW = timedelta(minutes=10)
T0 = datetime(2030, 1, 1, tzinfo=UTC)
FAST = settings(max_examples=60, deadline=None)

keys = st.integers(1, SECP256K1_N - 1).map(lambda k: k.to_bytes(32, "big"))


def address_of(key: bytes) -> str:
    return Account.from_key(key).address


ADDRESS = address_of(PrivateKey().secret)


moments = st.integers(-10 * 86_400_000, 10 * 86_400_000).map(
    lambda ms: T0 + timedelta(milliseconds=ms)
)
fields = st.fixed_dictionaries(
    {
        "domain": st.sampled_from(["testserver", "gov.janction.io", "127.0.0.1:8000", "[::1]:80"]),
        "nonce": st.text(string.ascii_letters + string.digits, min_size=8, max_size=32),
        "statement": st.text(STATEMENT_CHARS, min_size=1, max_size=80).filter(str.strip),
        "chain_id": st.integers(1, 2**53),
        "issued_at": moments,
    },
    optional={"expiration": moments, "not_before": moments},
)


def text_of(address: str, f: dict) -> str:
    text = siwe_text(
        address,
        f["nonce"],
        domain=f["domain"],
        uri=f"https://{f['domain']}/login",
        chain_id=f["chain_id"],
        issued_at=f["issued_at"],
        expiration=f.get("expiration"),
        not_before=f.get("not_before"),
    )
    return text.replace("Sign in to Janction governance.", f["statement"])


@FAST
@given(keys, fields)
def test_any_message_we_write_parses_back_to_its_fields(key, f):
    address = address_of(key)
    message = siwe_check.parse(text_of(address, f))
    assert (message.domain, message.address, message.nonce) == (f["domain"], address, f["nonce"])
    assert (message.statement, message.chain_id) == (f["statement"], f["chain_id"])
    assert message.issued_at._datetime == f["issued_at"]
    if "expiration" in f:
        assert message.expiration_time._datetime == f["expiration"]
    if "not_before" in f:
        assert message.not_before._datetime == f["not_before"]


@FAST
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")))
def test_any_other_text_is_refused_as_malformed_and_nothing_else(text):
    try:
        message = siwe_check.parse(text)
    except siwe_check.SiweRefusal as refusal:
        assert (refusal.code, refusal.status) == ("malformed_message", 400)
    else:
        assert message.prepare_message() == text  # only canonical EIP-4361 gets through


@FAST
@given(keys, fields, st.data())
def test_a_message_changed_anywhere_is_refused_or_no_longer_verifies(key, f, data):
    address = address_of(key)
    text = text_of(address, f)
    signature = sign(Account.from_key(key), text)
    assert siwe_check.recover_signer(text, signature) == address
    index = data.draw(st.integers(0, len(text) - 1), label="index")
    char = data.draw(st.characters(codec="utf-8"), label="replacement")
    assume(char != text[index])
    changed = text[:index] + char + text[index + 1 :]
    try:
        siwe_check.parse(changed)
    except siwe_check.SiweRefusal:
        return
    assert siwe_check.recover_signer(changed, signature) != address


@FAST
@given(st.text(max_size=200), st.text(max_size=200))
def test_recovering_from_any_signature_text_returns_an_address_or_none(text, signature):
    signer = siwe_check.recover_signer(text, signature)
    assert signer is None or is_checksum_address(signer)


def expected_refusal(f: dict, now: datetime) -> str | None:
    """The rules of check_fields, read independently, in the order it applies them."""
    if "expiration" in f and now >= f["expiration"]:
        return "message_expired"
    if "not_before" in f and now < f["not_before"]:
        return "message_not_yet_valid"
    if abs(now - f["issued_at"]) > SKEW:
        return "issued_at_out_of_range"
    return None


@settings(max_examples=200, deadline=None)
@given(fields, moments, st.booleans(), st.booleans())
def test_field_checks_refuse_exactly_what_the_rules_say(f, now, same_domain, same_chain):
    message = siwe_check.parse(text_of(ADDRESS, f))
    expected = siwe_check.Expected(
        domain=f["domain"] if same_domain else "elsewhere.example",
        origin=f"https://{f['domain']}",
        chain_id=f["chain_id"] if same_chain else f["chain_id"] + 1,
        now=now,
        max_skew=SKEW,
    )
    want = (
        "domain_mismatch"
        if not same_domain
        else "chain_mismatch"
        if not same_chain
        else expected_refusal(f, now)
    )
    try:
        siwe_check.check_fields(message, expected)
    except siwe_check.SiweRefusal as refusal:
        assert (refusal.code, refusal.status) == (want, 401)
    else:
        assert want is None


@pytest.mark.django_db
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    message=st.text(max_size=400) | fields.map(lambda f: text_of(ADDRESS, f)),
    signature=st.from_regex(r"\A0x[0-9a-fA-F]{130,140}\Z") | st.text(max_size=200),
)
def test_no_message_and_signature_signs_anyone_in_or_fails_the_server(
    client, monkeypatch, message, signature
):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "auth", None)
    client.get("/api/v1/auth/nonce")
    body = {"message": message, "signature": signature}
    response = client.post("/api/v1/auth/login", body, content_type="application/json")
    assert response.status_code in (400, 401), response.content
    assert response.json()["error"]["code"]
    assert client.get("/api/v1/auth/me").status_code == 401


def test_a_signed_message_of_ours_verifies_for_its_signer_only():
    text = siwe_text(ADDRESS, "abcdefgh1234")
    assert siwe_check.recover_signer(text, "0x" + "00" * 65) is None
    other = Account.create()
    assert siwe_check.recover_signer(text, sign(other, text)) == other.address != ADDRESS
