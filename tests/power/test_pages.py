"""The pages' server side: links, the selectors the lock page's script relies on, 404/400s."""

from __future__ import annotations

import json

import pytest
from eth_utils import function_signature_to_4byte_selector

pytestmark = pytest.mark.django_db


def test_header_links_power_and_delegates(client):
    html = client.get("/").content.decode()
    assert 'href="/power/"' in html and 'href="/delegates/"' in html


def test_provider_dashboard_links_the_lock_page(client):
    assert 'href="/power/"' in client.get("/market/provider/").content.decode()


def test_lock_page_carries_the_selectors_and_errors_it_needs(client, chain):
    response = client.get("/power/")
    assert response.status_code == 200
    html = response.content.decode()
    data = html.split('<script id="wallet-abi" type="application/json">')[1].split("</script>")[0]
    abi = json.loads(data)
    escrow = abi["contracts"]["VotingEscrow"]
    assert escrow["address"] == chain.deployments["VotingEscrow"]
    expected = "0x" + function_signature_to_4byte_selector("createLock(uint256,uint256)").hex()
    assert escrow["functions"]["createLock"] == expected
    names = {e["name"] for e in abi["errors"].values()}
    assert {"LockExpired", "LockNotExpired", "UnlockTimeTooFar", "UnlockTimeNotLater"} <= names
    assert {"ERC20InsufficientAllowance", "ERC20InsufficientBalance"} <= names
    assert {"SelfDelegation", "AlreadyDelegated", "NotDelegated"} <= names
    assert "<script>" not in html.split("<main")[1].split("</main>")[0]  # no inline script


def test_every_error_the_page_can_meet_has_a_sentence(client, chain):
    """static/js/chaintx.js words each custom error of the contracts the page calls."""
    from pathlib import Path

    from jctgov.chain.locks import wallet_abi_summary

    script = (Path(__file__).resolve().parents[2] / "static/js/chaintx.js").read_text()
    names = {e["name"] for e in wallet_abi_summary()["errors"].values()}
    untold = {n for n in names if f"    {n}: " not in script}
    # Unreachable from the page's calls (views, the owner's mint, guards against states the
    # contracts never enter); they still show as "The contract refused: <name>."
    assert untold <= {
        "FutureBlock",
        "InvalidBlockTimestamp",
        "OwnableInvalidOwner",
        "OwnableUnauthorizedAccount",
        "ReentrancyGuardReentrantCall",
        "SafeERC20FailedOperation",
        "SafeCastOverflowedUintDowncast",
        "CheckpointUnorderedInsertion",
    }


def test_a_bad_profile_address_is_404(client, chain):
    assert client.get("/delegates/0x1234/").status_code == 404


def test_a_bad_directory_search_is_400_with_the_reason(client, chain):
    response = client.get("/delegates/", {"search": "zz"})
    assert response.status_code == 400
    assert "hexadecimal" in response.content.decode()
