"""From the vote to the payout: an executed grant-budget proposal funds the program it creates,
and a milestone of an application to that program is paid from that escrow, on Anvil."""

from __future__ import annotations

import pytest
from eth_account import Account

from grants import escrow, services
from grants.models import Milestone, MilestoneState, Program
from grants.services.milestones import payout_operation as milestone_payout_operation
from jctgov.chain import client as chain_client
from proposals import services as proposals
from proposals.models import ProposalKind, ProposalState
from tests.factories import UserFactory
from tests.grants.factories import approved_application
from tests.proposals.factories import WEI, make_succeeded
from tests.proposals.test_execution import DELAY

pytestmark = pytest.mark.django_db


def test_an_executed_budget_funds_the_program_that_then_pays_a_milestone(
    chain, steward, django_capture_on_commit_callbacks
):
    proposal = make_succeeded(
        kind=ProposalKind.GRANT_BUDGET,
        payload={"program_name": "Open GPU tools", "description": "", "amount": str(800 * WEI)},
    )
    op = proposals.proposal_approval_open(proposal_id=proposal.pk)
    with django_capture_on_commit_callbacks(execute=True):
        chain.sign_operation(op.pk, 0)  # the stewards' 1-of-1 Safe approves
    chain.increase_time(DELAY + 1)
    assert proposals.proposal_execute(proposal_id=proposal.pk).state == ProposalState.EXECUTED
    program = Program.objects.get(source_proposal=proposal)
    reviewers = [UserFactory(), UserFactory()]
    services.program_update(
        program_id=program.pk, actor=steward, reviewers=[r.address for r in reviewers]
    )
    applicant = UserFactory(address=Account.create().address)
    application = approved_application(program, steward, reviewers, applicant)
    milestone = application.milestones.first()
    services.milestone_report(
        milestone_id=milestone.pk, actor=applicant, evidence_url="", text="Shipped"
    )
    with django_capture_on_commit_callbacks(execute=True):  # the payout task runs (eager)
        services.milestone_accept(milestone_id=milestone.pk, actor=steward)
    assert Milestone.objects.get(pk=milestone.pk).state == MilestoneState.ACCEPTED  # unsigned
    payout = milestone_payout_operation(milestone.pk)
    assert "payoutOnce" in payout.description and payout.state == "collecting"
    with django_capture_on_commit_callbacks(execute=True):  # the relay runs (eager)
        chain.sign_operation(payout.pk, 0)
    paid = Milestone.objects.get(pk=milestone.pk)
    assert paid.state == MilestoneState.PAID and paid.tx_hash
    assert chain_client.token_balance("JCT", application.payout_address) == paid.amount
    assert escrow.remaining(program.escrow_program_id) == 800 * WEI - paid.amount
