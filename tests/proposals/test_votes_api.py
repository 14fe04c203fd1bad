"""Casting votes through the API: receipts, idempotency, replacement, and every refusal."""

from datetime import timedelta

import pytest
from django.utils import timezone
from eth_account import Account
from eth_account.messages import encode_defunct

from proposals import services
from proposals.models import Proposal, ProposalState, Vote
from tests.factories import mistyped
from tests.proposals.factories import WEI, Voter, make_active, make_draft, vote_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(stored_snapshot, voters):
    proposal = make_active(snapshot_block=100)
    stored_snapshot(100, {v.address: (i + 1) * 100 * WEI for i, v in enumerate(voters[:3])})
    return proposal


def cast(client, proposal, body):
    return client.post(
        f"/api/v1/proposals/{proposal.pk}/votes", body, content_type="application/json"
    )


def test_signed_vote_is_stored_with_snapshot_power(client, proposal, voters):
    response = cast(client, proposal, vote_body(proposal, voters[1], choice=2, reason="too cheap"))
    assert response.status_code == 201
    receipt = response.json()
    assert receipt["power"] == str(200 * WEI)
    assert receipt["choice_label"] == "Against" and receipt["counted"] is True
    assert receipt["typed_data"]["message"]["proposal"] == proposal.uid
    detail = client.get(f"/api/v1/proposals/{proposal.pk}").json()
    assert detail["tally"]["against"] == str(200 * WEI)


def test_same_signed_vote_twice_is_stored_once(client, proposal, voters):
    body = vote_body(proposal, voters[0])
    first, second = cast(client, proposal, body), cast(client, proposal, body)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Vote.objects.count() == 1


def test_newer_vote_replaces_older_in_tally_and_keeps_both_receipts(client, proposal, voters):
    now = int(timezone.now().timestamp())
    cast(client, proposal, vote_body(proposal, voters[0], choice=1, timestamp=now - 10))
    cast(client, proposal, vote_body(proposal, voters[0], choice=2, timestamp=now - 5))
    tally = client.get(f"/api/v1/proposals/{proposal.pk}").json()["tally"]
    assert (tally["for"], tally["against"]) == ("0", str(100 * WEI))
    receipts = client.get(f"/api/v1/proposals/{proposal.pk}/votes").json()["results"]
    assert [(r["choice"], r["counted"]) for r in receipts] == [(1, False), (2, True)]


def test_a_vote_stamped_in_the_future_does_not_outrank_a_later_change_of_mind(
    client, proposal, voters
):
    now = int(timezone.now().timestamp())
    ahead = cast(client, proposal, vote_body(proposal, voters[0], choice=2, timestamp=now + 290))
    assert ahead.status_code == 201  # within the allowed clock skew
    later = cast(client, proposal, vote_body(proposal, voters[0], choice=1, timestamp=now + 1))
    assert later.status_code == 201 and later.json()["counted"] is True
    tally = client.get(f"/api/v1/proposals/{proposal.pk}").json()["tally"]
    assert (tally["for"], tally["against"]) == (str(100 * WEI), "0")
    assert Vote.objects.get(counted=True).choice == 1


def test_equal_timestamps_later_arrival_wins(client, proposal, voters):
    now = int(timezone.now().timestamp())
    cast(client, proposal, vote_body(proposal, voters[0], choice=1, timestamp=now))
    cast(client, proposal, vote_body(proposal, voters[0], choice=3, timestamp=now))
    counted = Vote.objects.get(counted=True)
    assert counted.choice == 3


def tampered(body, **changes):
    return {**body, **changes}


def now_s() -> int:
    return int(timezone.now().timestamp())


def other_signer(p, v, b):
    """A valid signature of the same vote, made by somebody else's key."""
    forged = vote_body(p, Voter(), timestamp=b["timestamp"])
    return tampered(b, signature=forged["signature"])


@pytest.mark.parametrize(
    ("mutate", "status", "code"),
    [
        (lambda p, v, b: tampered(b, signature="0x1234"), 400, "bad_signature"),
        (lambda p, v, b: tampered(b, signature="0x" + "00" * 65), 400, "bad_signature"),
        (lambda p, v, b: tampered(b, signature=12), 400, "bad_signature"),
        (lambda p, v, b: tampered(b, reason="changed after signing"), 401, "signature_mismatch"),
        (lambda p, v, b: tampered(b, choice=2), 401, "signature_mismatch"),
        (lambda p, v, b: tampered(b, timestamp=b["timestamp"] - 1), 401, "signature_mismatch"),
        (other_signer, 401, "signature_mismatch"),
        (lambda p, v, b: vote_body(p, v, choice=4), 400, "invalid_choice"),
        (lambda p, v, b: vote_body(p, v, choice=0), 400, "invalid_choice"),
        (lambda p, v, b: tampered(b, choice="1"), 400, "invalid_choice"),
        (lambda p, v, b: tampered(b, choice=1.0), 400, "invalid_choice"),
        (lambda p, v, b: vote_body(p, v, reason="x" * 1001), 400, "reason_too_long"),
        (lambda p, v, b: tampered(b, reason=None), 400, "invalid_input"),
        (
            lambda p, v, b: vote_body(p, v, timestamp=now_s() + 301),
            400,
            "timestamp_in_future",
        ),
        (
            lambda p, v, b: vote_body(p, v, timestamp=int(p.starts_at.timestamp()) - 1),
            400,
            "timestamp_out_of_window",
        ),
        (lambda p, v, b: tampered(b, timestamp=-1), 400, "invalid_timestamp"),
        (lambda p, v, b: tampered(b, timestamp=2**64), 400, "invalid_timestamp"),
        (lambda p, v, b: tampered(b, timestamp="now"), 400, "invalid_timestamp"),
        (lambda p, v, b: tampered(b, voter="0x1234"), 400, "invalid_address"),
        (lambda p, v, b: tampered(b, voter=mistyped(b["voter"])), 400, "invalid_address"),
        (lambda p, v, b: {k: b[k] for k in b if k != "signature"}, 400, "field_required"),
        (lambda p, v, b: {k: b[k] for k in b if k != "voter"}, 400, "field_required"),
        (lambda p, v, b: vote_body(p, Voter()), 403, "no_voting_power"),
    ],
    ids=[
        "short-signature",
        "zero-signature",
        "signature-not-text",
        "reason-edited",
        "choice-edited",
        "timestamp-edited",
        "someone-else-signed",
        "choice-4",
        "choice-0",
        "choice-string",
        "choice-float",
        "reason-1001",
        "reason-null",
        "future",
        "before-window",
        "timestamp-negative",
        "timestamp-over-uint64",
        "timestamp-string",
        "voter-short",
        "voter-bad-checksum",
        "no-signature",
        "no-voter",
        "no-power",
    ],
)
def test_vote_refusals(client, proposal, voters, mutate, status, code):
    body = mutate(proposal, voters[0], vote_body(proposal, voters[0]))
    response = cast(client, proposal, body)
    assert response.status_code == status, response.json()
    assert response.json()["error"]["code"] == code
    assert Vote.objects.count() == 0


def test_lowercase_voter_address_is_accepted_and_stored_checksummed(client, proposal, voters):
    body = vote_body(proposal, voters[0])
    response = cast(client, proposal, {**body, "voter": body["voter"].lower()})
    assert response.status_code == 201
    assert response.json()["voter"] == voters[0].address


def test_reason_of_exactly_1000_characters_is_accepted(client, proposal, voters):
    response = cast(client, proposal, vote_body(proposal, voters[0], reason="é" * 1000))
    assert response.status_code == 201


def test_vote_signed_after_the_window_is_refused_even_before_the_close(
    client, stored_snapshot, voters
):
    """Voting ends in two minutes; a vote dated one minute after the end is within the
    five-minute clock allowance but outside the window."""
    proposal = make_active(snapshot_block=100, ends_in=timedelta(minutes=2))
    stored_snapshot(100, {voters[0].address: WEI})
    body = vote_body(proposal, voters[0], timestamp=int(proposal.ends_at.timestamp()) + 60)
    response = cast(client, proposal, body)
    assert (response.status_code, response.json()["error"]["code"]) == (
        400,
        "timestamp_out_of_window",
    )


def test_body_must_be_a_json_object(client, proposal):
    url = f"/api/v1/proposals/{proposal.pk}/votes"
    response = client.post(url, "[1, 2]", content_type="application/json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_input")
    response = client.post(url, "{not json", content_type="application/json")
    assert (response.status_code, response.json()["error"]["code"]) == (400, "malformed_request")


def test_vote_on_unknown_proposal_is_404(client, proposal, voters):
    body = vote_body(proposal, voters[0])
    response = client.post("/api/v1/proposals/999999/votes", body, content_type="application/json")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "proposal_not_found")


def test_high_s_signature_is_refused_as_malleable(client, proposal, voters):
    body = vote_body(proposal, voters[0])
    sig = bytes.fromhex(body["signature"][2:])
    s = int.from_bytes(sig[32:64], "big")
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    twin = sig[:32] + (n - s).to_bytes(32, "big") + bytes([55 - sig[64]])
    response = cast(client, proposal, {**body, "signature": "0x" + twin.hex()})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malleable_signature"
    assert Vote.objects.count() == 0
    assert cast(client, proposal, body).status_code == 201  # the canonical one is fine


def test_same_vote_with_v_as_0_or_1_is_the_same_vote(client, proposal, voters):
    body = vote_body(proposal, voters[0])
    sig = bytes.fromhex(body["signature"][2:])
    assert cast(client, proposal, body).status_code == 201
    other_v = "0x" + (sig[:64] + bytes([sig[64] - 27])).hex()
    again = cast(client, proposal, {**body, "signature": other_v})
    assert again.status_code == 200
    assert Vote.objects.count() == 1


def test_resending_an_older_signed_vote_does_not_bring_it_back(client, proposal, voters):
    first = vote_body(proposal, voters[0], choice=1, timestamp=now_s() - 10)
    second = vote_body(proposal, voters[0], choice=2, timestamp=now_s() - 5)
    assert cast(client, proposal, first).status_code == 201
    assert cast(client, proposal, second).status_code == 201
    resent = cast(client, proposal, first)
    assert resent.status_code == 200 and resent.json()["counted"] is False
    assert Vote.objects.get(counted=True).choice == 2
    assert Vote.objects.count() == 2


def test_sign_in_signature_of_the_voter_is_refused_as_a_vote(client, proposal, voters):
    """The voter's own EIP-4361 sign-in signature — valid for signing in — is never a vote."""
    from tests.wallets.test_auth import get_nonce, login, siwe_text

    voter = voters[0]
    account = Account.from_key(voter.key.secret)
    assert account.address == voter.address
    text = siwe_text(account.address, get_nonce(client))
    signed = account.sign_message(encode_defunct(text=text))
    siwe_signature = "0x" + signed.signature.hex().removeprefix("0x")
    assert login(client, text, siwe_signature).status_code == 200  # a real sign-in signature

    body = {**vote_body(proposal, voter), "signature": siwe_signature}
    response = cast(client, proposal, body)
    assert (response.status_code, response.json()["error"]["code"]) == (401, "signature_mismatch")
    assert Vote.objects.count() == 0


def test_vote_signature_is_refused_as_a_sign_in(client, proposal, voters):
    from tests.wallets.test_auth import get_nonce, login, siwe_text

    text = siwe_text(voters[0].address, get_nonce(client))
    response = login(client, text, vote_body(proposal, voters[0])["signature"])
    assert response.status_code == 401


def test_vote_on_a_proposal_not_open_for_votes_is_refused(client, stored_snapshot, voters):
    stored_snapshot(100, {voters[0].address: WEI})
    ended = make_active(
        snapshot_block=100, starts_ago=timedelta(hours=2), ends_in=timedelta(seconds=-1)
    )
    closed = make_active(snapshot_block=100, starts_ago=timedelta(hours=2))
    services.proposal_close(proposal_id=closed.pk, now=closed.ends_at)
    pending = make_active(snapshot_block=100, state=ProposalState.PENDING)
    cancelled = make_active(snapshot_block=100)
    Proposal.objects.filter(pk=cancelled.pk).update(state=ProposalState.CANCELLED)
    for proposal in (ended, closed, pending, cancelled):
        stamp = int(proposal.starts_at.timestamp()) + 10
        response = cast(client, proposal, vote_body(proposal, voters[0], timestamp=stamp))
        assert (response.status_code, response.json()["error"]["code"]) == (
            409,
            "proposal_not_active",
        ), proposal.state
    draft = make_draft()
    response = cast(client, draft, vote_body(ended, voters[0]))
    assert (response.status_code, response.json()["error"]["code"]) == (409, "proposal_not_active")
    assert Vote.objects.count() == 0


def test_receipts_let_anyone_recheck_each_vote_with_standard_tools(client, proposal, voters):
    """GET /votes has all a third party needs: recover each signer from the typed data and
    the signature with eth_account alone, and find the id, power and counted flag."""
    from eth_account.messages import encode_typed_data
    from eth_utils import keccak

    cast(client, proposal, vote_body(proposal, voters[0], choice=1, timestamp=now_s() - 9))
    cast(client, proposal, vote_body(proposal, voters[0], choice=3, timestamp=now_s() - 5))
    cast(client, proposal, vote_body(proposal, voters[1], choice=2, reason="too low"))
    receipts = client.get(f"/api/v1/proposals/{proposal.pk}/votes").json()["results"]
    assert len(receipts) == 3
    for receipt in receipts:
        signable = encode_typed_data(full_message=receipt["typed_data"])
        assert Account.recover_message(signable, signature=receipt["signature"]) == receipt["voter"]
        digest = keccak(b"\x19" + signable.version + signable.header + signable.body)
        assert receipt["id"] == "0x" + digest.hex()
        assert receipt["typed_data"]["domain"]["verifyingContract"] == proposal.verifying_contract
        assert receipt["typed_data"]["message"]["proposal"] == proposal.uid
    assert [(r["choice"], r["counted"], r["power"]) for r in receipts] == [
        (1, False, str(100 * WEI)),
        (3, True, str(100 * WEI)),
        (2, True, str(200 * WEI)),
    ]
    mine = client.get(
        f"/api/v1/proposals/{proposal.pk}/votes", {"voter": voters[0].address, "counted": "true"}
    ).json()["results"]
    assert [r["choice"] for r in mine] == [3]


def test_vote_needs_no_session_or_csrf(proposal, voters):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = cast(strict, proposal, vote_body(proposal, voters[0]))
    assert response.status_code == 201


def test_typed_data_endpoint_returns_signable_typed_data_with_server_time(client, proposal, voters):
    voter = voters[0]
    response = client.get(
        f"/api/v1/proposals/{proposal.pk}/typed-data",
        {"voter": voter.address.lower(), "choice": 3, "reason": "meh"},
    )
    assert response.status_code == 200
    td = response.json()
    assert td["message"]["voter"] == voter.address
    assert abs(td["message"]["timestamp"] - timezone.now().timestamp()) < 5
    signed = Account.sign_typed_data(voter.key.to_hex(), full_message=td)
    body = {
        **{k: td["message"][k] for k in ("voter", "choice", "reason", "timestamp")},
        "signature": "0x" + signed.signature.hex().removeprefix("0x"),
    }
    assert cast(client, proposal, body).status_code == 201


def test_typed_data_refuses_bad_choice(client, proposal, voters):
    response = client.get(
        f"/api/v1/proposals/{proposal.pk}/typed-data", {"voter": voters[0].address, "choice": 9}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_choice")


def test_typed_data_is_refused_while_the_proposal_is_not_active(client, voters):
    pending = make_active(state=ProposalState.PENDING)
    response = client.get(
        f"/api/v1/proposals/{pending.pk}/typed-data", {"voter": voters[0].address, "choice": 1}
    )
    assert (response.status_code, response.json()["error"]["code"]) == (409, "proposal_not_active")


@pytest.mark.parametrize("path", ["", "/votes", "/typed-data?choice=1&voter=0x" + "ab" * 20])
def test_unknown_proposal_answers_404_with_its_code(client, path):
    response = client.get(f"/api/v1/proposals/424242{path}")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "proposal_not_found")


def test_terms_cached_by_the_process_never_decide_a_vote(client, stored_snapshot, voters):
    """Each process caches a proposal's EIP-712 terms (fixed at publish). Should the row ever
    differ (a database rebuilt under a running server), votes are still judged on the row."""
    from proposals.canonical import content_uid

    proposal = make_active(snapshot_block=100)
    stored_snapshot(100, {v.address: WEI for v in voters})
    assert cast(client, proposal, vote_body(proposal, voters[0])).status_code == 201  # cached
    before = vote_body(proposal, voters[2])  # signed over the uid the process has cached
    Proposal.objects.filter(pk=proposal.pk).update(uid=content_uid({"rebuilt": True}))
    stale = cast(client, proposal, before)
    assert (stale.status_code, stale.json()["error"]["code"]) == (401, "signature_mismatch")
    proposal.refresh_from_db()
    fresh = cast(client, proposal, vote_body(proposal, voters[1]))
    assert fresh.status_code == 201, fresh.json()
    assert fresh.json()["typed_data"]["message"]["proposal"] == proposal.uid
