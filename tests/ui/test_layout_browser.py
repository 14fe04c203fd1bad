"""The top bar and the proposal list in Chromium at 1280 and 390 px, light and dark: the bar
is one line (a Menu button opens the links on a phone, keyboard and screen-reader friendly),
the list's search and filters live in the address and survive paging, and on a phone the
list stacks as labelled rows instead of scrolling sideways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from jctgov.wallets.services import steward_grant
from proposals import services
from proposals.models import ProposalKind
from tests.proposals.factories import make_active, make_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/forms")  # looked at by people, not asserted on

OVERFLOW = "() => document.scrollingElement.scrollWidth - window.innerWidth"
# The top of each visible item of the bar, and the bar's height.
BAR = """() => {
  const bar = document.getElementById("topbar");
  const items = [...bar.children].filter((el) => el.offsetParent && getComputedStyle(el).display !== "contents");
  return { height: bar.getBoundingClientRect().height,
           tops: items.map((el) => Math.round(el.getBoundingClientRect().top + el.getBoundingClientRect().height / 2)) };
}"""


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def one_line(page) -> bool:
    bar = page.evaluate(BAR)
    return bar["height"] < 70 and max(bar["tops"]) - min(bar["tops"]) <= 8


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_top_bar_is_one_line_on_a_phone_and_the_menu_opens_it(signed_in_page, wallet, scheme):
    page = signed_in_page
    steward_grant(address=wallet.address)  # the steward sees the most links
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/proposals/")
    menu = page.get_by_role("button", name="Menu")
    assert one_line(page) and page.evaluate(OVERFLOW) <= 0
    assert menu.get_attribute("aria-expanded") == "false"
    assert not page.get_by_role("link", name="Steward").is_visible()
    shoot(page, f"topbar-390-{scheme}")

    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    for name in ("Proposals", "Parameters", "Grants", "Market", "Power", "Delegates", "Steward"):
        assert page.get_by_role("link", name=name, exact=True).is_visible(), name
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert (
        page.get_by_role("link", name="Proposals", exact=True).get_attribute("aria-current")
        == "page"
    )
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, f"topbar-390-{scheme}-open")
    page.keyboard.press("Escape")
    assert menu.get_attribute("aria-expanded") == "false"
    assert page.evaluate("() => document.activeElement.id") == "menu-button"
    assert not page.get_by_role("link", name="Steward").is_visible()

    page.set_viewport_size({"width": 1280, "height": 800})
    assert not menu.is_visible() and page.get_by_role("link", name="Steward").is_visible()
    assert one_line(page)
    shoot(page, f"topbar-1280-{scheme}")


def test_a_visitor_on_a_phone_sees_the_bar_in_one_line_too(page):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/")
    assert page.get_by_role("button", name="Connect wallet").is_visible()
    assert one_line(page) and page.evaluate(OVERFLOW) <= 0


@pytest.fixture
def many_proposals():
    for i in range(53):
        make_active(title=f"Fee change {i:02d}", body="About fees.", snapshot_block=100 + i)
    make_active(
        title="Fund the docs program",
        body="Docs need love.",
        kind=ProposalKind.GRANT_BUDGET,
        payload={"program_name": "Docs", "description": "", "amount": str(10**21)},
    )
    gone = make_draft(title="Withdrawn idea")
    services.proposal_cancel(proposal_id=gone.pk, actor=gone.author)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_list_searches_filters_and_pages_with_shareable_addresses(page, many_proposals, width):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/proposals/")
    assert "Withdrawn idea" not in page.content()  # cancelled: not in the default view
    rows = page.locator("#proposal-table tbody tr")
    assert rows.count() == 50

    page.get_by_label("Search title and text").fill("fee")
    page.get_by_label("Kind").select_option(label="Marketplace parameters")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=fee"))
    assert "kind=parameters" in page.url
    assert "53 in all" in page.locator(".pager").inner_text()
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert "q=fee" in page.url and "kind=parameters" in page.url
    assert page.get_by_label("Search title and text").input_value() == "fee"
    assert [t.strip() for t in rows.locator("td[data-label=Title]").all_inner_texts()] == [
        "Fee change 02",
        "Fee change 01",
        "Fee change 00",
    ]

    page.goto("/proposals/?q=docs")
    assert rows.count() == 1 and "Fund the docs program" in rows.first.inner_text()
    page.get_by_label("State").select_option(label="Cancelled")
    page.get_by_label("Search title and text").fill("")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"state=cancelled"))
    assert rows.count() == 1 and "Withdrawn idea" in rows.first.inner_text()

    page.goto("/proposals/")
    assert page.evaluate(OVERFLOW) <= 0
    display = rows.first.evaluate("(tr) => getComputedStyle(tr).display")
    if width == 390:  # one labelled block per proposal, nothing scrolls sideways
        assert display != "table-row"
        first = rows.first.locator("td[data-label=State]")
        assert first.evaluate("(td) => getComputedStyle(td, '::before').content") == '"State"'
        right = page.locator("#proposal-table").evaluate("(t) => t.getBoundingClientRect().right")
        assert right <= width
    else:
        assert display == "table-row"
    page.screenshot(path=str(SHOTS / f"proposals-{width}.png"))  # the first screen
