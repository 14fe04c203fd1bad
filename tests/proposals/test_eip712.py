"""Vote typed data: same hash as eth_account's EIP-712, recovery, and canonical signatures only."""

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from hypothesis import given, settings
from hypothesis import strategies as st

from proposals import eip712

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


@settings(max_examples=25, deadline=None)
@given(
    choice=st.integers(0, 2**32 - 1),
    reason=st.text(max_size=50),
    timestamp=st.integers(0, 2**64 - 1),
)
def test_digest_matches_eth_account_for_any_vote(choice, reason, timestamp):
    voter = "0x" + "12" * 20
    msg = eip712.VoteMessage(UID, voter, choice, reason, timestamp)
    expected = encode_typed_data(full_message=eip712.typed_data(DOMAIN, msg))
    from eth_utils import keccak

    assert keccak(
        b"\x19" + expected.version + expected.header + expected.body
    ) == eip712.vote_digest(DOMAIN, msg)


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
