"""Proposal lifecycle: draft → pending → active → closed; cancel; audit rows; on_commit work."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jctgov.core.models import AuditEvent
from proposals import services
from proposals.models import Proposal, ProposalState
from tests.factories import UserFactory
from tests.proposals.factories import make_active, make_draft, vote_body

pytestmark = pytest.mark.django_db
S = ProposalState


@pytest.fixture
def author():
    return UserFactory()


def audit_actions(proposal):
    return list(
        AuditEvent.objects.filter(
            subject_type="proposals.proposal", subject_id=proposal.pk
        ).values_list("action", "from_state", "to_state")
    )


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
    published = make_active(author=author)
    client.force_login(UserFactory())
    response = client.patch(
        f"/api/v1/proposals/{draft.pk}", {"title": "mine now"}, content_type="application/json"
    )
    # Someone else's draft is answered like a missing proposal: its id tells nothing.
    assert (response.status_code, response.json()["error"]["code"]) == (404, "proposal_not_found")
    response = client.patch(
        f"/api/v1/proposals/{published.pk}", {"title": "x"}, content_type="application/json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (403, "not_author")


@pytest.mark.parametrize("state", [S.PENDING, S.ACTIVE])
def test_editing_a_published_proposal_is_refused(client, author, state):
    proposal = make_active(author=author, state=state)
    client.force_login(author)
    response = client.patch(
        f"/api/v1/proposals/{proposal.pk}",
        {"title": "bait and switch"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "invalid_state")


@pytest.mark.parametrize(
    ("choices", "outcome"),
    [([1, 2], S.SUCCEEDED), ([2, 1], S.DEFEATED), ([], S.NO_QUORUM)],
)
def test_close_at_end_time_records_outcome(stored_snapshot, voters, choices, outcome):
    proposal = make_active(snapshot_block=100, total_supply=1000)
    stored_snapshot(100, {voters[0].address: 700, voters[1].address: 300})
    for voter, choice in zip(voters, choices, strict=False):
        services.vote_cast(proposal_id=proposal.pk, **vote_body(proposal, voter, choice=choice))
    assert services.proposal_close(proposal_id=proposal.pk).state == S.ACTIVE  # not yet ended
    later = proposal.ends_at + timedelta(seconds=1)
    assert services.proposals_advance(now=later)["closed"] == 1
    proposal.refresh_from_db()
    assert proposal.state == outcome
    assert audit_actions(proposal)[-1][0] == "closed"
    assert services.proposals_advance(now=later)["closed"] == 0  # idempotent


@pytest.mark.parametrize(
    ("state", "allowed"), [(S.DRAFT, True), (S.PENDING, True), (S.ACTIVE, False)]
)
def test_author_cancels_before_voting_starts_but_not_after(client, author, state, allowed):
    proposal = (
        make_draft(author=author) if state == S.DRAFT else make_active(author=author, state=state)
    )
    client.force_login(author)
    response = client.post(
        f"/api/v1/proposals/{proposal.pk}/cancel", {}, content_type="application/json"
    )
    if allowed:
        assert response.status_code == 200 and response.json()["state"] == S.CANCELLED
        assert audit_actions(proposal)[-1] == ("cancelled", state, S.CANCELLED)
    else:
        assert (response.status_code, response.json()["error"]["code"]) == (409, "invalid_state")
        assert Proposal.objects.get(pk=proposal.pk).state == state


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


def test_steward_cannot_cancel_a_closed_proposal(client, steward, stored_snapshot):
    proposal = make_active(ends_in=timedelta(seconds=-1))
    stored_snapshot(proposal.snapshot_block, {})
    services.proposals_advance()
    client.force_login(steward)
    response = client.post(
        f"/api/v1/proposals/{proposal.pk}/cancel",
        {"reason": "too late"},
        content_type="application/json",
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "invalid_state")
    assert Proposal.objects.get(pk=proposal.pk).state == S.NO_QUORUM


def test_stranger_cannot_cancel(client):
    draft, pending = make_draft(), make_active(state=S.PENDING)
    client.force_login(UserFactory())
    response = client.post(
        f"/api/v1/proposals/{draft.pk}/cancel", {}, content_type="application/json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (404, "proposal_not_found")
    response = client.post(
        f"/api/v1/proposals/{pending.pk}/cancel", {}, content_type="application/json"
    )
    assert (response.status_code, response.json()["error"]["code"]) == (403, "not_allowed")


def test_list_filters_by_state_and_kind(client):
    mine = make_draft(title="a draft")
    make_active(title="an active one")
    grant = {"program_name": "x", "amount": "1"}
    make_draft(title="a grant", kind="grant_budget", payload=grant, author=mine.author)
    make_active(title="a grant vote", kind="grant_budget", payload=grant, snapshot_block=101)
    client.force_login(mine.author)
    titles = lambda q: [p["title"] for p in client.get("/api/v1/proposals", q).json()["results"]]  # noqa: E731
    assert titles({"state": "active"}) == ["a grant vote", "an active one"]
    assert titles({"kind": "grant_budget", "state": "draft"}) == ["a grant"]
    assert titles({"kind": "grant_budget"}) == ["a grant vote"]
    assert len(titles({})) == 2  # drafts only with ?state=draft


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("title", "x" * 257, "text_too_long"),
        ("title", "   ", "field_required"),
        ("body", "x" * 20_001, "text_too_long"),
        ("discussion_url", "not a url", "invalid_input"),
        ("discussion_url", "javascript:alert(1)", "invalid_input"),
    ],
)
def test_title_body_and_discussion_url_limits(client, author, field, value, code):
    client.force_login(author)
    body = {
        "kind": "parameters",
        "title": "Cheaper JCT",
        "payload": {"changes": [{"key": "market.jct_fee_bps", "value": 50}]},
        field: value,
    }
    response = client.post("/api/v1/proposals", body, content_type="application/json")
    assert response.status_code == 400, response.json()
    assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (code, field)
    assert not Proposal.objects.exists()


def test_longest_title_and_body_are_accepted(client, author):
    client.force_login(author)
    body = {
        "kind": "parameters",
        "title": "t" * 256,
        "body": "b" * 20_000,
        "discussion_url": "https://forum.janction.io/t/cheaper-jct/42",
        "payload": {"changes": [{"key": "market.jct_fee_bps", "value": 50}]},
    }
    response = client.post("/api/v1/proposals", body, content_type="application/json")
    assert response.status_code == 201, response.json()


def test_detail_body_is_rendered_without_script(client):
    proposal = make_draft(body="hi <script>alert(1)</script><img src=x onerror=alert(1)>")
    client.force_login(proposal.author)  # a draft is its author's alone
    html = client.get(f"/api/v1/proposals/{proposal.pk}").json()["body_html"]
    assert "<script" not in html and "onerror" not in html


def test_beat_task_closes_ended_proposals(stored_snapshot):
    from proposals.tasks import advance_proposals

    proposal = make_active(snapshot_block=100, ends_in=timedelta(seconds=-1))
    stored_snapshot(100, {})
    assert advance_proposals() == {"activated": 0, "closed": 1}
    proposal.refresh_from_db()
    assert proposal.state == S.NO_QUORUM
    assert proposal.closed_at <= timezone.now()
