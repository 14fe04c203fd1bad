"""Production is the default: DEBUG off unless asked for, no secret or site URL made up, the
proxy header trusted only behind a declared proxy; development error pages mask credentials."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import RequestFactory
from django.views.debug import technical_500_response

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_SECRET_KEY": "x" * 60 + "-a-long-random-looking-production-secret",
    "JCTGOV_SITE_URL": "https://gov.example",
}
PRINT_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'proxy_header': s.SECURE_PROXY_SSL_HEADER, "
    "'site': s.JCTGOV_SITE_URL}))"
)


def run_settings(tmp_path, **overrides: str) -> subprocess.CompletedProcess:
    """Import the project's settings in a fresh process with only ``overrides`` set."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "JCTGOV_")) or k == "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(DJANGO_SETTINGS_MODULE="jctgov.settings", JCTGOV_VAR_DIR=str(tmp_path), **overrides)
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_debug_is_off_unless_asked_for(tmp_path):
    result = run_settings(tmp_path, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is False


def test_development_mode_is_explicit_and_has_a_local_site(tmp_path):
    result = run_settings(tmp_path, DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "debug": True,
        "proxy_header": None,
        "site": "http://127.0.0.1:8000",
    }


def test_default_settings_without_a_secret_fail_loudly(tmp_path):
    result = run_settings(tmp_path, JCTGOV_SITE_URL="https://gov.example")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_without_a_site_url_fails_loudly(tmp_path):
    result = run_settings(tmp_path, DJANGO_SECRET_KEY=PRODUCTION["DJANGO_SECRET_KEY"])
    assert result.returncode != 0
    assert "JCTGOV_SITE_URL must be set" in result.stderr


@pytest.mark.parametrize(
    ("proxies", "header"), [("0", None), ("1", ["HTTP_X_FORWARDED_PROTO", "https"])]
)
def test_forwarded_proto_is_trusted_only_behind_a_declared_proxy(tmp_path, proxies, header):
    result = run_settings(tmp_path, JCTGOV_TRUSTED_PROXIES=proxies, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["proxy_header"] == header


def crash_with_a_local(database_url: str):
    """The exc_info of an error raised where ``database_url`` is a local variable."""
    try:
        raise RuntimeError(f"could not connect ({len(database_url)})")
    except RuntimeError:
        return sys.exc_info()


def test_development_error_page_masks_passwords_in_urls(settings):
    # Random passwords: the page also shows this test's source lines, which must not match.
    cache_pw, broker_pw, db_pw, frame_pw = (secrets.token_hex(8) for _ in range(4))
    settings.DEBUG = True
    settings.CACHE_URL = f"redis://:{cache_pw}@redis.internal:6379/1"
    settings.CELERY_BROKER_URL = f"redis://celery:{broker_pw}@redis.internal:6379/0"
    request = RequestFactory().get(
        "/boom", DATABASE_URL=f"postgres://jctgov:{db_pw}@db.internal:5432/jctgov"
    )
    exc_info = crash_with_a_local(f"postgres://jctgov:{frame_pw}@db.internal/jctgov")
    page = technical_500_response(request, *exc_info).content.decode()
    for password in (cache_pw, broker_pw, db_pw, frame_pw):
        assert password not in page
    assert "redis.internal:6379" in page and "db.internal" in page  # the rest still helps
    assert "********" in page
