"""Start a dev chain (Anvil from node_modules) or attach to CHAIN_RPC_URL, deploy, write the
deployments file, and stay in the foreground (Ctrl-C stops Anvil) unless --deploy-only."""

from __future__ import annotations

import signal
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jctgov.chain import client
from jctgov.chain.anvil import rpc_ready, start_anvil, stop_anvil
from jctgov.chain.deploy import deploy_all, parse_safe_owners
from jctgov.chain.devkeys import DEPLOYER_KEY, dev_address


def _default_timelock_delay() -> int:
    """governance.timelock_delay_s as a fresh chain starts (its default, JCTGOV_TIMELOCK_DELAY_S):
    the on-chain minDelay equals it, so no operation can run sooner than governance says."""
    from jctgov.core.parameters import get_parameter

    return int(get_parameter("governance.timelock_delay_s").default)


class Command(BaseCommand):
    help = "Start Anvil (or attach to CHAIN_RPC_URL), deploy the contracts, write the deployments file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", type=int, default=8545)
        parser.add_argument("--attach", action="store_true", help="use the chain at CHAIN_RPC_URL")
        parser.add_argument("--deploy-only", action="store_true", help="exit after deploying")
        parser.add_argument(
            "--persist",
            action="store_true",
            help="keep Anvil's state in var/anvil-state.json and reuse deployments",
        )
        parser.add_argument("--timelock-delay", type=int, default=None)
        parser.add_argument(
            "--owners",
            default=settings.JCTGOV_SAFE_OWNERS,
            help="the stewards' Safe owners, comma-separated (default: Anvil account #0)",
        )
        parser.add_argument("--threshold", type=int, default=settings.JCTGOV_SAFE_THRESHOLD)
        parser.add_argument("--no-seed", action="store_true", help="no demo balances or locks")

    def handle(self, *args: Any, **opts: Any) -> None:
        anvil = None
        # `manage.py up` stops us with SIGTERM: turn it into the same clean exit as Ctrl-C.
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        try:
            if opts["attach"]:
                url = settings.CHAIN_RPC_URL
                if not rpc_ready(url, timeout=settings.CHAIN_RPC_TIMEOUT_S):
                    raise CommandError(f"no chain answers at {url}")
            else:
                state = settings.VAR_DIR / "anvil-state.json" if opts["persist"] else None
                anvil = start_anvil(opts["port"], state_path=state, chain_id=settings.CHAIN_ID)
                url = anvil.rpc_url  # type: ignore[attr-defined]
                settings.CHAIN_RPC_URL = url
            client.reset_web3()
            client.set_deployments(None)
            self._deploy(url, opts)
            if opts["deploy_only"]:
                return
            self.stdout.write(self.style.SUCCESS(f"dev chain ready at {url} (Ctrl-C stops it)"))
            while anvil is None or anvil.poll() is None:
                time.sleep(0.5)
            raise CommandError(f"anvil exited with code {anvil.returncode}")
        except KeyboardInterrupt:
            self.stdout.write("stopping the dev chain")
        finally:
            if anvil is not None:
                stop_anvil(anvil)

    def _deploy(self, url: str, opts: dict[str, Any]) -> None:
        path = settings.CHAIN_DEPLOYMENTS_FILE
        w3 = client.get_web3()
        if opts["persist"] and path.exists():
            try:
                existing = client.deployments()
                if existing.get("chain_id") == w3.eth.chain_id and client.has_code(
                    existing["VotingEscrow"]
                ):
                    client.write_deployments(existing, path)  # touch: watchers see it is ready
                    self.stdout.write(f"reusing deployments in {path}")
                    return
            except (client.ChainError, client.ChainUnavailable, KeyError):
                pass
            client.set_deployments(None)
        try:
            owners = parse_safe_owners(opts["owners"]) if opts["owners"] else [dev_address(0)]
        except ValueError as exc:
            raise CommandError(f"--owners: {exc}") from exc
        threshold = int(opts["threshold"] or 1)
        if not 1 <= threshold <= len(owners):
            raise CommandError(f"--threshold must be between 1 and {len(owners)}")
        delay = (
            opts["timelock_delay"]
            if opts["timelock_delay"] is not None
            else _default_timelock_delay()
        )
        result = deploy_all(
            w3,
            DEPLOYER_KEY,
            safe_owners=owners,
            safe_threshold=threshold,
            timelock_delay_s=delay,
            seed=not opts["no_seed"],
        )
        result["rpc_url"] = url
        client.write_deployments(result, path)
        client.set_deployments(None)
        for name in (
            "JCT",
            "MockStablecoin",
            "VotingEscrow",
            "TimelockController",
            "ParameterStore",
            "GrantEscrow",
            "Multicall3",
            "Safe",
            "VoteDelegation",
        ):
            self.stdout.write(f"  {name:<20} {result[name]}")
        self.stdout.write(
            f"deployed at block {result['deploy_block']} -> {path} "
            f"(stewards' Safe {threshold}-of-{len(owners)}: {', '.join(owners)}; "
            f"timelock delay {delay}s)"
        )
