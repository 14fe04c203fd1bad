"""`manage.py devchain --deploy-only` starts Anvil, deploys and writes the deployments file."""

import json

import pytest
from django.core.management import call_command

from jctgov.chain import client
from jctgov.chain.anvil import free_port

pytestmark = pytest.mark.chain


def test_devchain_deploys_and_writes_the_deployments_file(deployed, settings, tmp_path):
    settings.CHAIN_DEPLOYMENTS_FILE = tmp_path / "deployments.json"
    rpc_url = settings.CHAIN_RPC_URL
    try:
        call_command(
            "devchain",
            "--port",
            str(free_port()),
            "--deploy-only",
            "--no-seed",
            "--timelock-delay",
            "120",
        )
    finally:
        settings.CHAIN_RPC_URL = rpc_url
        client.set_deployments(deployed)
    written = json.loads((tmp_path / "deployments.json").read_text())
    assert written["chain_id"] == 31337 and written["timelock_delay_s"] == 120
    for name in (
        "JCT",
        "VotingEscrow",
        "TimelockController",
        "ParameterStore",
        "GrantEscrow",
        "Multicall3",
        "MockStablecoin",
    ):
        assert written[name].startswith("0x") and len(written[name]) == 42
