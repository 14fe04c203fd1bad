#!/usr/bin/env python
"""Benchmark: veJCT snapshot through Multicall3 batches vs one eth_call per holder.

Starts its own Anvil, deploys the contracts, creates N holders with locks (impersonated
accounts, JSON-RPC batches, automine), then reads every holder's balanceOfAtBlock at one
block both ways and checks they agree. Then the delegation case: M more holders with locks,
30 % of them delegating (VoteDelegation) to 50 delegates, and every holder's
balanceOfAtBlock + delegateOfAt read at one block, side by side in the same Multicall3 batches
(what the worker's snapshot does), against the naive loop of two eth_calls per holder.
Last two lines:
    snapshot: holders=N multicall_per_s=X naive_per_s=Y ratio=Z
    snapshot-delegation: holders=M multicall_per_s=X ratio=Y
Usage: python bench/snapshot.py [--holders N] [--delegation-holders M]
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
os.environ.setdefault("DJANGO_DEBUG", "1")  # development settings: a bench, not a deployment

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from eth_utils import keccak, to_checksum_address  # noqa: E402

from bench.chainseed import create_delegations, create_locks  # noqa: E402
from jctgov.chain import client, delegation  # noqa: E402
from jctgov.chain.anvil import start_anvil, stop_anvil  # noqa: E402
from jctgov.chain.deploy import deploy_all  # noqa: E402
from jctgov.chain.devkeys import DEV_KEYS, dev_address  # noqa: E402

WEI = 10**18
WEEK = 7 * 24 * 3600


def create_holders(n: int, prefix: str = "bench-holder") -> list[str]:
    """N fresh addresses, each with JCT locked for 1..208 weeks."""
    holders = [to_checksum_address(keccak(text=f"{prefix}-{i}")[-20:]) for i in range(n)]
    now = client.block_timestamp(client.head_block())
    create_locks(
        settings.CHAIN_RPC_URL,
        [(h, (100 + i % 900) * WEI, now + (1 + i % 208) * WEEK) for i, h in enumerate(holders)],
    )
    return holders


def delegation_case(n: int) -> None:
    """N holders, 30 % delegating to 50 delegates; read power + delegate at one block both ways."""
    t0 = time.perf_counter()
    holders = create_holders(n, prefix="bench-delegator")
    delegates = [to_checksum_address(keccak(text=f"bench-delegate-{i}")[-20:]) for i in range(50)]
    pairs = [(h, delegates[i % 50]) for i, h in enumerate(holders) if i % 10 < 3]
    create_delegations(settings.CHAIN_RPC_URL, pairs)
    print(f"created {n} holders, {len(pairs)} delegating, in {time.perf_counter() - t0:.1f}s")
    client.evm_mine()
    block = client.head_block() - 1
    ts = client.block_timestamp(block)

    t0 = time.perf_counter()
    batched = delegation.powers_and_delegates_at(holders, block)
    multicall_s = time.perf_counter() - t0

    escrow, vd = client.contract("VotingEscrow"), client.contract("VoteDelegation")
    sample = holders[: max(1, n // 10)]  # the naive loop on a tenth: it is the slow side
    t0 = time.perf_counter()
    naive = {
        h: (
            escrow.functions.balanceOfAtBlock(h, block, ts).call(),
            vd.functions.delegateOfAt(h, block).call(),
        )
        for h in sample
    }
    naive_s = (time.perf_counter() - t0) * len(holders) / len(sample)

    zero = "0x" + "00" * 20
    for h, (power, delegate) in naive.items():
        if batched[h] != (power, "" if delegate == zero else delegate):
            raise SystemExit(f"Multicall3 and per-holder reads disagree for {h}")
    if dict(pairs) != {h: d for h, (_, d) in batched.items() if d}:
        raise SystemExit("the delegates read back are not the ones set")
    multicall_per_s = n / multicall_s
    naive_per_s = n / naive_s
    print(
        f"delegation multicall: {multicall_s:.3f}s  naive (extrapolated from {len(sample)}): "
        f"{naive_s:.3f}s  (block {block}, naive {naive_per_s:.0f} holders/s)"
    )
    print(
        f"snapshot-delegation: holders={n} multicall_per_s={multicall_per_s:.0f} "
        f"ratio={multicall_per_s / naive_per_s:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--holders", type=int, default=2000)
    parser.add_argument("--delegation-holders", type=int, default=10_000)
    args = parser.parse_args()
    n = args.holders
    anvil = start_anvil()
    try:
        settings.CHAIN_RPC_URL = anvil.rpc_url
        client.reset_web3()
        deployments = deploy_all(
            client.get_web3(),
            DEV_KEYS[0],
            safe_owners=[dev_address(0)],
            safe_threshold=1,
            timelock_delay_s=60,
            seed=False,
        )
        client.set_deployments(deployments)
        t0 = time.perf_counter()
        holders = create_holders(n)
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
        delegation_case(args.delegation_holders)
    finally:
        stop_anvil(anvil)


if __name__ == "__main__":
    main()
