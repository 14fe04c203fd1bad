"""verify_executions and /proposals/executions/ on the real Anvil chain: every operation on the
timelock must carry the batch of a passed proposal whose tally verifies; anything else (an
operation scheduled straight through the stewards' Safe, with no proposal) is flagged and the
command exits non-zero."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from jctgov.chain import client as chain_client
from jctgov.chain import timelock
from jctgov.chain.timelock import ZERO_BYTES32, Batch, Call
from proposals.batches import proposal_batch
from proposals.models import ProposalState, Vote

pytestmark = pytest.mark.django_db


def schedule(chain, batch: Batch) -> str:
    fn = chain.contract("TimelockController").functions.scheduleBatch(
        batch.targets, batch.values, batch.payloads, ZERO_BYTES32, batch.salt, timelock.min_delay()
    )
    return chain.as_proposer(fn)["tx_hash"]  # a SafeTx signed by the Safe's owner


def execute(chain, batch: Batch) -> str:
    chain.increase_time(timelock.min_delay() + 1)
    fn = chain.contract("TimelockController").functions.executeBatch(
        batch.targets, batch.values, batch.payloads, ZERO_BYTES32, batch.salt
    )
    return chain.send(fn, 0)["tx_hash"]  # anyone may execute a ready operation


def verify(capsys) -> tuple[str, str]:
    call_command("verify_executions")
    captured = capsys.readouterr()
    return captured.out, captured.err


@pytest.fixture
def passed(governance_chain):
    """A parameters proposal that passed a real vote (accounts 2 For, 3 Against)."""
    governance_chain.lock({1: 1_000, 2: 600, 3: 300})
    proposal = governance_chain.activate(governance_chain.publish())
    governance_chain.cast(proposal, 2, 1, at=10)
    governance_chain.cast(proposal, 3, 2, at=20)
    proposal = governance_chain.close(proposal)
    assert proposal.state == ProposalState.SUCCEEDED
    return proposal


def test_every_operation_of_a_passed_proposal_matches_and_exits_zero(passed, chain, capsys, client):
    batch = proposal_batch(passed)
    scheduled, executed = schedule(chain, batch), execute(chain, batch)
    assert chain_client.parameter_value("market.jct_fee_bps") == 50

    out, _ = verify(capsys)
    rows = [line.split("\t") for line in out.splitlines() if line.startswith(tuple("0123456789"))]
    timelock_rows = [r for r in rows if r[2] in ("schedule", "execute")]
    assert [(r[1], r[2], r[3], r[4]) for r in timelock_rows] == [
        (scheduled, "schedule", batch.operation_id, f"proposal #{passed.pk}"),
        (executed, "execute", batch.operation_id, f"proposal #{passed.pk}"),
    ]
    assert all("tally verified" in r[5] for r in timelock_rows)
    assert "NO MATCH" not in out and "operations match a passed proposal or payout" in out

    page = client.get("/proposals/executions/").content.decode()
    assert "on chain match a passed proposal" in page and "NO MATCH" not in page
    assert f'href="/proposals/{passed.pk}/"' in page


def test_an_operation_scheduled_without_a_proposal_is_flagged(passed, chain, capsys, client):
    schedule(chain, proposal_batch(passed))
    # The proposer schedules a fee of 10% that no vote passed (the salt of no proposal).
    store = chain.contract("ParameterStore")
    data = store.functions.setParameter(
        chain_client.parameter_key_hash("market.jct_fee_bps"), 1_000
    )._encode_transaction_data()
    forged = Batch(calls=(Call(store.address, 0, bytes.fromhex(data[2:])),), salt=b"\x01" * 32)
    forged_tx = schedule(chain, forged)

    with pytest.raises(CommandError, match="match no passed proposal"):
        verify(capsys)
    out = capsys.readouterr().out
    rows = [line.split("\t") for line in out.splitlines() if line[:1].isdigit()]
    flagged = [row for row in rows if row[4] == "NO MATCH" or "matches nothing" in row[5]]
    # The forged schedule, and (through the Safe) the Safe execution that carried it.
    assert [r[1] for r in flagged] == [forged_tx] * len(flagged)
    assert [r[3] for r in flagged if r[2] == "schedule"] == [forged.operation_id]
    [safe_row] = [r for r in flagged if r[2] == "safe_exec"]
    assert "carried a timelock schedule that matches nothing passed" in safe_row[5]
    assert not any(proposal_batch(passed).operation_id == r[3] for r in flagged)

    page = client.get("/proposals/executions/").content.decode()
    assert f"{len(flagged)} of {len(rows)} operations match" in page
    assert "no passed proposal or payout" in page
    assert page.count("badge no_match") == len(flagged)
    assert forged.operation_id[:10] in page


def test_a_safe_transaction_outside_the_timelock_is_flagged_with_what_it_did(db, chain, capsys):
    safe = chain.contract("Safe")
    tx = chain.as_proposer(safe.functions.changeThreshold(1))["tx_hash"]
    with pytest.raises(CommandError):
        verify(capsys)
    [row] = [line.split("\t") for line in capsys.readouterr().out.splitlines() if tx in line]
    assert row[2:5] == ["safe_exec", row[3], "NO MATCH"]
    assert row[5] == "the Safe called Safe.changeThreshold, which no proposal or payout covers"


def test_a_proposal_whose_tally_no_longer_verifies_is_flagged(passed, chain, capsys):
    schedule(chain, proposal_batch(passed))
    Vote.objects.filter(choice=2).update(power=1)  # the database now claims less Against power
    with pytest.raises(CommandError):
        verify(capsys)
    out = capsys.readouterr().out
    assert f"proposal #{passed.pk}" in out and "its tally does NOT verify" in out


def test_the_page_says_when_the_chain_cannot_be_read(db, settings, client):
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    chain_client.reset_web3()
    try:
        response = client.get("/proposals/executions/")
    finally:
        chain_client.reset_web3()
    assert response.status_code == 503
    assert "The chain could not be read" in response.content.decode()


def test_the_audit_is_linked_from_the_proposals_list_and_the_steward_console(db, steward, client):
    assert 'href="/proposals/executions/"' in client.get("/proposals/").content.decode()
    client.force_login(steward)
    assert 'href="/proposals/executions/"' in client.get("/steward/").content.decode()
