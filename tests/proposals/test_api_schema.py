"""The proposals API's OpenAPI schema: every error code the API answers with is listed for its
operation, and the documented response shapes match what the API really returns."""

import pytest

from proposals import services
from tests.factories import UserFactory
from tests.proposals.factories import WEI, make_active, make_draft, vote_body

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def listed_codes(schema, path: str, method: str, status: int) -> set[str]:
    response = schema["paths"][path][method]["responses"][str(status)]
    description = response["description"]
    assert "Error codes: " in description, description
    listed = description.split("Error codes: ", 1)[1].rstrip(".")
    return {code.strip() for code in listed.split(",")}


# (path, method, status, code): each code is answered in a test of tests/proposals.
ANSWERED = [
    ("/api/v1/proposals", "get", 400, "invalid_input"),
    ("/api/v1/proposals", "post", 400, "parameter_out_of_bounds"),
    ("/api/v1/proposals", "post", 400, "max_length"),
    ("/api/v1/proposals", "post", 400, "field_required"),
    ("/api/v1/proposals", "post", 400, "invalid_input"),
    ("/api/v1/proposals", "post", 400, "program_not_found"),
    ("/api/v1/proposals", "post", 401, "not_authenticated"),
    ("/api/v1/proposals/validate-payload", "post", 400, "payload_empty"),
    ("/api/v1/proposals/{proposal_id}", "get", 404, "proposal_not_found"),
    ("/api/v1/proposals/{proposal_id}", "patch", 400, "parameter_out_of_bounds"),
    ("/api/v1/proposals/{proposal_id}", "patch", 403, "not_author"),
    ("/api/v1/proposals/{proposal_id}", "patch", 409, "invalid_state"),
    ("/api/v1/proposals/{proposal_id}/publish", "post", 403, "below_proposal_threshold"),
    ("/api/v1/proposals/{proposal_id}/publish", "post", 403, "not_author"),
    ("/api/v1/proposals/{proposal_id}/publish", "post", 409, "too_many_active_proposals"),
    ("/api/v1/proposals/{proposal_id}/publish", "post", 409, "invalid_state"),
    ("/api/v1/proposals/{proposal_id}/publish", "post", 503, "chain_unavailable"),
    ("/api/v1/proposals/{proposal_id}/cancel", "post", 400, "reason_required"),
    ("/api/v1/proposals/{proposal_id}/cancel", "post", 403, "not_allowed"),
    ("/api/v1/proposals/{proposal_id}/cancel", "post", 409, "invalid_state"),
    ("/api/v1/proposals/{proposal_id}/typed-data", "get", 400, "invalid_choice"),
    ("/api/v1/proposals/{proposal_id}/typed-data", "get", 409, "proposal_not_active"),
    ("/api/v1/proposals/{proposal_id}/typed-data", "get", 404, "proposal_not_found"),
    ("/api/v1/proposals/{proposal_id}/votes", "get", 404, "proposal_not_found"),
] + [
    ("/api/v1/proposals/{proposal_id}/votes", "post", status, code)
    for status, code in [
        (400, "bad_signature"),
        (400, "malleable_signature"),
        (400, "invalid_choice"),
        (400, "invalid_input"),
        (400, "field_required"),
        (400, "reason_too_long"),
        (400, "invalid_address"),
        (400, "invalid_timestamp"),
        (400, "timestamp_in_future"),
        (400, "timestamp_out_of_window"),
        (400, "malformed_request"),
        (401, "signature_mismatch"),
        (403, "no_voting_power"),
        (404, "proposal_not_found"),
        (409, "proposal_not_active"),
        (429, "rate_limited"),
    ]
]


@pytest.mark.parametrize(("path", "method", "status", "code"), ANSWERED)
def test_every_answered_error_code_is_listed_for_its_operation(schema, path, method, status, code):
    assert code in listed_codes(schema, path, method, status)


def test_unknown_list_filters_are_refused(client):
    response = client.get("/api/v1/proposals", {"state": "active,bogus"})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_input")
    assert "bogus" in response.json()["error"]["message"]
    response = client.get("/api/v1/proposals", {"kind": "lottery"})
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid_input")


def test_list_filters_take_several_states(client):
    make_draft(title="a draft")
    make_active(title="an active one")
    make_active(title="a pending one", state="pending")
    response = client.get("/api/v1/proposals", {"state": "active,pending"})
    assert sorted(p["title"] for p in response.json()["results"]) == [
        "a pending one",
        "an active one",
    ]


def test_vote_throttle_answers_429_with_retry_after(client, monkeypatch, stored_snapshot, voters):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, "vote": "2/min"}
    )
    proposal = make_active(snapshot_block=100)
    stored_snapshot(100, {v.address: WEI for v in voters})
    url = f"/api/v1/proposals/{proposal.pk}/votes"
    answers = [
        client.post(url, vote_body(proposal, v), content_type="application/json")
        for v in voters[:3]
    ]
    assert [r.status_code for r in answers] == [201, 201, 429]
    assert answers[-1].json()["error"]["code"] == "rate_limited"
    assert int(answers[-1]["Retry-After"]) > 0
    assert client.get(url).status_code == 200  # reading receipts is not throttled


def documented_fields(schema, component: str) -> set[str]:
    return set(schema["components"]["schemas"][component]["properties"])


def test_documented_detail_and_receipt_fields_are_in_real_answers(
    schema, client, stored_snapshot, voters
):
    proposal = make_active(snapshot_block=100)
    stored_snapshot(100, {voters[0].address: WEI})
    services.vote_cast(proposal_id=proposal.pk, **vote_body(proposal, voters[0]))
    detail = client.get(f"/api/v1/proposals/{proposal.pk}").json()
    assert documented_fields(schema, "ProposalDetail") <= set(detail)
    assert documented_fields(schema, "Tally") == set(detail["tally"])
    receipt = client.get(f"/api/v1/proposals/{proposal.pk}/votes").json()["results"][0]
    assert documented_fields(schema, "Receipt") == set(receipt)
    assert documented_fields(schema, "VoteRequest") == {
        "voter",
        "choice",
        "reason",
        "timestamp",
        "signature",
    }


@pytest.mark.chain
def test_publish_answers_503_when_the_chain_is_down(client, settings, deployed):
    """No RPC listening: the publish refuses with chain_unavailable, the draft stays a draft."""
    from jctgov.chain import client as chain_client
    from jctgov.chain.anvil import free_port

    author = UserFactory()
    draft = make_draft(author=author)
    settings.CHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"
    chain_client.reset_web3()
    try:
        client.force_login(author)
        response = client.post(f"/api/v1/proposals/{draft.pk}/publish")
    finally:
        chain_client.reset_web3()
    assert (response.status_code, response.json()["error"]["code"]) == (503, "chain_unavailable")
    draft.refresh_from_db()
    assert draft.state == "draft"
