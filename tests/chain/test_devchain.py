"""`manage.py devchain`: starts Anvil or attaches to CHAIN_RPC_URL, deploys, seeds demo balances
and locks, writes the deployments file; in the foreground until stopped (as `make run` runs it)."""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from eth_account import Account
from web3 import Web3

from jctgov.chain import client
from jctgov.chain.anvil import free_port, rpc_ready
from jctgov.chain.deploy import DEMO_JCT, DEMO_LOCKS, DEMO_USD, TREASURY_JCT
from jctgov.chain.devkeys import DEV_KEYS, dev_address
from jctgov.core.parameters import get_parameter
from tests.fixtures.worker import wait_until

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = (
    "JCT",
    "VotingEscrow",
    "TimelockController",
    "ParameterStore",
    "GrantEscrow",
    "Multicall3",
    "MockStablecoin",
    "VoteDelegation",
)


@pytest.fixture
def deployments_file(deployed, settings, tmp_path):
    """The command writes here; the test chain's own deployments are restored afterwards."""
    settings.CHAIN_DEPLOYMENTS_FILE = tmp_path / "deployments.json"
    rpc_url = settings.CHAIN_RPC_URL
    yield settings.CHAIN_DEPLOYMENTS_FILE
    settings.CHAIN_RPC_URL = rpc_url
    client.reset_web3()
    client.set_deployments(deployed)


def test_devchain_starts_anvil_deploys_and_writes_the_deployments_file(deployments_file):
    call_command(
        "devchain",
        "--port",
        str(free_port()),
        "--deploy-only",
        "--no-seed",
        "--timelock-delay",
        "120",
        "--owners",
        ",".join(dev_address(i).lower() for i in range(3)),
        "--threshold",
        "2",
    )
    written = json.loads(deployments_file.read_text())
    assert written["chain_id"] == 31337 and written["timelock_delay_s"] == 120
    assert written["safe_owners"] == [dev_address(i) for i in range(3)]  # checksummed
    assert written["safe_threshold"] == 2 and written["Safe"].startswith("0x")
    for name in CONTRACTS:
        assert written[name].startswith("0x") and len(written[name]) == 42
    assert not rpc_ready(written["rpc_url"])  # --deploy-only: its Anvil is stopped again


def test_devchain_attaches_to_chain_rpc_url_and_seeds_demo_balances_and_locks(
    chain, deployments_file, settings
):
    settings.CHAIN_RPC_URL = chain.w3.provider.endpoint_uri
    call_command("devchain", "--attach", "--deploy-only")
    written = json.loads(deployments_file.read_text())
    assert written["rpc_url"] == chain.w3.provider.endpoint_uri
    assert written["VotingEscrow"] != chain.deployments["VotingEscrow"]  # a fresh set
    client.set_deployments(None)  # read what the command wrote
    assert all(client.has_code(written[name]) for name in CONTRACTS)
    assert client.token_balance("JCT", written["TimelockController"]) == TREASURY_JCT
    # make run's Safe: 1-of-1, Anvil account #0 (the demo steward); minDelay = the parameter
    safe = client.contract("Safe", written["Safe"])
    assert safe.functions.getOwners().call() == [dev_address(0)]
    assert safe.functions.getThreshold().call() == 1 == written["safe_threshold"]
    timelock = client.contract("TimelockController", written["TimelockController"])
    assert timelock.functions.getMinDelay().call() == written["timelock_delay_s"]
    assert written["timelock_delay_s"] == get_parameter("governance.timelock_delay_s").default
    locked = {index: amount for index, amount, _ in DEMO_LOCKS}
    for index, key in enumerate(DEV_KEYS):
        address = Account.from_key(key).address
        assert client.token_balance("MockStablecoin", address) == DEMO_USD
        assert client.token_balance("JCT", address) == DEMO_JCT - locked.get(index, 0)
        assert (client.vejct_balance(address) > 0) == (index in locked)


def test_devchain_attach_refuses_when_nothing_answers(deployments_file, settings):
    settings.CHAIN_RPC_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(CommandError, match="no chain answers"):
        call_command("devchain", "--attach", "--deploy-only")
    assert not deployments_file.exists()


def _start_foreground(tmp_path: Path, port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, JCTGOV_VAR_DIR=str(tmp_path), DJANGO_DEBUG="1")
    env.pop("CHAIN_RPC_URL", None)
    argv = [sys.executable, "manage.py", "devchain", "--persist", "--port", str(port)]
    proc = subprocess.Popen(
        argv, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )
    wait_until(lambda: b"dev chain ready" in log.read_bytes() or proc.poll() is not None, 120)
    assert proc.poll() is None, log.read_text()
    return proc


def _stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(30)


@pytest.mark.chain  # starts its own Anvil (manage.py devchain), not through the fixture
def test_devchain_runs_in_the_foreground_until_stopped_and_keeps_its_chain(tmp_path):
    port, log = free_port(), tmp_path / "devchain-1.log"
    url = f"http://127.0.0.1:{port}"
    proc = _start_foreground(tmp_path, port, log)
    try:
        first = json.loads((tmp_path / "deployments.json").read_text())
        w3 = Web3(Web3.HTTPProvider(url))
        assert len(w3.eth.get_code(first["VotingEscrow"])) > 0
    finally:
        code = _stop(proc)
    assert code == 0 and "stopping the dev chain" in log.read_text()
    assert not rpc_ready(url)  # Anvil went down with it

    log = tmp_path / "devchain-2.log"
    proc = _start_foreground(tmp_path, port, log)  # `make run` again: the same chain
    try:
        assert "reusing deployments" in log.read_text()
        again = json.loads((tmp_path / "deployments.json").read_text())
        assert again["VotingEscrow"] == first["VotingEscrow"]
        escrow = Web3(Web3.HTTPProvider(url)).eth.contract(
            address=again["VotingEscrow"], abi=client.artifact("VotingEscrow")["abi"]
        )
        assert escrow.functions.balanceOf(Account.from_key(DEV_KEYS[1]).address).call() > 0
    finally:
        assert _stop(proc) == 0


def test_deploy_contracts_deploys_a_safe_of_the_given_owners_and_writes_the_file(
    chain, tmp_path, monkeypatch, settings
):
    """`manage.py deploy_contracts` on a running chain: key from the environment, 2-of-3 Safe,
    minDelay = --delay; a chain whose id differs from CHAIN_ID is refused."""
    out = tmp_path / "deployments.json"
    owners = ",".join(dev_address(i) for i in range(3))
    url = chain.w3.provider.endpoint_uri
    monkeypatch.delenv("JCTGOV_DEPLOYER_KEY", raising=False)
    with pytest.raises(CommandError, match="no deployer key"):
        call_command(
            "deploy_contracts",
            "--rpc",
            url,
            "--owners",
            owners,
            "--threshold",
            "2",
            "--delay",
            "3600",
            "--out",
            str(out),
        )
    monkeypatch.setenv("JCTGOV_DEPLOYER_KEY", DEV_KEYS[5])
    with pytest.raises(CommandError, match="between 1 and 3"):
        call_command(
            "deploy_contracts",
            "--rpc",
            url,
            "--owners",
            owners,
            "--threshold",
            "4",
            "--delay",
            "3600",
            "--out",
            str(out),
        )
    settings.CHAIN_ID = 1
    with pytest.raises(CommandError, match="has id 31337, but CHAIN_ID is 1"):
        call_command(
            "deploy_contracts",
            "--rpc",
            url,
            "--owners",
            owners,
            "--threshold",
            "2",
            "--delay",
            "3600",
            "--out",
            str(out),
        )
    assert not out.exists()
    settings.CHAIN_ID = 31337
    call_command(
        "deploy_contracts",
        "--rpc",
        url,
        "--owners",
        owners,
        "--threshold",
        "2",
        "--delay",
        "3600",
        "--out",
        str(out),
    )
    written = json.loads(out.read_text())
    safe = client.contract("Safe", written["Safe"])
    assert safe.functions.getOwners().call() == [dev_address(i) for i in range(3)]
    assert safe.functions.getThreshold().call() == 2 == written["safe_threshold"]
    timelock = client.contract("TimelockController", written["TimelockController"])
    assert timelock.functions.getMinDelay().call() == 3600
    proposer = timelock.functions.PROPOSER_ROLE().call()
    assert timelock.functions.hasRole(proposer, written["Safe"]).call()
    assert not timelock.functions.hasRole(proposer, dev_address(5)).call()  # not the deployer
