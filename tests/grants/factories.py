"""Grants test helpers: executed proposals, open programs, submitted/approved applications."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.utils import timezone

from grants import services
from grants.models import Application, ApplicationState, Milestone, Program
from proposals.models import Proposal, ProposalKind, ProposalState
from tests.factories import UserFactory

WEI = 10**18


def executed_proposal(
    kind: str = ProposalKind.GRANT_BUDGET, payload: dict | None = None, **fields
) -> Proposal:
    """A proposal as execution leaves it (state executed, uid fixed)."""
    if payload is None:
        payload = {
            "program_name": "GPU tooling",
            "description": "Open-source tools.",
            "amount": str(1_000 * WEI),
        }
    return Proposal.objects.create(
        kind=kind,
        title=fields.pop("title", "Fund GPU tooling"),
        payload=payload,
        author=fields.pop("author", None) or UserFactory(),
        state=ProposalState.EXECUTED,
        uid="0x" + secrets.token_hex(32),
        approved_at=fields.pop("approved_at", None) or timezone.now(),
        operation_id="0x" + secrets.token_hex(32),
        execute_tx="0x" + secrets.token_hex(32),
        **fields,
    )


_escrow_ids = iter(range(10_000, 10**9))


def make_program(*, budget: int = 1_000 * WEI, reviewers: list | None = None, **fields) -> Program:
    now = timezone.now()
    program = Program.objects.create(
        name=fields.pop("name", "GPU tooling"),
        budget=budget,
        max_request=fields.pop("max_request", budget),
        escrow_program_id=fields.pop("escrow_program_id", None) or next(_escrow_ids),
        opens_at=fields.pop("opens_at", now - timedelta(days=1)),
        **fields,
    )
    if reviewers:
        program.reviewers.set(reviewers)
    return program


def application_fields(applicant, amount: int = 100 * WEI, parts: int = 2) -> dict:
    share = amount // parts
    amounts = [share] * (parts - 1) + [amount - share * (parts - 1)]
    return {
        "title": "CUDA profiler",
        "description": "A **fast** profiler.",
        "team": "Ada, Grace",
        "requested_amount": str(amount),
        "payout_address": applicant.address,
        "milestones": [
            {
                "title": f"Part {i + 1}",
                "deliverable": "Code",
                "amount": str(a),
                "due_date": "2030-01-31",
            }
            for i, a in enumerate(amounts)
        ],
    }


def draft_application(
    program: Program, applicant=None, amount: int = 100 * WEI, parts: int = 2
) -> Application:
    applicant = applicant or UserFactory()
    return services.application_create_draft(
        program_id=program.pk, applicant=applicant, **application_fields(applicant, amount, parts)
    )


def submitted_application(program: Program, applicant=None, **kw) -> Application:
    application = draft_application(program, applicant, **kw)
    return services.application_submit(application_id=application.pk, actor=application.applicant)


def reviewed_application(program: Program, reviewers: list, applicant=None, **kw) -> Application:
    application = submitted_application(program, applicant, **kw)
    scores = {c["criterion"]: 4 for c in program.rubric}
    for reviewer in reviewers:
        services.review_submit(application_id=application.pk, reviewer=reviewer, scores=scores)
    application.refresh_from_db()
    return application


def approved_application(
    program: Program, steward, reviewers: list, applicant=None, **kw
) -> Application:
    application = reviewed_application(program, reviewers, applicant, **kw)
    return services.application_decide(
        application_id=application.pk, actor=steward, approve=True, reason="Strong reviews"
    )


def set_state(obj, state) -> None:
    type(obj).objects.filter(pk=obj.pk).update(state=state)
    obj.refresh_from_db()


__all__ = ["Application", "ApplicationState", "Milestone"]


def fund_escrow(chain, escrow_program_id: int, amount: int) -> None:
    """What an executed grant-budget proposal does: the timelock approves and funds."""
    grant_escrow = chain.contract("GrantEscrow")
    chain.as_timelock(chain.contract("JCT").functions.approve(grant_escrow.address, amount))
    chain.as_timelock(grant_escrow.functions.fundProgram(escrow_program_id, amount))


def funded_reviewed_application(chain, budget: int = 1_000 * WEI) -> Application:
    """An application two reviewers scored, in a program whose escrow on the chain holds its
    whole budget: what a steward decides and then pays milestones from."""
    reviewers = [UserFactory(), UserFactory()]
    program = make_program(budget=budget, reviewers=reviewers)
    fund_escrow(chain, program.escrow_program_id, budget)
    return reviewed_application(program, reviewers)
