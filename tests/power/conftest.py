"""The proposals tests' stored-snapshot fixture serves the delegate profile tests too."""

from tests.proposals.conftest import stored_snapshot  # noqa: F401
