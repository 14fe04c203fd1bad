"""The budget holds under concurrent approvals: threads against PostgreSQL (skipped on SQLite)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from grants import services
from grants.models import Application, ApplicationState, Program
from jctgov.core.errors import ApplicationError
from jctgov.wallets.services import steward_grant
from tests.factories import UserFactory
from tests.grants.factories import WEI, make_program, reviewed_application

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def at_once(calls):
    """Run every call in its own thread, released together; return results or exceptions."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            return call()
        except Exception as exc:  # collected for the assertions
            return exc
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_concurrent_approvals_never_commit_more_than_the_budget(postgres_only):
    steward = steward_grant(address="0x" + "5" * 40)
    reviewers = [UserFactory(), UserFactory()]
    program = make_program(budget=250 * WEI, reviewers=reviewers)
    applications = [reviewed_application(program, reviewers) for _ in range(6)]

    results = at_once(
        [
            (
                lambda a=a: services.application_decide(
                    application_id=a.pk, actor=steward, approve=True, reason="Within budget?"
                )
            )
            for a in applications
        ]
    )

    refused = [r for r in results if isinstance(r, ApplicationError)]
    assert {r.code for r in refused} == {"budget_exceeded"}, results
    assert len(refused) == 4
    program = Program.objects.get(pk=program.pk)
    assert program.committed == 200 * WEI <= program.budget
    approved = Application.objects.filter(program=program, state=ApplicationState.APPROVED)
    assert sum(a.requested_amount for a in approved) == program.committed
