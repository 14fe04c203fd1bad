"""Sign-in for contract wallets (EIP-1271), verified on the test Anvil.

``TestContractWallet`` (jctgov/chain/contracts/test/) accepts its owner's ECDSA signature of the
hash it is asked about; for SIWE that hash is the EIP-191 digest of the message, so the owner
signs the text with personal_sign as usual and the *contract's* address signs in.
"""

from __future__ import annotations

import pytest

from jctgov.chain.anvil import free_port
from jctgov.wallets.models import SiweNonce, User
from tests.wallets.siwe import assert_refused, get_nonce, login, sign, siwe_text

pytestmark = pytest.mark.django_db
OWNER, STRANGER = 5, 6


@pytest.fixture
def contract_wallet(chain):
    """A TestContractWallet owned by dev account 5, deployed for this test only."""
    return chain.deploy("test/TestContractWallet", chain.accounts[OWNER])


def test_contract_wallet_signs_in_with_its_owners_signature(client, chain, contract_wallet):
    assert contract_wallet.functions.owner().call() == chain.accounts[OWNER]
    text = siwe_text(contract_wallet.address, get_nonce(client))
    response = login(client, text, sign(chain.account(OWNER), text))
    assert response.status_code == 200, response.content
    assert response.json() == {"address": contract_wallet.address}
    me = client.get("/api/v1/auth/me").json()
    assert me == {"address": contract_wallet.address, "is_steward": False}
    assert not User.objects.filter(address=chain.accounts[OWNER]).exists()  # not the owner


def test_contract_wallet_refuses_someone_elses_signature(client, chain, contract_wallet):
    nonce = get_nonce(client)
    text = siwe_text(contract_wallet.address, nonce)
    assert_refused(login(client, text, sign(chain.account(STRANGER), text)), 401, "bad_signature")
    assert client.get("/api/v1/auth/me").status_code == 401
    assert not User.objects.exists()
    # Refused before the nonce was consumed: the owner can still use it.
    assert login(client, text, sign(chain.account(OWNER), text)).status_code == 200


def test_owners_signature_of_another_message_is_refused(client, chain, contract_wallet):
    text = siwe_text(contract_wallet.address, get_nonce(client))
    other = siwe_text(contract_wallet.address, "SomeOtherNonce12345678")
    assert_refused(login(client, text, sign(chain.account(OWNER), other)), 401, "bad_signature")


def test_contract_without_eip1271_cannot_sign_in(client, chain):
    token = chain.deployments["JCT"]  # has code, but no isValidSignature
    text = siwe_text(token, get_nonce(client))
    assert_refused(login(client, text, sign(chain.account(0), text)), 401, "bad_signature")


def test_contract_wallet_sign_in_is_503_while_the_chain_is_down(
    client, chain, contract_wallet, settings
):
    nonce = get_nonce(client)
    text = siwe_text(contract_wallet.address, nonce)
    signature = sign(chain.account(OWNER), text)
    settings.CHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    response = login(client, text, signature)
    assert_refused(response, 503, "chain_unavailable")
    assert "try again" in response.json()["error"]["message"].lower()
    assert SiweNonce.objects.get(nonce=nonce).used_at is None  # nothing consumed
    assert client.get("/api/v1/auth/me").status_code == 401
    settings.CHAIN_RPC_URL = chain.w3.provider.endpoint_uri  # the chain is back: retry works
    assert login(client, text, signature).json() == {"address": contract_wallet.address}


def test_ordinary_wallet_signs_in_while_the_chain_is_down(client, chain, settings):
    settings.CHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"
    eoa = chain.account(STRANGER)
    text = siwe_text(eoa.address, get_nonce(client))
    assert login(client, text, sign(eoa, text)).json() == {"address": eoa.address}
