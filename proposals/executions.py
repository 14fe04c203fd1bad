"""Audit executions: match every operation on chain to what allowed it.

Used by ``manage.py verify_executions`` and the public page ``/proposals/executions/``. Trusts
nothing the database says happened on chain: it reads the timelock's, the stewards' Safe's and
GrantEscrow's events (``jctgov.chain.audit``) and, for each,

- a timelock schedule, execute or cancel must carry the operation id of a proposal's batch
  (recomputed from its payload with salt = its uid), and that proposal must have passed with a
  tally that verifies from the chain and the signatures alone (``verify_proposal``, as
  ``verify_tally`` does);
- a GrantEscrow payout must carry the reference of an accepted milestone, to its payout
  address, for its amount, and the program's payouts on chain must stay within its budget;
- a Safe execution must be one of the above (its transaction scheduled, cancelled or paid
  something that matched); anything else the stewards' Safe did matches no proposal.

Anything else is "NO MATCH", and the audit fails.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from jctgov.chain import audit
from jctgov.chain.audit import AuditedOperation
from jctgov.core.errors import ApplicationError
from proposals.batches import proposal_batch
from proposals.models import Proposal
from proposals.verify import verify_proposal

NO_MATCH = "NO MATCH"
KIND_LABELS = {
    audit.SCHEDULE: "timelock schedule",
    audit.EXECUTE: "timelock execute",
    audit.CANCEL: "timelock cancel",
    audit.SAFE_EXEC: "Safe execution",
    audit.PAYOUT: "grant payout",
}


@dataclass(frozen=True)
class AuditRow:
    block_number: int
    tx_hash: str
    kind: str
    operation: str
    matched: str  # "proposal #12", "milestone #5" or NO_MATCH
    ok: bool
    reason: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def proposal_id(self) -> int | None:
        number = self.matched.removeprefix("proposal #")
        return int(number) if number.isdigit() else None


@dataclass(frozen=True)
class ExecutionAudit:
    rows: list[AuditRow]
    from_block: int
    to_block: int

    @property
    def unmatched(self) -> list[AuditRow]:
        return [row for row in self.rows if not row.ok]

    @property
    def ok(self) -> bool:
        return not self.unmatched


class _Proposals:
    """Passed proposals by the operation id of their batch; each tally verified once."""

    def __init__(self) -> None:
        self.by_operation: dict[str, Proposal] = {}
        published = Proposal.objects.exclude(uid=None).exclude(snapshot_block=None)
        for proposal in published.select_related("author"):
            try:
                self.by_operation[proposal_batch(proposal).operation_id] = proposal
            except (ApplicationError, KeyError, ValueError):
                continue  # a payload that makes no batch can't be what ran on chain
        self._verdicts: dict[int, tuple[bool, str]] = {}

    def verdict(self, operation_id: str) -> tuple[str, bool, str]:
        proposal = self.by_operation.get(operation_id)
        if proposal is None:
            return NO_MATCH, False, "no proposal's batch (salt = its uid) has this operation id"
        if proposal.pk not in self._verdicts:
            self._verdicts[proposal.pk] = self._verify(proposal)
        ok, reason = self._verdicts[proposal.pk]
        return f"proposal #{proposal.pk}", ok, reason

    @staticmethod
    def _verify(proposal: Proposal) -> tuple[bool, str]:
        try:
            result = verify_proposal(proposal)
        except ApplicationError as exc:
            return False, f"its tally could not be verified: {exc.message}"
        if not result.ok:
            return False, f"its tally does NOT verify: {result.mismatches[0]}"
        if not result.tally.passed:
            return False, f"it did not pass ({result.tally.outcome})"
        return True, "passed; tally verified from the chain and the signatures"


class _Payouts:
    """Payouts by milestone reference, with each program's running total on chain."""

    def __init__(self) -> None:
        self.paid: dict[int, int] = defaultdict(int)

    def verdict(self, op: AuditedOperation) -> tuple[str, bool, str]:
        from grants.models import Milestone  # the grants app owns milestones

        payout = op.payout or {}
        self.paid[payout["program_id"]] += payout["amount"]
        milestone = (
            Milestone.objects.select_related("application__program")
            .filter(payout_ref=op.operation)
            .first()
        )
        if milestone is None:
            return NO_MATCH, False, "no milestone carries this payout reference"
        application, program = milestone.application, milestone.application.program
        problems = []
        if milestone.accepted_at is None:
            problems.append("the milestone was never accepted")
        if program.escrow_program_id != payout["program_id"]:
            problems.append(f"paid from escrow program {payout['program_id']}, not the milestone's")
        if int(milestone.amount) != payout["amount"]:
            problems.append(f"paid {payout['amount']} wei, the milestone is {milestone.amount}")
        if application.payout_address.lower() != str(payout["to"]).lower():
            problems.append(f"paid to {payout['to']}, not the application's payout address")
        if self.paid[payout["program_id"]] > int(program.budget):
            problems.append(
                f"the program's payouts reach {self.paid[payout['program_id']]} wei, "
                f"over its budget of {program.budget}"
            )
        label = f"milestone #{milestone.pk}"
        if problems:
            return label, False, "; ".join(problems)
        return label, True, f"accepted milestone of application #{application.pk}, within budget"


def _safe_verdict(op: AuditedOperation, same_tx: list[AuditRow]) -> tuple[str, bool, str]:
    """A Safe execution is as good as what it did in its transaction."""
    if not same_tx:
        did = f"called {op.safe_call}" if op.safe_call else "did something"
        return NO_MATCH, False, f"the Safe {did}, which no proposal or payout covers"
    bad = [row for row in same_tx if not row.ok]
    matched = ", ".join(sorted({row.matched for row in same_tx}))
    if bad:
        return matched, False, f"it carried a {bad[0].kind_label} that matches nothing passed"
    kinds = ", ".join(sorted({row.kind_label for row in same_tx}))
    return matched, True, f"carried the {kinds}"


def executions_audit(
    *, from_block: int | None = None, to_block: int | None = None
) -> ExecutionAudit:
    """Every audited operation on chain with what it matched, in chain order (reads the chain)."""
    from jctgov.chain import client

    start = int(client.deployments().get("deploy_block", 0)) if from_block is None else from_block
    end = client.head_block() if to_block is None else to_block
    ops = audit.chain_operations(start, end)
    proposals, payouts = _Proposals(), _Payouts()
    rows: dict[int, AuditRow] = {}
    by_tx: dict[str, list[AuditRow]] = defaultdict(list)
    for index, op in enumerate(ops):
        if op.kind == audit.SAFE_EXEC:
            continue
        if op.kind == audit.PAYOUT:
            matched, ok, reason = payouts.verdict(op)
        else:
            matched, ok, reason = proposals.verdict(op.operation)
        rows[index] = _row(op, matched, ok, reason)
        by_tx[op.tx_hash].append(rows[index])
    for index, op in enumerate(ops):
        if op.kind == audit.SAFE_EXEC:
            rows[index] = _row(op, *_safe_verdict(op, by_tx[op.tx_hash]))
    return ExecutionAudit(rows=[rows[i] for i in range(len(ops))], from_block=start, to_block=end)


def _row(op: AuditedOperation, matched: str, ok: bool, reason: str) -> AuditRow:
    return AuditRow(op.block_number, op.tx_hash, op.kind, op.operation, matched, ok, reason)
