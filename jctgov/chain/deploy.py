"""Deploy every jctgov contract to a chain (dev chains and tests) and seed demo data.

Roles after ``deploy_all`` (no externally owned account holds any of them):
- The stewards' Safe (v1.4.1 proxy, owners ``safe_owners``, threshold ``safe_threshold``),
  created through the Safe proxy factory from the singleton safe-eth-py ships.
- TimelockController(minDelay=timelock_delay_s = governance.timelock_delay_s): proposer and
  canceller = the Safe only; executor = anyone (address(0) holds EXECUTOR_ROLE, OpenZeppelin's
  "open role"). Its admin argument is the zero address, so the timelock administers itself
  only: no deployer keeps a back door; role changes go through a timelocked operation.
- ParameterStore: owned by the timelock, with every registered parameter's bounds
  (``parameter_bounds``): out-of-bounds values revert on chain, whoever sends them.
- GrantEscrow: DEFAULT_ADMIN_ROLE and FUNDER_ROLE to the timelock, PAYOUT_ROLE to the Safe.
- The relayer (the worker's key) holds nothing: it only submits Safe transactions that already
  carry enough steward signatures, and executes ready timelock operations (open to anyone).
- JCT and MockStablecoin: owned by the deployer (dev-only minting).
- VoteDelegation: no owner and no roles (``deploy_delegation``).
- Treasury: JCT minted to the timelock. Demo accounts get JCT and mUSD, and (``demo_locks``)
  a few of them lock JCT in VotingEscrow so the dev chain has voting power from the start.
"""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils import is_address, to_checksum_address
from web3 import Web3
from web3.logs import DISCARD

from jctgov.chain.client import artifact
from jctgov.chain.devkeys import DEV_KEYS
from jctgov.core.parameters import REGISTRY

WEI = 10**18
WEEK = 7 * 24 * 3600
YEAR = 365 * 24 * 3600
TREASURY_JCT = 10_000_000 * WEI
DEMO_JCT = 1_000_000 * WEI
DEMO_USD = 100_000 * 10**6
# (dev account index, JCT locked, lock duration in seconds)
DEMO_LOCKS = ((1, 50_000 * WEI, 4 * YEAR), (2, 20_000 * WEI, 2 * YEAR), (3, 10_000 * WEI, YEAR))
ZERO = "0x" + "00" * 20


class _Sender:
    """Signs and sends with one key, waiting for each receipt (fast on an automining Anvil)."""

    def __init__(self, w3: Web3, key: Any) -> None:
        self.w3 = w3
        self.account: LocalAccount = key if isinstance(key, LocalAccount) else Account.from_key(key)
        self.chain_id = w3.eth.chain_id

    def send(self, tx: dict[str, Any]) -> Any:
        tx = dict(tx)
        tx.setdefault("from", self.account.address)
        tx["nonce"] = self.w3.eth.get_transaction_count(self.account.address, "pending")
        tx["chainId"] = self.chain_id
        if "gas" not in tx:
            tx["gas"] = int(self.w3.eth.estimate_gas(tx, "pending") * 1.2) + 20_000  # type: ignore[arg-type]
        tx.setdefault("maxFeePerGas", 2 * self.w3.eth.gas_price + 1)
        tx.setdefault("maxPriorityFeePerGas", 1)
        signed = self.account.sign_transaction(tx)
        tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=60, poll_latency=0.02)
        if receipt["status"] != 1:
            raise RuntimeError(f"deployment transaction reverted: 0x{bytes(tx_hash).hex()}")
        return receipt

    def deploy(self, name: str, *args: Any) -> tuple[str, int]:
        art = artifact(name)
        factory = self.w3.eth.contract(abi=art["abi"], bytecode=art["bytecode"])
        receipt = self.send(
            factory.constructor(*args).build_transaction({"from": self.account.address})
        )
        return Web3.to_checksum_address(receipt["contractAddress"]), int(receipt["blockNumber"])

    def call(self, name: str, address: str, fn: str, *args: Any) -> Any:
        contract = self.w3.eth.contract(address=address, abi=artifact(name)["abi"])  # type: ignore[call-overload]
        bound = contract.functions[fn]
        return self.send(bound(*args).build_transaction({"from": self.account.address}))


def parse_safe_owners(text: str) -> list[str]:
    """The stewards' Safe owners from a comma-separated list, checksummed (the ``--owners``
    option of ``devchain`` and ``deploy_contracts``); ValueError when none or any is not an
    address."""
    owners = [o.strip() for o in text.split(",") if o.strip()]
    if not owners or not all(is_address(o) for o in owners):
        raise ValueError(f"comma-separated addresses expected, got {text!r}")
    return [to_checksum_address(o) for o in owners]


def deploy_contract(w3: Web3, deployer_key: Any, name: str, *args: Any) -> str:
    """Deploy one artifact (e.g. "test/TestContractWallet") and return its checksummed address."""
    address, _ = _Sender(w3, deployer_key).deploy(name, *args)
    return address


def parameter_bounds() -> tuple[list[bytes], list[int], list[int]]:
    """(keys, mins, maxs) of the parameter registry: ParameterStore's constructor arguments."""
    params = list(REGISTRY.values())
    return (
        [bytes.fromhex(p.chain_key[2:]) for p in params],
        [p.min for p in params],
        [p.max for p in params],
    )


def deploy_safe(
    deployer: _Sender, owners: list[str], threshold: int, *, salt_nonce: int = 0
) -> dict[str, Any]:
    """Deploy the Safe v1.4.1 singleton, proxy factory and fallback handler, then create the
    stewards' Safe proxy with ``owners`` and ``threshold``. Returns the deployments entries."""
    owners = [Web3.to_checksum_address(o) for o in owners]
    if not owners or len(set(owners)) != len(owners):
        raise ValueError("The Safe needs distinct owners.")
    if not 1 <= int(threshold) <= len(owners):
        raise ValueError(f"The threshold must be between 1 and {len(owners)}.")
    out: dict[str, Any] = {}
    out["SafeSingleton"], _ = deployer.deploy("SafeSingleton")
    out["SafeProxyFactory"], _ = deployer.deploy("SafeProxyFactory")
    out["SafeFallbackHandler"], _ = deployer.deploy("SafeFallbackHandler")
    singleton = deployer.w3.eth.contract(abi=artifact("Safe")["abi"])
    setup = singleton.encode_abi(
        "setup",
        args=[owners, int(threshold), ZERO, b"", out["SafeFallbackHandler"], ZERO, 0, ZERO],
    )
    factory = deployer.w3.eth.contract(
        address=out["SafeProxyFactory"], abi=artifact("SafeProxyFactory")["abi"]
    )
    receipt = deployer.call(
        "SafeProxyFactory",
        out["SafeProxyFactory"],
        "createProxyWithNonce",
        out["SafeSingleton"],
        bytes.fromhex(setup[2:]),
        int(salt_nonce),
    )
    created = factory.events.ProxyCreation().process_receipt(receipt, errors=DISCARD)
    out["Safe"] = Web3.to_checksum_address(created[0]["args"]["proxy"])
    out["safe_owners"] = owners
    out["safe_threshold"] = int(threshold)
    return out


def deploy_all(
    w3: Web3,
    deployer_key: Any,
    *,
    safe_owners: list[str],
    safe_threshold: int,
    timelock_delay_s: int,
    seed: bool = True,
    demo_locks: bool = True,
    demo_keys: tuple[str, ...] = DEV_KEYS,
) -> dict[str, Any]:
    """Deploy all contracts, wire the roles (module docstring), optionally seed; returns the
    deployments dict (addresses by name, "safe_owners", "safe_threshold", "chain_id",
    "deploy_block", "timelock_delay_s")."""
    deployer = _Sender(w3, deployer_key)
    me = deployer.account.address
    out: dict[str, Any] = {}
    out["JCT"], deploy_block = deployer.deploy("JCT", me)
    out["MockStablecoin"], _ = deployer.deploy("MockStablecoin", me)
    out["VotingEscrow"], _ = deployer.deploy("VotingEscrow", out["JCT"])
    out.update(deploy_safe(deployer, safe_owners, safe_threshold))
    safe = out["Safe"]
    # Executors [address(0)]: OpenZeppelin's open role, anyone may execute a ready operation.
    out["TimelockController"], _ = deployer.deploy(
        "TimelockController", int(timelock_delay_s), [safe], [ZERO], ZERO
    )
    timelock = out["TimelockController"]
    out["ParameterStore"], _ = deployer.deploy("ParameterStore", timelock, *parameter_bounds())
    out["GrantEscrow"], _ = deployer.deploy("GrantEscrow", out["JCT"], timelock, timelock, safe)
    out["Multicall3"], _ = deployer.deploy("Multicall3")
    deploy_delegation(deployer, out)
    out.update(
        chain_id=int(w3.eth.chain_id),
        deploy_block=deploy_block,
        timelock_delay_s=int(timelock_delay_s),
    )
    if seed:
        seed_demo(w3, deployer, out, demo_keys=demo_keys, demo_locks=demo_locks)
    return out


def deploy_delegation(deployer: _Sender, out: dict[str, Any]) -> str:
    """Deploy VoteDelegation (no owner, no roles: each holder only moves their own delegation)
    and record it under deployments["VoteDelegation"]."""
    out["VoteDelegation"], _ = deployer.deploy("VoteDelegation")
    return str(out["VoteDelegation"])


def seed_demo(
    w3: Web3,
    deployer: _Sender,
    out: dict[str, Any],
    *,
    demo_keys: tuple[str, ...],
    demo_locks: bool,
) -> None:
    """Treasury JCT to the timelock; JCT and mUSD to every demo account; a few demo locks."""
    deployer.call("JCT", out["JCT"], "mint", out["TimelockController"], TREASURY_JCT)
    for key in demo_keys:
        address = Account.from_key(key).address
        deployer.call("JCT", out["JCT"], "mint", address, DEMO_JCT)
        deployer.call("MockStablecoin", out["MockStablecoin"], "mint", address, DEMO_USD)
    if not demo_locks:
        return
    now = int(w3.eth.get_block("latest")["timestamp"])
    for index, amount, duration in DEMO_LOCKS:
        if index >= len(demo_keys):
            continue
        holder = _Sender(w3, demo_keys[index])
        holder.call("JCT", out["JCT"], "approve", out["VotingEscrow"], amount)
        holder.call("VotingEscrow", out["VotingEscrow"], "createLock", amount, now + duration)
