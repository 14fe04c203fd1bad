"""The parameter and execution-audit pages in Chromium at phone and desktop widths: an
out-of-range chain value and an unmatched operation are shown plainly, with no page overflow."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jctgov.chain.indexer import index_events
from jctgov.chain.timelock import Batch, Call
from tests.chain.test_parameter_bounds import force_unbounded_store
from tests.proposals.test_verify_executions import schedule

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("JCTGOV_SCREENSHOTS")  # a folder: save what the test saw


def look(page, path: str, width: int) -> str:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(path)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} overflows by {overflow}px at {width}px"
    if SHOTS:
        name = path.strip("/").replace("/", "_") or "home"
        page.screenshot(path=str(Path(SHOTS) / f"{name}-{width}.png"), full_page=True)
    return page.locator("main").inner_text()


@pytest.mark.parametrize("width", [390, 1280])
def test_out_of_range_value_and_forged_operation_are_shown_at_every_width(page, chain, width):
    chain.set_parameter("market.jct_fee_bps", 75)
    force_unbounded_store(chain)
    chain.set_parameter("market.jct_fee_bps", 50_000)
    index_events(confirmations=0)
    store = chain.contract("ParameterStore")
    data = store.functions.setParameter(b"\x02" * 32, 1)._encode_transaction_data()
    schedule(
        chain, Batch(calls=(Call(store.address, 0, bytes.fromhex(data[2:])),), salt=b"\x03" * 32)
    )

    listing = look(page, "/parameters/", width)
    assert "chain value out of range" in listing and "the chain holds 50000" in listing
    detail = look(page, "/parameters/market.jct_fee_bps/", width)
    assert "Chain value out of range." in detail and "0.75%" in detail
    audit = look(page, "/proposals/executions/", width)
    assert "2 of 2 operations match no passed proposal or payout" in audit  # schedule + Safe
    assert "NO MATCH" in audit
