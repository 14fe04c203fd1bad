"""What the home page and the steward console show, put together from each app's selectors.

Nothing here reads a table itself: every read is a selector of the app that owns the rows
(proposals, grants, market, power), so each page costs a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from grants import selectors as grants
from jctgov.market import selectors as market
from jctgov.power import selectors as power
from proposals import selectors as proposals
from proposals.results import results

HOME_ROWS = 5


def network(*, chain_now: int) -> dict[str, Any]:
    """Network figures: veJCT and JCT locked (cached sums of the indexed locks), providers and
    nodes online, leases matched lately."""
    return {**power.network_power(now=chain_now), **market.network_figures()}


def visitor_home() -> dict[str, Any]:
    """A visitor's home: proposals open for votes with their results, grant programs open for
    applications, network figures."""
    chain_now = power.chain_time()
    open_proposals = proposals.open_proposals(limit=HOME_ROWS)
    for proposal in open_proposals:
        # The proposal page's own reading (proposals.results), so both say the same thing.
        tally = proposal.tally.as_dict()
        proposal.results = results(tally, state=proposal.state, snapshot_taken=True)
    return {
        "open_proposals": open_proposals,
        "programs": list(grants.programs_open(timezone.now(), limit=HOME_ROWS)),
        "network": network(chain_now=chain_now),
    }


def holder_home(user: Any) -> dict[str, Any]:
    """A signed-in wallet's home: its lock and veJCT now, delegation, open proposals it has not
    voted on, its drafts, its grant applications, its provider nodes' health; and the network
    figures."""
    chain_now = power.chain_time()
    lock = power.lock_of(user.address, now=chain_now)
    lock["end_at"] = datetime.fromtimestamp(lock["end"], tz=UTC) if lock["end"] else None
    return {
        "lock": lock,
        "to_vote": list(proposals.open_not_voted_by(user.address, limit=HOME_ROWS * 2)),
        "drafts": list(proposals.drafts_of(user, limit=HOME_ROWS * 2)),
        "applications": list(grants.applications_of(user)[: HOME_ROWS * 2]),
        "nodes": market.nodes_health(user),
        "network": network(chain_now=chain_now),
    }


def steward_console(user: Any) -> dict[str, Any]:
    """Everything awaiting a steward, in one place: proposals to approve, being scheduled,
    queued, failed; grant applications to decide and milestone reports to accept; Safe
    transactions to co-sign (payouts apart from the proposals' approvals and cancellations),
    with counts for the console's local navigation."""
    console = proposals.execution_console()
    queue = grants.steward_queue()
    queue["decisions"] = grants.with_visible_scores(queue["decisions"], user)
    operations = console.pop("pending_signatures")
    payout_ops = [op for op in operations if op["kind"] == "payout"]
    other_ops = [op for op in operations if op["kind"] != "payout"]
    failed_payouts = [m for m in queue["payouts"] if m.state == "failed"]
    counts = {
        "proposals": len(console["awaiting_approval"]) + len(console["failed"]),
        "grants": len(queue["decisions"]) + len(queue["reported"]),
        "payouts": len(payout_ops) + len(failed_payouts),
        "signatures": len(other_ops),
    }
    return {
        **console,
        **queue,
        "payout_operations": payout_ops,
        "operations": other_ops,
        "counts": counts,
    }
