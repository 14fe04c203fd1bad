"""Proposal pages render what a reader needs, with user content made safe."""

import pytest
from eth_account import Account

from proposals import services
from tests.factories import UserFactory
from tests.proposals.factories import WEI, make_active, make_draft, vote_body

pytestmark = pytest.mark.django_db


def test_list_page_shows_state_badges_and_time_left(client):
    make_active(title="Cut the stablecoin fee")
    draft = make_draft(title="Half-baked idea")
    html = client.get("/proposals/").content.decode()
    assert "Cut the stablecoin fee" in html and "Half-baked idea" not in html
    assert 'class="badge active"' in html and "left" in html
    client.force_login(draft.author)
    filtered = client.get("/proposals/", {"state": "draft"}).content.decode()
    assert "Cut the stablecoin fee" not in filtered and "Half-baked idea" in filtered


def test_detail_page_shows_parameter_change_old_to_new_with_bounds(client):
    proposal = make_active(
        payload={"changes": [{"key": "market.stablecoin_fee_bps", "value": "150"}]}
    )
    html = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "market.stablecoin_fee_bps" in html
    assert "2.00%" in html and "1.50%" in html and "0.00% – 10.00%" in html
    assert 'data-choice="1"' in html  # vote buttons while active


def test_detail_page_sanitises_markdown(client):
    proposal = make_draft(body="# Plan\n<script>alert('x')</script>\n[x](javascript:alert(1))")
    client.force_login(proposal.author)  # a draft is its author's alone
    html = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "<h1>Plan</h1>" in html
    assert "alert('x')" not in html and "javascript:alert" not in html


def test_detail_page_shows_tally_my_vote_and_receipts(client, stored_snapshot, voters):
    voter = Account.create()
    proposal = make_active(snapshot_block=100, total_supply=1000 * WEI)
    from coincurve import PrivateKey

    from tests.proposals.factories import Voter

    me = Voter(PrivateKey(bytes(voter.key)))
    stored_snapshot(100, {me.address: 50 * WEI})
    services.vote_cast(
        proposal_id=proposal.pk, **vote_body(proposal, me, choice=1, reason="cheaper GPUs")
    )
    client.force_login(UserFactory(address=me.address))
    html = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "You voted <strong>For</strong> with 50 veJCT" in html
    assert 'id="tally-for">50<' in html and "cheaper GPUs" in html


def test_recognition_and_grant_payloads_render(client):
    recipient = Account.create().address
    rec = make_draft(
        kind="recognition",
        payload={
            "recipients": [{"recipient": recipient, "amount": str(25 * WEI), "reason": "docs"}],
            "total": str(25 * WEI),
        },
    )
    client.force_login(rec.author)  # drafts are their author's alone
    assert recipient in client.get(f"/proposals/{rec.pk}/").content.decode()
    grant = make_draft(
        author=rec.author,
        kind="grant_budget",
        payload={"program_name": "GPU research", "description": "", "amount": str(5000 * WEI)},
    )
    html = client.get(f"/proposals/{grant.pk}/").content.decode()
    assert "GPU research" in html and "5,000 JCT" in html


def test_draft_form_needs_sign_in_and_lists_parameters(client):
    assert client.get("/proposals/new/").status_code == 302
    client.force_login(UserFactory())
    html = client.get("/proposals/new/?kind=recognition").content.decode()
    assert 'id="parameter-registry"' in html and "governance.quorum_bps" in html
    assert 'value="recognition" checked' in html


def test_validate_payload_api_answers_the_form(client):
    ok = client.post(
        "/api/v1/proposals/validate-payload",
        {
            "kind": "parameters",
            "payload": {"changes": [{"key": "market.jct_fee_bps", "value": "7"}]},
        },
        content_type="application/json",
    )
    assert ok.status_code == 200 and ok.json()["payload"]["changes"][0]["value"] == "7"
    bad = client.post(
        "/api/v1/proposals/validate-payload",
        {"kind": "recognition", "payload": {"recipients": []}},
        content_type="application/json",
    )
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "payload_empty")
