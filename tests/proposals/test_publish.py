"""Publishing and activation against the real Anvil chain: veJCT now, the head block, the
snapshot, and governance rules that governance itself set on chain."""

from datetime import timedelta

import pytest

from jctgov.chain import client
from jctgov.chain.indexer import index_events
from jctgov.chain.models import PowerSnapshot
from jctgov.core.errors import ApplicationError
from jctgov.core.models import AuditEvent
from proposals import services
from proposals.canonical import content_uid
from proposals.domain import proposal_content_of
from proposals.models import Proposal, ProposalState
from tests.factories import UserFactory
from tests.fixtures.worker import wait_until
from tests.proposals.factories import WEI, make_draft

pytestmark = pytest.mark.django_db
S = ProposalState


def publish_refusal(governance_chain, **draft) -> ApplicationError:
    with pytest.raises(ApplicationError) as err:
        governance_chain.publish(**draft)
    return err.value


def test_publishing_needs_the_threshold_in_veJCT_now(governance_chain, client):
    governance_chain.lock({1: 99})  # 99 JCT for two years: well under 100 veJCT
    refused = publish_refusal(governance_chain)
    assert (refused.status, refused.code) == (403, "below_proposal_threshold")
    assert int(refused.extra["power"]) == client_balance(governance_chain, 1) > 0
    threshold = int(refused.extra["threshold"])
    assert str(refused).startswith(f"Publishing needs {threshold // WEI:,} veJCT; this wallet has ")
    assert "wei" not in str(refused)
    assert not Proposal.objects.exclude(state=S.DRAFT).exists()

    # Add to the lock: the very next publish sees it (veJCT now, no confirmations).
    chain, amount = governance_chain.chain, 400 * WEI
    escrow = chain.contract("VotingEscrow")
    chain.mint(chain.accounts[1], amount)
    chain.send(chain.contract("JCT").functions.approve(escrow.address, amount), 1)
    chain.send(escrow.functions.increaseAmount(amount), 1)
    proposal = governance_chain.publish()
    assert proposal.state == S.PENDING
    assert proposal.author_power == client_balance(governance_chain, 1) >= 100 * WEI


def client_balance(governance_chain, index: int) -> int:
    return client.vejct_balance(governance_chain.chain.accounts[index])


def test_publish_through_the_api_fixes_uid_snapshot_block_and_window(governance_chain, client):
    governance_chain.lock({1: 1_000})
    author = UserFactory(address=governance_chain.chain.accounts[1])
    draft = make_draft(author=author)
    client.force_login(author)
    head = governance_chain.chain.head()
    with governance_chain.capture_on_commit(execute=True) as callbacks:
        response = client.post(f"/api/v1/proposals/{draft.pk}/publish")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["state"] == "pending"
    assert body["snapshot_block"] == head - 2  # governance.snapshot_confirmations
    assert body["verifying_contract"] == governance_chain.chain.deployments["VotingEscrow"]
    assert body["chain_id"] == 31337
    proposal = Proposal.objects.get(pk=draft.pk)
    # uid = keccak256 of the canonical JSON the API publishes as "content".
    assert body["uid"] == proposal.uid == content_uid(body["content"])
    assert content_uid(proposal_content_of(proposal)) == proposal.uid
    assert proposal.ends_at - proposal.starts_at == timedelta(days=3)
    assert (proposal.quorum_bps, proposal.proposal_threshold) == (400, 100 * WEI)
    # The snapshot was enqueued on commit, and (eager here, as a worker would) stored.
    assert len([c for c in callbacks if "emit" not in c.__qualname__]) == 1  # not notifications
    assert PowerSnapshot.objects.filter(block_number=proposal.snapshot_block).exists()
    assert AuditEvent.objects.filter(
        subject_id=proposal.pk, action="published", from_state=S.DRAFT, to_state=S.PENDING
    ).exists()


def test_content_changes_change_the_uid(governance_chain):
    governance_chain.lock({1: 1_000})
    first = governance_chain.publish(title="Lower the JCT fee")
    second = governance_chain.publish(title="Lower the JCT fee!")
    assert first.uid != second.uid


def test_governance_rules_come_from_the_parameters_set_on_chain(governance_chain):
    chain = governance_chain.chain
    governance_chain.lock({1: 1_000})  # about 500 veJCT
    for key, value in (
        ("governance.voting_period_s", 3_600),
        ("governance.quorum_bps", 1_500),
        ("governance.snapshot_confirmations", 5),
        ("governance.proposal_threshold", 250 * WEI),
        ("governance.max_active_per_author", 1),
    ):
        chain.set_parameter(key, value)
    chain.mine(5)
    index_events()  # the mirror picks up ParameterChanged

    head = chain.head()
    proposal = governance_chain.publish()
    assert proposal.ends_at - proposal.starts_at == timedelta(hours=1)
    assert proposal.quorum_bps == 1_500
    assert proposal.snapshot_block == head - 5
    assert proposal.proposal_threshold == 250 * WEI
    refused = publish_refusal(governance_chain)  # one open proposal per author now
    assert refused.code == "too_many_active_proposals"

    chain.set_parameter("governance.proposal_threshold", 10_000 * WEI)
    chain.mine(5)
    index_events()
    services.proposal_cancel(proposal_id=proposal.pk, actor=proposal.author)
    refused = publish_refusal(governance_chain)
    assert refused.code == "below_proposal_threshold"


def test_parameters_api_shows_values_set_on_chain(governance_chain, client):
    governance_chain.chain.set_parameter("market.stablecoin_fee_bps", 150)
    governance_chain.chain.mine(2)
    before = {p["key"]: p for p in client.get("/api/v1/parameters").json()}
    assert before["market.stablecoin_fee_bps"]["current"] == "200"  # not indexed yet
    index_events()
    after = {p["key"]: p for p in client.get("/api/v1/parameters").json()}
    assert after["market.stablecoin_fee_bps"]["current"] == "150"
    assert after["market.stablecoin_fee_bps"]["default"] == "200"


def test_open_proposals_per_author_are_limited_and_cancelling_frees_a_slot(governance_chain):
    governance_chain.lock({1: 1_000})
    published = [governance_chain.publish() for _ in range(3)]
    refused = publish_refusal(governance_chain)
    assert (refused.status, refused.code) == (409, "too_many_active_proposals")
    services.proposal_cancel(proposal_id=published[0].pk, actor=published[0].author)
    assert governance_chain.publish().state == S.PENDING


def test_activation_waits_until_the_snapshot_is_stored(governance_chain):
    governance_chain.lock({1: 1_000, 2: 500})
    author = UserFactory(address=governance_chain.chain.accounts[1])
    draft = make_draft(author=author)
    proposal = services.proposal_publish(proposal_id=draft.pk, actor=author)  # on_commit not run
    assert services.proposals_advance() == {"activated": 0, "closed": 0}
    assert Proposal.objects.get(pk=proposal.pk).state == S.PENDING

    from jctgov.chain.tasks import take_snapshot

    take_snapshot.delay(proposal.snapshot_block)
    assert services.proposals_advance() == {"activated": 1, "closed": 0}
    proposal.refresh_from_db()
    assert proposal.state == S.ACTIVE
    assert proposal.snapshot_total_supply == client.vejct_total_supply_at(proposal.snapshot_block)
    assert AuditEvent.objects.filter(subject_id=proposal.pk, action="activated").exists()


def test_only_the_author_publishes_and_only_a_draft(governance_chain):
    governance_chain.lock({1: 1_000, 2: 1_000})
    proposal = governance_chain.publish()
    stranger = UserFactory(address=governance_chain.chain.accounts[2])
    draft = make_draft(author=proposal.author)
    with pytest.raises(ApplicationError) as err:  # someone else's draft: as if missing
        services.proposal_publish(proposal_id=draft.pk, actor=stranger)
    assert (err.value.status, err.value.code) == (404, "proposal_not_found")
    with pytest.raises(ApplicationError) as err:
        services.proposal_publish(proposal_id=proposal.pk, actor=stranger)
    assert (err.value.status, err.value.code) == (403, "not_author")
    with pytest.raises(ApplicationError) as err:
        services.proposal_publish(proposal_id=proposal.pk, actor=proposal.author)
    assert (err.value.status, err.value.code) == (409, "invalid_state")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_takes_the_snapshot_and_the_beat_task_activates(
    governance_chain, celery_worker, deployed
):
    """The whole path on real parts: publish → on_commit → Redis/SQLite broker → worker
    process → snapshot rows → the beat's advance_proposals moves pending → active."""
    from proposals.tasks import advance_proposals

    celery_worker()
    governance_chain.lock({1: 1_000})
    author = UserFactory(address=governance_chain.chain.accounts[1])
    proposal = services.proposal_publish(proposal_id=make_draft(author=author).pk, actor=author)
    wait_until(lambda: PowerSnapshot.objects.filter(block_number=proposal.snapshot_block).exists())
    advance_proposals.delay()
    wait_until(lambda: Proposal.objects.get(pk=proposal.pk).state == S.ACTIVE)
