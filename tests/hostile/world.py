"""A small world of real objects in every state the API's operations act on.

Built through the services and the test factories of each app, so its rows are what the
running system would hold. :func:`build_world` returns the ids by path-parameter name.
"""

from __future__ import annotations

from typing import Any

from grants import services as grants
from jctgov.market.models import Job
from jctgov.wallets.services import steward_grant
from proposals.models import ProposalKind
from tests.factories import UserFactory
from tests.grants.factories import (
    approved_application,
    draft_application,
    make_program,
    submitted_application,
)
from tests.market.factories import JobFactory, LeaseFactory, NodeFactory, ProviderFactory
from tests.proposals.factories import make_active, make_draft

NODE_TOKEN = "token-hostile-world"


def build_world(address: str) -> dict[str, Any]:
    """Objects for ``address`` (made a steward) and for others, keyed like the API's paths."""
    from jctgov.market.services import token_hash

    user = steward_grant(address=address)
    other, reviewer = UserFactory(), UserFactory()
    proposals = [
        make_draft(author=user),
        make_draft(
            author=user,
            kind=ProposalKind.RECOGNITION,
            payload={
                "recipients": [{"recipient": other.address, "amount": "1", "reason": "docs"}],
                "total": "1",
            },
        ),
        make_active(),
        make_draft(),
    ]
    program = make_program(reviewers=[user, reviewer])
    mine = draft_application(program, applicant=user)
    theirs = submitted_application(program, applicant=other)
    approved = approved_application(program, user, [user, reviewer], applicant=UserFactory())
    first, second = approved.milestones.order_by("position")
    grants.milestone_report(
        milestone_id=second.pk, actor=approved.applicant, text="Shipped.", evidence_url=""
    )
    node = NodeFactory(provider=ProviderFactory(user=user), token_hash=token_hash(NODE_TOKEN))
    job = JobFactory(submitter=user)
    lease = LeaseFactory(node=node, job=JobFactory(submitter=other, state=Job.State.MATCHED))
    return {
        "user": user,
        "proposal_id": [p.pk for p in proposals],
        "program_id": [program.pk, make_program(name="Open to all").pk],
        "application_id": [mine.pk, theirs.pk, approved.pk],
        "milestone_id": [first.pk, second.pk],
        "job_id": [job.pk],
        "lease_id": [lease.pk],
        "node_token": NODE_TOKEN,
    }
