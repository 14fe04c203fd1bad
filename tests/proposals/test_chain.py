"""Against the real Anvil chain: the publish threshold, the snapshot, and verify_tally end to end."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from eth_account import Account

from proposals import power, services
from proposals.models import ProposalState, Vote
from tests.factories import UserFactory
from tests.proposals.factories import WEI, make_draft

pytestmark = [pytest.mark.chain, pytest.mark.django_db]


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


def test_publishing_needs_the_veJCT_threshold_on_chain(
    client, chain, django_capture_on_commit_callbacks
):
    author = UserFactory(address=chain.accounts[1])
    response = publish(client, author, django_capture_on_commit_callbacks)
    assert (response.status_code, response.json()["error"]["code"]) == (
        403,
        "below_proposal_threshold",
    )
    chain.lock(1, 1_000 * WEI, weeks=200)
    response = publish(client, author, django_capture_on_commit_callbacks)
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "pending"
    assert response.json()["verifying_contract"] == chain.deployments["VotingEscrow"]
    assert response.json()["snapshot_block"] == chain.head() - 2


def test_vote_through_api_and_verify_tally_from_chain(
    client, chain, django_capture_on_commit_callbacks, capsys
):
    for index, amount in ((1, 1_000), (2, 600), (3, 300), (4, 50)):
        chain.lock(index, amount * WEI, weeks=100)
    chain.mine(3)  # the locks sit below head − snapshot_confirmations
    author = UserFactory(address=chain.accounts[1])
    response = publish(client, author, django_capture_on_commit_callbacks)
    proposal_id = response.json()["id"]
    assert services.proposals_advance()["activated"] == 1  # the snapshot was taken on commit

    client.logout()
    for index, choice in ((2, 1), (3, 2), (4, 3)):
        voter = Account.from_key(chain.keys[index])
        td = client.get(
            f"/api/v1/proposals/{proposal_id}/typed-data",
            {"voter": voter.address, "choice": choice, "reason": f"voter {index}"},
        ).json()
        signature = "0x" + voter.sign_typed_data(full_message=td).signature.hex().removeprefix("0x")
        body = {
            **{k: td["message"][k] for k in ("voter", "choice", "reason", "timestamp")},
            "signature": signature,
        }
        cast = client.post(
            f"/api/v1/proposals/{proposal_id}/votes", body, content_type="application/json"
        )
        assert cast.status_code == 201, cast.json()
    nobody = Account.from_key(chain.keys[7])
    td = client.get(
        f"/api/v1/proposals/{proposal_id}/typed-data", {"voter": nobody.address, "choice": 1}
    ).json()
    sig = "0x" + nobody.sign_typed_data(full_message=td).signature.hex().removeprefix("0x")
    refused = client.post(
        f"/api/v1/proposals/{proposal_id}/votes",
        {
            **{k: td["message"][k] for k in ("voter", "choice", "reason", "timestamp")},
            "signature": sig,
        },
        content_type="application/json",
    )
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "no_voting_power")

    proposal = services.proposal_close(
        proposal_id=proposal_id,
        now=services.lifecycle.Proposal.objects.get(pk=proposal_id).ends_at + timedelta(seconds=1),
    )
    assert proposal.state == ProposalState.SUCCEEDED  # 600 For vs 300 Against, 650 of ~1950 voted
    call_command("verify_tally", proposal.uid)
    out = capsys.readouterr().out
    assert "verified" in out and f"outcome  {proposal.state}" in out

    Vote.objects.filter(choice=2).update(power=10**30)
    with pytest.raises(CommandError):
        call_command("verify_tally", str(proposal.pk))
