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
    draft, recognition, active, _theirs = ids["proposal_id"]
    program, _open = ids["program_id"]
    mine, _submitted, approved = ids["application_id"]
    return (
        [
            "/",
            "/proposals/",
            f"/proposals/{active}/",
            f"/proposals/{draft}/",
            f"/proposals/{recognition}/",
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
    from jctgov.notify.models import Delivery, Event

    channel = services.email_set(user=user, address="steward@example.org", events_=[])
    event = Event.objects.create(type="proposal.published", title="A proposal was published")
    Delivery.objects.create(  # a row in the settings page's delivery log
        event=event,
        channel=channel,
        user=user,
        kind=channel.kind,
        attempts=2,
        last_error="503 from the mail relay",
    )
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
    """The hostile-test world, owned by the injected wallet's address (a steward), with a row
    in the tables it leaves empty."""
    world = build_world(wallet.address)
    table_rows(world)
    return world


def table_rows(world: dict) -> None:
    """A row in each table the hostile world leaves empty, so the page tour's checks (a table
    stacks on a phone instead of scrolling sideways) see one: the market's capacity (an online
    node), the active proposal's receipts (a vote), and the paid recognitions."""
    from django.utils import timezone

    from grants import services as grants
    from jctgov.market.models import Node
    from proposals.models import ProposalKind, Vote
    from tests.grants.factories import executed_proposal

    Node.objects.filter(leases=world["lease_id"][0]).update(last_heartbeat_at=timezone.now())
    Vote.objects.create(
        digest="0x" + "ab" * 32,
        proposal_id=world["proposal_id"][2],
        voter="0x" + "cd" * 20,
        choice=1,
        timestamp=int(timezone.now().timestamp()),
        signature="0x" + "11" * 65,
        power=10**18,
        reason="Lower fees bring more jobs",
    )
    paid = executed_proposal(
        kind=ProposalKind.RECOGNITION,
        payload={
            "recipients": [
                {"recipient": world["user"].address, "amount": str(2 * 10**18), "reason": "Docs"}
            ]
        },
    )
    grants.recognitions_record(proposal=paid, tx_hash="0x" + "ef" * 32, block_number=3)


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
