"""The home page and the steward console in Chromium, at 390 px (dark) and 1280 px (light):
what a visitor, a holder and a steward see, the steward's actions from the console (a grant
decision, a payout co-signed with the injected wallet), and the refusal of a non-steward.
Every page is checked for sideways scroll, CSP violations and serious axe-core findings."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.utils import timezone

from grants import services as grant_services
from grants.models import Application, ApplicationState, Milestone, MilestoneState
from jctgov.chain.devkeys import DEV_KEYS
from jctgov.chain.models import MAXTIME, VeLock
from jctgov.wallets.services import steward_grant
from tests.dashboard.test_selectors import vote
from tests.factories import UserFactory
from tests.grants.factories import (
    WEI,
    draft_application,
    funded_reviewed_application,
    make_program,
    reviewed_application,
)
from tests.market.factories import NodeFactory, ProviderFactory
from tests.proposals.factories import make_active, make_draft, make_succeeded
from tests.ui import test_pages_browser as tour
from tests.ui.conftest import screenshot, session_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [(390, "dark"), (1280, "light")]
_voters = itertools.count(1)


def open_at(context, path: str, width: int, scheme: str):
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    response = page.goto(path)
    page.wait_for_load_state("load")
    page.csp_header = response.headers.get("content-security-policy", "")
    return page


def page_problems(page, path: str, width: int, name: str) -> list[str]:
    """Sideways scroll, CSP header and violations, serious or critical axe findings."""
    problems = []
    if "script-src 'self'" not in page.csp_header:
        problems.append(f"{path}: CSP header {page.csp_header!r}")
    violations = page.evaluate("window.__cspViolations") + [
        text for text in page.console_errors if "Content Security Policy" in text
    ]
    if violations:
        problems.append(f"{path}: CSP violations {violations}")
    fit = page.evaluate(tour.OVERFLOW)
    if fit["scroll"] > fit["inner"]:
        problems.append(f"{path}: {fit['scroll']} px wide at {fit['inner']} ({fit['wide']})")
    page.evaluate(tour.AXE.read_text() + "\n;true")
    problems += [f"{path}: axe {v}" for v in page.evaluate(tour.AXE_RUN)]
    screenshot(page, name, width)  # with JCTGOV_SCREENSHOTS=<folder>
    return problems


def open_proposal_with_votes(title: str):
    proposal = make_active(title=title, total_supply=10_000 * WEI, quorum_bps=400)
    for choice, power in ((1, 320), (2, 95), (3, 40)):
        vote(proposal, f"0x{next(_voters):040x}", choice, power * WEI)
    return proposal


@pytest.mark.parametrize(("width", "scheme"), WIDTHS)
def test_visitor_home_shows_results_programs_and_figures(browser, live_server, width, scheme):
    open_proposal_with_votes("Lower the JCT fee to 0.5%")
    make_program(name="GPU tooling", closes_at=timezone.now() + timedelta(days=9))
    NodeFactory(last_heartbeat_at=timezone.now())
    context = session_context(browser, live_server.url)
    page = open_at(context, "/", width, scheme)
    proposals = page.locator("#open-proposals")
    assert "Lower the JCT fee to 0.5%" in proposals.inner_text()
    assert "For\n70.3%" in proposals.inner_text() or "70.3%" in proposals.inner_text()
    assert "Quorum" in proposals.inner_text()
    assert "GPU tooling" in page.locator("#open-programs").inner_text()
    assert "Providers online" in page.locator("#network").inner_text()
    assert page.get_by_role("button", name="Connect wallet").is_visible()
    problems = page_problems(page, "/", width, "home-visitor")
    context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("width", "scheme"), WIDTHS)
def test_holder_home_shows_lock_votes_drafts_applications_and_nodes(
    browser, live_server, width, scheme
):
    me = UserFactory()
    now = int(timezone.now().timestamp())
    VeLock.objects.create(
        address=me.address, amount=2_500 * WEI, unlock_time=now + MAXTIME // 2, updated_block=1
    )
    open_proposal_with_votes("Raise the minimum provider stake to 1,500 veJCT")
    make_draft(author=me, title="Reward the documentation translators")
    draft_application(make_program(name="Open tooling"), applicant=me)
    NodeFactory(
        provider=ProviderFactory(user=me), name="rig-eu-1", last_heartbeat_at=timezone.now()
    )
    context = session_context(browser, live_server.url, me)
    page = open_at(context, "/", width, scheme)
    assert "JCT locked until" in page.locator("#my-power").inner_text()
    assert "veJCT" in page.locator("#my-vejct").inner_text()
    assert "Raise the minimum provider stake" in page.locator("#to-vote").inner_text()
    assert "Reward the documentation translators" in page.locator("#my-drafts").inner_text()
    assert "Draft" in page.locator("#my-applications").inner_text()
    nodes = page.locator("#my-nodes").inner_text()
    assert "rig-eu-1" in nodes and "online" in nodes
    page.locator("#to-vote").get_by_role("link").first.click()
    page.wait_for_url("**/proposals/*/")
    page.go_back()
    problems = page_problems(page, "/", width, "home-holder")
    context.close()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("width", "scheme"), WIDTHS)
def test_steward_decides_an_application_from_the_console(browser, live_server, width, scheme):
    steward = steward_grant(address=UserFactory().address)
    reviewers = [UserFactory(), UserFactory()]
    application = reviewed_application(make_program(reviewers=reviewers), reviewers)
    make_succeeded(title="Lower the stablecoin fee to 1.5%")
    context = session_context(browser, live_server.url, steward)
    page = open_at(context, "/steward/", width, scheme)
    nav = page.get_by_role("navigation", name="Steward console")
    assert "Grant decisions" in nav.inner_text()
    assert page.locator("#count-grants").inner_text() == "1"
    assert page.locator("#count-proposals").inner_text() == "1"
    problems = page_problems(page, "/steward/", width, "steward-console")

    row = page.locator(f'#decisions tr[data-application="{application.pk}"]')
    row.get_by_text("Decide…").click()
    row.get_by_label("Reason (shown to the applicant; required)").fill("Strong reviews")
    row.get_by_role("button", name="Approve").click()
    page.locator("#decisions").get_by_text("No application awaits a decision.").wait_for()
    decided = Application.objects.get(pk=application.pk)
    assert decided.state == ApplicationState.APPROVED and decided.decided_by == steward
    assert page.locator("#count-grants").inner_text() == "0"
    context.close()
    assert not problems, "\n".join(problems)


def test_a_non_steward_is_refused_the_console(browser, live_server):
    context = session_context(browser, live_server.url, UserFactory())
    page = open_at(context, "/steward/", 390, "light")
    assert page.get_by_role("heading", name="Stewards only").is_visible()
    assert page.get_by_role("link", name="Steward", exact=True).count() == 0
    problems = page_problems(page, "/steward/", 390, "steward-refused")
    context.close()
    assert not problems, "\n".join(problems)


def test_old_console_urls_land_on_their_section(browser, live_server):
    steward = steward_grant(address=UserFactory().address)
    context = session_context(browser, live_server.url, steward)
    page = open_at(context, "/grants/steward/", 1280, "light")
    assert page.url.endswith("/steward/#grants")
    assert page.locator("#grants").is_visible()
    context.close()


@pytest.mark.parametrize("wallet_key", [DEV_KEYS[0]])  # the dev Safe's 1-of-1 owner
def test_steward_co_signs_a_milestone_payout_from_the_console(signed_in_page, wallet, chain):
    page = signed_in_page
    steward = steward_grant(address=wallet.address)
    application = funded_reviewed_application(chain)
    grant_services.application_decide(
        application_id=application.pk, actor=steward, approve=True, reason="Strong reviews"
    )
    milestone = application.milestones.order_by("position").first()
    grant_services.milestone_report(
        milestone_id=milestone.pk,
        actor=application.applicant,
        evidence_url="https://example.org/r",
        text="Shipped",
        now=timezone.now(),
    )
    page.goto("/steward/")
    assert page.locator("#count-grants").inner_text() == "1"  # the report to accept
    page.locator(f'#reported tr[data-milestone="{milestone.pk}"]').get_by_role(
        "button", name="Accept"
    ).click()
    page.locator("#reported").get_by_text("No milestone report waits.").wait_for()
    grant_services.milestone_pay(milestone_id=milestone.pk)  # the worker opens the SafeTx
    page.reload()
    box = page.locator("#payouts-to-sign")
    assert "0 of 1 signatures" in box.inner_text() and "payoutOnce" in box.inner_text()
    assert page.locator("#count-payouts").inner_text() == "1"
    box.get_by_role("button", name="Sign with my steward wallet").click()
    page.locator("#payouts-to-sign").get_by_text("No payout awaits signatures.").wait_for()
    paid = Milestone.objects.get(pk=milestone.pk)
    assert paid.state == MilestoneState.PAID and paid.tx_hash
    assert [m for m, _ in wallet.requests].count("eth_signTypedData_v4") == 1
    page.locator("#paid summary").click()
    assert paid.tx_hash in page.locator("#paid").inner_text()
