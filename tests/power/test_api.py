"""GET /api/v1/power/{address} on a real Anvil: what the lock page reads, exact to the wei."""

from __future__ import annotations

import pytest
from eth_account import Account

from jctgov.chain import client as chain_client
from jctgov.chain.locks import MAX_LOCK_S, WEEK_S
from tests.fixtures.chain import WEI

pytestmark = pytest.mark.django_db


def test_a_lock_is_read_at_one_block_with_its_exact_decay(client, chain):
    holder = chain.accounts[3]
    chain.lock(3, 1000 * WEI, weeks=52)
    body = client.get(f"/api/v1/power/{holder.lower()}").json()
    escrow = chain.contract("VotingEscrow")
    amount, end = escrow.functions.locked(holder).call()
    assert body["address"] == holder  # any case in, checksummed out
    assert body["block"] == chain.head() and body["chain_time"] == chain.now()
    assert body["jct_balance"] == str(chain_client.token_balance("JCT", holder))
    assert body["jct_balance"] == str(999_000 * WEI)
    assert body["allowance"] == "0"  # chain.lock approved exactly the amount
    assert body["lock"] == {"amount": str(1000 * WEI), "end": end, "expired": False}
    assert end % WEEK_S == 0
    assert body["vejct"] == str(escrow.functions.balanceOf(holder).call())
    curve = body["curve"]
    assert curve[0] == {"t": body["chain_time"], "vejct": body["vejct"]}
    assert curve[-1] == {"t": end, "vejct": "0"}
    slope = amount // MAX_LOCK_S
    assert all(int(p["vejct"]) == slope * (end - p["t"]) for p in curve)
    assert [p["t"] for p in curve] == sorted(p["t"] for p in curve)
    assert body["week_s"] == WEEK_S and body["max_lock_s"] == MAX_LOCK_S


def test_no_lock_and_an_expired_lock(client, chain):
    fresh = Account.create().address
    body = client.get(f"/api/v1/power/{fresh}").json()
    assert body["lock"] is None and body["vejct"] == "0" and body["curve"] == []
    assert body["jct_balance"] == "0"
    chain.lock(4, 10 * WEI, weeks=2)
    chain.increase_time(3 * WEEK_S)
    body = client.get(f"/api/v1/power/{chain.accounts[4]}").json()
    assert body["lock"]["expired"] is True and body["lock"]["amount"] == str(10 * WEI)
    assert body["vejct"] == "0" and body["curve"] == []


@pytest.mark.parametrize(
    "address",
    [
        "0x1234",
        "not-an-address",
        "0x" + "g" * 40,
        # a mixed-case address whose EIP-55 checksum is broken (one letter's case flipped)
        "0x5AAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    ],
)
def test_a_bad_address_is_refused_with_a_code(client, address):
    response = client.get(f"/api/v1/power/{address}")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_address"
    assert response.json()["error"]["field"] == "address"


def test_chain_down_is_503_chain_unavailable(client, settings):
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"  # the discard port: nothing answers
    response = client.get("/api/v1/power/0x" + "ab" * 20)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "chain_unavailable"


def test_the_operation_documents_its_error_codes(client):
    schema = client.get("/api/v1/schema", HTTP_ACCEPT="application/json").json()
    responses = schema["paths"]["/api/v1/power/{address}"]["get"]["responses"]
    assert "invalid_address" in responses["400"]["description"]
    assert "chain_unavailable" in responses["503"]["description"]
