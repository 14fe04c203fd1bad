"""The replay preview a marketplace-parameters proposal page shows: before vs after, cached."""

from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
import time_machine
from django.utils import timezone

from jctgov.market.domain import WINDOW_STEP
from jctgov.market.matching import match_round
from jctgov.market.models import ReplayRun
from jctgov.market.previews import proposal_replay_preview
from proposals import caching
from proposals.models import Proposal, ProposalState
from tests.market.factories import WEI, JobFactory
from tests.proposals.factories import make_active, make_draft

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(client, django_capture_on_commit_callbacks):
    """GET a proposal page twice: the first enqueues its background replay (run here, eagerly,
    on commit) and shows its progress; the second shows the result."""

    def get(url: str) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            client.get(url)
        caching.clear()  # visitors' cached copy of the page still shows the progress
        return client.get(url).content.decode()

    return get


@pytest.fixture
def preview(django_capture_on_commit_callbacks):
    """proposal_replay_preview once its background run is done."""

    def get(proposal, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            proposal_replay_preview(proposal, **kwargs)
        return proposal_replay_preview(proposal, **kwargs)

    return get


def _fee_proposal(value="150", **kw) -> Proposal:
    return make_active(
        title="Cut the stablecoin fee",
        payload={"changes": [{"key": "market.stablecoin_fee_bps", "value": value}]},
        **kw,
    )


class _ReplayTable(HTMLParser):
    """{metric: (before, after, change)} from the page's #market-replay-table."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self._metric: str | None = None
        self._cell: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-metric" in attrs:
            self._metric = attrs["data-metric"]
            self.rows[self._metric] = []
        elif tag == "td" and self._metric:
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.rows[self._metric].append(self._cell.strip())
            self._cell = None
        elif tag == "tr":
            self._metric = None


def _replay_rows(html: str) -> dict[str, list[str]]:
    parser = _ReplayTable()
    parser.feed(html)
    return parser.rows


def test_parameter_proposal_page_shows_replay_numbers_that_move_with_the_fee(page, recorded_round):
    proposal = _fee_proposal("150")
    with time_machine.travel(timezone.now() + WINDOW_STEP, tick=False):
        html = page(f"/proposals/{proposal.pk}/")
    assert 'id="market-replay"' in html and "1 match round, 2 jobs" in html
    rows = _replay_rows(html)
    # 20 GPU-hours at $1 on stablecoin: a 2% fee is $0.40, the proposed 1.5% is $0.30.
    assert rows["fees_stablecoin"] == ["$0.40", "$0.30", "−$0.10"]
    assert rows["matched"] == ["2", "2", "no change"]
    assert rows["fill_rate"] == ["100.0%", "100.0%", "no change"]
    assert rows["provider_revenue"] == ["$20.00", "$20.00", "no change"]
    # reservation fee 0.25% of $20 = $0.05 on both sides; all fees $0.45 → $0.35
    assert rows["fees_total"] == ["$0.45", "$0.35", "−$0.10"]


def test_a_stake_floor_above_every_provider_shows_fewer_matches_after(page, recorded_round):
    proposal = make_active(
        payload={"changes": [{"key": "market.min_provider_vejct", "value": str(10_000 * WEI)}]}
    )
    with time_machine.travel(timezone.now() + WINDOW_STEP, tick=False):
        rows = _replay_rows(page(f"/proposals/{proposal.pk}/"))
    assert rows["matched"] == ["2", "0", "−2"]
    assert rows["fill_rate"] == ["100.0%", "0.0%", "−100.0 pts"]
    assert rows["provider_revenue"] == ["$20.00", "$0.00", "−$20.00"]


def test_preview_is_computed_once_per_window_then_moves_on(recorded_round, preview):
    proposal = _fee_proposal()
    later = timezone.now() + WINDOW_STEP
    first = preview(proposal, now=later)
    assert first["rounds"] == 1 and first["jobs"] == 2
    assert proposal_replay_preview(proposal, now=later) == first  # stored: no second run
    assert ReplayRun.objects.count() == 1
    JobFactory(gpus=1, hours=10, max_price_usd=Decimal("2"), submitted_at=later)
    match_round(now=later)  # a round recorded after the cached window closed
    assert proposal_replay_preview(proposal, now=later)["rounds"] == 1
    moved = preview(proposal, now=later + WINDOW_STEP)
    assert (moved["rounds"], moved["jobs"]) == (2, 3)


def test_an_edited_draft_gets_a_fresh_preview(recorded_round, preview):
    draft = make_draft(payload={"changes": [{"key": "market.stablecoin_fee_bps", "value": "150"}]})
    later = timezone.now() + WINDOW_STEP
    fees = lambda p: next(  # noqa: E731
        r for r in preview(p, now=later)["rows"] if r["key"] == "fees_stablecoin"
    )
    assert fees(draft)["after"] == "$0.30"
    Proposal.objects.filter(pk=draft.pk).update(
        payload={"changes": [{"key": "market.stablecoin_fee_bps", "value": "100"}]}
    )
    draft.refresh_from_db()
    assert fees(draft)["after"] == "$0.20"


def test_only_open_proposals_with_market_changes_get_a_preview(client, recorded_round):
    governance_only = make_active(
        payload={"changes": [{"key": "governance.quorum_bps", "value": "500"}]}
    )
    executed = _fee_proposal()
    Proposal.objects.filter(pk=executed.pk).update(
        state=ProposalState.EXECUTED,
        approved_at=timezone.now(),
        operation_id="0x" + "ab" * 32,
        execute_tx="0x" + "cd" * 32,
    )
    executed.refresh_from_db()
    grant = make_draft(kind="grant_budget", payload={"program_name": "x", "amount": "1"})
    for proposal in (governance_only, executed, grant):
        assert proposal_replay_preview(proposal) is None
        assert 'id="market-replay"' not in client.get(f"/proposals/{proposal.pk}/").content.decode()


def test_an_empty_week_says_there_is_nothing_to_replay(page):
    proposal = _fee_proposal()
    html = page(f"/proposals/{proposal.pk}/")
    assert "No match round was recorded in the last 7 days" in html


def test_values_outside_todays_bounds_show_the_refusal_not_a_500(client, recorded_round):
    proposal = _fee_proposal("150")
    Proposal.objects.filter(pk=proposal.pk).update(
        payload={"changes": [{"key": "market.stablecoin_fee_bps", "value": "5000"}]}
    )
    response = client.get(f"/proposals/{proposal.pk}/")
    assert response.status_code == 200
    assert "The replay refused these values" in response.content.decode()


def test_page_cap_replays_only_the_newest_rounds_and_says_so(recorded_round, monkeypatch, preview):
    from jctgov.market import previews

    later = timezone.now() + timedelta(minutes=1)
    JobFactory(gpus=1, hours=10, max_price_usd=Decimal("2"), submitted_at=later)
    match_round(now=later)
    monkeypatch.setattr(previews, "MAX_PAGE_ROUNDS", 1)
    result = preview(_fee_proposal(), now=later + WINDOW_STEP)
    assert result["truncated"] and result["rounds"] == 1 and result["jobs"] == 1


def test_the_preview_says_which_changes_it_cannot_replay(page, recorded_round):
    proposal = make_active(
        payload={
            "changes": [
                {"key": "market.heartbeat_interval_s", "value": "120"},
                {"key": "market.jct_fee_bps", "value": "50"},
            ]
        }
    )
    with time_machine.travel(timezone.now() + WINDOW_STEP, tick=False):
        html = page(f"/proposals/{proposal.pk}/")
    assert "<code>market.heartbeat_interval_s</code> is not part of this estimate" in html
    assert _replay_rows(html)["fees_jct"] == ["$0.00", "$0.00", "no change"]  # no JCT payer


def test_the_page_shows_progress_while_the_replay_runs_in_the_background(client, recorded_round):
    """The request never replays: it records a run (enqueued on commit) and shows a progress
    bar that static/js/replay.js polls; a second visitor shares the same run."""
    proposal = _fee_proposal()
    html = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert 'id="market-replay-progress"' in html and "<progress" in html
    run = ReplayRun.objects.get()
    assert f'data-status-url="/api/v1/market/replay/{run.key}"' in html
    assert run.state == "queued"
    caching.clear()
    client.get(f"/proposals/{proposal.pk}/")
    assert ReplayRun.objects.count() == 1
    assert "market-replay-table" not in html
