"""The proposals tests' fixtures (stored snapshots, the governance chain) serve here too."""

from tests.proposals.conftest import governance_chain, stored_snapshot, voters  # noqa: F401
