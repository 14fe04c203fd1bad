"""Fixtures of the page-wide browser checks: a world with an object in every state the pages
show, the list of main pages, and a Chromium context signed in as the world's steward."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.hostile.world import build_world

SCREENSHOTS = os.environ.get("JCTGOV_SCREENSHOTS")  # a folder: save every page at each width

# Records every CSP violation the page reports, before any page script runs.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__cspViolations.push(e.violatedDirective + " blocked " + (e.blockedURI || "inline")
                              + " at " + (e.sourceFile || "") + ":" + e.lineNumber));
"""


def main_pages(ids: dict) -> list[str]:
    """Every main page, with the world's objects: what a visitor, holder, applicant, reviewer
    and steward open."""
    draft, _recognition, active, _theirs = ids["proposal_id"]
    program, _open = ids["program_id"]
    mine, _submitted, approved = ids["application_id"]
    return (
        [
            "/",
            "/proposals/",
            f"/proposals/{active}/",
            f"/proposals/{draft}/",
            "/proposals/new/",
            f"/proposals/{draft}/edit/",
            "/steward/",
            "/grants/",
            f"/grants/{program}/",
            f"/grants/{program}/apply/",
            f"/grants/applications/{mine}/",
            f"/grants/applications/{approved}/",
            "/grants/applications/",
            "/grants/reviews/",
            "/grants/recognitions/",
            "/market/",
            "/market/provider/",
            "/market/jobs/new",
            "/power/",
            "/delegates/",
            f"/delegates/{ids['user'].address}/",
            "/no-such-page/",
        ]
        + [path for path in other_pages(ids) if _routed(path)]
        + email_link_pages(ids["user"])
    )


def email_link_pages(user) -> list[str]:
    """The pages an email's links open: verify the address (a confirmation, then a POST) and
    unsubscribe."""
    from jctgov.notify import services

    channel = services.email_set(user=user, address="steward@example.org", events_=[])
    return [
        f"/notifications/verify/{services.verification_token(channel)}/",
        f"/notifications/unsubscribe/{services.unsubscribe_token(channel)}/",
    ]


def other_pages(ids: dict) -> list[str]:
    """Pages other branches add; each is visited once it is routed on this branch."""
    return [
        "/parameters/",
        "/notifications/",
        "/notifications/inbox/",
        f"/market/jobs/{ids['job_id'][0]}",
        "/proposals/executions/",
        "/parameters/market.min_provider_vejct/",
    ]


def _routed(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
    except Resolver404:
        return False
    return True


@pytest.fixture
def ui_world(transactional_db, wallet):
    """The hostile-test world, owned by the injected wallet's address (a steward)."""
    return build_world(wallet.address)


def session_context(browser, base_url: str, user=None):
    """A browser context signed in as ``user`` through a real session cookie (no page load
    spent on signing in; None: a visitor), recording CSP violations."""
    context = browser.new_context(base_url=base_url)
    if user is not None:
        client = Client()
        client.force_login(user)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
        context.add_cookies(
            [{"name": django_settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}]
        )
    context.add_init_script(CSP_LISTENER)
    return context


@pytest.fixture
def steward_context(browser, live_server, ui_world):
    """A browser context signed in as the world's steward, recording CSP violations."""
    context = session_context(browser, live_server.url, ui_world["user"])
    yield context
    context.close()


def screenshot(page, path: str, width: int) -> None:
    if not SCREENSHOTS:
        return
    name = path.strip("/").replace("/", "_") or "home"
    folder = Path(SCREENSHOTS)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
