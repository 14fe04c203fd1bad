"""Vote typed data: same hash as eth_account's EIP-712, recovery, and canonical signatures only."""

import json
import re
from dataclasses import replace

import pytest
from coincurve import PrivateKey
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_utils import keccak, to_checksum_address
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from proposals import eip712
from tests.proposals.factories import Voter

DOMAIN = eip712.Domain(31337, "0x" + "ee" * 20)
UID = "0x" + "ab" * 32


def message(voter, choice=1, reason="", timestamp=1_700_000_000):
    return eip712.VoteMessage(UID, voter, choice, reason, timestamp)


def hexsig(signed) -> str:
    return "0x" + signed.signature.hex().removeprefix("0x")


def test_typed_data_is_what_wallets_sign():
    account = Account.create()
    td = eip712.typed_data(DOMAIN, message(account.address, reason="yes ✓"))
    assert td["primaryType"] == "Vote"
    assert td["domain"]["name"] == "Janction Governance" and td["domain"]["version"] == "1"
    assert [f["type"] for f in td["types"]["Vote"]] == [
        "bytes32",
        "address",
        "uint32",
        "string",
        "uint64",
    ]
    signed = Account.sign_message(encode_typed_data(full_message=td), account.key)
    assert signed.message_hash == eip712.vote_digest(
        DOMAIN, message(account.address, reason="yes ✓")
    )
    assert eip712.recover_signer(signed.message_hash, hexsig(signed)) == account.address


addresses = st.binary(min_size=20, max_size=20).map(to_checksum_address)
domains = st.builds(eip712.Domain, st.integers(0, 2**256 - 1), addresses)
votes = st.builds(
    eip712.VoteMessage,
    proposal=st.binary(min_size=32, max_size=32).map(lambda b: "0x" + b.hex()),
    voter=addresses,
    choice=st.integers(0, eip712.UINT32_MAX),
    # Any text a wallet can sign: astral emoji, RTL marks, combining characters, NUL.
    reason=st.text(st.characters(codec="utf-8"), max_size=120),
    timestamp=st.integers(0, eip712.UINT64_MAX),
)
keys = st.integers(1, eip712.SECP256K1_N - 1).map(lambda k: PrivateKey(k.to_bytes(32, "big")))


def eth_account_digest(typed: dict) -> bytes:
    encoded = encode_typed_data(full_message=typed)
    return keccak(b"\x19" + encoded.version + encoded.header + encoded.body)


@settings(max_examples=60, deadline=None)
@given(domains, votes)
def test_digest_matches_eth_account_for_any_vote_even_after_json(domain, vote):
    typed = eip712.typed_data(domain, vote)
    assert eth_account_digest(typed) == eip712.vote_digest(domain, vote)
    # The wallet gets the typed data as JSON; what it hashes must be what we hash.
    assert eth_account_digest(json.loads(json.dumps(typed))) == eip712.vote_digest(domain, vote)


@settings(max_examples=40, deadline=None)
@given(domains, votes, keys)
def test_a_voters_signature_round_trips_to_the_voter_and_the_digest(domain, vote, key):
    voter = Voter(key)
    vote = replace(vote, voter=voter.address)
    digest = eip712.vote_digest(domain, vote)
    signature = voter.sign(digest)
    assert eip712.recover_signer(digest, signature) == voter.address
    assert eip712.verify_vote(domain, vote, signature) == digest
    # The typed data names the voter and the uid exactly as signed.
    message = eip712.typed_data(domain, vote)["message"]
    assert (message["voter"], message["proposal"]) == (voter.address, vote.proposal.lower())


CHANGES = {
    "proposal": lambda v, d: (
        replace(v, proposal="0x" + d.draw(st.binary(min_size=32, max_size=32)).hex()),
        None,
    ),
    "voter": lambda v, d: (replace(v, voter=d.draw(addresses)), None),
    "choice": lambda v, d: (replace(v, choice=d.draw(st.integers(0, eip712.UINT32_MAX))), None),
    "reason": lambda v, d: (replace(v, reason=d.draw(st.text(max_size=40))), None),
    "timestamp": lambda v, d: (
        replace(v, timestamp=d.draw(st.integers(0, eip712.UINT64_MAX))),
        None,
    ),
    "chain": lambda v, d: (v, d.draw(st.integers(0, 2**256 - 1))),
}


@settings(max_examples=60, deadline=None)
@given(domains, votes, keys, st.sampled_from(sorted(CHANGES)), st.data())
def test_a_signature_does_not_carry_over_to_any_other_vote(domain, vote, key, field, data):
    voter = Voter(key)
    vote = replace(vote, voter=voter.address)
    signature = voter.sign(eip712.vote_digest(domain, vote))
    other, chain_id = CHANGES[field](vote, data)
    other_domain = replace(domain, chain_id=chain_id) if chain_id is not None else domain
    assume((other, other_domain) != (vote, domain))
    assert eip712.vote_digest(other_domain, other) != eip712.vote_digest(domain, vote)
    with pytest.raises(eip712.SignatureError) as err:
        eip712.verify_vote(other_domain, other, signature)
    assert err.value.code == "signature_mismatch"


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=65, max_size=65).map(lambda b: "0x" + b.hex()) | st.text(max_size=140))
def test_any_signature_text_splits_canonically_or_is_refused(signature):
    try:
        v, r, s = eip712.split_signature(signature)
    except eip712.SignatureError as err:
        assert err.code in ("bad_signature", "malleable_signature")
    else:
        assert v in (0, 1) and 1 <= r < eip712.SECP256K1_N and 1 <= s <= eip712.SECP256K1_HALF_N


def not_matching(pattern: str):
    return st.text(max_size=70).filter(lambda t: not re.fullmatch(pattern, t))


@settings(max_examples=100, deadline=None)
@given(
    st.one_of(
        st.builds(dict, choice=st.integers(eip712.UINT32_MAX + 1) | st.integers(max_value=-1)),
        st.builds(dict, timestamp=st.integers(eip712.UINT64_MAX + 1) | st.integers(max_value=-1)),
        st.builds(dict, proposal=not_matching(r"0x[0-9a-fA-F]{64}")),
        st.builds(dict, voter=not_matching(r"0x[0-9a-fA-F]{40}")),
    )
)
def test_votes_that_do_not_fit_the_solidity_types_cannot_be_built(bad):
    fields = {"proposal": UID, "voter": "0x" + "12" * 20, "choice": 1, "reason": "", "timestamp": 1}
    with pytest.raises(ValueError):
        eip712.VoteMessage(**{**fields, **bad})


def test_high_s_twin_of_a_valid_signature_is_refused_as_malleable():
    account = Account.create()
    digest = eip712.vote_digest(DOMAIN, message(account.address))
    signed = Account.unsafe_sign_hash(digest, account.key)
    twin_s = eip712.SECP256K1_N - signed.s
    twin_v = 27 if signed.v == 28 else 28
    twin = (
        "0x"
        + signed.r.to_bytes(32, "big").hex()
        + twin_s.to_bytes(32, "big").hex()
        + f"{twin_v:02x}"
    )
    with pytest.raises(eip712.SignatureError) as err:
        eip712.verify_vote(DOMAIN, message(account.address), twin)
    assert err.value.code == "malleable_signature"


@pytest.mark.parametrize("v", [0, 1, 27, 28])
def test_v_may_be_27_28_or_0_1(v):
    account = Account.create()
    digest = eip712.vote_digest(DOMAIN, message(account.address))
    signed = Account.unsafe_sign_hash(digest, account.key)
    recid = signed.v - 27
    if v in (0, 1) and v != recid or v in (27, 28) and v - 27 != recid:
        return  # only the matching recovery id can recover the signer
    sig = (
        "0x" + signed.r.to_bytes(32, "big").hex() + signed.s.to_bytes(32, "big").hex() + f"{v:02x}"
    )
    assert eip712.verify_vote(DOMAIN, message(account.address), sig) == digest


@pytest.mark.parametrize(
    "sig", ["0x1234", "0x" + "00" * 65, "0x" + "11" * 64 + "1d", "nothex" * 22]
)
def test_malformed_signatures_are_bad(sig):
    with pytest.raises(eip712.SignatureError) as err:
        eip712.verify_vote(DOMAIN, message("0x" + "12" * 20), sig)
    assert err.value.code == "bad_signature"


def test_signature_by_someone_else_is_a_mismatch():
    voter, other = Account.create(), Account.create()
    digest = eip712.vote_digest(DOMAIN, message(voter.address))
    sig = hexsig(Account.unsafe_sign_hash(digest, other.key))
    with pytest.raises(eip712.SignatureError) as err:
        eip712.verify_vote(DOMAIN, message(voter.address), sig)
    assert err.value.code == "signature_mismatch"


def test_sign_in_signature_is_never_a_vote():
    account = Account.create()
    siwe = "testserver wants you to sign in with your Ethereum account:\n" + account.address
    sig = hexsig(account.sign_message(encode_defunct(text=siwe)))
    with pytest.raises(eip712.SignatureError) as err:
        eip712.verify_vote(DOMAIN, message(account.address), sig)
    assert err.value.code == "signature_mismatch"


def test_vote_signed_for_another_proposal_does_not_verify():
    account = Account.create()
    other = eip712.VoteMessage("0x" + "cd" * 32, account.address, 1, "", 1_700_000_000)
    sig = hexsig(Account.unsafe_sign_hash(eip712.vote_digest(DOMAIN, other), account.key))
    with pytest.raises(eip712.SignatureError) as err:
        eip712.verify_vote(DOMAIN, message(account.address), sig)
    assert err.value.code == "signature_mismatch"
