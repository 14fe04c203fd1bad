"""Sign-In with Ethereum: every refusal the issue lists, with its exact status and code."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from eth_account import Account
from eth_account.messages import encode_defunct

from jctgov.wallets.models import SiweNonce, User

pytestmark = pytest.mark.django_db


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def siwe_text(
    address: str,
    nonce: str,
    *,
    domain: str = "testserver",
    uri: str = "http://testserver",
    chain_id: int = 31337,
    issued_at: datetime | None = None,
    expiration: datetime | None = None,
    not_before: datetime | None = None,
) -> str:
    lines = [
        f"{domain} wants you to sign in with your Ethereum account:",
        address,
        "",
        "Sign in to Janction governance.",
        "",
        f"URI: {uri}",
        "Version: 1",
        f"Chain ID: {chain_id}",
        f"Nonce: {nonce}",
        f"Issued At: {iso(issued_at or datetime.now(UTC))}",
    ]
    if expiration:
        lines.append(f"Expiration Time: {iso(expiration)}")
    if not_before:
        lines.append(f"Not Before: {iso(not_before)}")
    return "\n".join(lines)


def sign(account, text: str) -> str:
    return "0x" + account.sign_message(encode_defunct(text=text)).signature.hex().removeprefix("0x")


@pytest.fixture
def account():
    return Account.create()


def get_nonce(client) -> str:
    response = client.get("/api/v1/auth/nonce")
    assert response.status_code == 200
    return response.json()["nonce"]


def login(client, text: str, signature: str):
    return client.post(
        "/api/v1/auth/login",
        {"message": text, "signature": signature},
        content_type="application/json",
    )


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


def test_nonce_is_long_alphanumeric_and_fresh_each_time(client):
    first, second = get_nonce(client), get_nonce(client)
    assert len(first) >= 16 and first.isalnum()
    assert first != second


def test_nonce_echoes_checksummed_address_for_the_browser(client, account):
    response = client.get("/api/v1/auth/nonce", {"address": account.address.lower()})
    assert response.json()["address"] == account.address


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


def test_bad_signature_is_refused(client, account):
    nonce = get_nonce(client)
    text = siwe_text(account.address, nonce)
    assert_refused(login(client, text, sign(Account.create(), text)), 401, "bad_signature")


def test_garbage_signature_is_refused(client, account):
    text = siwe_text(account.address, get_nonce(client))
    assert_refused(login(client, text, "0x" + "11" * 65), 401, "bad_signature")


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
        ({"uri": "https://evil.example/login"}, "uri_mismatch"),
        ({"chain_id": 1}, "chain_mismatch"),
        # Times as offsets from the moment the test runs (not from collection: a slow suite
        # would otherwise age "11 minutes ahead" into the accepted window).
        ({"expiration": timedelta(minutes=-1)}, "message_expired"),
        ({"not_before": timedelta(minutes=5)}, "message_not_yet_valid"),
        ({"issued_at": timedelta(minutes=-11)}, "issued_at_out_of_range"),
        ({"issued_at": timedelta(minutes=11)}, "issued_at_out_of_range"),
    ],
)
def test_message_fields_that_do_not_fit_this_site_are_refused(client, account, overrides, code):
    now = datetime.now(UTC)
    overrides = {k: now + v if isinstance(v, timedelta) else v for k, v in overrides.items()}
    text = siwe_text(account.address, get_nonce(client), **overrides)
    assert_refused(login(client, text, sign(account, text)), 401, code)


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
    ],
)
def test_malformed_message_is_400(client, account, text):
    response = login(client, text, sign(account, text or "x"))
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"malformed_message", "field_required"}


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
