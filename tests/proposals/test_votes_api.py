"""Casting votes through the API: receipts, idempotency, replacement, and every refusal."""

from datetime import timedelta

import pytest
from django.utils import timezone
from eth_account import Account
from eth_account.messages import encode_defunct

from proposals.models import Vote
from tests.proposals.factories import WEI, Voter, make_active, make_draft, vote_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal(fake_chain, voters):
    proposal = make_active(snapshot_block=100)
    fake_chain.snapshot(100, {v.address: (i + 1) * 100 * WEI for i, v in enumerate(voters[:3])})
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


def test_older_vote_arriving_late_is_kept_but_not_counted(client, proposal, voters):
    now = int(timezone.now().timestamp())
    cast(client, proposal, vote_body(proposal, voters[0], choice=2, timestamp=now - 5))
    late = cast(client, proposal, vote_body(proposal, voters[0], choice=1, timestamp=now - 10))
    assert late.status_code == 201 and late.json()["counted"] is False
    assert client.get(f"/api/v1/proposals/{proposal.pk}").json()["tally"]["for"] == "0"


def test_equal_timestamps_later_arrival_wins(client, proposal, voters):
    now = int(timezone.now().timestamp())
    cast(client, proposal, vote_body(proposal, voters[0], choice=1, timestamp=now))
    cast(client, proposal, vote_body(proposal, voters[0], choice=3, timestamp=now))
    counted = Vote.objects.get(counted=True)
    assert counted.choice == 3


def tampered(body, **changes):
    return {**body, **changes}


@pytest.mark.parametrize(
    ("mutate", "status", "code"),
    [
        (lambda p, v, b: tampered(b, signature="0x1234"), 400, "bad_signature"),
        (lambda p, v, b: tampered(b, reason="changed after signing"), 401, "signature_mismatch"),
        (lambda p, v, b: vote_body(p, v, choice=4), 400, "invalid_choice"),
        (lambda p, v, b: vote_body(p, v, reason="x" * 1001), 400, "reason_too_long"),
        (
            lambda p, v, b: vote_body(p, v, timestamp=int(timezone.now().timestamp()) + 301),
            400,
            "timestamp_in_future",
        ),
        (
            lambda p, v, b: vote_body(p, v, timestamp=int(p.starts_at.timestamp()) - 1),
            400,
            "timestamp_out_of_window",
        ),
        (lambda p, v, b: vote_body(p, Voter()), 403, "no_voting_power"),
    ],
    ids=["bad", "mismatch", "choice", "reason", "future", "window", "power"],
)
def test_vote_refusals(client, proposal, voters, mutate, status, code):
    body = mutate(proposal, voters[0], vote_body(proposal, voters[0]))
    response = cast(client, proposal, body)
    assert response.status_code == status, response.json()
    assert response.json()["error"]["code"] == code
    assert Vote.objects.count() == 0


def test_high_s_signature_is_refused_as_malleable(client, proposal, voters):
    body = vote_body(proposal, voters[0])
    sig = bytes.fromhex(body["signature"][2:])
    s = int.from_bytes(sig[32:64], "big")
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    twin = sig[:32] + (n - s).to_bytes(32, "big") + bytes([55 - sig[64]])
    response = cast(client, proposal, {**body, "signature": "0x" + twin.hex()})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malleable_signature"


def test_sign_in_signature_is_refused_as_a_vote(client, proposal):
    account = Account.create()
    body = vote_body(proposal, Voter())
    body["voter"] = account.address
    body["signature"] = "0x" + account.sign_message(
        encode_defunct(text="testserver wants you to sign in")
    ).signature.hex().removeprefix("0x")
    response = cast(client, proposal, body)
    assert (response.status_code, response.json()["error"]["code"]) == (401, "signature_mismatch")


def test_vote_on_closed_or_draft_proposal_is_refused(client, fake_chain, voters):
    ended = make_active(
        snapshot_block=100, starts_ago=timedelta(hours=2), ends_in=timedelta(seconds=-1)
    )
    fake_chain.snapshot(100, {voters[0].address: WEI})
    body = vote_body(ended, voters[0], timestamp=int(ended.starts_at.timestamp()) + 10)
    response = cast(client, ended, body)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "proposal_not_active")
    draft = make_draft()
    body = {**body, "signature": body["signature"]}
    response = cast(client, draft, body)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "proposal_not_active")


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
