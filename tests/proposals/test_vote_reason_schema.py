"""The OpenAPI schema says what the API accepts for a vote's reason: optional, may be empty
(the typed-data endpoint signs ""), at most 1,000 characters; the API and the typed-data
endpoint agree with it."""

from __future__ import annotations

import pytest

from tests.proposals.factories import Voter, make_active, vote_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(client):
    return client.get("/api/v1/schema", HTTP_ACCEPT="application/json").json()


def test_schema_allows_an_empty_reason_of_at_most_1000_characters(schema):
    reason = schema["components"]["schemas"]["VoteRequest"]["properties"]["reason"]
    assert reason["type"] == "string" and reason["maxLength"] == 1000
    assert reason.get("minLength", 0) == 0
    assert "reason" not in schema["components"]["schemas"]["VoteRequest"].get("required", [])
    typed = schema["paths"]["/api/v1/proposals/{proposal_id}/typed-data"]["get"]["parameters"]
    param = next(p for p in typed if p["name"] == "reason")
    assert param["schema"]["maxLength"] == 1000 and param["schema"].get("minLength", 0) == 0
    assert param.get("required", False) is False


def test_api_and_typed_data_agree_with_the_schema(client, stored_snapshot):
    voter = Voter()
    proposal = make_active(snapshot_block=100)
    stored_snapshot(100, {voter.address: 10})
    url = f"/api/v1/proposals/{proposal.pk}"
    typed = client.get(f"{url}/typed-data", {"voter": voter.address, "choice": 1, "reason": ""})
    assert typed.status_code == 200 and typed.json()["message"]["reason"] == ""
    empty = vote_body(proposal, voter, reason="")
    assert client.post(f"{url}/votes", empty, content_type="application/json").status_code == 201
    longest = vote_body(proposal, voter, reason="x" * 1000)
    assert client.post(f"{url}/votes", longest, content_type="application/json").status_code == 201
    too_long = vote_body(proposal, voter, reason="x" * 1001)
    answer = client.post(f"{url}/votes", too_long, content_type="application/json")
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "reason_too_long")
    answer = client.get(
        f"{url}/typed-data", {"voter": voter.address, "choice": 1, "reason": "x" * 1001}
    )
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "reason_too_long")
