"""The proposal page as the server renders it: results at a glance, the timeline, your power
and eligibility before signing, executed parameter changes as "Was → Now", and drafts that
only their author can open (page and API)."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from html import unescape

import pytest
from django.utils import timezone

from proposals import services
from proposals.models import Proposal, ProposalState
from tests.factories import UserFactory
from tests.proposals.factories import WEI, Voter, make_active, make_draft, make_succeeded, vote_body

pytestmark = pytest.mark.django_db
S = ProposalState


def text_of(html: str) -> str:
    """The page's text, tags dropped and spaces collapsed, as a reader sees it."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


# --- drafts are their author's alone -----------------------------------------------------------


def test_a_draft_answers_404_to_everyone_but_its_author_like_a_missing_proposal(client):
    draft = make_draft(title="Not ready yet")
    missing = client.get("/api/v1/proposals/999999").json()
    for who in (None, UserFactory()):
        if who is not None:
            client.force_login(who)
        assert client.get(f"/proposals/{draft.pk}/").status_code == 404
        response = client.get(f"/api/v1/proposals/{draft.pk}")
        assert response.status_code == 404 and response.json() == missing
        for sub in ("votes", "power?address=0x" + "1" * 40, "typed-data?voter=0x&choice=1"):
            answer = client.get(f"/api/v1/proposals/{draft.pk}/{sub}")
            assert answer.status_code == 404, sub
            assert answer.json()["error"]["code"] == "proposal_not_found"
    client.force_login(draft.author)
    page = client.get(f"/proposals/{draft.pk}/")
    assert page.status_code == 200 and "Not ready yet" in page.content.decode()
    assert client.get(f"/api/v1/proposals/{draft.pk}").json()["title"] == "Not ready yet"


def test_a_drafts_actions_answer_404_to_stewards_and_visitors_too(client, steward):
    """The Safe approval (public) and a steward's retry and cancel never tell a draft exists:
    the same 404 as a missing id, not the 409 "invalid_state" that would confirm it."""
    draft = make_draft(title="Not ready yet")
    missing = client.post("/api/v1/proposals/999999/approval").json()
    answer = client.post(f"/api/v1/proposals/{draft.pk}/approval")
    assert (answer.status_code, answer.json()) == (404, missing)
    client.force_login(steward)
    for action, body in (("retry-execution", None), ("cancel", {"reason": "Spam"})):
        answer = client.post(
            f"/api/v1/proposals/{draft.pk}/{action}", body, content_type="application/json"
        )
        assert answer.status_code == 404, action
        assert answer.json()["error"]["code"] == "proposal_not_found"
    assert Proposal.objects.get(pk=draft.pk).state == S.DRAFT


def test_published_proposals_stay_public(client):
    active = make_active(title="Open to all")
    assert client.get(f"/proposals/{active.pk}/").status_code == 200
    assert client.get(f"/api/v1/proposals/{active.pk}").json()["title"] == "Open to all"


# --- results, time and timeline ------------------------------------------------------------------


def test_a_pending_proposal_says_the_snapshot_is_not_taken_yet(client):
    pending = make_active(state=S.PENDING, snapshot_block=321)
    html = client.get(f"/proposals/{pending.pk}/").content.decode()
    text = text_of(html)
    assert "0 of 0" not in text and "bps of 0" not in text
    assert "Voting has not started: the snapshot of voting power is not taken yet." in text
    assert "4% of the veJCT supply at snapshot block 321" in text
    assert "Voting opens once the snapshot of block 321 is stored" in text
    assert re.search(r'id="step-snapshot" class="current"><strong>Snapshot being taken', html)
    assert html.count('class="btn vote-button"') == 1 and 'data-choice="1" ' in html
    assert all(
        "disabled" in button for button in re.findall(r"<button[^>]*vote-button[^>]*>", html)
    )


def test_an_active_proposal_shows_shares_of_votes_cast_quorum_rule_turnout_and_top_voters(
    client, stored_snapshot
):
    proposal = make_active(snapshot_block=100, total_supply=1000 * WEI)
    voters = [Voter() for _ in range(3)]
    powers = [30 * WEI, 15 * WEI, 5 * WEI]
    stored_snapshot(100, {v.address: p for v, p in zip(voters, powers, strict=True)})
    for voter, choice in zip(voters, (2, 1, 3), strict=True):
        services.vote_cast(proposal_id=proposal.pk, **vote_body(proposal, voter, choice=choice))
    html = client.get(f"/proposals/{proposal.pk}/").content.decode()
    text = text_of(html)
    assert 'id="pct-for">30.0%<' in html and 'id="pct-against">60.0%<' in html
    assert 'id="pct-abstain">10.0%<' in html and 'id="tally-against">30<' in html
    assert (
        "Quorum counts For and Abstain: 20 of 40 veJCT (4% of the 1,000 veJCT supply at the "
        "snapshot) — not reached (50.0% of it)." in text
    )
    assert "Against does not count toward it." in text
    assert "Turnout: 5.0% of the veJCT supply (50 veJCT cast by 3 voters)." in text
    assert "Failing: quorum not reached." in text
    top = re.findall(r'<span class="address" title="(0x\w+)">', html.split('id="top-voters"')[1])
    assert top[:3] == [v.address for v in voters]  # heaviest first
    assert "All 3 votes" in text
    # Time: UTC from the server in <time>, localised by the browser; a countdown to the end.
    ends = proposal.ends_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f'<time datetime="{ends}"' in html and "data-local" in html
    assert 'data-countdown="' in html and 'role="timer"' in html
    for step in ("step-created", "step-published", "step-snapshot", "step-opens", "step-closes"):
        assert f'id="{step}"' in html, step


def test_amounts_rounded_for_display_keep_the_quorum_bar_label_plain_text(client, stored_snapshot):
    """Where rounding hides digits the page shows the exact value on hover (markup), but an
    attribute (the quorum bar's aria-label) gets the plain figure: no markup inside quotes."""
    proposal = make_active(snapshot_block=100, total_supply=1000 * WEI + 123_456)
    voter = Voter()
    stored_snapshot(100, {voter.address: 7 * WEI + 9})
    services.vote_cast(proposal_id=proposal.pk, **vote_body(proposal, voter, choice=1))
    html = client.get(f"/proposals/{proposal.pk}/").content.decode()
    label = re.search(r'aria-label="(Quorum: [^"]*)"', html).group(1)
    assert "<" not in label and label.startswith("Quorum: 7 of 40 veJCT")
    assert 'title="1,000.000000000000123456"' in html  # the supply, exact on hover


def test_signed_in_wallet_sees_its_power_and_whether_it_can_vote_before_signing(
    client, stored_snapshot, steward
):
    proposal = make_active(snapshot_block=100)
    holder = UserFactory()
    stored_snapshot(100, {holder.address: 120 * WEI})
    client.force_login(holder)
    html = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "You can vote with 120 veJCT." in text_of(html)
    assert not re.findall(r"<button[^>]*vote-button[^>]*disabled", html)

    client.force_login(steward)  # no veJCT at the snapshot: told so, the buttons disabled
    html = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert (
        "You can't vote on this proposal: this wallet had no veJCT at snapshot block 100 and "
        "nobody had delegated to it." in text_of(html)
    )
    buttons = re.findall(r"<button[^>]*vote-button[^>]*>", html)
    assert len(buttons) == 3 and all("disabled" in b for b in buttons)


def test_voting_window_past_its_end_is_closed_before_the_close_task_runs(client, stored_snapshot):
    proposal = make_active(snapshot_block=100, ends_in=-timedelta(seconds=5))
    holder = UserFactory()
    stored_snapshot(100, {holder.address: WEI})
    client.force_login(holder)
    html = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "Voting has closed." in html


def executed(**changes) -> Proposal:
    proposal = make_succeeded(
        payload={"changes": [{"key": "market.stablecoin_fee_bps", "value": "150"}]}
    )
    now = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(
        state=S.EXECUTED,
        approved_at=now - timedelta(minutes=3),
        operation_id="0x" + "ab" * 32,
        schedule_tx="0x" + "cd" * 32,
        schedule_block=120,
        queued_at=now - timedelta(minutes=3),
        ready_at=now - timedelta(minutes=1),
        execute_tx="0x" + "ef" * 32,
        execute_block=130,
        executed_at=now,
        **changes,
    )
    return proposal


def test_an_executed_parameter_change_shows_was_and_now(client):
    proposal = executed(parameters_before={"market.stablecoin_fee_bps": "100"})
    html = client.get(f"/proposals/{proposal.pk}/").content.decode()
    row = text_of(html.split('id="parameter-changes"')[1].split("</table>")[0])
    assert "Was" in row and "Now" in row and "Proposed" not in row
    assert "1.00% → 1.50%" in row
    text = text_of(html)
    assert "Passed." in text
    for step in ("step-scheduled", "step-ready", "step-executed"):
        assert f'id="{step}"' in html, step
    assert "0x" + "ef" * 32 in text_of(html.split('id="step-executed"')[1])


def test_an_execution_from_before_the_value_was_kept_says_so(client):
    proposal = executed()
    row = client.get(f"/proposals/{proposal.pk}/").content.decode().split('id="parameter-changes"')
    assert "not recorded" in row[1].split("</table>")[0]


def test_transactions_and_blocks_link_to_the_explorer_when_one_is_configured(client, settings):
    proposal = executed(parameters_before={"market.stablecoin_fee_bps": "100"})
    settings.CHAIN_EXPLORER_URL = "https://explorer.example/"
    html = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert f'href="https://explorer.example/tx/0x{"ef" * 32}"' in html
    assert 'href="https://explorer.example/block/130"' in html


def power(own=0, carried=0, delegators_total=0, delegate=None) -> dict:
    return {
        "snapshot_block": 100,
        "power": own,
        "delegate": delegate,
        "delegated_power": carried,
        "delegators_total": delegators_total,
    }


@pytest.mark.parametrize(
    ("state", "held", "can", "says"),
    [
        (S.ACTIVE, power(own=5 * WEI), True, "You can vote with 5 veJCT."),
        (
            S.ACTIVE,
            power(own=5 * WEI, delegate="0x" + "d" * 40),
            True,
            "Your own veJCT then counts with your vote, not your delegate's.",
        ),
        (S.ACTIVE, power(carried=7 * WEI, delegators_total=2), True, "vote with 7 veJCT"),
        (S.ACTIVE, power(), False, "had no veJCT at snapshot block 100"),
        (S.ACTIVE, None, False, "not known yet"),
        (S.PENDING, power(own=WEI), False, "Voting opens once the snapshot"),
        (S.DEFEATED, power(own=WEI), False, "Voting has closed."),
    ],
)
def test_eligibility_before_signing_follows_the_vote_rules(state, held, can, says):
    from proposals.presenters import vote_eligibility

    proposal = Proposal(state=state, ends_at=timezone.now() + timedelta(hours=1))
    found = vote_eligibility(proposal, held, now=timezone.now())
    assert found["can_vote"] is can and says in found["text"]
