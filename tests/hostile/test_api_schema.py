"""Schemathesis against /api/v1/schema: every operation, in process (WSGI), on the real chain.

Each operation gets schema-valid and schema-violating requests (bounded and derandomized, so
the suite stays fast and a failure reproduces), sent with a signed-in steward's session and
CSRF token. Path ids mostly point at real objects of a small world (a draft and an active
proposal, a program the steward reviews, applications in several states, milestones, a
provider's node, a job and a lease), so the checks reach past the 404s into the services.

Every answer must be: no 5xx, a documented status, a documented content type, a body that
matches the schema, and for errors, a code from the list the operation documents.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fixtures.chain import WEI
from tests.hostile.world import build_world

schema = schemathesis.openapi.from_wsgi("/api/v1/schema", get_wsgi_application())
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
WORLD: dict[str, Any] = {}  # filled per test by the ``world`` fixture; read by the hooks below


@schema.hook("map_path_parameters")
def _existing_ids(context, path_parameters: dict[str, Any] | None) -> dict[str, Any] | None:
    """Three in four ids name an object of the world; the rest stay as generated (404s)."""
    if not path_parameters:
        return path_parameters
    mapped = dict(path_parameters)
    for name, value in path_parameters.items():
        ids = WORLD.get(name)
        if ids and isinstance(value, int) and not isinstance(value, bool) and value % 4 != 3:
            mapped[name] = ids[value % len(ids)]
    return mapped


@schema.hook("map_headers")
def _node_token(context, headers: dict[str, Any] | None) -> dict[str, Any] | None:
    """Heartbeats: half of them carry the world's real node token."""
    if headers and "Authorization" in headers and WORLD.get("node_token"):
        if len(str(headers["Authorization"])) % 2 == 0:
            headers = {**headers, "Authorization": f"Bearer {WORLD['node_token']}"}
    return headers


@pytest.fixture
def world(chain, db, client):
    """The world's objects, and a steward signed in with veJCT (so publishing can succeed)."""
    steward = chain.account(1)
    chain.lock(steward, 5_000 * WEI, weeks=52)
    built = build_world(steward.address)
    client.force_login(built.pop("user"))
    session = client.cookies["sessionid"].value
    csrf = "h" * 32  # any 32-character token: the cookie and the header only have to agree
    WORLD.update(built)
    # The Django test client detaches close_old_connections while it handles a request; the
    # WSGI app schemathesis calls does not, and would close the test's transaction under it.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {
            "cookies": {"sessionid": session, "csrftoken": csrf},
            "headers": {"X-CSRFToken": csrf},
        }
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
        WORLD.clear()


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_its_schema_says(case, world):
    case.call_and_validate(cookies=world["cookies"], headers=world["headers"], checks=CHECKS)
