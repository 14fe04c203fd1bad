"""Proposal lifecycle: draft → pending → active → closed; cancel; audit rows; on_commit work."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jctgov.core.errors import ApplicationError
from jctgov.core.models import AuditEvent
from proposals import services
from proposals.canonical import content_uid
from proposals.models import Proposal, ProposalState
from proposals.services.lifecycle import proposal_content_of
from tests.factories import UserFactory
from tests.proposals.factories import WEI, make_active, make_draft, vote_body

pytestmark = pytest.mark.django_db
S = ProposalState


def audit_actions(proposal):
    return list(
        AuditEvent.objects.filter(
            subject_type="proposals.proposal", subject_id=proposal.pk
        ).values_list("action", "from_state", "to_state")
    )


@pytest.fixture
def author(fake_chain):
    user = UserFactory()
    fake_chain.balances[user.address] = 150 * WEI
    return user


def test_create_draft_through_api_needs_sign_in(client):
    response = client.post(
        "/api/v1/proposals",
        {"kind": "parameters", "title": "t", "payload": []},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (401, "not_authenticated")


def test_create_and_edit_draft_through_api(client, author):
    client.force_login(author)
    response = client.post(
        "/api/v1/proposals",
        {
            "kind": "parameters",
            "title": "Cheaper JCT",
            "body": "**why**",
            "payload": [{"key": "market.jct_fee_bps", "value": 50}],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    proposal_id = response.json()["id"]
    assert response.json()["payload"] == {"changes": [{"key": "market.jct_fee_bps", "value": "50"}]}
    assert response.json()["parameter_changes"][0]["current"] == "100"
    bad = client.patch(
        f"/api/v1/proposals/{proposal_id}",
        {"payload": {"changes": [{"key": "market.jct_fee_bps", "value": 99999}]}},
        content_type="application/json",
    )
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "parameter_out_of_bounds")
    assert bad.json()["error"]["field"] == "payload.changes[0].value"
    ok = client.patch(
        f"/api/v1/proposals/{proposal_id}",
        {"title": "Cheaper JCT fees"},
        content_type="application/json",
    )
    assert ok.json()["title"] == "Cheaper JCT fees"


def test_only_author_edits_a_draft(client, author):
    draft = make_draft(author=author)
    client.force_login(UserFactory())
    response = client.patch(
        f"/api/v1/proposals/{draft.pk}", {"title": "mine now"}, content_type="application/json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (403, "not_author")


def test_publish_fixes_uid_snapshot_and_window_and_enqueues_snapshot(
    author, fake_chain, django_capture_on_commit_callbacks
):
    draft = make_draft(author=author)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        proposal = services.proposal_publish(proposal_id=draft.pk, actor=author)
    assert len(callbacks) == 1 and fake_chain.enqueued == [998]
    assert proposal.state == S.PENDING
    assert proposal.snapshot_block == 1_000 - 2
    assert proposal.uid == content_uid(proposal_content_of(proposal))
    assert proposal.ends_at - proposal.starts_at == timedelta(days=3)
    assert proposal.quorum_bps == 400
    assert audit_actions(proposal)[-1] == ("published", S.DRAFT, S.PENDING)


def test_publish_below_threshold_is_refused(client, author, fake_chain):
    fake_chain.balances[author.address] = 99 * WEI
    draft = make_draft(author=author)
    client.force_login(author)
    response = client.post(f"/api/v1/proposals/{draft.pk}/publish")
    assert (response.status_code, response.json()["error"]["code"]) == (
        403,
        "below_proposal_threshold",
    )
    assert Proposal.objects.get(pk=draft.pk).state == S.DRAFT


def test_publish_limits_active_proposals_per_author(author):
    for _ in range(3):
        services.proposal_publish(proposal_id=make_draft(author=author).pk, actor=author)
    with pytest.raises(ApplicationError) as err:
        services.proposal_publish(proposal_id=make_draft(author=author).pk, actor=author)
    assert (err.value.status, err.value.code) == (409, "too_many_active_proposals")


def test_editing_a_published_proposal_is_refused(client, author):
    proposal = services.proposal_publish(proposal_id=make_draft(author=author).pk, actor=author)
    client.force_login(author)
    response = client.patch(
        f"/api/v1/proposals/{proposal.pk}",
        {"title": "bait and switch"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "invalid_state")


def test_activation_waits_for_the_snapshot(author, fake_chain, voters):
    proposal = services.proposal_publish(proposal_id=make_draft(author=author).pk, actor=author)
    assert services.proposals_advance() == {"activated": 0, "closed": 0}
    fake_chain.snapshot(proposal.snapshot_block, {voters[0].address: 700, voters[1].address: 300})
    assert services.proposals_advance() == {"activated": 1, "closed": 0}
    proposal.refresh_from_db()
    assert proposal.state == S.ACTIVE and proposal.snapshot_total_supply == 1000
    assert audit_actions(proposal)[-1] == ("activated", S.PENDING, S.ACTIVE)


@pytest.mark.parametrize(
    ("choices", "outcome"),
    [([1, 2], S.SUCCEEDED), ([2, 1], S.DEFEATED), ([], S.NO_QUORUM)],
)
def test_close_at_end_time_records_outcome(fake_chain, voters, choices, outcome):
    proposal = make_active(snapshot_block=100, total_supply=1000)
    fake_chain.snapshot(100, {voters[0].address: 700, voters[1].address: 300})
    for voter, choice in zip(voters, choices, strict=False):
        services.vote_cast(proposal_id=proposal.pk, **vote_body(proposal, voter, choice=choice))
    assert services.proposal_close(proposal_id=proposal.pk).state == S.ACTIVE  # not yet ended
    later = proposal.ends_at + timedelta(seconds=1)
    assert services.proposals_advance(now=later)["closed"] == 1
    proposal.refresh_from_db()
    assert proposal.state == outcome
    assert audit_actions(proposal)[-1][0] == "closed"
    assert services.proposals_advance(now=later)["closed"] == 0  # idempotent


def test_author_cancels_before_voting_but_not_after(client, author):
    draft = make_draft(author=author)
    client.force_login(author)
    response = client.post(
        f"/api/v1/proposals/{draft.pk}/cancel", {}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["state"] == S.CANCELLED
    active = make_active(author=author)
    response = client.post(
        f"/api/v1/proposals/{active.pk}/cancel", {}, content_type="application/json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "invalid_state")


def test_steward_cancels_active_proposal_only_with_a_reason(client, steward):
    active = make_active()
    client.force_login(steward)
    url = f"/api/v1/proposals/{active.pk}/cancel"
    response = client.post(url, {}, content_type="application/json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "reason_required")
    response = client.post(url, {"reason": "duplicate of #1"}, content_type="application/json")
    assert (
        response.json()["state"] == S.CANCELLED
        and response.json()["cancel_reason"] == "duplicate of #1"
    )
    assert audit_actions(active)[-1] == ("cancelled", S.ACTIVE, S.CANCELLED)


def test_stranger_cannot_cancel(client):
    draft = make_draft()
    client.force_login(UserFactory())
    response = client.post(
        f"/api/v1/proposals/{draft.pk}/cancel", {}, content_type="application/json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (403, "not_allowed")


def test_list_filters_by_state_and_kind(client):
    make_draft(title="a draft")
    make_active(title="an active one")
    make_draft(title="a grant", kind="grant_budget", payload={"program_name": "x", "amount": "1"})
    titles = lambda q: [p["title"] for p in client.get("/api/v1/proposals", q).json()["results"]]  # noqa: E731
    assert titles({"state": "active"}) == ["an active one"]
    assert titles({"kind": "grant_budget"}) == ["a grant"]
    assert len(titles({})) == 3


def test_detail_body_is_rendered_without_script(client):
    proposal = make_draft(body="hi <script>alert(1)</script><img src=x onerror=alert(1)>")
    html = client.get(f"/api/v1/proposals/{proposal.pk}").json()["body_html"]
    assert "<script" not in html and "onerror" not in html


def test_beat_task_advances_proposals(fake_chain, voters):
    from proposals.tasks import advance_proposals

    proposal = make_active(snapshot_block=100, ends_in=timedelta(seconds=-1))
    assert advance_proposals() == {"activated": 0, "closed": 1}
    proposal.refresh_from_db()
    assert proposal.state == S.NO_QUORUM
    assert proposal.closed_at <= timezone.now()
