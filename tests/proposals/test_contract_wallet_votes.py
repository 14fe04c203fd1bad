"""Contract wallets vote (EIP-1271): a wallet contract holding veJCT casts a vote its owner
signed, verified with isValidSignature at the snapshot block, and verify_tally re-checks it.

TestContractWallet (jctgov/chain/contracts/test/) accepts its owner's ECDSA signature of the
hash it is asked about, like a 1-of-1 Safe; its owner makes it lock JCT through execute()."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command

from jctgov.chain import client
from proposals import eip712, services
from proposals.models import Vote
from tests.proposals.factories import WEI, Voter
from tests.proposals.test_verify_tally import verify

pytestmark = pytest.mark.django_db
OWNER, STRANGER = 6, 7
WEEK = 7 * 24 * 3600


def wallet_with_vejct(chain, jct: int):
    """A TestContractWallet owned by dev account OWNER that locked ``jct`` JCT for two years."""
    wallet = chain.deploy("test/TestContractWallet", chain.accounts[OWNER])
    escrow, token = chain.contract("VotingEscrow"), chain.contract("JCT")
    chain.mint(wallet.address, jct * WEI)
    approve = token.encode_abi("approve", [escrow.address, jct * WEI])
    chain.send(wallet.functions.execute(token.address, approve), OWNER)
    create = escrow.encode_abi("createLock", [jct * WEI, chain.now() + 104 * WEEK])
    chain.send(wallet.functions.execute(escrow.address, create), OWNER)
    return wallet


def signed_by(governance_chain, signer: int, proposal, voter: str, choice: int, at: int) -> dict:
    """A vote body for ``voter`` whose signature dev account ``signer`` made over the digest."""
    timestamp = int(proposal.starts_at.timestamp()) + at
    domain = eip712.Domain(proposal.chain_id, proposal.verifying_contract)
    message = eip712.VoteMessage(proposal.uid, voter, choice, "", timestamp)
    key = governance_chain.voter(signer)
    return {
        "voter": voter,
        "choice": choice,
        "reason": "",
        "timestamp": timestamp,
        "signature": Voter.sign(key, eip712.vote_digest(domain, message)),
    }


@pytest.fixture
def wallet_vote(governance_chain):
    chain = governance_chain.chain
    wallet = wallet_with_vejct(chain, 400)
    governance_chain.lock({1: 1_000, 2: 300})
    proposal = governance_chain.activate(governance_chain.publish())
    return governance_chain, wallet, proposal


def cast(proposal, body):
    return services.vote_cast(
        proposal_id=proposal.pk, now=proposal.starts_at + timedelta(hours=1), **body
    )


def test_a_contract_wallet_votes_with_its_snapshot_power(wallet_vote):
    governance_chain, wallet, proposal = wallet_vote
    power = client.vejct_balance_at(wallet.address, proposal.snapshot_block)
    assert power > 0
    vote, created = cast(
        proposal, signed_by(governance_chain, OWNER, proposal, wallet.address, 1, 10)
    )
    assert created and vote.counted and vote.voter == wallet.address
    assert int(vote.power) == power


def test_a_contract_wallet_vote_not_signed_by_its_owner_is_refused(wallet_vote):
    governance_chain, wallet, proposal = wallet_vote
    body = signed_by(governance_chain, STRANGER, proposal, wallet.address, 1, 10)
    with pytest.raises(Exception) as refused:
        cast(proposal, body)
    assert refused.value.code == "signature_mismatch"
    assert not Vote.objects.exists()


def test_the_vote_api_takes_a_contract_wallets_vote(client, wallet_vote):
    governance_chain, wallet, proposal = wallet_vote
    body = signed_by(governance_chain, OWNER, proposal, wallet.address, 3, 10)
    body["timestamp"] = int(proposal.starts_at.timestamp()) + 10
    response = client.post(
        f"/api/v1/proposals/{proposal.pk}/votes", body, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["voter"] == wallet.address and response.json()["counted"] is True


def test_verify_tally_rechecks_contract_wallet_signatures(wallet_vote, capsys):
    governance_chain, wallet, proposal = wallet_vote
    cast(proposal, signed_by(governance_chain, OWNER, proposal, wallet.address, 1, 10))
    governance_chain.cast(proposal, 2, 2, at=20)
    closed = governance_chain.close(proposal)
    power = client.vejct_balance_at(wallet.address, closed.snapshot_block)
    verify(closed.uid)
    out = capsys.readouterr().out
    assert f"for      {power}" in out and "verified" in out
    # A stored signature the wallet would not accept makes verification fail.
    stranger = signed_by(governance_chain, STRANGER, proposal, wallet.address, 1, 10)
    Vote.objects.filter(voter=wallet.address).update(signature=stranger["signature"])
    with pytest.raises(CommandError):
        call_command("verify_tally", str(closed.uid))
    captured = capsys.readouterr()
    assert "MISMATCH: for_power: recomputed 0" in captured.out + captured.err
