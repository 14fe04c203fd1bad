"""The Django admin still works for staff (password login), and wallet users have no password."""

import pytest
from django.core.management import call_command
from eth_account import Account

from jctgov.wallets.models import User

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple 42"


@pytest.fixture
def staff(monkeypatch):
    address = Account.create().address
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", "--noinput", "--address", address.lower())
    return User.objects.get(address=address)  # stored EIP-55 checksummed


def admin_login(client, address: str, password: str):
    return client.post("/admin/login/?next=/admin/", {"username": address, "password": password})


def test_staff_signs_in_to_the_admin_with_a_password(client, staff):
    response = admin_login(client, staff.address, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    listing = client.get("/admin/wallets/user/")
    assert listing.status_code == 200 and staff.address in listing.content.decode()
    assert client.get(f"/admin/wallets/user/{staff.pk}/change/").status_code == 200


def test_staff_adds_a_user_with_a_password_in_the_admin(client, staff):
    admin_login(client, staff.address, PASSWORD)
    assert client.get("/admin/wallets/user/add/").status_code == 200
    newcomer = Account.create().address
    response = client.post(
        "/admin/wallets/user/add/",
        {"address": newcomer, "password1": PASSWORD + "x", "password2": PASSWORD + "x"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(address=newcomer).check_password(PASSWORD + "x")


def test_wallet_user_has_no_password_and_cannot_enter_the_admin(client):
    wallet = User.objects.get_or_create_for_address(Account.create().address)
    assert not wallet.has_usable_password()
    response = admin_login(client, wallet.address, "")
    assert response.status_code == 200  # the form again, with an error
    assert client.get("/admin/").status_code == 302


def test_admin_password_guessing_is_rate_limited(client, staff, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "admin_login", "3/min")
    for guess in ("a", "b", "c"):
        assert admin_login(client, staff.address, guess).status_code == 200  # the form again
    refused = admin_login(client, staff.address, PASSWORD)  # even the right one, for now
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert client.get("/admin/login/").status_code == 200  # the form itself still shows
    other = type(client)(REMOTE_ADDR="10.0.0.2")  # another client has its own budget
    assert admin_login(other, staff.address, PASSWORD).status_code == 302
