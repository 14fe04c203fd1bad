"""Sign-in records don't pile up: expired nonces and sessions are deleted by beat tasks."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from eth_account import Account

from jctgov.celery import app as celery_app
from jctgov.schedule import BEAT_SCHEDULE
from jctgov.wallets.models import SiweNonce
from jctgov.wallets.tasks import purge_nonces, purge_sessions
from tests.wallets.siwe import get_nonce, login, sign, siwe_text

pytestmark = pytest.mark.django_db


def test_retention_tasks_are_scheduled_and_registered():
    tasks = {entry["task"] for entry in BEAT_SCHEDULE.values()}
    assert {"wallets.purge_nonces", "wallets.purge_sessions"} <= tasks
    celery_app.loader.import_default_modules()
    assert {"wallets.purge_nonces", "wallets.purge_sessions"} <= set(celery_app.tasks)


def test_expired_nonces_are_purged_and_fresh_ones_kept(client):
    start = datetime.now(UTC)
    with time_machine.travel(start - timedelta(hours=1), tick=False):
        old = [get_nonce(client) for _ in range(3)]
    fresh = get_nonce(client)
    assert purge_nonces() == 3
    assert list(SiweNonce.objects.values_list("nonce", flat=True)) == [fresh]
    assert not SiweNonce.objects.filter(nonce__in=old).exists()
    assert purge_nonces() == 0  # idempotent


def test_a_nonce_still_usable_is_never_purged(client):
    account = Account.create()
    nonce = get_nonce(client)
    purge_nonces()
    text = siwe_text(account.address, nonce)
    assert login(client, text, sign(account, text)).status_code == 200


def test_expired_sessions_are_purged_and_live_ones_kept(client):
    account = Account.create()
    now = datetime.now(UTC)
    text = siwe_text(account.address, get_nonce(client), expiration=now + timedelta(minutes=5))
    assert login(client, text, sign(account, text)).status_code == 200
    assert Session.objects.count() == 1
    assert purge_sessions() == 0
    with time_machine.travel(now + timedelta(minutes=6), tick=False):
        assert purge_sessions() == 1
    assert Session.objects.count() == 0
