"""The Content-Security-Policy on every response, and the favicon."""

import pytest

pytestmark = pytest.mark.django_db

STRICT = {
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
}


def directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())


@pytest.mark.parametrize("path", ["/", "/proposals/", "/grants/", "/market/", "/nowhere/"])
def test_pages_carry_the_strict_policy(client, path):
    found = directives(client.get(path))
    assert {k: found.get(k) for k in STRICT} == STRICT
    assert "unsafe" not in " ".join(found.values())


def test_the_docs_page_relaxes_style_src_only(client):
    found = directives(client.get("/api/v1/docs"))
    assert found["script-src"] == "'self'" and "unsafe-inline" in found["style-src"]
    assert "cdn" not in client.get("/api/v1/docs").content.decode().lower()


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    assert b'rel="icon"' in client.get("/").content
