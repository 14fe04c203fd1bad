"""NUL characters and lone surrogates: refused with 400 ``invalid_text``, never a database 500.

PostgreSQL stores neither (a NUL can't be in ``text`` or ``jsonb``; a lone surrogate has no
UTF-8 encoding), so each would otherwise fail inside the database. Run on PostgreSQL (CI) these
tests prove no field, query parameter or cookie gets one that far.
"""

from __future__ import annotations

import json

import pytest

from grants.models import Application
from proposals.models import Proposal
from tests.grants.factories import make_program

pytestmark = pytest.mark.django_db

BAD = {"nul": "a\x00b", "surrogate": "a\ud800b"}
# (who, method, path, body with the bad text at "field", field) for every text field written.
FIELDS = [
    ("steward", "post", "/api/v1/proposals", {"title": "{bad}"}, "title"),
    ("steward", "post", "/api/v1/proposals", {"body": "{bad}"}, "body"),
    ("steward", "post", "/api/v1/proposals", {"discussion_url": "{bad}"}, "discussion_url"),
    (
        "steward",
        "post",
        "/api/v1/proposals",
        {"kind": "grant_budget", "payload": {"program_name": "{bad}"}},
        "payload.program_name",
    ),
    ("steward", "patch", "/api/v1/proposals/{draft}", {"body": "{bad}"}, "body"),
    (
        "steward",
        "post",
        "/api/v1/proposals/validate-payload",
        {"kind": "recognition", "payload": [{"reason": "{bad}"}]},
        "payload[0].reason",
    ),
    ("steward", "post", "/api/v1/proposals/{draft}/cancel", {"reason": "{bad}"}, "reason"),
    ("anyone", "post", "/api/v1/proposals/{active}/votes", {"reason": "{bad}"}, "reason"),
    ("anyone", "post", "/api/v1/auth/login", {"message": "{bad}"}, "message"),
    (
        "steward",
        "patch",
        "/api/v1/grants/programs/{program}",
        {"rubric": [{"criterion": "{bad}", "weight": 1}]},
        "rubric[0].criterion",
    ),
    (
        "applicant",
        "post",
        "/api/v1/grants/programs/{program}/applications",
        {"title": "ok", "milestones": [{"deliverable": "{bad}"}]},
        "milestones[0].deliverable",
    ),
    ("applicant", "patch", "/api/v1/grants/applications/{draft_app}", {"team": "{bad}"}, "team"),
    (
        "reviewer",
        "post",
        "/api/v1/grants/applications/{application}/reviews",
        {"comment": "{bad}"},
        "comment",
    ),
    (
        "reviewer",
        "post",
        "/api/v1/grants/applications/{application}/reviews",
        {"scores": {"{bad}": 1}},
        "scores",
    ),
    (
        "steward",
        "post",
        "/api/v1/grants/applications/{application}/decide",
        {"reason": "{bad}"},
        "reason",
    ),
    (
        "applicant",
        "post",
        "/api/v1/grants/milestones/{milestone}/report",
        {"text": "{bad}"},
        "text",
    ),
    ("steward", "post", "/api/v1/market/nodes/register", {"region": "{bad}"}, "region"),
    ("steward", "post", "/api/v1/market/leases/{lease}/fail", {"reason": "{bad}"}, "reason"),
    ("steward", "post", "/api/v1/market/replay", {"changes": {"{bad}": "1"}}, "changes"),
]


def _fill(value, bad: str):
    if isinstance(value, str):
        return value.replace("{bad}", bad)
    if isinstance(value, list):
        return [_fill(v, bad) for v in value]
    if isinstance(value, dict):
        return {_fill(k, bad): _fill(v, bad) for k, v in value.items()}
    return value


@pytest.fixture
def draft_app(hostile_world):
    """A draft application of the applicant's (to another program), to edit."""
    body = {"title": "Draft", "requested_amount": "1"}
    program = make_program(name="Second").pk
    created = hostile_world.call(
        "applicant", "post", f"/api/v1/grants/programs/{program}/applications", body, status=201
    )
    return created["id"]


@pytest.mark.parametrize("kind", sorted(BAD))
@pytest.mark.parametrize(("who", "method", "path", "body", "field"), FIELDS)
def test_nul_or_lone_surrogate_in_any_text_field_is_refused(
    hostile_world, draft_app, kind, who, method, path, body, field
):
    counts = (Proposal.objects.count(), Application.objects.count())
    # json.dumps writes both as \u escapes, the way a hostile client would send them.
    raw = json.dumps(_fill(body, BAD[kind]))
    url = path.format(**hostile_world.ids, draft_app=draft_app)
    response = getattr(hostile_world.clients[who], method)(
        url, raw, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_text"
    assert response.json()["error"]["field"] == field
    assert (Proposal.objects.count(), Application.objects.count()) == counts


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/proposals?state=%00",
        "/api/v1/proposals?kind=active&kind=x%00",
        "/api/v1/proposals/1/votes?voter=0x%00",
        "/api/v1/grants/programs?x%00=1",
    ],
)
def test_nul_in_an_api_query_parameter_is_a_json_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_text"


def test_nul_in_a_page_query_parameter_is_a_400(client):
    response = client.get("/proposals/?state=%00")
    assert response.status_code == 400
    assert b"NUL" in response.content


def test_session_cookie_with_a_nul_reads_as_signed_out(client):
    # SimpleCookie sends it quoted with an octal escape, which Django unquotes back to a NUL.
    client.cookies["sessionid"] = "abcdefghijk\x00lmnop"
    assert client.cookies.output().count("\\000") == 1
    response = client.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert client.get("/proposals/").status_code == 200
