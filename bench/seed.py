"""Seed data for the bench stack (bench/stack.py): voters with real veJCT, many proposals.

Runs inside the stack's configured Django, after the chain is deployed and the workers and
beat run. Everything goes through the same code a person's clicks reach: chain locks by
transactions, proposals by ``proposal_create_draft`` / ``proposal_publish`` /
``proposal_cancel``, voting power by the workers' real snapshot, activation by the beat.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from eth_account import Account

from bench.chainseed import create_locks
from jctgov.chain import client
from jctgov.core.parameters import current_value
from jctgov.wallets.models import User
from proposals.models import Proposal, ProposalState
from proposals.services import proposal_cancel, proposal_create_draft, proposal_publish

WEI = 10**18
YEAR = 365 * 24 * 3600
BODY = """## Why

Providers report that the fee on stablecoin payments pushes buyers to pay in JCT instead.
This proposal changes **one parameter** and nothing else; the table below shows the value in
force now, the proposed value and the bounds the registry allows.

## What changes

- Buyers paying in a stablecoin pay a lower fee.
- JCT payments are unchanged.
- Providers' payouts are unchanged.

## How to check

Every vote is an EIP-712 signature; `python manage.py verify_tally <uid>` recomputes the
result from the chain and the signatures alone.
"""


def _payload(index: int, recipients: list[str]) -> tuple[str, dict[str, Any]]:
    kind = ("parameters", "grant_budget", "recognition")[index % 3]
    if kind == "parameters":
        return kind, {"changes": [{"key": "market.stablecoin_fee_bps", "value": 100 + index % 100}]}
    if kind == "grant_budget":
        return kind, {
            "program_name": f"Bench program {index}",
            "description": "Grants for open-source GPU scheduling work.",
            "amount": str((10_000 + index) * WEI),
        }
    return kind, {
        "recipients": [
            {"recipient": r, "amount": str((100 + n) * WEI), "reason": "uptime leader"}
            for n, r in enumerate(recipients[:3])
        ]
    }


def _draft(author: User, index: int, recipients: list[str]) -> Proposal:
    kind, payload = _payload(index, recipients)
    return proposal_create_draft(
        author=author,
        kind=kind,
        title=f"Bench proposal {index}: {kind.replace('_', ' ')}",
        body=BODY,
        payload=payload,
    )


def seed(
    *,
    voters: int,
    proposals: int,
    voter_key: Callable[[int], str],
    wait: Callable[[str, Callable[[], bool]], None],
) -> dict[str, Any]:
    """Lock veJCT for every voter, create ``proposals`` proposals, wait until they are active.

    Up to two published proposals per voter (the per-author limit is three); the rest are
    drafts, a third of them cancelled. The target (returned) is the newest, so it heads the
    list. Returns {"proposal_id", "published", "snapshot_block", "chain_rpc_url"}.
    """
    addresses = [Account.from_key(voter_key(i)).address for i in range(voters)]
    now = client.block_timestamp(client.head_block())
    # 1,000-1,099 JCT each, locked for four years: every voter is above the proposal threshold.
    create_locks(
        settings.CHAIN_RPC_URL,
        [(a, (1_000 + i) * WEI, now + 4 * YEAR - 7 * 24 * 3600) for i, a in enumerate(addresses)],
    )
    # Put the locks behind the snapshot block (head - snapshot_confirmations).
    client.evm_mine(int(current_value("governance.snapshot_confirmations")) + 1)
    authors = [User.objects.get_or_create_for_address(a) for a in addresses]
    published_count = min(proposals - 1, 2 * voters - 1)
    for index in range(proposals - 1):
        author = authors[index % voters]
        draft = _draft(author, index, addresses)
        if index < published_count:
            proposal_publish(proposal_id=draft.pk, actor=author)
        elif index % 3 == 0:
            proposal_cancel(proposal_id=draft.pk, actor=author, reason="superseded")
    target = _draft(authors[-1], proposals - 1, addresses)
    target = proposal_publish(proposal_id=target.pk, actor=authors[-1])
    published = Proposal.objects.exclude(state__in=[ProposalState.DRAFT, ProposalState.CANCELLED])
    wait(
        "the voting-power snapshot (workers) and activation (beat)",
        lambda: not published.exclude(state=ProposalState.ACTIVE).exists(),
    )
    return {
        "proposal_id": target.pk,
        "published": published.count(),
        "snapshot_block": target.snapshot_block,
        "chain_rpc_url": settings.CHAIN_RPC_URL,
    }
