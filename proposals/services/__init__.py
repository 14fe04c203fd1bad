"""Writes of the proposals app: the lifecycle, vote casting, and execution through the timelock.

Split in modules to keep each readable (lifecycle, voting_period, votes, execution,
timelock_relay, timelock_steps; rows for the proposal row); import from here.
"""

from proposals.services.execution import (
    proposal_approval_open,
    proposal_retry_execution,
    proposals_execution_due,
)
from proposals.services.lifecycle import (
    proposal_cancel,
    proposal_create_draft,
    proposal_publish,
    proposal_update_draft,
)
from proposals.services.timelock_relay import proposal_execute, proposal_schedule
from proposals.services.votes import vote_cast, vote_typed_data
from proposals.services.voting_period import proposal_activate, proposal_close, proposals_advance

__all__ = [
    "proposal_activate",
    "proposal_approval_open",
    "proposal_cancel",
    "proposal_close",
    "proposal_create_draft",
    "proposal_execute",
    "proposal_publish",
    "proposal_retry_execution",
    "proposal_schedule",
    "proposal_update_draft",
    "proposals_advance",
    "proposals_execution_due",
    "vote_cast",
    "vote_typed_data",
]
