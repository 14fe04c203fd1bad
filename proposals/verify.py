"""Recompute a proposal's tally from the chain and the signed receipts alone.

Used by ``manage.py verify_tally``. Trusts nothing the database computed: every signature is
re-verified against the voter, every voter's power is re-read with ``balanceOfAt`` at the
snapshot block, the total with ``totalSupplyAt``, the uid from the published content, and each
voter's latest receipt is chosen again. Then it compares with what the database says.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from proposals import eip712, power, selectors
from proposals.canonical import content_uid
from proposals.models import Proposal
from proposals.services.lifecycle import proposal_content_of
from proposals.services.votes import vote_domain, vote_message
from proposals.tally import Receipt, Tally, VoteRecord, counted_receipts, tally_votes


@dataclass
class Verification:
    tally: Tally
    stored: Tally
    receipts: int
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def verify_proposal(proposal: Proposal) -> Verification:
    problems: list[str] = []
    if content_uid(proposal_content_of(proposal)) != proposal.uid:
        problems.append("uid does not hash the published content")
    block = int(proposal.snapshot_block)
    total_supply = power.vejct_total_supply_at(block)
    if (
        proposal.snapshot_total_supply is not None
        and int(proposal.snapshot_total_supply) != total_supply
    ):
        problems.append(
            f"total supply at block {block}: chain {total_supply}, stored {proposal.snapshot_total_supply}"
        )
    domain = vote_domain(proposal)
    receipts, stored_counted = [], set()
    votes = list(selectors.vote_receipts(proposal))
    chain_power = power.vejct_balances_at(sorted({v.voter for v in votes}), block) if votes else {}
    for vote in votes:
        message = vote_message(
            proposal,
            voter=vote.voter,
            choice=vote.choice,
            reason=vote.reason,
            timestamp=vote.timestamp,
        )
        try:
            digest = "0x" + eip712.verify_vote(domain, message, vote.signature).hex()
        except eip712.SignatureError as exc:
            problems.append(f"receipt {vote.digest}: {exc.code}")
            continue
        if digest != vote.digest:
            problems.append(f"receipt {vote.digest}: id is not its EIP-712 hash")
        if chain_power[vote.voter] == 0:
            # No veJCT at the block (possible only after a reorg retook the snapshot): the
            # receipt is kept but can't count.
            if vote.counted:
                problems.append(f"receipt {vote.digest}: counted, but the voter had no power")
            continue
        if chain_power[vote.voter] != int(vote.power):
            problems.append(
                f"receipt {vote.digest}: power {vote.power} but chain says {chain_power[vote.voter]}"
            )
        receipts.append(
            Receipt(vote.voter, vote.choice, chain_power[vote.voter], vote.timestamp, vote.pk)
        )
        if vote.counted:
            stored_counted.add(vote.pk)
    latest = counted_receipts(receipts)
    if {r.arrival for r in latest} != stored_counted:
        problems.append("the counted votes differ from each voter's latest receipt")
    tally = tally_votes(
        (VoteRecord(r.voter, r.choice, r.power) for r in latest),
        total_supply=total_supply,
        quorum_bps=int(proposal.quorum_bps or 0),
    )
    stored = selectors.proposal_tally(proposal)
    for name in ("for_power", "against_power", "abstain_power"):
        if getattr(tally, name) != getattr(stored, name):
            problems.append(
                f"{name}: recomputed {getattr(tally, name)}, stored {getattr(stored, name)}"
            )
    closed = proposal.closed_at is not None and proposal.state in (
        "succeeded",
        "defeated",
        "no_quorum",
    )
    if closed and tally.outcome != proposal.state:
        problems.append(f"outcome: recomputed {tally.outcome}, stored {proposal.state}")
    return Verification(tally=tally, stored=stored, receipts=len(receipts), mismatches=problems)
