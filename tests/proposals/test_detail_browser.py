"""The proposal page in Chromium with the injected test wallet, at 390 px (dark) and 1280 px
(light): a wallet's power and eligibility before it signs anything, results at a glance, the
timeline, a live countdown, nothing wider than the screen, no CSP error, no serious axe finding.
Screenshots go to $JCTGOV_SCREENSHOTS when set."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from eth_account import Account

from proposals import services
from proposals.models import Proposal, ProposalState, Vote
from tests.proposals.factories import WEI, Voter, make_active, make_succeeded, vote_body
from tests.ui.conftest import CSP_LISTENER, screenshot
from tests.ui.test_pages_browser import AXE, AXE_RUN

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WIDTHS = [(390, "dark"), (1280, "light")]
SERVER_TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$")


def checked_page(open_page, wallets, width, scheme):
    """A page at ``width`` in ``scheme`` that records CSP violations and console errors."""
    page = open_page(wallets)
    page.add_init_script(CSP_LISTENER)
    page.set_viewport_size({"width": width, "height": 900})
    page.emulate_media(color_scheme=scheme)
    page.console_errors = []
    page.on("console", lambda m: page.console_errors.append(m.text) if m.type == "error" else None)
    return page


def assert_fits_and_is_clean(page, name: str, width: int) -> None:
    """No sideways scroll, no CSP violation or console error, no serious axe violation."""
    page.wait_for_load_state("networkidle")  # the market replay preview has filled its table
    fit = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    assert fit[0] <= fit[1], f"{name}: {fit[0]} px wide at {fit[1]}"
    assert page.evaluate("window.__cspViolations") == []
    assert [e for e in page.console_errors if "Content Security Policy" in e] == []
    page.evaluate(AXE.read_text() + "\n;true")
    assert page.evaluate(AXE_RUN) == [], name
    screenshot(page, name, width)


@pytest.mark.parametrize(("width", "scheme"), WIDTHS)
def test_a_holder_sees_power_eligibility_results_timeline_and_countdown_before_signing(
    open_page, wallet, stored_snapshot, width, scheme
):
    proposal = make_active(snapshot_block=100, total_supply=1000 * WEI)
    others = [Voter(), Voter()]
    stored_snapshot(
        100, {wallet.address: 120 * WEI, others[0].address: 30 * WEI, others[1].address: 10 * WEI}
    )
    for voter, choice in zip(others, (2, 3), strict=True):
        services.vote_cast(proposal_id=proposal.pk, **vote_body(proposal, voter, choice=choice))
    page = checked_page(open_page, [wallet], width, scheme)
    page.goto(f"/proposals/{proposal.pk}/")

    # Before any signature: the power at the snapshot, now, and that this wallet can vote.
    page.locator("#my-power").filter(
        has_text="Your voting power at block 100: 120 veJCT"
    ).wait_for()
    page.locator("#vote-eligibility").filter(has_text="You can vote with 120 veJCT.").wait_for()
    page.locator("#my-now").filter(has_text="Now: 0 veJCT (no lock).").wait_for()
    assert page.get_by_role("button", name="Vote For").is_enabled()
    assert wallet.requests == []  # nothing signed to learn it

    # Results at a glance: shares of the 40 veJCT cast, the quorum rule, turnout.
    results = page.locator("#tally")
    assert page.locator("#result-line").inner_text() == "Failing: quorum not reached."
    assert page.locator("#pct-against").inner_text() == "75.0%"
    assert page.locator("#pct-abstain").inner_text() == "25.0%"
    assert "Quorum counts For and Abstain: 10 of 40 veJCT" in results.inner_text()
    assert "Turnout: 4.0% of the veJCT supply" in results.inner_text()
    assert page.locator("#top-voters li").count() == 2
    assert page.locator("svg.chart.split").get_attribute("aria-label") == (
        "Votes cast: For 0%, Against 75.0%, Abstain 25.0%"
    )

    # Time: localised in the browser (UTC on hover), a countdown that ticks every second.
    ends = page.locator("#voting-window time").last
    assert not SERVER_TIME.match(ends.inner_text()) and ends.get_attribute("title").endswith("UTC")
    countdown = page.locator("#countdown")
    first = countdown.inner_text()
    assert re.fullmatch(r"(59|60)m \d\ds left", first), first  # an hour to go
    page.wait_for_function(
        "(first) => document.getElementById('countdown').textContent !== first", arg=first
    )
    for step in ("created", "published", "snapshot", "opens", "closes"):
        assert page.locator(f"#step-{step}").is_visible(), step
    assert_fits_and_is_clean(page, f"/proposals/active-{scheme}", width)

    # Voting replaces nothing yet; then the vote shows, and the results move.
    page.get_by_role("button", name="Vote For").click()
    page.locator("#result-line").filter(has_text="Passing").wait_for()
    assert page.locator("#pct-for").inner_text() == "75.0%"
    assert Vote.objects.get(voter=wallet.address).power == 120 * WEI


@pytest.mark.parametrize(("width", "scheme"), WIDTHS)
def test_a_wallet_without_power_is_told_why_and_the_buttons_are_disabled(
    open_page, wallet, stored_snapshot, width, scheme
):
    """The steward's case: 0 veJCT at the snapshot. Before: it signed, then was refused."""
    proposal = make_active(snapshot_block=100)
    stored_snapshot(100, {Account.create().address: WEI})
    page = checked_page(open_page, [wallet], width, scheme)
    page.goto(f"/proposals/{proposal.pk}/")
    page.locator("#vote-eligibility").filter(
        has_text="You can't vote on this proposal: this wallet had no veJCT at snapshot block 100"
    ).wait_for()
    for name in ("Vote For", "Vote Against", "Abstain"):
        assert page.get_by_role("button", name=name).is_disabled()
    assert "0 veJCT of your own" in page.locator("#my-power").inner_text()
    assert_fits_and_is_clean(page, f"/proposals/no-power-{scheme}", width)
    assert wallet.requests == [] and not Vote.objects.exists()


def test_the_countdown_ends_voting_on_the_open_page(open_page, wallet, stored_snapshot):
    proposal = make_active(snapshot_block=100, ends_in=timedelta(seconds=3))
    stored_snapshot(100, {wallet.address: WEI})
    page = open_page([wallet])
    page.goto(f"/proposals/{proposal.pk}/")
    page.locator("#vote-eligibility").filter(has_text="You can vote").wait_for()
    page.locator("#countdown").filter(has_text="Voting has closed").wait_for(timeout=10_000)
    assert page.locator("#voting-status").inner_text() == "Voting has closed"
    assert page.locator("#vote-eligibility").inner_text() == "Voting has closed."
    assert page.get_by_role("button", name="Vote For").is_disabled()


@pytest.mark.parametrize(("width", "scheme"), WIDTHS)
def test_pending_and_executed_proposals_read_at_a_glance(open_page, wallet, width, scheme):
    pending = make_active(state=ProposalState.PENDING, snapshot_block=77)
    executed = make_succeeded(
        payload={"changes": [{"key": "market.stablecoin_fee_bps", "value": "150"}]}
    )
    now = timezone.now()
    Proposal.objects.filter(pk=executed.pk).update(
        state=ProposalState.EXECUTED,
        approved_at=now,
        operation_id="0x" + "ab" * 32,
        schedule_tx="0x" + "cd" * 32,
        schedule_block=120,
        queued_at=now,
        ready_at=now,
        execute_tx="0x" + "ef" * 32,
        execute_block=130,
        executed_at=now,
        parameters_before={"market.stablecoin_fee_bps": "100"},
    )
    page = checked_page(open_page, [wallet], width, scheme)
    page.goto(f"/proposals/{pending.pk}/")
    assert (
        "the snapshot of voting power is not taken yet" in page.locator("#result-line").inner_text()
    )
    assert "0 of 0" not in page.locator("#tally").inner_text()
    assert page.get_by_role("button", name="Vote For").is_disabled()
    assert page.locator("#step-snapshot").inner_text().startswith("Snapshot being taken")
    assert_fits_and_is_clean(page, f"/proposals/pending-{scheme}", width)

    page.goto(f"/proposals/{executed.pk}/")
    changes = page.locator("#parameter-changes")
    headers = changes.locator("thead th").all_text_contents()
    assert "Was" in headers and "Now" in headers and "Proposed" not in headers
    assert changes.locator("td.was").get_attribute("data-label") == "Was"  # stacked on a phone
    assert changes.locator("td.was").inner_text() == "1.00%"
    assert changes.locator("td.now").inner_text() == "1.50%"
    assert page.locator("#result-line").inner_text() == "Passed."
    assert "0x" + "ef" * 32 in page.locator("#step-executed").inner_text()
    assert page.locator("#step-ready").is_visible()
    assert_fits_and_is_clean(page, f"/proposals/executed-{scheme}", width)
