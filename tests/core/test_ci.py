""".ci/run (the README's `make test` against the services) fails when a test fails and never
passes with zero tests.

Marked ``ci_script``: the default run leaves these out (the suite must not run itself); .ci/run
runs them as a stage of their own after the suite. The nested run (``CI_NESTED=1``) runs the
suite stage only, not lint nor this stage again: what is tested here is how pytest's exit
status reaches the script's.
"""

import os
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.ci_script
ROOT = Path(__file__).resolve().parents[2]


def ci_run(pytest_args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTEST_ADDOPTS"] = f"-p no:cacheprovider {pytest_args}"
    env["CI_NESTED"] = "1"
    return subprocess.run(
        [str(ROOT / ".ci/run")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_ci_run_fails_when_no_test_runs():
    result = ci_run("-k no_test_is_named_like_this")
    assert result.returncode != 0, result.stdout
    assert "no tests ran" in result.stdout or "deselected" in result.stdout


def test_ci_run_fails_when_a_test_fails(tmp_path):
    failing = tmp_path / "test_failing.py"
    failing.write_text("def test_that_fails():\n    assert 1 == 2\n")
    result = ci_run(str(failing))
    assert result.returncode != 0
    assert "1 failed" in result.stdout
