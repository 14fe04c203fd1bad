"""The three market pages in Chromium, driven like a person with the injected test wallet."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from jctgov.market.models import Job, Node
from jctgov.market.services import token_hash
from tests.market.factories import (
    WEI,
    LeaseFactory,
    NodeFactory,
    ProviderFactory,
    heartbeats_every,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_market_page_shows_capacity_prices_and_recent_matches(page):
    now = timezone.now()
    NodeFactory(gpu_model="H100 80GB", gpu_count=8, ask_usd=Decimal("2.50"), last_heartbeat_at=now)
    lease = LeaseFactory(
        node__gpu_model="L40S", node__last_heartbeat_at=now, created_at=now - timedelta(minutes=5)
    )
    page.goto("/market/")
    h100 = page.locator('#capacity tr[data-gpu-model="H100 80GB"]')
    h100.wait_for()
    assert "$2.50" in h100.inner_text()
    assert h100.locator(".free-gpus").inner_text() == "8"
    assert f"#{lease.pk}" in page.locator("#recent-matches").inner_text()


def test_provider_registers_a_node_and_sees_its_token_once(signed_in_page, wallet):
    page = signed_in_page
    page.goto("/market/provider/")
    page.get_by_label("Name").fill("rig-browser")
    page.get_by_label("GPU model").select_option("RTX 4090")
    assert page.get_by_label("VRAM per GPU (GB)").input_value() == "24"
    page.get_by_label("GPU count").fill("2")
    page.get_by_label("Ask, USD per GPU-hour").fill("0.45")
    page.get_by_role("button", name="Register node").click()
    token_box = page.locator("#node-token")
    token_box.wait_for()
    token = token_box.inner_text()
    node = Node.objects.get(name="rig-browser")
    assert node.provider.user.address == wallet.address
    assert node.token_hash == token_hash(token) and token.startswith("jctn_")
    page.get_by_role("link", name="Done, reload dashboard").click()
    page.locator("#nodes").get_by_text("rig-browser").wait_for()
    assert token not in page.content()  # shown once only
    reasons = page.locator("#eligibility-reasons").inner_text()
    assert "veJCT below market.min_provider_vejct" in reasons


def test_provider_dashboard_shows_stake_uptime_reliability_and_eligibility(signed_in_page, wallet):
    from jctgov.wallets.models import User

    page = signed_in_page
    now = timezone.now()
    provider = ProviderFactory(user=User.objects.get(address=wallet.address), vejct=5_000 * WEI)
    node = NodeFactory(provider=provider, name="rig-up", registered_at=now - timedelta(hours=1))
    heartbeats_every(node, start=now - timedelta(hours=1), end=now, interval_s=60)
    quiet = NodeFactory(provider=provider, name="rig-quiet", registered_at=now - timedelta(hours=1))
    heartbeats_every(
        quiet, start=now - timedelta(hours=1), end=now - timedelta(minutes=30), interval_s=60
    )
    for state in ("completed", "completed", "failed"):
        LeaseFactory(
            node=node,
            state=state,
            failure_reason="oom" if state == "failed" else "",
            confirmed_at=now if state == "completed" else None,  # by the job owners
        )
    page.goto("/market/provider/")
    assert page.locator("#vejct").inner_text() == "5,000 veJCT"
    assert page.locator("#reliability").inner_text() == "60.0%"  # (2 + 1) / (2 + 1 + 2)
    up = page.locator(f'#nodes tr[data-node="{node.pk}"]').inner_text()
    assert "rig-up" in up and "100.0%" in up and "online" in up
    down = page.locator(f'#nodes tr[data-node="{quiet.pk}"]').inner_text()
    assert re.search(r"\b5\d\.\d%", down), down  # silent for the last half hour: ~31 of ~61
    assert "no recent heartbeat" in down
    eligibility = page.locator("#eligibility").inner_text()
    assert "eligible" in eligibility and "Your nodes receive leases" in eligibility


def test_provider_reports_leases_from_the_dashboard(signed_in_page, wallet):
    from jctgov.wallets.models import User

    page = signed_in_page
    provider = ProviderFactory(user=User.objects.get(address=wallet.address))
    node = NodeFactory(provider=provider, name="rig-lease")
    done, broken = LeaseFactory(node=node), LeaseFactory(node=node)
    page.goto("/market/provider/")
    assert page.locator("#reliability").inner_text() == "50.0%"
    row = page.locator(f'#leases tr[data-lease="{done.pk}"]')
    row.get_by_role("button", name="Started").click()
    row.locator(".badge.running").wait_for()
    row.get_by_role("button", name="Completed").click()
    row.locator(".badge.completed").wait_for()
    # the provider's own "completed" counts only once the job owner confirms (issue 15)
    assert page.locator("#reliability").inner_text() == "50.0%"
    assert page.locator("#unconfirmed").inner_text().startswith("1 completed lease awaiting")
    page.once("dialog", lambda dialog: dialog.accept("GPU fell off the bus"))
    page.locator(f'#leases tr[data-lease="{broken.pk}"]').get_by_role(
        "button", name="Failed…"
    ).click()
    page.locator(f'#leases tr[data-lease="{broken.pk}"] .badge.failed').wait_for()
    assert "GPU fell off the bus" in page.locator("#leases").inner_text()
    assert page.locator("#reliability").inner_text() == "33.3%"  # (0 + 1) / (0 + 1 + 2)
    done.refresh_from_db()
    broken.refresh_from_db()
    assert (done.state, broken.state, broken.failure_reason) == (
        "completed",
        "failed",
        "GPU fell off the bus",
    )


def test_job_form_quotes_both_tokens_live_and_submits(signed_in_page, wallet):
    page = signed_in_page
    page.goto("/market/jobs/new")
    page.get_by_label("GPUs").fill("2")
    page.get_by_label("Hours").fill("10")
    page.get_by_label("Maximum price, USD per GPU-hour").fill("1.50")
    stablecoin_total = page.locator("#quote-stablecoin-total")
    # 20 GPU-hours × $1.50 = $30 + 2% fee + 0.25% reservation = $30.675
    page.wait_for_function(
        # a function, not a bare expression: the page's CSP refuses eval (no 'unsafe-eval')
        "() => document.getElementById('quote-stablecoin-total').textContent.includes('30.675')"
    )
    assert "USD" in stablecoin_total.inner_text()
    # JCT as every page shows tokens: at most two decimals, never the 18 of the quote.
    assert re.fullmatch(r"[\d,]+(\.\d{1,2})? JCT", page.locator("#quote-jct-total").inner_text())
    rounding = page.locator("#quote-rounding").inner_text()  # the rounding rule is stated
    assert "ROUND_HALF_UP" in rounding and "1 wei" in rounding and "JCT at $" in rounding
    page.get_by_role("button", name="Submit job").click()
    page.locator("#job-result").filter(has_text="submitted").wait_for()
    job = Job.objects.get()
    assert job.submitter.address == wallet.address
    assert (job.gpus, job.hours, job.max_price_usd, job.state) == (2, 10, Decimal("1.5"), "pending")
    page.locator(f'#my-jobs tr[data-job="{job.pk}"]').wait_for()


def test_signed_out_pages_explain_that_a_wallet_is_needed(page):
    for path in ("/market/provider/", "/market/jobs/new"):
        page.goto(path)
        assert "Connect your wallet" in page.locator("#signed-out").inner_text()


def test_job_owner_confirms_and_disputes_completed_leases_on_the_job_page(signed_in_page, wallet):
    from jctgov.wallets.models import User

    page = signed_in_page
    owner = User.objects.get(address=wallet.address)
    now = timezone.now()
    good, bad = (
        LeaseFactory(job__submitter=owner, state="completed", ended_at=now, created_at=now)
        for _ in range(2)
    )
    page.goto(f"/market/jobs/{good.job_id}")
    page.get_by_role("button", name="Confirm completion").click()
    page.locator("#lease-confirmed").wait_for()
    page.goto(f"/market/jobs/{bad.job_id}")
    page.get_by_role("button", name="Dispute completion").click()
    assert "Say what went wrong" in page.locator("#lease-answer-error").inner_text()
    page.get_by_label("Dispute: what went wrong?").fill("no output was produced")
    page.get_by_role("button", name="Dispute completion").click()
    page.locator("#lease-disputed").wait_for()
    good.refresh_from_db(), bad.refresh_from_db()
    assert good.confirmed_at and not good.disputed_at
    assert bad.dispute_reason == "no output was produced" and not bad.confirmed_at
    for width in (390, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not overflow, f"horizontal overflow at {width} px"
