"""A multi-owner Safe votes: a real Safe v1.4.1 proxy (2 of 3 owners, the compatibility fallback
handler) holding veJCT casts a vote whose signature is its owners' signatures of the SafeMessage,
concatenated; the Safe's own isValidSignature (EIP-1271) decides at the snapshot block, and
verify_tally re-checks it the same way.

The Safe locks its JCT by an impersonated call (how it got its veJCT is not under test); every
signature check below is the Safe's code on Anvil."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from eth_abi import encode as abi_encode
from eth_utils import keccak
from web3 import Web3
from web3.logs import DISCARD

from jctgov.chain import client
from proposals import eip712
from proposals.contract_votes import MAX_CONTRACT_SIGNATURE_BYTES
from proposals.models import Vote
from tests.proposals.factories import WEI

pytestmark = pytest.mark.django_db
OWNERS, STRANGER = (6, 7, 8), 9
WEEK = 7 * 24 * 3600
ZERO = "0x" + "00" * 20
DOMAIN_TYPEHASH = keccak(text="EIP712Domain(uint256 chainId,address verifyingContract)")
SAFE_MSG_TYPEHASH = keccak(text="SafeMessage(bytes message)")


def create_safe(chain, owners: list[str], threshold: int) -> str:
    """A new Safe proxy from the deployed v1.4.1 factory, with the compatibility fallback
    handler (which answers isValidSignature for the Safe)."""
    singleton = chain.w3.eth.contract(abi=client.artifact("Safe")["abi"])
    setup = singleton.encode_abi(
        "setup",
        args=[
            owners,
            threshold,
            ZERO,
            b"",
            chain.deployments["SafeFallbackHandler"],
            ZERO,
            0,
            ZERO,
        ],
    )
    factory = chain.w3.eth.contract(
        address=chain.deployments["SafeProxyFactory"],
        abi=client.artifact("SafeProxyFactory")["abi"],
    )
    create = factory.functions.createProxyWithNonce(
        chain.deployments["SafeSingleton"], bytes.fromhex(setup[2:]), 77
    )
    receipt = chain.w3.eth.get_transaction_receipt(chain.send(create)["tx_hash"])
    [created] = factory.events.ProxyCreation().process_receipt(receipt, errors=DISCARD)
    return Web3.to_checksum_address(created["args"]["proxy"])


def safe_message_hash(chain_id: int, safe: str, digest: bytes) -> bytes:
    """What each owner signs: the Safe's EIP-712 SafeMessage over the 32-byte vote digest."""
    separator = keccak(
        abi_encode(["bytes32", "uint256", "address"], [DOMAIN_TYPEHASH, chain_id, safe])
    )
    struct = keccak(abi_encode(["bytes32", "bytes32"], [SAFE_MSG_TYPEHASH, keccak(digest)]))
    return keccak(b"\x19\x01" + separator + struct)


@pytest.fixture
def safe_vote(governance_chain):
    """A 2-of-3 Safe that locked 500 JCT, and an active proposal whose snapshot has it."""
    chain = governance_chain.chain
    owners = [chain.accounts[i] for i in OWNERS]
    safe = create_safe(chain, owners, 2)
    escrow, token = chain.contract("VotingEscrow"), chain.contract("JCT")
    chain.mint(safe, 500 * WEI)
    chain.as_contract(safe, token.functions.approve(escrow.address, 500 * WEI))
    chain.as_contract(safe, escrow.functions.createLock(500 * WEI, chain.now() + 104 * WEEK))
    governance_chain.lock({1: 1_000})
    proposal = governance_chain.activate(governance_chain.publish())
    return governance_chain, safe, proposal


def body(governance_chain, proposal, safe: str, signers: tuple[int, ...], choice: int = 1) -> dict:
    """The vote of ``safe``, signed by dev accounts ``signers`` (sorted by owner address, as
    the Safe's checkSignatures needs)."""
    timestamp = int(proposal.starts_at.timestamp()) + 10
    domain = eip712.Domain(proposal.chain_id, proposal.verifying_contract)
    digest = eip712.vote_digest(
        domain, eip712.VoteMessage(proposal.uid, safe, choice, "", timestamp)
    )
    signed = safe_message_hash(proposal.chain_id, safe, digest)
    voters = sorted((governance_chain.voter(i) for i in signers), key=lambda v: int(v.address, 16))
    signature = "0x" + "".join(v.sign(signed)[2:] for v in voters)
    return {
        "voter": safe,
        "choice": choice,
        "reason": "",
        "timestamp": timestamp,
        "signature": signature,
    }


def post(client, proposal, vote: dict):
    return client.post(
        f"/api/v1/proposals/{proposal.pk}/votes", vote, content_type="application/json"
    )


def test_a_2_of_3_safe_votes_with_two_owners_signatures(client, safe_vote):
    governance_chain, safe, proposal = safe_vote
    vote = body(governance_chain, proposal, safe, OWNERS[:2])
    assert len(vote["signature"]) == 2 + 2 * 130  # two owners' 65 bytes, concatenated
    response = post(client, proposal, vote)
    assert response.status_code == 201, response.content
    receipt = response.json()
    assert receipt["voter"] == safe and receipt["counted"] is True
    assert receipt["signature"] == vote["signature"]
    assert int(receipt["power"]) == client_power(safe, proposal) > 0
    # Another pair of owners signing the same vote is the same vote: stored once.
    again = post(client, proposal, body(governance_chain, proposal, safe, OWNERS[1:]))
    assert again.status_code == 200 and again.json()["id"] == receipt["id"]
    assert again.json()["signature"] == vote["signature"]  # the first one stays
    assert Vote.objects.filter(voter=safe).count() == 1


def client_power(safe: str, proposal) -> int:
    proposal.refresh_from_db()
    return client.vejct_balance_at(safe, proposal.snapshot_block)


@pytest.mark.parametrize(
    "signers",
    [(OWNERS[0],), (OWNERS[0], STRANGER)],
    ids=["one owner of the two needed", "an owner and a stranger"],
)
def test_a_safe_vote_without_enough_owners_is_refused(client, safe_vote, signers):
    governance_chain, safe, proposal = safe_vote
    response = post(client, proposal, body(governance_chain, proposal, safe, signers))
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "signature_mismatch"
    assert not Vote.objects.filter(voter=safe).exists()


def test_a_signature_longer_than_any_wallet_signs_is_refused_before_the_chain(client, safe_vote):
    governance_chain, safe, proposal = safe_vote
    vote = body(governance_chain, proposal, safe, OWNERS[:2])
    vote["signature"] = "0x" + "ab" * (MAX_CONTRACT_SIGNATURE_BYTES + 1)
    response = post(client, proposal, vote)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_signature"
    assert response.json()["error"]["field"] == "signature"
    # And the column holds the longest one accepted.
    longest = 2 + 2 * MAX_CONTRACT_SIGNATURE_BYTES
    assert Vote._meta.get_field("signature").max_length == longest


def test_verify_tally_rechecks_the_safes_signatures_at_the_snapshot_block(safe_vote, capsys):
    governance_chain, safe, proposal = safe_vote
    from proposals import services

    services.vote_cast(
        proposal_id=proposal.pk,
        now=proposal.starts_at + timedelta(hours=1),
        **body(governance_chain, proposal, safe, (OWNERS[0], OWNERS[2]), choice=2),
    )
    closed = governance_chain.close(proposal)
    call_command("verify_tally", str(closed.uid))
    out = capsys.readouterr().out
    assert f"against  {client_power(safe, closed)}" in out and "verified" in out
