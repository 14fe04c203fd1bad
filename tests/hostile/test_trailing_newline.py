"""A hex value with a trailing newline: refused as malformed, never a 500.

Python's ``$`` matches before a final "\\n", so ``^0x[0-9a-f]{40}$`` let "0x…\\n" through to
``to_checksum_address``, which raised ValueError (a 500) on the typed-data query and in
recognition payloads. The patterns end in ``\\Z`` now.
"""

from __future__ import annotations

import pytest
from eth_account import Account

from proposals import eip712
from tests.factories import UserFactory
from tests.proposals.factories import Voter, make_active

pytestmark = pytest.mark.django_db
ADDRESS = Account.create().address


def test_typed_data_for_a_voter_with_a_trailing_newline_is_400(client):
    proposal = make_active()
    url = f"/api/v1/proposals/{proposal.pk}/typed-data"
    response = client.get(url, {"voter": ADDRESS + "\n", "choice": 1})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_address",
        "message": "Not an Ethereum address.",
        "field": "voter",
    }
    assert client.get(url, {"voter": ADDRESS, "choice": 1}).status_code == 200


def test_recognition_recipient_with_a_trailing_newline_is_400(client):
    client.force_login(UserFactory())
    payload = [{"recipient": ADDRESS + "\n", "amount": "1", "reason": "docs"}]
    body = {"kind": "recognition", "payload": payload}
    response = client.post("/api/v1/proposals/validate-payload", body, "application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_address"
    assert response.json()["error"]["field"] == "payload.recipients[0].recipient"


@pytest.mark.parametrize(
    "fields",
    [{"proposal": "0x" + "ab" * 32 + "\n"}, {"voter": ADDRESS + "\n"}],
)
def test_a_vote_message_with_a_trailing_newline_cannot_be_built(fields):
    base = {
        "proposal": "0x" + "ab" * 32,
        "voter": ADDRESS,
        "choice": 1,
        "reason": "",
        "timestamp": 1,
    }
    with pytest.raises(ValueError):
        eip712.VoteMessage(**{**base, **fields})


def test_a_valid_signature_with_a_trailing_newline_is_bad():
    signature = Voter().sign(bytes(32))
    assert eip712.split_signature(signature)
    with pytest.raises(eip712.SignatureError) as err:
        eip712.split_signature(signature + "\n")
    assert err.value.code == "bad_signature"
