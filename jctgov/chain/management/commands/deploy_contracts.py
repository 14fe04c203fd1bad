"""Deploy jctgov's contracts to a real chain: the stewards' Safe (owners, threshold), the
timelock (minDelay = governance.timelock_delay_s), ParameterStore, GrantEscrow, tokens and
Multicall3; write the deployments file.

The deployer key comes from the environment (JCTGOV_DEPLOYER_KEY) or an encrypted keystore
(--keystore, password in JCTGOV_DEPLOYER_KEYSTORE_PASSWORD), never from the command line. The
deployer keeps no role: the Safe proposes, cancels and pays; the timelock administers itself.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from eth_account import Account
from web3 import Web3

from jctgov.chain import client
from jctgov.chain.deploy import deploy_all, parse_safe_owners
from jctgov.core.parameters import get_parameter


def _deployer_key(keystore: str | None) -> Any:
    if keystore:
        password = os.environ.get("JCTGOV_DEPLOYER_KEYSTORE_PASSWORD")
        if password is None:
            raise CommandError("set JCTGOV_DEPLOYER_KEYSTORE_PASSWORD to decrypt --keystore")
        try:
            return Account.from_key(
                Account.decrypt(json.loads(Path(keystore).read_text()), password)
            )
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read the keystore: {exc}") from exc
    key = os.environ.get("JCTGOV_DEPLOYER_KEY", "")
    if not key:
        raise CommandError("no deployer key: set JCTGOV_DEPLOYER_KEY or pass --keystore")
    try:
        return Account.from_key(key)
    except (ValueError, TypeError) as exc:
        raise CommandError("JCTGOV_DEPLOYER_KEY is not a private key") from exc


class Command(BaseCommand):
    help = "Deploy the contracts (stewards' Safe M-of-N, timelock, stores) and write deployments."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rpc", required=True, help="JSON-RPC URL of the chain")
        parser.add_argument("--owners", required=True, help="the stewards, comma-separated")
        parser.add_argument("--threshold", type=int, required=True, help="signatures needed (M)")
        parser.add_argument("--delay", type=int, required=True, help="timelock minDelay, seconds")
        parser.add_argument("--keystore", help="encrypted JSON keystore of the deployer")
        parser.add_argument("--out", help="deployments file (default CHAIN_DEPLOYMENTS_FILE)")
        parser.add_argument("--seed-demo", action="store_true", help="demo balances (dev only)")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            owners = parse_safe_owners(opts["owners"])
        except ValueError as exc:
            raise CommandError(f"--owners: {exc}") from exc
        threshold = int(opts["threshold"])
        if not 1 <= threshold <= len(owners):
            raise CommandError(f"--threshold must be between 1 and {len(owners)} (the owners)")
        bounds = get_parameter("governance.timelock_delay_s")
        delay = int(opts["delay"])
        if not bounds.min <= delay <= bounds.max:
            raise CommandError(
                f"--delay must be within governance.timelock_delay_s bounds "
                f"[{bounds.min}, {bounds.max}] seconds"
            )
        key = _deployer_key(opts["keystore"])
        w3 = Web3(Web3.HTTPProvider(opts["rpc"], request_kwargs={"timeout": 30}))
        try:
            chain_id = int(w3.eth.chain_id)
        except Exception as exc:  # noqa: BLE001 - any transport failure: say so plainly
            raise CommandError(f"no chain answers at {opts['rpc']}: {exc}") from exc
        if chain_id != int(settings.CHAIN_ID):
            raise CommandError(
                f"the chain at {opts['rpc']} has id {chain_id}, but CHAIN_ID is "
                f"{settings.CHAIN_ID}: refusing to deploy to the wrong chain"
            )
        result = deploy_all(
            w3,
            key,
            safe_owners=owners,
            safe_threshold=threshold,
            timelock_delay_s=delay,
            seed=bool(opts["seed_demo"]),
            demo_locks=False,
        )
        result["rpc_url"] = opts["rpc"]
        path = client.write_deployments(result, Path(opts["out"]) if opts["out"] else None)
        for name in ("Safe", "TimelockController", "ParameterStore", "GrantEscrow", "JCT"):
            self.stdout.write(f"  {name:<20} {result[name]}")
        self.stdout.write(
            f"stewards' Safe {threshold}-of-{len(owners)}, timelock delay {delay}s, "
            f"deployed at block {result['deploy_block']} -> {path}"
        )
        if delay != bounds.default:
            self.stdout.write(
                f"note: set JCTGOV_TIMELOCK_DELAY_S={delay} for the app, so "
                "governance.timelock_delay_s starts equal to the on-chain minDelay"
            )
