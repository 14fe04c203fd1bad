"""The timelock calls a proposal's payload turns into (deterministic for one proposal).

``parameters`` → ``ParameterStore.setParameter`` per change; ``grant_budget`` →
``JCT.approve(escrow, amount)`` + ``GrantEscrow.fundProgram(id, amount)`` (budgets are pulled
from the treasury); ``recognition`` → ``JCT.transfer`` from the treasury (the timelock) to each
recipient. Salt = the proposal uid, so the operation id follows from the proposal.
"""

from __future__ import annotations

import logging

from jctgov.chain import client as chain_client
from jctgov.chain import timelock
from jctgov.chain.timelock import Batch
from jctgov.core.errors import ApplicationError
from jctgov.core.parameters import REGISTRY
from proposals.models import Proposal, ProposalKind

logger = logging.getLogger(__name__)


def escrow_program_id(proposal: Proposal) -> int:
    """GrantEscrow program id of a grant-budget proposal that creates a program.

    The top 62 bits of the uid: deterministic for reruns, and distinct across databases that
    share one chain (a pk would collide).
    """
    return int(proposal.published_uid, 16) >> 194


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
    return Batch(calls=tuple(calls), salt=bytes.fromhex(proposal.published_uid[2:]))


def parameter_values_before(proposal: Proposal, execute_block: int) -> dict[str, str] | None:
    """{key: value} each changed parameter had in force at the block before the execution:
    the chain's value then (the mirror may have indexed the change already), else the default.
    A key the RPC can't read at that block (a pruned node) is left out, never guessed."""
    if proposal.kind != ProposalKind.PARAMETERS:
        return None
    before = {}
    for change in proposal.payload.get("changes", []):
        key = change["key"]
        try:
            value = chain_client.parameter_value(key, block=max(execute_block - 1, 0))
        except ApplicationError as exc:  # ChainError, ChainUnavailable
            logger.warning("value of %s before proposal %s not read: %s", key, proposal.pk, exc)
            continue
        param = REGISTRY.get(key)
        if value is None and param is not None:
            value = param.default
        if value is not None:
            before[key] = str(value)
    return before
