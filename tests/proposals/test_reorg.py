"""Against the real Anvil chain: a reorg of the snapshot block, caught before a result is final."""

import logging
from datetime import timedelta

import pytest
from django.core.management import call_command
from eth_account import Account

from jctgov.chain import client as chain_client
from jctgov.core.models import AuditEvent
from proposals import power, services
from proposals.models import Proposal, ProposalState, Vote
from tests.factories import UserFactory
from tests.proposals.factories import WEI, make_draft

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _snapshot_in_process(monkeypatch):
    """Run take_snapshot in this process (Celery's local apply) when publish enqueues it."""
    from jctgov.chain.tasks import take_snapshot

    monkeypatch.setattr(
        power, "enqueue_snapshot", lambda block: take_snapshot.apply(args=(block,)).get()
    )


def publish(client, author, django_capture_on_commit_callbacks):
    draft = make_draft(author=author)
    client.force_login(author)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(f"/api/v1/proposals/{draft.pk}/publish")


def cast(client, proposal_id: int, key: str, choice: int):
    voter = Account.from_key(key)
    td = client.get(
        f"/api/v1/proposals/{proposal_id}/typed-data", {"voter": voter.address, "choice": choice}
    ).json()
    signature = "0x" + voter.sign_typed_data(full_message=td).signature.hex().removeprefix("0x")
    body = {k: td["message"][k] for k in ("voter", "choice", "reason", "timestamp")}
    return client.post(
        f"/api/v1/proposals/{proposal_id}/votes",
        {**body, "signature": signature},
        content_type="application/json",
    )


def test_reorg_of_the_snapshot_block_reruns_the_snapshot_before_the_result_is_final(
    client, chain, django_capture_on_commit_callbacks, caplog, capsys
):
    fork_point = chain_client.evm_snapshot()
    for index, amount in ((1, 1_000), (2, 600), (3, 700)):  # chain A
        chain.lock(index, amount * WEI, weeks=100)
    chain.mine(3)
    author = UserFactory(address=chain.accounts[1])
    proposal_id = publish(client, author, django_capture_on_commit_callbacks).json()["id"]
    services.proposals_advance()
    client.logout()
    assert cast(client, proposal_id, chain.keys[2], 1).status_code == 201  # For, 600
    assert cast(client, proposal_id, chain.keys[3], 2).status_code == 201  # Against, 700
    block = Proposal.objects.get(pk=proposal_id).snapshot_block

    chain_client.evm_revert(fork_point)  # chain B: account 3 never locked
    for index, amount in ((1, 1_000), (2, 600)):
        chain.lock(index, amount * WEI, weeks=100)
    while chain.head() < block + 2:
        chain.mine()

    ends_at = Proposal.objects.get(pk=proposal_id).ends_at
    with caplog.at_level(logging.WARNING):
        proposal = services.proposal_close(
            proposal_id=proposal_id, now=ends_at + timedelta(seconds=1)
        )
    assert "reorg: snapshot of block" in caplog.text
    assert "changed after a reorg" in caplog.text
    # On chain A Against (700) beat For (600); on the chain that won, account 3 had no veJCT.
    assert proposal.state == ProposalState.SUCCEEDED
    assert int(proposal.against_power) == 0
    assert int(proposal.snapshot_total_supply) == chain_client.vejct_total_supply_at(block)
    against = Vote.objects.get(proposal_id=proposal_id, voter=chain.accounts[3])
    assert against.counted is False  # the receipt is kept
    event = AuditEvent.objects.get(action="snapshot_retaken")
    assert event.data["uncounted"] == 1 and event.data["block"] == block
    call_command("verify_tally", proposal.uid)
    assert "verified" in capsys.readouterr().out


def test_close_waits_while_the_chain_cannot_confirm_the_snapshot(
    client, chain, django_capture_on_commit_callbacks, settings
):
    chain.lock(1, 1_000 * WEI, weeks=100)
    chain.mine(3)
    author = UserFactory(address=chain.accounts[1])
    proposal_id = publish(client, author, django_capture_on_commit_callbacks).json()["id"]
    services.proposals_advance()
    later = Proposal.objects.get(pk=proposal_id).ends_at + timedelta(seconds=1)
    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"
    assert services.proposals_advance(now=later)["closed"] == 0
    assert Proposal.objects.get(pk=proposal_id).state == ProposalState.ACTIVE
    settings.CHAIN_RPC_URL = chain.w3.provider.endpoint_uri
    assert services.proposals_advance(now=later)["closed"] == 1
    assert Proposal.objects.get(pk=proposal_id).state == ProposalState.NO_QUORUM
