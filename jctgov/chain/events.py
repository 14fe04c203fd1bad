"""Event reads of the chain client: decoded logs of deployed contracts, in chain order.

Part of ``jctgov.chain.client``'s interface (re-exported there); kept apart for file size.
"""

from __future__ import annotations

from typing import Any

from eth_typing import ChecksumAddress, HexStr
from eth_utils import to_checksum_address

from jctgov.chain.connection import contract, deployments, get_web3
from jctgov.chain.errors import rpc_errors

# Events the indexer records, by emitting contract.
INDEXED_EVENTS = {
    "VotingEscrow": ("Deposit", "Withdraw"),
    "ParameterStore": ("ParameterChanged",),
    "TimelockController": ("MinDelayChange",),
    "VoteDelegation": ("DelegateChanged",),
}
# Deployed after the others existed: a deployments file without it simply has no delegations.
_OPTIONAL_CONTRACTS = {"VoteDelegation"}


def chain_events(from_block: int, to_block: int) -> list[dict[str, Any]]:
    """Indexed events (``INDEXED_EVENTS``) in [from_block, to_block], in chain order."""
    present = {
        name: events
        for name, events in INDEXED_EVENTS.items()
        if name not in _OPTIONAL_CONTRACTS or deployments().get(name)
    }
    return contract_events(present, from_block, to_block)


def contract_events(
    sources: dict[str, tuple[str, ...]], from_block: int, to_block: int
) -> list[dict[str, Any]]:
    """Events of deployed contracts ({deployments name: event names}) in [from_block, to_block],
    in chain order, as plain dicts (bytes as 0x hex):
    {"event", "contract", "block_number", "log_index", "tx_hash", "args": {name: int | str}}."""
    decoders: dict[tuple[ChecksumAddress, bytes], tuple[str, Any]] = {}
    for name, events in sources.items():
        c = contract(name)
        for event in events:
            event_abi = getattr(c.events, event)()
            topic = bytes.fromhex(str(event_abi.topic).removeprefix("0x"))
            decoders[(c.address, topic)] = (name, event_abi)
    if not decoders:
        return []
    with rpc_errors("logs"):
        logs = get_web3().eth.get_logs(
            {
                "fromBlock": int(from_block),
                "toBlock": int(to_block),
                "address": sorted({a for a, _ in decoders}),
                "topics": [sorted({"0x" + t.hex() for _, t in decoders})],
            }
        )
    out = []
    for log in logs:
        found = decoders.get((to_checksum_address(log["address"]), bytes(log["topics"][0])))
        if found is None:
            continue
        name, decoder = found
        decoded = decoder.process_log(log)
        args = {
            k: ("0x" + v.hex() if isinstance(v, bytes) else v) for k, v in decoded["args"].items()
        }
        out.append(
            {
                "event": decoded["event"],
                "contract": name,
                "block_number": int(log["blockNumber"]),
                "log_index": int(log["logIndex"]),
                "tx_hash": "0x" + bytes(log["transactionHash"]).hex(),
                "args": args,
            }
        )
    out.sort(key=lambda e: (e["block_number"], e["log_index"]))
    return out


def transaction_call(tx_hash: str) -> tuple[str, bytes]:
    """(to, input) of transaction ``tx_hash``: what its sender asked the chain to run."""
    with rpc_errors("transaction"):
        tx = get_web3().eth.get_transaction(HexStr(tx_hash))
    return to_checksum_address(tx["to"]) if tx.get("to") else "", bytes(tx["input"])
