"""The delay is on chain: a proposal changing governance.timelock_delay_s runs the timelock's
own updateDelay in its batch, and the mirror keeps the parameter and minDelay in step."""

from __future__ import annotations

import pytest

from jctgov.chain import client as chain_client
from jctgov.chain import timelock
from jctgov.chain.indexer import index_events
from jctgov.core.parameters import current_value
from proposals import services
from proposals.batches import proposal_batch
from proposals.models import ProposalState
from tests.fixtures.chain import TEST_TIMELOCK_DELAY_S
from tests.proposals.factories import make_succeeded
from tests.proposals.test_execution import approve

pytestmark = pytest.mark.django_db
KEY = "governance.timelock_delay_s"


def test_the_indexed_chain_delay_is_the_parameter_in_force(chain):
    index_events(confirmations=0)  # the timelock's constructor emitted MinDelayChange(0, 60)
    assert current_value(KEY) == timelock.min_delay() == TEST_TIMELOCK_DELAY_S


def test_a_delay_proposal_updates_the_timelock_min_delay_and_the_mirror(
    chain, client, django_capture_on_commit_callbacks
):
    proposal = make_succeeded(payload={"changes": [{"key": KEY, "value": "3600"}]})
    batch = proposal_batch(proposal)
    store, lock = chain.deployments["ParameterStore"], chain.deployments["TimelockController"]
    assert batch.targets == [store, lock]  # updateDelay is onlyTimelock: the timelock calls itself
    assert batch.payloads[1] == bytes.fromhex(
        chain.contract("TimelockController").encode_abi("updateDelay", args=[3600])[2:]
    )
    queued = approve(proposal, chain, django_capture_on_commit_callbacks)  # the Safe schedules
    assert queued.state == ProposalState.QUEUED
    chain.increase_time(queued.execution_delay_s + 1)
    executed = services.proposal_execute(proposal_id=proposal.pk)
    assert executed.state == ProposalState.EXECUTED

    assert timelock.min_delay() == 3600
    assert chain_client.parameter_value(KEY) == 3600
    index_events(confirmations=0)
    assert current_value(KEY) == 3600
    page = client.get(f"/parameters/{KEY}/").content.decode()
    assert "<strong>1h</strong>" in page and "(3600 seconds)" in page


def test_a_delay_changed_on_the_timelock_alone_is_mirrored_too(chain):
    """Whatever changes minDelay, the parameter in force follows the delay the chain enforces."""
    fn = chain.contract("TimelockController").functions.updateDelay(7200)
    chain.as_timelock(fn)
    index_events(confirmations=0)
    assert current_value(KEY) == 7200
