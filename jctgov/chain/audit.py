"""What was done on chain with the treasury's and the stewards' powers, for auditing.

Reads, since the deploy block, every TimelockController ``CallScheduled``/``CallExecuted``/
``Cancelled``, every stewards' Safe ``ExecutionSuccess`` (when a Safe is deployed) and every
GrantEscrow ``Payout``, and groups them into one :class:`AuditedOperation` per (transaction,
operation): a batch emits one ``CallScheduled`` per call, and those belong together. Plain data,
no Django: ``proposals.executions`` matches each operation to what allowed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_utils import to_checksum_address
from web3.exceptions import Web3Exception

from jctgov.chain import client

SCHEDULE, EXECUTE, CANCEL, SAFE_EXEC, PAYOUT = (
    "schedule",
    "execute",
    "cancel",
    "safe_exec",
    "payout",
)
_KINDS = {
    "CallScheduled": SCHEDULE,
    "CallExecuted": EXECUTE,
    "Cancelled": CANCEL,
    "ExecutionSuccess": SAFE_EXEC,
    "Payout": PAYOUT,
}


@dataclass
class AuditedOperation:
    """One operation seen on chain.

    ``operation``: the timelock operation id, the SafeTx hash, or the payout ref (0x hex).
    ``calls``: (target, value, data) of a schedule or execute, in batch order.
    ``payout``: {"program_id", "to", "amount", "remaining"} of a GrantEscrow payout.
    ``safe_call``: for a Safe execution, what the SafeTx called, e.g. "Safe.changeThreshold".
    """

    kind: str
    block_number: int
    tx_hash: str
    log_index: int
    operation: str
    calls: list[tuple[str, int, str]] = field(default_factory=list)
    payout: dict[str, Any] | None = None
    safe_call: str = ""


def audit_sources() -> dict[str, tuple[str, ...]]:
    sources: dict[str, tuple[str, ...]] = {
        "TimelockController": ("CallScheduled", "CallExecuted", "Cancelled"),
        "GrantEscrow": ("Payout",),
    }
    if client.deployments().get("Safe"):
        sources["Safe"] = ("ExecutionSuccess",)
    return sources


def chain_operations(
    from_block: int | None = None, to_block: int | None = None
) -> list[AuditedOperation]:
    """Every audited operation from the deploy block (or ``from_block``) to the head, in chain
    order. A schedule or execute groups the calls of its batch."""
    start = int(client.deployments().get("deploy_block", 0)) if from_block is None else from_block
    end = client.head_block() if to_block is None else to_block
    ops: dict[tuple[str, str, str], AuditedOperation] = {}
    for event in client.contract_events(audit_sources(), start, end):
        kind, args = _KINDS[event["event"]], event["args"]
        operation = {SAFE_EXEC: args.get("txHash"), PAYOUT: args.get("ref")}.get(
            kind, args.get("id")
        )
        key = (event["tx_hash"], kind, str(operation))
        op = ops.get(key)
        if op is None:
            op = ops[key] = AuditedOperation(
                kind=kind,
                block_number=event["block_number"],
                tx_hash=event["tx_hash"],
                log_index=event["log_index"],
                operation=str(operation).lower(),
            )
        if kind in (SCHEDULE, EXECUTE):
            op.calls.append((args["target"], int(args["value"]), str(args["data"])))
        elif kind == PAYOUT:
            op.payout = {
                "program_id": int(args["id"]),
                "to": args["to"],
                "amount": int(args["amount"]),
                "remaining": int(args["remaining"]),
            }
    for op in ops.values():
        if op.kind == SAFE_EXEC:
            op.safe_call = safe_call_of(op.tx_hash)
    return sorted(ops.values(), key=lambda o: (o.block_number, o.log_index))


def safe_call_of(tx_hash: str) -> str:
    """ "Contract.function" the Safe ran in ``tx_hash`` when it was a direct execTransaction on
    the stewards' Safe (decoded with the deployed contracts' ABIs); "" when it can't be told."""
    to, data = client.transaction_call(tx_hash)
    safe = client.contract("Safe")
    if to != safe.address:
        return ""
    try:
        fn, args = safe.decode_function_input(data)
        if fn.fn_name != "execTransaction":
            return ""
        names = {
            client.address_of(n): n
            for n, value in client.deployments().items()
            if isinstance(value, str) and value.startswith("0x") and len(value) == 42
        }
        target = to_checksum_address(args["to"])
        name = names.get(target)
        if name is None:
            return f"{target} (unknown contract)"
        inner, _ = client.contract(name).decode_function_input(bytes(args["data"]))
        return f"{name}.{inner.fn_name}"
    except (ValueError, KeyError, FileNotFoundError, Web3Exception, client.ChainError):
        return ""
