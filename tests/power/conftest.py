"""Fixtures shared with the delegates API and proposals tests: real delegations indexed off
Anvil, and stored snapshots."""

import pytest

from tests.delegates.test_api import delegations  # noqa: F401
from tests.proposals.conftest import stored_snapshot  # noqa: F401


@pytest.fixture(scope="module")
def deployed_first(deployed):
    """Deploy before a module's first live-server test. pytest-django wraps each live-server
    test in a settings override it discards afterwards, so a ``deployed`` first set up inside
    one would leave CHAIN_RPC_URL pointing nowhere for the tests after it."""
    return deployed
