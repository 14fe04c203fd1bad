"""Grants lists (pages and API) cost the same number of queries for 1 row as for many."""

from __future__ import annotations

import pytest

from grants import services
from proposals.models import ProposalKind
from tests.factories import UserFactory
from tests.grants.factories import (
    WEI,
    draft_application,
    executed_proposal,
    make_program,
    reviewed_application,
    submitted_application,
)
from tests.querycount import get_with_flat_queries

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/grants/", "/api/v1/grants/programs"])
def test_program_lists_do_not_query_per_program(client, url, django_assert_num_queries):
    def add() -> None:
        program = make_program(reviewers=[UserFactory()], budget=10_000 * WEI)
        submitted_application(program)

    response = get_with_flat_queries(client, url, add, django_assert_num_queries)
    assert response.content.decode().count("GPU tooling") >= 12


@pytest.mark.parametrize("url", ["/grants/{}/", "/api/v1/grants/programs/{}/applications"])
def test_program_applications_do_not_query_per_application(
    client, program, reviewers, steward, url, django_assert_num_queries
):
    client.force_login(steward)
    response = get_with_flat_queries(
        client,
        url.format(program.pk),
        lambda: reviewed_application(program, reviewers[:1]),
        django_assert_num_queries,
    )
    assert response.content.decode().count("CUDA profiler") >= 12


@pytest.mark.parametrize("url", ["/grants/applications/", "/api/v1/grants/applications"])
def test_my_applications_do_not_query_per_application(
    client, applicant, url, django_assert_num_queries
):
    client.force_login(applicant)
    response = get_with_flat_queries(
        client,
        url,
        # One open application per program and applicant: a program for each.
        lambda: draft_application(make_program(), applicant),
        django_assert_num_queries,
    )
    assert response.content.decode().count("CUDA profiler") >= 12


@pytest.mark.parametrize("url", ["/grants/reviews/", "/api/v1/grants/reviews/queue"])
def test_review_queue_does_not_query_per_application(
    client, program, reviewers, url, django_assert_num_queries
):
    client.force_login(reviewers[0])
    response = get_with_flat_queries(
        client, url, lambda: submitted_application(program), django_assert_num_queries
    )
    assert response.content.decode().count("CUDA profiler") >= 12


def test_steward_console_does_not_query_per_application(
    client, program, reviewers, steward, django_assert_num_queries
):
    client.force_login(steward)
    response = get_with_flat_queries(
        client,
        "/steward/",
        lambda: reviewed_application(program, reviewers),
        django_assert_num_queries,
    )
    assert response.content.decode().count("data-application=") >= 12


@pytest.mark.parametrize("url", ["/grants/recognitions/", "/api/v1/grants/recognitions"])
def test_recognitions_do_not_query_per_recognition(client, url, django_assert_num_queries):
    def add() -> None:
        recipients = [
            {"recipient": UserFactory().address, "amount": str(5 * WEI), "reason": "Docs"}
            for _ in range(2)
        ]
        proposal = executed_proposal(
            kind=ProposalKind.RECOGNITION, payload={"recipients": recipients}
        )
        services.recognitions_record(proposal=proposal, tx_hash="0x" + "ef" * 32, block_number=3)

    response = get_with_flat_queries(client, url, add, django_assert_num_queries)
    assert response.content.decode().count("Docs") >= 24


@pytest.mark.parametrize("url", ["/grants/{}/", "/api/v1/grants/programs/{}/applications"])
def test_a_reviewer_sees_program_applications_without_a_query_per_application(
    client, program, reviewers, url, django_assert_num_queries
):
    # Undecided applications are visible to the program's reviewers: decided in SQL, not per row.
    client.force_login(reviewers[1])
    response = get_with_flat_queries(
        client,
        url.format(program.pk),
        lambda: reviewed_application(program, reviewers[:1]),
        django_assert_num_queries,
    )
    assert response.content.decode().count("CUDA profiler") >= 12


def test_recognition_lists_do_not_query_per_recognition(client, django_assert_num_queries):
    from grants.models import Recognition

    proposal = executed_proposal(kind=ProposalKind.RECOGNITION, payload=[])
    counter = iter(range(1, 100))

    def add() -> None:
        Recognition.objects.create(
            proposal=proposal, recipient=f"0x{next(counter):040x}", amount=WEI, reason="GPU tooling"
        )

    for url in ("/grants/recognitions/", "/api/v1/grants/recognitions"):
        Recognition.objects.all().delete()
        response = get_with_flat_queries(client, url, add, django_assert_num_queries)
        assert response.content.decode().count("GPU tooling") >= 12


def test_grant_lists_are_paginated(client):
    from grants.models import Recognition

    proposal = executed_proposal(kind=ProposalKind.RECOGNITION, payload=[])
    for i in range(55):
        Recognition.objects.create(
            proposal=proposal, recipient=f"0x{i + 1:040x}", amount=WEI, reason=f"row {i}"
        )
    api = client.get("/api/v1/grants/recognitions").json()
    assert api["count"] == 55 and len(api["results"]) == 50 and api["next"]
    assert len(client.get("/api/v1/grants/recognitions", {"offset": 50}).json()["results"]) == 5
    first = client.get("/grants/recognitions/").content.decode()
    assert first.count("<code>0x") == 50 and 'rel="next" href="?page=2"' in first
    second = client.get("/grants/recognitions/", {"page": 2}).content.decode()
    assert second.count("<code>0x") == 5
    for _ in range(3):
        make_program()
    programs = client.get("/api/v1/grants/programs", {"limit": 2}).json()
    assert programs["count"] == 3 and len(programs["results"]) == 2
