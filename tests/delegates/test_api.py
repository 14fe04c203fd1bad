"""Delegates directory, profiles and statements, from real delegations indexed off Anvil."""

from __future__ import annotations

import pytest
from eth_utils import to_checksum_address

from jctgov.chain import client as chain_client
from jctgov.chain.delegation import delegators_at
from jctgov.chain.indexer import index_events
from jctgov.delegates.models import MAX_STATEMENT, DelegateStatement
from proposals import services
from tests.factories import UserFactory
from tests.proposals.factories import WEI, Voter, make_active, vote_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def delegations(chain):
    """1 (1,000 JCT) and 2 (400) delegate to 5; 3 (50) to 6; 7 wrote a statement only."""
    a = chain.accounts
    chain.lock(1, 1_000 * WEI, 100)
    chain.lock(2, 400 * WEI, 50)
    chain.lock(3, 50 * WEI, 20)
    chain.delegate(1, a[5])
    chain.delegate(2, a[5])
    chain.delegate(3, a[6])
    chain.delegate(4, a[6])  # 4 has no lock: counted as a delegator with 0 veJCT
    index_events(confirmations=0)
    DelegateStatement.objects.create(address=a[7], text="I read every proposal.")
    return a


def balance(address: str) -> int:
    return chain_client.vejct_balance(address)


def test_directory_lists_delegates_by_delegated_power_now(client, delegations):
    a = delegations
    rows = client.get("/api/v1/delegates").json()["results"]
    assert [r["address"] for r in rows] == [a[5], a[6], a[7]]
    # veJCT now, exactly as VotingEscrow.balanceOf says, from the indexed locks alone
    assert rows[0]["delegated_power"] == str(balance(a[1]) + balance(a[2]))
    assert rows[1]["delegated_power"] == str(balance(a[3]))
    assert [r["delegators"] for r in rows] == [2, 2, 0]
    assert rows[2]["has_statement"] is True


def test_directory_search_by_address_in_any_case(client, delegations):
    six = delegations[6]
    for needle in (six.lower(), six.upper().replace("0X", "0x"), six[5:15].lower()):
        rows = client.get("/api/v1/delegates", {"search": needle}).json()["results"]
        assert [r["address"] for r in rows] == [six], needle


@pytest.mark.parametrize(
    ("params", "code"),
    [({"ordering": "votes"}, "invalid_ordering"), ({"search": "0xZZ"}, "invalid_search")],
)
def test_directory_refuses_bad_parameters(client, delegations, params, code):
    response = client.get("/api/v1/delegates", params)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code


def test_profile_shows_statement_delegators_and_power(client, delegations):
    a = delegations
    DelegateStatement.objects.create(address=a[5], text="# Hi\n<script>alert(1)</script>**bold**")
    profile = client.get(f"/api/v1/delegates/{a[5].lower()}").json()
    assert profile["address"] == a[5]
    assert "<script>" not in profile["statement_html"]
    assert "<strong>bold</strong>" in profile["statement_html"]
    assert profile["delegated_power"] == str(balance(a[1]) + balance(a[2]))
    assert [d["address"] for d in profile["delegators"]] == sorted([a[1], a[2]])
    assert profile["delegate"] is None
    assert client.get(f"/api/v1/delegates/{a[1]}").json()["delegate"] == a[5]
    bad = client.get("/api/v1/delegates/0x1234")
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_address")


def test_participation_counts_proposals_open_while_holding_delegations(
    client, delegations, stored_snapshot
):
    delegate, delegator = Voter(), Voter()
    delegated = {delegator.address: delegate.address}
    p1, p2, p3 = (make_active(snapshot_block=b) for b in (30, 31, 32))
    stored_snapshot(30, {delegator.address: 10 * WEI}, delegated)
    stored_snapshot(31, {delegator.address: 10 * WEI}, delegated)
    stored_snapshot(32, {delegator.address: 10 * WEI})  # no delegation at P3's block
    body = vote_body(p1, delegate, choice=2, reason="too early")
    services.vote_cast(proposal_id=p1.pk, **body)
    profile = client.get(f"/api/v1/delegates/{delegate.address}").json()
    assert profile["participation"] == {"voted": 1, "eligible": 2, "rate_bps": 5000}
    [vote] = profile["votes"]
    assert (vote["proposal"], vote["reason"], vote["choice_label"]) == (
        p1.pk,
        "too early",
        "Against",
    )
    assert (vote["power"], vote["delegated_power"]) == ("0", str(10 * WEI))
    assert delegators_at(delegate.address, 31) == [delegator.address]
    assert delegators_at(delegate.address, 32) == []
    assert p2.pk and p3.pk


def test_delegators_at_a_block_without_snapshot_reads_the_chain(chain, delegations):
    a = delegations
    block = chain.head()
    chain.delegate(2, a[6])
    index_events(confirmations=0)
    assert delegators_at(a[5], block) == sorted([a[1], a[2]])
    assert delegators_at(a[5], chain.head()) == [a[1]]


def test_signed_in_wallet_sets_and_clears_its_statement(client, db):
    user = UserFactory()
    url = "/api/v1/delegates/me/statement"
    anonymous = client.put(url, {"text": "hi"}, content_type="application/json")
    assert anonymous.status_code == 401
    client.force_login(user)
    saved = client.put(url, {"text": "Vote **for** grants"}, content_type="application/json")
    assert saved.status_code == 200
    assert saved.json()["statement_html"] == "<p>Vote <strong>for</strong> grants</p>"
    address = to_checksum_address(user.address)
    assert DelegateStatement.objects.get(address=address).text == "Vote **for** grants"
    client.put(url, {"text": ""}, content_type="application/json")
    assert DelegateStatement.objects.get(address=address).text == ""


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"text": "x" * (MAX_STATEMENT + 1)}, "text_too_long"),
        ({"text": 5}, "invalid_input"),
        ({}, "field_required"),
        ({"text": "a\u0000b"}, "invalid_text"),
    ],
)
def test_bad_statements_are_refused_and_nothing_is_written(client, db, body, code):
    client.force_login(UserFactory())
    response = client.put("/api/v1/delegates/me/statement", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == code
    assert not DelegateStatement.objects.exists()
