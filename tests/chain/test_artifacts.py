"""The checked-in ABI + bytecode artifacts are exactly what the pinned compiler makes of the sources."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "jctgov/chain/artifacts"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node (npm ci) to run solc-js")
def test_checked_in_artifacts_match_a_fresh_compile(tmp_path):
    subprocess.run(
        ["node", str(ROOT / "jctgov/chain/compile.js"), "--out", str(tmp_path)],
        check=True,
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    fresh = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.json"))
    checked_in = sorted(str(p.relative_to(ARTIFACTS)) for p in ARTIFACTS.rglob("*.json"))
    assert fresh == checked_in, "artifact set differs"
    assert "test/TestContractWallet.json" in fresh  # test-only contracts are checked too
    for name in fresh:
        assert json.loads((tmp_path / name).read_text()) == json.loads(
            (ARTIFACTS / name).read_text()
        ), f"{name} is stale: run `npm run compile` and commit jctgov/chain/artifacts"


def test_voting_escrow_has_no_transfer_function():
    abi = json.loads((ARTIFACTS / "VotingEscrow.json").read_text())["abi"]
    names = {item.get("name") for item in abi if item["type"] == "function"}
    assert {"createLock", "increaseAmount", "increaseUnlockTime", "withdraw"} <= names
    assert not names & {"transfer", "transferFrom", "approve"}
