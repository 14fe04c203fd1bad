"""Proposals test helpers: draft/active proposals and fast vote signing (coincurve, low-s)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from coincurve import PrivateKey
from django.utils import timezone
from eth_utils import keccak, to_checksum_address

from proposals import eip712
from proposals.canonical import content_uid, proposal_content
from proposals.models import Proposal, ProposalKind, ProposalState
from tests.factories import UserFactory

ESCROW = "0x" + "ee" * 20
CHAIN_ID = 31337
WEI = 10**18


@dataclass
class Voter:
    key: PrivateKey = field(default_factory=PrivateKey)

    @property
    def address(self) -> str:
        return to_checksum_address(keccak(self.key.public_key.format(compressed=False)[1:])[-20:])

    def sign(self, digest: bytes) -> str:
        sig = self.key.sign_recoverable(digest, hasher=None)  # r ‖ s ‖ recid, low-s
        return "0x" + sig[:64].hex() + format(sig[64] + 27, "02x")


def vote_body(
    proposal: Proposal,
    voter: Voter,
    *,
    choice: int = 1,
    reason: str = "",
    timestamp: int | None = None,
) -> dict:
    """The POST body of a vote, signed by ``voter``."""
    if timestamp is None:
        timestamp = int(timezone.now().timestamp())
    domain = eip712.Domain(proposal.chain_id, proposal.verifying_contract)
    message = eip712.VoteMessage(proposal.uid, voter.address, choice, reason, timestamp)
    return {
        "voter": voter.address,
        "choice": choice,
        "reason": reason,
        "timestamp": timestamp,
        "signature": voter.sign(eip712.vote_digest(domain, message)),
    }


def params_payload(**changes: int) -> dict:
    return {"changes": [{"key": k.replace("__", "."), "value": v} for k, v in changes.items()]}


def make_draft(author=None, **overrides) -> Proposal:
    fields = {
        "kind": ProposalKind.PARAMETERS,
        "title": "Lower the JCT fee",
        "body": "Cheaper compute when paying in JCT.",
        "payload": {"changes": [{"key": "market.jct_fee_bps", "value": "50"}]},
        **overrides,
    }
    return Proposal.objects.create(
        author=author or UserFactory(), state=ProposalState.DRAFT, **fields
    )


def make_active(
    *,
    snapshot_block: int = 100,
    quorum_bps: int = 400,
    total_supply: int = 1000 * WEI,
    starts_ago: timedelta = timedelta(hours=1),
    ends_in: timedelta = timedelta(hours=1),
    state: str = ProposalState.ACTIVE,
    **overrides,
) -> Proposal:
    """An active proposal as publish + activate leave it (uid, domain, window, frozen rules);
    ``state=ProposalState.PENDING`` for one whose snapshot is still being taken."""
    proposal = make_draft(**overrides)
    now = timezone.now()
    proposal.chain_id, proposal.verifying_contract = CHAIN_ID, to_checksum_address(ESCROW)
    proposal.snapshot_block = snapshot_block
    proposal.uid = content_uid(
        proposal_content(
            proposal_id=proposal.pk,
            kind=proposal.kind,
            title=proposal.title,
            body=proposal.body,
            discussion_url="",
            payload=proposal.payload,
            author=proposal.author.address,
            chain_id=CHAIN_ID,
            verifying_contract=proposal.verifying_contract,
            snapshot_block=snapshot_block,
        )
    )
    proposal.quorum_bps, proposal.voting_period_s = quorum_bps, 7200
    proposal.snapshot_total_supply = total_supply if state != ProposalState.PENDING else None
    proposal.published_at = proposal.starts_at = now - starts_ago
    proposal.ends_at = now + ends_in
    proposal.state = state
    proposal.save()
    return proposal


def make_succeeded(*, closed_ago: timedelta = timedelta(minutes=5), **overrides) -> Proposal:
    """A proposal that passed its vote, as proposal_close leaves it (uid, tally, closed_at)."""
    proposal = make_active(
        starts_ago=timedelta(hours=2) + closed_ago, ends_in=-closed_ago, **overrides
    )
    proposal.for_power, proposal.against_power, proposal.abstain_power = 600 * WEI, 100 * WEI, 0
    proposal.closed_at = proposal.ends_at
    proposal.state = ProposalState.SUCCEEDED
    proposal.save()
    return proposal
