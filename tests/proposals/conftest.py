"""Fixtures of the proposals tests.

Nothing here stands in for the chain. Casting a vote, counting and closing read only the
veJCT snapshot the chain app stored in the database, so tests of those rules store one with
``stored_snapshot`` (the rows the chain app writes). Everything that does read the chain —
publishing (veJCT now, the head block), taking the snapshot, verify_tally — runs against the
real Anvil chain (tests/fixtures/chain.py) through ``governance_chain``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from coincurve import PrivateKey

from jctgov.chain import client as chain_client
from jctgov.chain.models import PowerSnapshot, PowerSnapshotEntry
from jctgov.core.parameters import current_value
from proposals import services
from proposals.models import Proposal, ProposalState
from tests.factories import UserFactory
from tests.fixtures.chain import ChainHelper
from tests.proposals.factories import WEI, Voter, make_draft, vote_body


@pytest.fixture
def stored_snapshot(db, chain) -> Callable[[int, dict[str, int]], PowerSnapshot]:
    """Store the veJCT snapshot of ``block`` ({address: power}, and optionally
    {delegator: delegate}) as the chain app does.

    The block is a real, confirmed block of the test chain and the row carries its hash, so
    the re-check before a result is final (``power.snapshot_confirm``) finds it unchanged."""

    def store(
        block: int, powers: dict[str, int], delegates: dict[str, str] | None = None
    ) -> PowerSnapshot:
        delegated = delegates or {}
        confirmed = block + current_value("governance.snapshot_confirmations") + 1
        if chain.head() < confirmed:
            chain.mine(confirmed - chain.head())
        snapshot = PowerSnapshot.objects.create(
            block_number=block,
            block_hash=chain_client.block_hash(block),
            total_supply=sum(powers.values()),
            holders=sum(1 for p in powers.values() if p > 0),
        )
        PowerSnapshotEntry.objects.bulk_create(
            PowerSnapshotEntry(snapshot=snapshot, address=a, power=p, delegate=delegated.get(a, ""))
            for a, p in powers.items()
            if p > 0
        )
        return snapshot

    return store


@pytest.fixture
def voters() -> list[Voter]:
    return [Voter() for _ in range(4)]


class GovernanceChain:
    """The dev chain with veJCT locks, and the steps of a proposal's life on it."""

    def __init__(self, chain: ChainHelper, capture_on_commit) -> None:
        self.chain = chain
        self.capture_on_commit = capture_on_commit

    def voter(self, index: int) -> Voter:
        """Dev account ``index`` as a vote signer."""
        return Voter(PrivateKey(bytes.fromhex(self.chain.keys[index].removeprefix("0x"))))

    def lock(self, powers: dict[int, int]) -> None:
        """Lock {dev account index: JCT} for two years each, then bury the locks under the
        snapshot confirmations so a proposal published next sees them."""
        for index, amount in powers.items():
            self.chain.lock(index, amount * WEI, weeks=104)
        self.chain.mine(3)

    def publish(self, author_index: int = 1, **draft) -> Proposal:
        """Publish a draft by dev account ``author_index``; the snapshot task runs on commit
        (eagerly, as a worker would) and stores the snapshot."""
        author = UserFactory(address=self.chain.accounts[author_index])
        proposal = make_draft(author=author, **draft)
        with self.capture_on_commit(execute=True):
            return services.proposal_publish(proposal_id=proposal.pk, actor=author)

    def activate(self, proposal: Proposal) -> Proposal:
        proposal = services.proposal_activate(proposal_id=proposal.pk)
        assert proposal.state == ProposalState.ACTIVE
        return proposal

    def close(self, proposal: Proposal) -> Proposal:
        proposal.refresh_from_db()
        return services.proposal_close(
            proposal_id=proposal.pk, now=proposal.ends_at + timedelta(seconds=1)
        )

    def cast(self, proposal: Proposal, index: int, choice: int, *, at: int, reason: str = ""):
        """Dev account ``index`` signs and casts a vote ``at`` seconds into the window."""
        timestamp = int(proposal.starts_at.timestamp()) + at
        return services.vote_cast(
            proposal_id=proposal.pk,
            now=proposal.starts_at + timedelta(hours=1),
            **vote_body(
                proposal, self.voter(index), choice=choice, reason=reason, timestamp=timestamp
            ),
        )


@pytest.fixture
def governance_chain(chain, db, django_capture_on_commit_callbacks) -> GovernanceChain:
    return GovernanceChain(chain, django_capture_on_commit_callbacks)
