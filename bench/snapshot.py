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

from django.conf import settings  # noqa: E402
from eth_utils import keccak, to_checksum_address  # noqa: E402

from bench.chainseed import create_locks  # noqa: E402
from jctgov.chain import client  # noqa: E402
from jctgov.chain.anvil import start_anvil, stop_anvil  # noqa: E402
from jctgov.chain.deploy import deploy_all  # noqa: E402
from jctgov.chain.devkeys import DEV_KEYS, dev_address  # noqa: E402

WEI = 10**18
WEEK = 7 * 24 * 3600


def create_holders(n: int) -> list[str]:
    """N fresh addresses, each with JCT locked for 1..208 weeks."""
    holders = [to_checksum_address(keccak(text=f"bench-holder-{i}")[-20:]) for i in range(n)]
    now = client.block_timestamp(client.head_block())
    create_locks(
        settings.CHAIN_RPC_URL,
        [(h, (100 + i % 900) * WEI, now + (1 + i % 208) * WEEK) for i, h in enumerate(holders)],
    )
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
    finally:
        stop_anvil(anvil)


if __name__ == "__main__":
    main()
