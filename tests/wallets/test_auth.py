"""Sign-In with Ethereum: every refusal the issue lists, with its exact status and code."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from eth_account import Account

from jctgov.wallets.models import SiweNonce, User
from tests.wallets.siwe import assert_refused, get_nonce, login, sign, siwe_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return Account.create()


def at_run_time(overrides: dict) -> dict:
    """Times given as offsets from now, resolved when the test runs (not when collected)."""
    now = datetime.now(UTC)
    return {k: now + v if isinstance(v, timedelta) else v for k, v in overrides.items()}


def test_nonce_is_long_alphanumeric_and_fresh_each_time(client):
    first, second = get_nonce(client), get_nonce(client)
    assert len(first) >= 16 and first.isalnum()
    assert first != second


def test_nonce_echoes_checksummed_address_for_the_browser(client, account):
    response = client.get("/api/v1/auth/nonce", {"address": account.address.lower()})
    assert response.json()["address"] == account.address


def test_nonce_for_a_non_address_is_400(client):
    response = client.get("/api/v1/auth/nonce", {"address": "0x1234"})
    assert_refused(response, 400, "invalid_address")
    assert response.json()["error"]["field"] == "address"


def test_nonce_is_valid_for_ten_minutes(client, account):
    issued = datetime.now(UTC)
    with time_machine.travel(issued, tick=False):
        nonce = get_nonce(client)
    with time_machine.travel(issued + timedelta(minutes=9, seconds=59), tick=False):
        text = siwe_text(account.address, nonce)
        assert login(client, text, sign(account, text)).status_code == 200


def test_nonce_expires_after_ten_minutes(client, account):
    issued = datetime.now(UTC)
    with time_machine.travel(issued, tick=False):
        nonce = get_nonce(client)
    with time_machine.travel(issued + timedelta(minutes=10), tick=False):
        text = siwe_text(account.address, nonce)  # the message itself is fresh
        assert_refused(login(client, text, sign(account, text)), 401, "invalid_nonce")


def test_login_signs_in_and_me_reports_the_wallet(client, account):
    nonce = get_nonce(client)
    text = siwe_text(account.address, nonce)
    response = login(client, text, sign(account, text))
    assert response.status_code == 200
    assert response.json() == {"address": account.address}
    me = client.get("/api/v1/auth/me")
    assert me.json() == {"address": account.address, "is_steward": False}
    assert User.objects.filter(address=account.address).count() == 1


def test_me_is_401_when_signed_out(client):
    assert_refused(client.get("/api/v1/auth/me"), 401, "not_authenticated")


def test_logout_ends_the_session(client, account):
    nonce = get_nonce(client)
    text = siwe_text(account.address, nonce)
    login(client, text, sign(account, text))
    csrf = client.cookies.get("csrftoken")
    client.handler.enforce_csrf_checks = True
    # Without the CSRF header a session-authenticated POST is refused.
    assert client.post("/api/v1/auth/logout", content_type="application/json").status_code == 403
    response = client.post(
        "/api/v1/auth/logout", content_type="application/json", HTTP_X_CSRFTOKEN=csrf.value
    )
    assert response.status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401


# A signature by another key might still be a contract wallet's (EIP-1271): the server asks
# the chain whether the address has code, so these run against the test Anvil.
def test_bad_signature_is_refused(client, account, chain):
    nonce = get_nonce(client)
    text = siwe_text(account.address, nonce)
    assert_refused(login(client, text, sign(Account.create(), text)), 401, "bad_signature")
    assert not User.objects.exists()


def test_garbage_signature_is_refused(client, account, chain):
    text = siwe_text(account.address, get_nonce(client))
    assert_refused(login(client, text, "0x" + "11" * 65), 401, "bad_signature")


@pytest.mark.parametrize(
    "signature", ["0x" + "ab" * 64, "0x" + "a" * 131, "ab" * 65, "0x" + "zz" * 65]
)
def test_signature_that_is_not_65_whole_bytes_of_hex_is_400(client, account, signature):
    text = siwe_text(account.address, get_nonce(client))
    response = login(client, text, signature)
    assert_refused(response, 400, "invalid_input")
    assert response.json()["error"]["field"] == "signature"


def test_login_without_any_nonce_in_the_session_is_refused(client, account):
    text = siwe_text(account.address, "NeverIssuedAnywhere123")
    assert_refused(login(client, text, sign(account, text)), 401, "invalid_nonce")


def test_reused_nonce_is_refused(client, account):
    nonce = get_nonce(client)
    text = siwe_text(account.address, nonce)
    assert login(client, text, sign(account, text)).status_code == 200
    assert_refused(login(client, text, sign(account, text)), 401, "invalid_nonce")


def test_unknown_nonce_is_refused(client, account):
    get_nonce(client)
    text = siwe_text(account.address, "NotIssuedByUs12345678")
    assert_refused(login(client, text, sign(account, text)), 401, "invalid_nonce")


def test_nonce_from_another_session_is_refused(client, django_client_factory, account):
    other = django_client_factory()
    nonce = get_nonce(other)
    get_nonce(client)
    text = siwe_text(account.address, nonce)
    assert_refused(login(client, text, sign(account, text)), 401, "invalid_nonce")


def test_expired_nonce_is_refused(client, account):
    nonce = get_nonce(client)
    SiweNonce.objects.filter(nonce=nonce).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    text = siwe_text(account.address, nonce)
    assert_refused(login(client, text, sign(account, text)), 401, "invalid_nonce")


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"domain": "evil.example"}, "domain_mismatch"),
        ({"domain": "testserver:8000"}, "domain_mismatch"),
        ({"uri": "https://evil.example/login"}, "uri_mismatch"),
        ({"uri": "https://testserver/"}, "uri_mismatch"),  # same host, other scheme
        ({"uri": "http://testserver:8080/"}, "uri_mismatch"),  # same host, other port
        ({"uri": "http://testserver.evil.example/"}, "uri_mismatch"),
        ({"chain_id": 1}, "chain_mismatch"),
        ({"chain_id": 313370}, "chain_mismatch"),
        ({"expiration": -timedelta(minutes=1)}, "message_expired"),
        ({"not_before": timedelta(minutes=5)}, "message_not_yet_valid"),
        ({"issued_at": -timedelta(minutes=11)}, "issued_at_out_of_range"),
        ({"issued_at": timedelta(minutes=11)}, "issued_at_out_of_range"),
    ],
)
def test_message_fields_that_do_not_fit_this_site_are_refused(client, account, overrides, code):
    text = siwe_text(account.address, get_nonce(client), **at_run_time(overrides))
    assert_refused(login(client, text, sign(account, text)), 401, code)


@pytest.mark.parametrize(
    "overrides",
    [
        {"uri": "http://testserver/proposals/7"},  # any path on this origin
        {"issued_at": -timedelta(minutes=9)},
        {"issued_at": timedelta(minutes=9)},
        {"expiration": timedelta(minutes=1)},
        {"not_before": -timedelta(minutes=1)},
    ],
)
def test_message_fields_within_the_rules_are_accepted(client, account, overrides):
    text = siwe_text(account.address, get_nonce(client), **at_run_time(overrides))
    assert login(client, text, sign(account, text)).status_code == 200


def test_refused_message_leaves_the_nonce_usable(client, account):
    nonce = get_nonce(client)
    bad = siwe_text(account.address, nonce, chain_id=1)
    assert login(client, bad, sign(account, bad)).status_code == 401
    good = siwe_text(account.address, nonce)
    assert login(client, good, sign(account, good)).status_code == 200


@pytest.mark.parametrize(
    "text",
    [
        "hello",
        "",
        "testserver wants you to sign in with your Ethereum account:\nnot-an-address\n\nURI: x",
        "x" * 5000,
    ],
)
def test_malformed_message_is_400(client, account, text):
    get_nonce(client)
    assert_refused(login(client, text, sign(account, text)), 400, "malformed_message")


def test_message_with_a_lower_case_address_is_malformed(client, account):
    # EIP-4361: the address must be EIP-55 checksummed.
    text = siwe_text(account.address.lower(), get_nonce(client))
    assert_refused(login(client, text, sign(account, text)), 400, "malformed_message")


def test_login_without_a_message_is_400(client, account):
    response = client.post(
        "/api/v1/auth/login", {"signature": "0x" + "11" * 65}, content_type="application/json"
    )
    assert_refused(response, 400, "field_required")
    assert response.json()["error"]["field"] == "message"


def test_non_canonical_message_is_malformed(client, account):
    text = siwe_text(account.address, get_nonce(client)) + "\n"
    assert_refused(login(client, text, sign(account, text)), 400, "malformed_message")


def test_grant_steward_command_makes_me_report_steward(client, account):
    call_command("grant_steward", account.address.lower())
    nonce = get_nonce(client)
    text = siwe_text(account.address, nonce)
    login(client, text, sign(account, text))
    assert client.get("/api/v1/auth/me").json()["is_steward"] is True


@pytest.fixture
def django_client_factory():
    from django.test import Client

    return Client


def test_grant_steward_refuses_something_that_is_not_an_address():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="not an Ethereum address"):
        call_command("grant_steward", "0x1234")
    assert not User.objects.exists()


def test_openapi_schema_lists_every_sign_in_error_code(client):
    schema = client.get("/api/v1/schema", HTTP_ACCEPT="application/json").json()
    responses = schema["paths"]["/api/v1/auth/login"]["post"]["responses"]
    listed = {status: responses[status]["description"] for status in ("400", "401", "503")}
    for code in (
        "bad_signature",
        "invalid_nonce",
        "domain_mismatch",
        "uri_mismatch",
        "chain_mismatch",
        "message_expired",
        "message_not_yet_valid",
        "issued_at_out_of_range",
    ):
        assert code in listed["401"]
    assert "malformed_message" in listed["400"]
    assert "chain_unavailable" in listed["503"]
