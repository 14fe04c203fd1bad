"""The timelock calls a proposal's payload turns into (deterministic for one proposal).

``parameters`` → ``ParameterStore.setParameter`` per change; ``grant_budget`` →
``JCT.approve(escrow, amount)`` + ``GrantEscrow.fundProgram(id, amount)`` (budgets are pulled
from the treasury); ``recognition`` → ``JCT.transfer`` from the treasury (the timelock) to each
recipient. Salt = the proposal uid, so the operation id follows from the proposal.
"""

from __future__ import annotations

from jctgov.chain import timelock
from jctgov.chain.timelock import Batch
from jctgov.core.errors import ApplicationError
from proposals.models import Proposal, ProposalKind


def escrow_program_id(proposal: Proposal) -> int:
    """GrantEscrow program id of a grant-budget proposal that creates a program.

    The top 62 bits of the uid: deterministic for reruns, and distinct across databases that
    share one chain (a pk would collide).
    """
    return int(proposal.uid, 16) >> 194  # type: ignore[arg-type]  # published: uid set


def jct_needed(proposal: Proposal) -> int:
    """JCT wei the batch moves out of the treasury (the timelock)."""
    if proposal.kind == ProposalKind.GRANT_BUDGET:
        return int(proposal.payload["amount"])
    if proposal.kind == ProposalKind.RECOGNITION:
        return sum(int(r["amount"]) for r in proposal.payload["recipients"])
    return 0


def proposal_batch(proposal: Proposal) -> Batch:
    """The timelock calls of a proposal's payload; the same proposal always gives the same batch."""
    payload = proposal.payload
    if proposal.kind == ProposalKind.PARAMETERS:
        calls = timelock.parameter_calls([(c["key"], int(c["value"])) for c in payload["changes"]])
    elif proposal.kind == ProposalKind.GRANT_BUDGET:
        program_id = escrow_program_id(proposal)
        if payload.get("top_up_program_id") is not None:
            from grants.models import Program

            program = Program.objects.filter(pk=payload["top_up_program_id"]).first()
            if program is None:
                raise ApplicationError(
                    f"Grant program #{payload['top_up_program_id']} to top up does not exist.",
                    code="program_not_found",
                )
            program_id = program.escrow_program_id
        calls = timelock.grant_budget_calls(program_id, int(payload["amount"]))
    else:
        calls = timelock.recognition_calls(
            [(r["recipient"], int(r["amount"])) for r in payload["recipients"]]
        )
    return Batch(calls=tuple(calls), salt=bytes.fromhex(proposal.uid[2:]))  # type: ignore[index]
