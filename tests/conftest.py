"""Shared fixtures. Real parts only: Anvil, the database in use, a Celery worker, Chromium."""

import os

import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

# Property tests explore new random examples on every `make test`; CI (.ci/run sets
# HYPOTHESIS_PROFILE=ci) replays one fixed sequence instead, so a landing never hinges on the
# luck of the draw. A failure found locally prints the example to add as an @example.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

pytest_plugins = [
    "tests.fixtures.chain",
    "tests.fixtures.browser",
    "tests.fixtures.worker",
    "tests.fixtures.rpc_proxy",
    "tests.fixtures.redis",
    "tests.fixtures.api_errors",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test that starts or uses the Anvil chain, directly or through other fixtures
    (``chain``, ``deployed``, ``governance_chain``...), is marked ``chain``: ``-m "not chain"``
    then runs without it, and no test needs a hand mark that could be forgotten.

    ``ci_script`` tests run ``.ci/run`` itself, so the suite would run itself: they are left
    out unless the ``-m`` expression names them (``make test-ci-script``, a stage of .ci/run)."""
    for item in items:
        if "anvil" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.chain)
    if "ci_script" in config.getoption("markexpr", ""):
        return
    deselected = [item for item in items if item.get_closest_marker("ci_script")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("ci_script")]


@pytest.fixture(scope="session", autouse=True)
def _no_stray_chain():
    """Tests talk only to the Anvil they start. Until the ``deployed`` fixture points settings
    at it, the chain RPC is the discard port, never a developer's `make run` chain on :8545."""
    from django.conf import settings

    settings.CHAIN_RPC_URL = "http://127.0.0.1:9"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counters and cached pages must not leak from one test into the next."""
    from proposals import caching

    caching.clear()  # the shared cache and this process's copies of proposal pages
    yield
    caching.clear()


@pytest.fixture
def postgres_only(transactional_db):
    """Concurrency tests need real row locks: they run where the database is PostgreSQL (CI)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: run with DATABASE_URL=postgres://…")


@pytest.fixture
def steward(db):
    from jctgov.wallets.services import steward_grant

    return steward_grant(address="0x" + "5" * 40)
