"""The API docs work offline and under the CSP: ReDoc and Swagger UI load only same-origin
assets (drf-spectacular-sidecar), render the schema, and report no CSP violation."""

from __future__ import annotations

import pytest

from tests.ui.conftest import CSP_LISTENER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def docs_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.set_default_timeout(60_000)  # ReDoc renders the whole schema: slow on a busy CPU
    sent: list[str] = []  # requests that reached the network (not refused by the CSP)
    page.on("requestfinished", lambda r: sent.append(r.url))
    page.on(
        "requestfailed",
        lambda r: sent.append(r.url) if "csp" not in (r.failure or "").lower() else None,
    )
    page.requests = sent
    yield page
    context.close()


def _outside(page, origin: str) -> list[str]:
    return [u for u in page.requests if not u.startswith((origin, "data:", "blob:"))]


def test_redoc_renders_the_schema_with_no_external_request(docs_page, live_server):
    response = docs_page.goto("/api/v1/docs")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy
    docs_page.get_by_role("heading", name="jctgov API").first.wait_for()
    docs_page.get_by_text("/api/v1/proposals").first.wait_for(state="attached")
    assert _outside(docs_page, live_server.url) == []
    # ReDoc's bundle always adds a "Redocly" logo from its CDN; the CSP refuses it (img-src), and
    # ReDoc hides it on the error. Nothing else is refused.
    refused = docs_page.evaluate("window.__cspViolations")
    assert [v for v in refused if "cdn.redoc.ly/redoc/logo-mini.svg" not in v] == []


def test_swagger_ui_renders_the_schema_with_no_external_request(docs_page, live_server):
    docs_page.goto("/api/v1/docs/swagger")
    docs_page.locator(".opblock").first.wait_for()
    assert docs_page.locator(".opblock-summary-path", has_text="/api/v1/proposals").count() > 0
    assert _outside(docs_page, live_server.url) == []
    assert docs_page.evaluate("window.__cspViolations") == []
