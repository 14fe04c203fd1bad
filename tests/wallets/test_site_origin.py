"""Sign-in is bound to the configured site (JCTGOV_SITE_URL), never to the Host header, and
a session lasts no longer than the signed message allows."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from eth_account import Account

from tests.wallets.siwe import assert_refused, get_nonce, login, sign, siwe_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def account():
    return Account.create()


@pytest.fixture
def any_host(settings):
    settings.ALLOWED_HOSTS = ["*"]  # DJANGO_ALLOWED_HOSTS='*'
    settings.JCTGOV_SITE_URL = "https://gov.example"


def test_message_signed_for_another_site_is_refused_whatever_the_host_header(
    client, account, any_host
):
    nonce = get_nonce(client)
    text = siwe_text(account.address, nonce, domain="evil.example", uri="https://evil.example")
    response = client.post(
        "/api/v1/auth/login",
        {"message": text, "signature": sign(account, text)},
        content_type="application/json",
        HTTP_HOST="evil.example",
        secure=True,
    )
    assert_refused(response, 401, "domain_mismatch")
    assert client.get("/api/v1/auth/me", HTTP_HOST="gov.example").status_code == 401


def test_message_for_the_configured_site_signs_in(client, account, any_host):
    issued = client.get("/api/v1/auth/nonce", HTTP_HOST="evil.example").json()
    # The nonce answer tells the page which domain and URI to sign, whatever host it was asked on.
    assert (issued["domain"], issued["uri"]) == ("gov.example", "https://gov.example")
    text = siwe_text(account.address, issued["nonce"], domain=issued["domain"], uri=issued["uri"])
    assert login(client, text, sign(account, text)).status_code == 200


def test_uri_must_be_on_the_configured_origin(client, account, any_host):
    nonce = get_nonce(client)
    text = siwe_text(account.address, nonce, domain="gov.example", uri="http://gov.example")
    assert_refused(login(client, text, sign(account, text)), 401, "uri_mismatch")


def test_session_ends_at_the_messages_expiration_time(client, account):
    now = datetime.now(UTC)
    text = siwe_text(account.address, get_nonce(client), expiration=now + timedelta(hours=1))
    assert login(client, text, sign(account, text)).status_code == 200
    assert client.get("/api/v1/auth/me").status_code == 200
    with time_machine.travel(now + timedelta(minutes=59), tick=False):
        assert client.get("/api/v1/auth/me").status_code == 200
    with time_machine.travel(now + timedelta(hours=1, seconds=1), tick=False):
        assert_refused(client.get("/api/v1/auth/me"), 401, "not_authenticated")


def test_session_without_expiration_time_keeps_the_default_age(client, account, settings):
    text = siwe_text(account.address, get_nonce(client))
    assert login(client, text, sign(account, text)).status_code == 200
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE
