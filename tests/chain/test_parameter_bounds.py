"""Bounds are on chain: ParameterStore refuses out-of-bounds values even from the timelock, and
a value forced onto the chain outside the registry's bounds is never trusted by the mirror."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from eth_utils import keccak

from jctgov.chain import client
from jctgov.chain.indexer import index_events
from jctgov.chain.models import ParameterMirror
from jctgov.core.parameters import REGISTRY, current_value
from tests.fixtures.chain import TEST_TIMELOCK_DELAY_S

pytestmark = pytest.mark.django_db
ZERO32 = b"\x00" * 32
FEE = "market.jct_fee_bps"  # registry bounds 0 – 1000 bps, default 100


def test_every_registered_parameter_has_its_registry_bounds_on_chain(chain):
    store = chain.contract("ParameterStore")
    for param in REGISTRY.values():
        lo, hi, registered = store.functions.bounds(bytes.fromhex(param.chain_key[2:])).call()
        assert (lo, hi, registered) == (param.min, param.max, True), param.key
    assert store.functions.bounds(keccak(text="market.free_lunch")).call() == [0, 0, False]


def test_the_timelock_itself_cannot_set_a_value_outside_the_bounds(chain):
    key = client.parameter_key_hash(FEE)
    with pytest.raises(
        client.ChainError, match=rf"ValueOutOfBounds\(0x{key.hex()}, 50000, 0, 1000\)"
    ):
        chain.set_parameter(FEE, 50_000)  # sent from the timelock's own address
    with pytest.raises(client.ChainError, match="UnknownParameter"):
        chain.set_parameter("market.free_lunch", 1)
    chain.set_parameter(FEE, 1_000)  # the bounds are inclusive
    assert client.parameter_value(FEE) == 1_000


def test_an_out_of_bounds_operation_through_the_timelock_reverts_at_execution(chain):
    """The attack of issue 12: schedule + execute setParameter(jct_fee_bps, 50000)."""
    store, timelock = chain.contract("ParameterStore"), chain.contract("TimelockController")
    data = store.functions.setParameter(
        client.parameter_key_hash(FEE), 50_000
    )._encode_transaction_data()
    salt = keccak(text="no proposal")
    chain.as_proposer(  # the stewards' Safe, the timelock's only proposer
        timelock.functions.schedule(store.address, 0, data, ZERO32, salt, TEST_TIMELOCK_DELAY_S)
    )
    chain.increase_time(TEST_TIMELOCK_DELAY_S)
    with pytest.raises(client.ChainError, match="ValueOutOfBounds"):
        chain.send(timelock.functions.execute(store.address, 0, data, ZERO32, salt))
    assert client.parameter_value(FEE) is None


def test_only_the_timelock_changes_bounds_and_new_values_follow_them(chain):
    store = chain.contract("ParameterStore")
    key = client.parameter_key_hash(FEE)
    with pytest.raises(client.ChainError, match="OwnableUnauthorizedAccount"):
        chain.send(store.functions.setBounds(key, 0, 2_000), 1)
    with pytest.raises(client.ChainError, match="InvalidBounds"):
        chain.as_timelock(store.functions.setBounds(key, 10, 5))
    receipt = chain.as_timelock(store.functions.setBounds(key, 0, 2_000))
    event = store.events.BoundsChanged().get_logs(from_block=receipt["block_number"])[0]["args"]
    assert (event["key"], event["min"], event["max"]) == (key, 0, 2_000)
    chain.set_parameter(FEE, 1_500)
    assert client.parameter_value(FEE) == 1_500


def force_unbounded_store(chain) -> None:
    """Put the bound-less ParameterStore's code at the real store's address (same storage
    layout): the chain can then hold any value, as a store deployed without bounds would."""
    unbounded = chain.deploy("test/UnboundedParameterStore", chain.accounts[0])
    code = chain.w3.eth.get_code(unbounded.address)
    chain.w3.provider.make_request(
        "anvil_setCode", [chain.deployments["ParameterStore"], "0x" + bytes(code).hex()]
    )


def test_mirror_keeps_the_last_valid_value_and_logs_an_out_of_range_one(chain, caplog):
    chain.set_parameter(FEE, 75)
    index_events(confirmations=0)
    force_unbounded_store(chain)
    forced = chain.set_parameter(FEE, 50_000)
    with caplog.at_level(logging.WARNING, logger="jctgov.chain.indexer"):
        index_events(confirmations=0)
    assert client.parameter_value(FEE) == 50_000  # the chain does hold it
    assert current_value(FEE) == 75  # but jctgov keeps the last valid value
    row = ParameterMirror.objects.get(key_hash=REGISTRY[FEE].chain_key)
    assert (row.value, row.out_of_range_value) == (Decimal(75), Decimal(50_000))
    assert row.block_number == forced["block_number"]
    assert "chain value out of range: market.jct_fee_bps = 50000" in caplog.text

    # A later valid value clears the flag.
    chain.set_parameter(FEE, 80)
    index_events(confirmations=0)
    row.refresh_from_db()
    assert (row.value, row.out_of_range_value) == (Decimal(80), None)


def test_an_out_of_range_first_value_leaves_the_default_in_force(chain):
    force_unbounded_store(chain)
    chain.set_parameter("governance.quorum_bps", 0)  # bounds 1 – 10000: no quorum at all
    index_events(confirmations=0)
    assert current_value("governance.quorum_bps") == REGISTRY["governance.quorum_bps"].default


def test_out_of_range_chain_value_shows_on_pages_and_api_instead_of_a_500(client, chain, settings):
    settings.MARKET_JCT_USD_PRICE = "0.50"
    force_unbounded_store(chain)
    chain.set_parameter(FEE, 50_000)
    index_events(confirmations=0)

    quote = client.get(
        "/api/v1/market/quotes", {"gpu_hours": "20", "price": "1.50", "payment_token": "jct"}
    )
    assert quote.status_code == 200
    assert Decimal(quote.json()["jct"]["total"]) == Decimal("60.75")  # the default 1% fee

    rows = {r["key"]: r for r in client.get("/api/v1/parameters").json()}
    assert rows[FEE]["current"] == "100" and rows[FEE]["source"] == "default"
    assert rows[FEE]["chain_value_out_of_range"] == "50000"
    assert rows["market.stablecoin_fee_bps"]["chain_value_out_of_range"] is None

    page = client.get(f"/parameters/{FEE}/").content.decode()
    assert "Chain value out of range" in page and "<code>50000</code>" in page
    assert "1.00%" in page  # the value in force
    listing = client.get("/parameters/").content.decode()
    assert "chain value out of range" in listing and "the chain holds 50000" in listing
    assert client.get("/parameters/market.free_lunch/").status_code == 404
