import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_deploy_checks_are_clean_under_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 60 + "-a-long-random-looking-production-secret",
        JCTGOV_VAR_DIR=str(tmp_path),
        JCTGOV_SITE_URL="https://gov.example",
        CACHE_URL="redis://127.0.0.1:6379/1",  # only read, never connected to by the checks
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env.update(DJANGO_DEBUG="0", JCTGOV_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_openapi_schema_documents_the_error_shape(client):
    response = client.get("/api/v1/schema", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert "Error" in schema["components"]["schemas"]
    login = schema["paths"]["/api/v1/auth/login"]["post"]["responses"]
    error, codes = login["401"]["content"]["application/json"]["schema"]["allOf"]
    assert error["$ref"].endswith("/Error")
    # The operation's own codes and the common ones of the status, as an enum and in words.
    listed = codes["properties"]["error"]["properties"]["code"]["enum"]
    assert {"invalid_nonce", "bad_signature", "not_authenticated"} <= set(listed)
    assert "invalid_nonce" in login["401"]["description"]
    assert login["429"]["headers"]["Retry-After"]["required"] is True
    assert "request_too_large" in login["413"]["description"]


@pytest.mark.django_db
def test_healthz_answers(client):
    assert client.get("/healthz").json() == {"ok": True}


def test_livez_answers_without_touching_the_database(client):
    # No django_db mark: a query would raise "Database access not allowed".
    response = client.get("/livez")
    assert (response.status_code, response.content) == (200, b"ok")


@pytest.mark.django_db
def test_unknown_api_path_and_wrong_method_use_the_error_shape(client):
    response = client.put("/api/v1/auth/nonce", content_type="application/json")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    response = client.post("/api/v1/auth/login", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


@pytest.mark.django_db
def test_unknown_api_path_is_json_404(client, settings):
    settings.DEBUG = False
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "method", "status", "codes"),
    [
        (
            "/api/v1/grants/applications/{application_id}/decide",
            "post",
            "409",
            {"budget_exceeded", "not_enough_reviews"},
        ),
        ("/api/v1/grants/applications/{application_id}/decide", "post", "400", {"reason_required"}),
        (
            "/api/v1/grants/programs/{program_id}/applications",
            "post",
            "409",
            {"duplicate_open_application", "program_closed"},
        ),
        (
            "/api/v1/grants/applications/{application_id}/reviews",
            "post",
            "403",
            {"own_application", "not_assigned_reviewer"},
        ),
        (
            "/api/v1/grants/milestones/{milestone_id}/accept",
            "post",
            "409",
            {"milestone_not_acceptable"},
        ),
        ("/api/v1/market/heartbeats", "post", "429", {"heartbeat_too_soon"}),
        ("/api/v1/market/nodes/register", "post", "409", {"node_name_taken"}),
        ("/api/v1/market/replay", "post", "400", {"parameter_out_of_bounds", "unknown_parameter"}),
        ("/api/v1/market/leases/{lease_id}/complete", "post", "409", {"lease_bad_state"}),
    ],
)
def test_openapi_schema_lists_grants_and_market_error_codes(client, path, method, status, codes):
    schema = client.get("/api/v1/schema", HTTP_ACCEPT="application/json").json()
    response = schema["paths"][path][method]["responses"][status]
    text = json.dumps(response)
    assert all(code in text for code in codes), text


def test_signatures_are_recovered_by_coincurve():
    # eth-keys picks coincurve when installed: ~50x faster recovery than its pure-Python
    # backend, which matters for sign-in and for ingesting signed votes.
    from eth_keys.backends import get_backend
    from eth_keys.backends.coincurve import CoinCurveECCBackend

    assert isinstance(get_backend(), CoinCurveECCBackend)
