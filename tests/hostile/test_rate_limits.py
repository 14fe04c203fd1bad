"""Rate limits on sign-in (nonce and login share one budget), votes and heartbeats.

Over the limit: 429 ``rate_limited`` with the JSON error shape and a whole-second Retry-After
that matches the body's ``retry_after_s``. Counters live in the cache (Redis via CACHE_URL),
so every process of the deployment counts together.
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.checks import Warning
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle

from jctgov.core.checks import shared_cache
from tests.proposals.factories import make_active

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
LOGIN = {"message": "not EIP-4361", "signature": "0x" + "11" * 65}
HEARTBEAT = {"HTTP_AUTHORIZATION": "Bearer jctn_unknown"}


@pytest.fixture
def rate(monkeypatch):
    """Set a scope's rate for this test (DRF reads the rates dict at request time)."""
    return lambda scope, value: monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, scope, value)


def assert_limited(response, window_s: int = 60) -> None:
    assert response.status_code == 429, response.content
    error = response.json()["error"]
    assert error["code"] == "rate_limited" and error["message"]
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= window_s
    assert error["retry_after_s"] == retry_after


def nonce(client, **extra):
    return client.get("/api/v1/auth/nonce", **extra)


def login(client, **extra):
    return client.post("/api/v1/auth/login", LOGIN, content_type="application/json", **extra)


def vote(client, proposal_id: int, **extra):
    path = f"/api/v1/proposals/{proposal_id}/votes"
    return client.post(path, {"choice": 1}, content_type="application/json", **extra)


def heartbeat(client, **extra):
    return client.post("/api/v1/market/heartbeats", **HEARTBEAT, **extra)


def test_nonce_requests_over_the_rate_are_429_with_retry_after(client, rate):
    rate("auth", "3/min")
    assert [nonce(client).status_code for _ in range(3)] == [200, 200, 200]
    assert_limited(nonce(client))


def test_login_attempts_over_the_rate_are_429_before_the_message_is_read(client, rate):
    rate("auth", "3/min")
    assert [login(client).status_code for _ in range(3)] == [400, 400, 400]
    assert_limited(login(client))


def test_nonce_and_login_share_the_sign_in_budget(client, rate):
    rate("auth", "2/min")
    nonce(client), login(client)
    assert_limited(nonce(client))
    assert_limited(login(client))


def test_votes_over_the_rate_are_429_while_receipts_stay_readable(client, rate):
    rate("vote", "3/min")
    proposal = make_active()
    assert [vote(client, proposal.pk).status_code for _ in range(3)] == [400, 400, 400]
    assert_limited(vote(client, proposal.pk))
    assert client.get(f"/api/v1/proposals/{proposal.pk}/votes").status_code == 200


def test_heartbeats_over_the_rate_are_429_before_the_token_is_checked(client, rate):
    rate("heartbeat", "3/min")
    assert [heartbeat(client).status_code for _ in range(3)] == [401, 401, 401]
    assert_limited(heartbeat(client))


def test_the_window_passes_and_requests_are_served_again(client, rate, time_machine):
    rate("auth", "2/min")
    time_machine.move_to(timezone.now(), tick=False)
    nonce(client), nonce(client)
    assert_limited(nonce(client))
    time_machine.shift(timedelta(seconds=61))
    assert nonce(client).status_code == 200


def test_each_client_address_has_its_own_budget(client, rate):
    rate("auth", "1/min")
    assert nonce(client, REMOTE_ADDR="198.51.100.1").status_code == 200
    assert_limited(nonce(client, REMOTE_ADDR="198.51.100.1"))
    assert nonce(client, REMOTE_ADDR="198.51.100.2").status_code == 200


def test_a_forged_x_forwarded_for_does_not_buy_a_fresh_budget(client, rate):
    rate("auth", "2/min")
    for i in range(2):
        assert nonce(client, HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code == 200
    assert_limited(nonce(client, HTTP_X_FORWARDED_FOR="203.0.113.99"))


def test_behind_one_trusted_proxy_the_forwarded_client_is_counted(client, rate, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    rate("auth", "1/min")
    via_proxy = {"REMOTE_ADDR": "10.0.0.1"}
    assert nonce(client, HTTP_X_FORWARDED_FOR="203.0.113.1", **via_proxy).status_code == 200
    assert_limited(nonce(client, HTTP_X_FORWARDED_FOR="203.0.113.1", **via_proxy))
    assert nonce(client, HTTP_X_FORWARDED_FOR="203.0.113.2", **via_proxy).status_code == 200


def test_another_process_sees_the_same_counters_through_cache_url(
    client, rate, redis_cache, redis_url
):
    rate("auth", "2/min")
    nonce(client), nonce(client)
    code = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "print(Client().get('/api/v1/auth/nonce').status_code)\n"
    )
    env = {
        **os.environ,
        "CACHE_URL": redis_url,
        "JCTGOV_RATE_AUTH": "2/min",
        "DJANGO_SETTINGS_MODULE": "jctgov.settings",
    }
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip().splitlines()[-1] == "429", result.stderr


def test_deploy_check_warns_when_counters_would_be_per_process(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    [warning] = shared_cache(None)
    assert isinstance(warning, Warning) and warning.id == "jctgov.W001"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/1",
        }
    }
    assert shared_cache(None) == []
