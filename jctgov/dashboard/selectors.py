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
from proposals.tally import Tally

BPS = 10_000
HOME_ROWS = 5


def result_summary(tally: Tally) -> dict[str, Any]:
    """A compact reading of a live tally: each choice as basis points of the votes cast, the
    quorum (For + Abstain) as basis points of what is needed, and one line saying where it
    stands. Integer arithmetic: shares are floored, so they may sum to a little under 100%."""
    cast = tally.for_power + tally.against_power + tally.abstain_power

    def of_cast(part: int) -> int:
        return part * BPS // cast if cast else 0

    quorum = tally.quorum
    if cast == 0:
        verdict, passing = "No votes yet", False
    elif not tally.quorum_reached:
        verdict, passing = "Failing: quorum not reached", False
    elif tally.passed:
        verdict, passing = "Passing", True
    else:
        verdict, passing = "Failing: Against leads", False
    return {
        "cast": cast,
        "for_bps": of_cast(tally.for_power),
        "against_bps": of_cast(tally.against_power),
        "abstain_bps": of_cast(tally.abstain_power),
        "quorum": quorum,
        "counted_for_quorum": tally.participation,
        "quorum_progress_bps": min(BPS, tally.participation * BPS // quorum) if quorum else 0,
        "quorum_reached": tally.quorum_reached,
        "verdict": verdict,
        "passing": passing,
    }


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
        proposal.results = result_summary(proposal.tally)  # type: ignore[attr-defined]
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
