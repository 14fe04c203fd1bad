"""Timelock operations: turn a proposal's payload into calls, and the calldata that schedules,
executes or cancels them (the stewards' Safe schedules and cancels; anyone executes; every send
goes through ``jctgov.chain.operations``).

Exactly-once rests on the timelock itself: an operation's id is
``hashOperationBatch(targets, values, payloads, predecessor=0, salt=proposal uid)``, so the
same proposal always maps to the same id, and the timelock refuses to schedule an id twice or
execute a done one. Callers ask ``operation_state`` before sending and reconcile from the
``CallScheduled``/``CallExecuted``/``Cancelled`` events when a record was lost in a crash.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address

from jctgov.chain import client
from jctgov.chain.client import rpc_errors

ZERO_BYTES32 = b"\x00" * 32


class OperationState(IntEnum):
    """OpenZeppelin 5 TimelockController.OperationState."""

    UNSET = 0
    WAITING = 1
    READY = 2
    DONE = 3


@dataclass(frozen=True)
class Call:
    target: str
    value: int
    data: bytes
    description: str = ""


@dataclass(frozen=True)
class Batch:
    calls: tuple[Call, ...]
    salt: bytes  # 32 bytes: the proposal uid

    @property
    def targets(self) -> list[str]:
        return [c.target for c in self.calls]

    @property
    def values(self) -> list[int]:
        return [c.value for c in self.calls]

    @property
    def payloads(self) -> list[bytes]:
        return [c.data for c in self.calls]

    @property
    def operation_id(self) -> str:
        """keccak256(abi.encode(targets, values, payloads, predecessor, salt)), as OZ computes it."""
        encoded = abi_encode(
            ["address[]", "uint256[]", "bytes[]", "bytes32", "bytes32"],
            [self.targets, self.values, self.payloads, ZERO_BYTES32, self.salt],
        )
        return "0x" + keccak(encoded).hex()


def _encode(contract_name: str, fn: str, *args: Any) -> bytes:
    data = client.contract(contract_name).encode_abi(fn, args=list(args))
    return bytes.fromhex(data[2:])


# The parameter whose value is also the timelock's own minDelay (kept in step on chain).
TIMELOCK_DELAY_KEY = "governance.timelock_delay_s"


def parameter_calls(changes: Sequence[tuple[str, int]]) -> list[Call]:
    """ParameterStore.setParameter(keccak256(key), value) for each change; a change of
    governance.timelock_delay_s also calls TimelockController.updateDelay(value), which only
    the timelock itself may call (so the call targets the timelock), keeping minDelay equal to
    the parameter."""
    store = client.address_of("ParameterStore")
    calls = []
    for key, value in changes:
        calls.append(
            Call(
                store,
                0,
                _encode(
                    "ParameterStore", "setParameter", client.parameter_key_hash(key), int(value)
                ),
                f"set {key} = {value}",
            )
        )
        if key == TIMELOCK_DELAY_KEY:
            calls.append(
                Call(
                    client.address_of("TimelockController"),
                    0,
                    _encode("TimelockController", "updateDelay", int(value)),
                    f"set the timelock's minimum delay to {value} s",
                )
            )
    return calls


def grant_budget_calls(program_id: int, amount: int) -> list[Call]:
    """Approve the escrow for ``amount`` JCT from the treasury, then fund the program with it."""
    escrow = client.address_of("GrantEscrow")
    return [
        Call(
            client.address_of("JCT"),
            0,
            _encode("JCT", "approve", escrow, int(amount)),
            f"approve GrantEscrow for {amount} JCT wei",
        ),
        Call(
            escrow,
            0,
            _encode("GrantEscrow", "fundProgram", int(program_id), int(amount)),
            f"fund program {program_id} with {amount} JCT wei",
        ),
    ]


def recognition_calls(recipients: Sequence[tuple[str, int]]) -> list[Call]:
    """JCT.transfer from the treasury (the timelock) to each recipient."""
    token = client.address_of("JCT")
    return [
        Call(
            token,
            0,
            _encode("JCT", "transfer", to_checksum_address(to), int(amount)),
            f"transfer {amount} JCT wei to {to}",
        )
        for to, amount in recipients
    ]


def operation_state(operation_id: str) -> OperationState:
    with rpc_errors("timelock operation state"):
        fn = client.contract("TimelockController").functions.getOperationState
        return OperationState(int(fn(bytes.fromhex(operation_id[2:])).call()))


def operation_ready_at(operation_id: str) -> int:
    """Unix time at which the operation becomes executable (0 unset, 1 done)."""
    with rpc_errors("timelock operation timestamp"):
        fn = client.contract("TimelockController").functions.getTimestamp
        return int(fn(bytes.fromhex(operation_id[2:])).call())


def min_delay() -> int:
    with rpc_errors("timelock delay"):
        return int(client.contract("TimelockController").functions.getMinDelay().call())


def treasury_balance() -> int:
    """JCT held by the timelock, which is the treasury."""
    return client.token_balance("JCT", client.address_of("TimelockController"))


def schedule_data(batch: Batch, *, delay: int) -> bytes:
    """Calldata of ``scheduleBatch(…, predecessor 0, salt, delay)``: what the Safe calls."""
    return _encode(
        "TimelockController",
        "scheduleBatch",
        batch.targets,
        batch.values,
        batch.payloads,
        ZERO_BYTES32,
        batch.salt,
        int(delay),
    )


def execute_data(batch: Batch) -> bytes:
    """Calldata of ``executeBatch``: anyone may send it once the operation is ready."""
    return _encode(
        "TimelockController",
        "executeBatch",
        batch.targets,
        batch.values,
        batch.payloads,
        ZERO_BYTES32,
        batch.salt,
    )


def cancel_data(operation_id: str) -> bytes:
    """Calldata of ``cancel(id)``: what the Safe calls (it alone holds CANCELLER_ROLE)."""
    return _encode("TimelockController", "cancel", bytes.fromhex(operation_id[2:]))


def find_event(event_name: str, operation_id: str) -> dict[str, Any] | None:
    """The first ``CallScheduled``/``CallExecuted``/``Cancelled`` log for the operation, if any.

    Used to recover the transaction of a step whose record was lost (a crash after sending).
    """
    timelock = client.contract("TimelockController")
    event = getattr(timelock.events, event_name)
    with rpc_errors(f"timelock {event_name} logs"):
        logs = event.get_logs(
            from_block=int(client.deployments().get("deploy_block", 0)),
            argument_filters={"id": bytes.fromhex(operation_id[2:])},
        )
    if not logs:
        return None
    first = logs[0]
    return {
        "tx_hash": "0x" + bytes(first["transactionHash"]).hex(),
        "block_number": int(first["blockNumber"]),
    }
