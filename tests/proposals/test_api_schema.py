"""The proposals API's OpenAPI schema: every error code the API answers with is listed for its
operation, and the documented response shapes match what the API really returns."""

import pytest

from proposals import services
from tests.factories import UserFactory
from tests.proposals.factories import WEI, make_active, make_draft, vote_body

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    from tests.fixtures.api_errors import api_schema

    with django_db_blocker.unblock():
        return api_schema()  # the one the client's error check uses


def test_each_operation_lists_its_error_codes_from_the_registry(schema):
    """x-error-codes and the enum on error.code say the same, and each code is registered with
    the status it is listed under (the suite checks real answers against both: see
    tests/fixtures/api_errors.py)."""
    from jctgov.core.error_codes import lookup

    operations = [(p, m, op) for p, item in schema["paths"].items() for m, op in item.items()]
    assert len(operations) > 60
    for path, method, operation in operations:
        listed = operation["x-error-codes"]
        assert {"400", "401", "404", "429"} <= set(listed), (path, method)
        for status, codes in listed.items():
            body = operation["responses"][status]["content"]["application/json"]["schema"]
            enum = body["allOf"][1]["properties"]["error"]["properties"]["code"]["enum"]
            assert enum == codes, (path, method, status)
            for code in codes:
                assert int(status) in lookup(code).statuses, (path, method, status, code)


def test_an_operation_lists_its_own_codes_with_their_meaning(schema):
    publish = schema["paths"]["/api/v1/proposals/{proposal_id}/publish"]["post"]
    assert publish["x-error-codes"]["403"] == [
        "below_proposal_threshold",
        "not_author",
        "permission_denied",
    ]
    assert publish["x-error-codes"]["503"] == ["chain_unavailable"]
    described = publish["responses"]["403"]["description"]
    assert "- `not_author`: Only the author can do this." in described
    login = schema["paths"]["/api/v1/auth/login"]["post"]["x-error-codes"]
    assert "bad_signature" in login["401"]  # the sign-in status of a code that is 400 on votes
    assert (
        "bad_signature"
        in schema["paths"]["/api/v1/proposals/{proposal_id}/votes"]["post"]["x-error-codes"]["400"]
    )


def test_the_suite_refuses_an_error_its_contract_does_not_name(client):
    """The check every test's client runs: a real refusal passes; an unregistered code, a code
    with another status, or a code the operation does not declare is reported."""
    from tests.fixtures.api_errors import error_problem

    response = client.get("/api/v1/proposals/999999")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "proposal_not_found")
    path = "/api/v1/proposals/999999"
    assert error_problem("GET", path, 404, response.json()) is None
    assert "not in jctgov/core/error_codes.py" in error_problem(
        "GET", path, 404, {"error": {"code": "no_such_code"}}
    )
    assert "registered as (404,)" in error_problem(
        "GET", path, 410, {"error": {"code": "proposal_not_found"}}
    )
    assert "does not list" in error_problem("GET", path, 403, {"error": {"code": "not_steward"}})


def test_every_tests_client_runs_that_check(client, monkeypatch):
    from jctgov.core.errors import Forbidden
    from proposals import selectors

    def refuse(**filters):
        raise Forbidden("Stewards only.", code="not_steward")

    monkeypatch.setattr(selectors, "proposal_list", refuse)
    with pytest.raises(AssertionError, match="GET /api/v1/proposals answered 403 'not_steward'"):
        client.get("/api/v1/proposals")


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
