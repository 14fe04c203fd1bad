"""Recompute a proposal's tally from the chain and the signed receipts alone.

Used by ``manage.py verify_tally``. Trusts nothing the database computed: the RPC must serve the
proposal's chain and VotingEscrow; the uid must hash the published content; every signature is
re-verified against its voter (ECDSA, or EIP-1271 at the snapshot block for a contract wallet:
proposals/contract_votes.py) and must fall inside the voting window; every voter's power is
re-read at the snapshot block (``balanceOfAtBlock``), the total with ``totalSupplyAtBlock``;
each voter's latest receipt is chosen again. Delegation is recounted from the chain too: every
address that ever delegated up to the block (VoteDelegation's DelegateChanged logs) has its
``delegateOfAt`` and ``balanceOfAtBlock`` at the block read, and each counted vote's delegated
power is re-derived with Snapshot's rule (``tally.delegated_powers``). Then it compares with
what the database says, receipt by receipt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from proposals import eip712, power, selectors
from proposals.canonical import content_uid
from proposals.contract_votes import verify_vote_signature
from proposals.domain import proposal_content_of, vote_domain, vote_message
from proposals.models import CLOSED_STATES, Proposal, Vote
from proposals.tally import (
    Delegated,
    Holding,
    Receipt,
    Tally,
    VoteRecord,
    counted_receipts,
    delegated_powers,
    tally_votes,
)


@dataclass
class Verification:
    tally: Tally
    stored: Tally
    receipts: int
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def _check_chain(proposal: Proposal) -> list[str]:
    """The RPC must serve the proposal's chain and VotingEscrow, or every read below is moot."""
    problems = []
    if power.rpc_chain_id() != proposal.chain_id:
        problems.append(f"the RPC serves chain {power.rpc_chain_id()}, not {proposal.chain_id}")
    if power.voting_escrow_address() != proposal.verifying_contract:
        problems.append(
            f"VotingEscrow here is {power.voting_escrow_address()}, "
            f"the proposal's is {proposal.verifying_contract}"
        )
    return problems


def _check_receipt(
    proposal: Proposal, vote: Vote, holding: Holding, eligible: bool
) -> tuple[list[str], bool]:
    """Problems with one stored receipt (signature, id, window, own power), and whether it may
    count at all: a vote the voter did not sign, or signed outside the window, never does;
    nor does one of a voter who had neither veJCT nor delegators at the block."""
    message = vote_message(
        proposal,
        voter=vote.voter,
        choice=vote.choice,
        reason=vote.reason,
        timestamp=vote.timestamp,
    )
    try:
        signed = verify_vote_signature(
            vote_domain(proposal),
            message,
            vote.signature,
            snapshot_block=proposal.published_snapshot_block,
        )
        digest = "0x" + signed.hex()
    except eip712.SignatureError as exc:
        return [f"receipt {vote.digest}: {exc.code}"], False
    problems = []
    if digest != vote.digest:
        problems.append(f"receipt {vote.digest}: id is not its EIP-712 hash")
    starts = int(proposal.voting_starts_at.timestamp())
    ends = int(proposal.voting_ends_at.timestamp())
    in_window = starts <= vote.timestamp <= ends
    if not in_window:
        problems.append(
            f"receipt {vote.digest}: signed at {vote.timestamp}, outside the voting window "
            f"[{starts}, {ends}]"
        )
    if not eligible:
        # No veJCT and no delegators at the block (possible only after a reorg retook the
        # snapshot): the receipt is kept but can't count.
        if vote.counted:
            problems.append(f"receipt {vote.digest}: counted, but the voter had no power")
        return problems, False
    if holding.power != int(vote.power):
        problems.append(f"receipt {vote.digest}: power {vote.power} but chain says {holding.power}")
    return problems, in_window


def _chain_holdings(proposal: Proposal, votes: list[Vote]) -> dict[str, Holding]:
    """Own veJCT and delegate at the snapshot block, from the chain alone, of every voter and
    every address that ever delegated up to the block (from the DelegateChanged logs)."""
    block = proposal.published_snapshot_block
    addresses = {v.voter for v in votes} | power.delegators_ever(block)
    return power.holders_and_delegates_at(sorted(addresses), block) if addresses else {}


def _check_delegation(
    votes: list[Vote], latest: set[int], carried: dict[str, Delegated]
) -> list[str]:
    """Each receipt's stored delegated power against the recount: the voter's delegators who
    did not vote on the counted vote, nothing on the others."""
    problems = []
    for vote in votes:
        due = carried.get(vote.voter, Delegated()) if vote.pk in latest else Delegated()
        stored = (int(vote.delegated_power), int(vote.delegators))
        if stored != (due.power, len(due.delegators)):
            problems.append(
                f"receipt {vote.digest}: delegated power {stored[0]} from {stored[1]} "
                f"delegators, but chain says {due.power} from {len(due.delegators)}"
            )
    return problems


def verify_proposal(proposal: Proposal) -> Verification:
    problems = _check_chain(proposal)
    if content_uid(proposal_content_of(proposal)) != proposal.uid:
        problems.append("uid does not hash the published content")
    block = proposal.published_snapshot_block
    total_supply = power.vejct_total_supply_at(block)
    if (
        proposal.snapshot_total_supply is not None
        and int(proposal.snapshot_total_supply) != total_supply
    ):
        problems.append(
            f"total supply at block {block}: chain {total_supply}, "
            f"stored {proposal.snapshot_total_supply}"
        )
    receipts, stored_counted = [], set()
    votes = list(selectors.vote_receipts(proposal))
    holdings = _chain_holdings(proposal, votes)
    delegates = {h.delegate for h in holdings.values() if h.delegate and h.power > 0}
    for vote in votes:
        holding = holdings.get(vote.voter, Holding(0))
        eligible = holding.power > 0 or vote.voter in delegates
        found, may_count = _check_receipt(proposal, vote, holding, eligible)
        problems.extend(found)
        if vote.counted:
            stored_counted.add(vote.pk)
        if may_count:
            receipts.append(
                Receipt(vote.voter, vote.choice, holding.power, vote.timestamp, vote.pk)
            )
    latest = counted_receipts(receipts)
    if {r.arrival for r in latest} != stored_counted:
        problems.append("the counted votes differ from each voter's latest receipt")
    carried = delegated_powers(holdings, [r.voter for r in latest])
    problems.extend(_check_delegation(votes, {r.arrival for r in latest}, carried))
    tally = tally_votes(
        (VoteRecord(r.voter, r.choice, r.power + carried[r.voter].power) for r in latest),
        total_supply=total_supply,
        quorum_bps=int(proposal.quorum_bps or 0),
    )
    stored = selectors.proposal_tally(proposal)
    for name in ("for_power", "against_power", "abstain_power"):
        if getattr(tally, name) != getattr(stored, name):
            problems.append(
                f"{name}: recomputed {getattr(tally, name)}, stored {getattr(stored, name)}"
            )
    closed = proposal.closed_at is not None and proposal.state in CLOSED_STATES
    if closed and tally.outcome != proposal.state:
        problems.append(f"outcome: recomputed {tally.outcome}, stored {proposal.state}")
    return Verification(tally=tally, stored=stored, receipts=len(receipts), mismatches=problems)
