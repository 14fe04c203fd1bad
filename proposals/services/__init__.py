"""Writes of the proposals app: the proposal lifecycle and vote casting.

Split in two modules (lifecycle, votes) to keep each readable; import from here.
"""

from proposals.services.lifecycle import (
    proposal_activate,
    proposal_cancel,
    proposal_close,
    proposal_create_draft,
    proposal_publish,
    proposal_update_draft,
    proposals_advance,
)
from proposals.services.votes import vote_cast, vote_typed_data

__all__ = [
    "proposal_activate",
    "proposal_cancel",
    "proposal_close",
    "proposal_create_draft",
    "proposal_publish",
    "proposal_update_draft",
    "proposals_advance",
    "vote_cast",
    "vote_typed_data",
]
