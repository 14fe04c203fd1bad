#!/usr/bin/env python
"""Benchmark: veJCT snapshot through Multicall3 batches vs one eth_call per holder.

Starts its own Anvil, deploys the contracts, creates N holders with locks (impersonated
accounts, JSON-RPC batches, automine), then reads every holder's balanceOfAtBlock at one
block both ways and checks they agree. Last line:
    snapshot: holders=N multicall_per_s=X naive_per_s=Y ratio=Z
Usage: python bench/snapshot.py [--holders N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jctgov.settings")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from eth_utils import keccak, to_checksum_address  # noqa: E402

from jctgov.chain import client  # noqa: E402
from jctgov.chain.anvil import start_anvil, stop_anvil  # noqa: E402
from jctgov.chain.deploy import deploy_all  # noqa: E402
from jctgov.chain.devkeys import DEV_KEYS, dev_address  # noqa: E402

WEI = 10**18
WEEK = 7 * 24 * 3600
RPC_BATCH = 250


def rpc_batch(url: str, calls: list[tuple[str, list]]) -> list[dict]:
    """Send JSON-RPC requests in HTTP batches; fail loudly on any error answer."""
    answers: list[dict] = []
    session = requests.Session()
    for start in range(0, len(calls), RPC_BATCH):
        chunk = calls[start : start + RPC_BATCH]
        body = [
            {"jsonrpc": "2.0", "id": start + i, "method": m, "params": p}
            for i, (m, p) in enumerate(chunk)
        ]
        reply = sorted(session.post(url, json=body, timeout=120).json(), key=lambda a: a["id"])
        errors = [a["error"] for a in reply if "error" in a]
        if errors:
            raise RuntimeError(f"{len(errors)} RPC errors, first: {errors[0]}")
        answers.extend(reply)
    return answers


def create_holders(url: str, deployments: dict, n: int) -> list[str]:
    """N fresh addresses, each with JCT locked for 1..208 weeks (6 transactions per 2 holders)."""
    holders = [to_checksum_address(keccak(text=f"bench-holder-{i}")[-20:]) for i in range(n)]
    jct, escrow = client.contract("JCT"), client.contract("VotingEscrow")
    now = client.block_timestamp(client.head_block())
    owner = dev_address(0)
    # Manual mining into huge blocks: send a whole phase, then mine it in one go.
    rpc_batch(
        url,
        [
            ("anvil_autoImpersonateAccount", [True]),
            ("evm_setAutomine", [False]),
            ("evm_setBlockGasLimit", [hex(4_000_000_000)]),
        ],
    )
    rpc_batch(url, [("anvil_setBalance", [h, hex(10**18)]) for h in holders])

    def tx(sender: str, data: str, to: str, nonce: int, gas: int) -> tuple[str, list]:
        # Explicit nonces: Anvil may handle the requests of one HTTP batch concurrently.
        return (
            "eth_sendTransaction",
            [{"from": sender, "to": to, "data": data, "gas": hex(gas), "nonce": hex(nonce)}],
        )

    owner_nonce = client.get_web3().eth.get_transaction_count(owner)

    mints, approvals, locks = [], [], []
    for i, holder in enumerate(holders):
        amount = (100 + i % 900) * WEI
        mints.append(
            tx(
                owner,
                jct.encode_abi("mint", [holder, amount]),
                jct.address,
                owner_nonce + i,
                120_000,
            )
        )
        approvals.append(
            tx(holder, jct.encode_abi("approve", [escrow.address, amount]), jct.address, 0, 80_000)
        )
        unlock = now + (1 + i % 208) * WEEK
        locks.append(
            tx(
                holder,
                escrow.encode_abi("createLock", [amount, unlock]),
                escrow.address,
                1,
                400_000,
            )
        )
    for phase in (mints, approvals, locks):
        hashes = [a["result"] for a in rpc_batch(url, phase)]
        pending, deadline = list(hashes), time.monotonic() + 120
        while pending and time.monotonic() < deadline:
            rpc_batch(url, [("evm_mine", [])])
            receipts = rpc_batch(url, [("eth_getTransactionReceipt", [h]) for h in pending])
            if any(r["result"] and r["result"]["status"] != "0x1" for r in receipts):
                raise RuntimeError("a holder-creation transaction reverted")
            pending = [h for h, r in zip(pending, receipts, strict=True) if r["result"] is None]
        if pending:
            raise RuntimeError(f"{len(pending)} holder-creation transactions were never mined")
    rpc_batch(url, [("evm_setAutomine", [True])])
    return holders


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--holders", type=int, default=2000)
    n = parser.parse_args().holders
    anvil = start_anvil()
    try:
        settings.CHAIN_RPC_URL = anvil.rpc_url
        client.reset_web3()
        deployments = deploy_all(
            client.get_web3(),
            DEV_KEYS[0],
            executor_address=dev_address(0),
            timelock_delay_s=60,
            seed=False,
        )
        client.set_deployments(deployments)
        t0 = time.perf_counter()
        holders = create_holders(anvil.rpc_url, deployments, n)
        print(f"created {n} holders with locks in {time.perf_counter() - t0:.1f}s", flush=True)
        client.evm_mine()
        block = client.head_block() - 1
        ts = client.block_timestamp(block)

        t0 = time.perf_counter()
        batched = client.vejct_balances_at(holders, block)
        multicall_s = time.perf_counter() - t0

        escrow = client.contract("VotingEscrow")
        t0 = time.perf_counter()
        naive = {h: escrow.functions.balanceOfAtBlock(h, block, ts).call() for h in holders}
        naive_s = time.perf_counter() - t0

        if batched != naive:
            raise SystemExit("Multicall3 and per-holder reads disagree")
        if (
            sum(batched.values()) != client.vejct_total_supply_at(block)
            or min(batched.values()) <= 0
        ):
            raise SystemExit("snapshot does not add up to totalSupplyAt")
        multicall_per_s = n / multicall_s
        naive_per_s = n / naive_s
        print(f"multicall: {multicall_s:.3f}s  naive: {naive_s:.3f}s  (block {block})")
        print(
            f"snapshot: holders={n} multicall_per_s={multicall_per_s:.0f} "
            f"naive_per_s={naive_per_s:.0f} ratio={multicall_per_s / naive_per_s:.1f}"
        )
    finally:
        stop_anvil(anvil)


if __name__ == "__main__":
    main()
