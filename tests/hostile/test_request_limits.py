"""Bodies too big, too deep or not text: a 4xx with the JSON error shape, never a 500."""

from __future__ import annotations

import json

import pytest

from proposals.models import Proposal
from tests.factories import UserFactory
from tests.proposals.factories import make_active

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    client.force_login(UserFactory())
    return client


def post(client, path: str, raw: bytes | str, **extra):
    return client.post(path, raw, content_type="application/json", **extra)


def test_body_over_the_limit_is_413_unread(signed_in, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    body = json.dumps({"kind": "parameters", "title": "x", "body": "y" * 70_000, "payload": {}})
    response = post(signed_in, "/api/v1/proposals", body)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert "65536 bytes" in response.json()["error"]["message"]
    assert not Proposal.objects.exists()


def test_body_under_the_limit_reaches_validation(signed_in, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    body = json.dumps({"kind": "parameters", "title": "x", "body": "y" * 30_000, "payload": {}})
    response = post(signed_in, "/api/v1/proposals", body)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "text_too_long")
    assert response.json()["error"]["field"] == "body"


def test_default_limit_refuses_a_megabyte_of_json(client):
    response = post(client, "/api/v1/auth/login", b"[" + b"1," * 500_000 + b"1]")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"


def test_oversized_form_post_to_a_page_is_413_not_a_crash(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = client.post("/proposals/", {"title": "x" * 5_000})
    assert response.status_code == 413


def test_json_nested_past_python_recursion_is_malformed_not_a_crash(client):
    response = post(client, "/api/v1/auth/login", "[" * 5_000 + "]" * 5_000)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


def test_json_nested_past_the_depth_limit_is_malformed(client):
    deep = {"message": "x"}
    for _ in range(40):
        deep = {"a": deep}
    response = post(client, "/api/v1/auth/login", json.dumps(deep))
    assert (response.status_code, response.json()["error"]["code"]) == (400, "malformed_request")


@pytest.mark.parametrize(
    "raw",
    [
        b'{"message": "\xff\xfe", "signature": "0x"}',  # not UTF-8
        b'{"message": NaN}',  # not JSON (Python would accept it)
        b'{"message": "' + b"9" * 5_000 + b'"}'[:-2] + b"}",  # truncated
        b"1" * 5_000,  # an integer longer than Python will parse
    ],
)
def test_bodies_that_are_not_json_text_are_malformed(client, raw):
    response = post(client, "/api/v1/auth/login", raw)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


@pytest.mark.parametrize(("offset", "limit", "shown"), [(10**30, 10, 0), (0, 10**30, 1)])
def test_huge_pagination_numbers_are_a_page_not_a_database_error(client, offset, limit, shown):
    make_active()  # drafts are listed to their author only
    response = client.get("/api/v1/proposals", {"offset": offset, "limit": limit})
    assert response.status_code == 200
    assert len(response.json()["results"]) == shown


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/proposals/99999999999999999999999999",
        "/api/v1/proposals/99999999999999999999999999/votes",
        "/api/v1/grants/applications/99999999999999999999999999",
        "/proposals/99999999999999999999999999/",
        "/grants/99999999999999999999999999/",
    ],
)
def test_ids_beyond_any_integer_column_are_404(client, path):
    assert client.get(path).status_code == 404
