"""The proposal row for a service: read, or locked for a transition; 404 ``proposal_not_found``
when there is none."""

from __future__ import annotations

from typing import Any

from jctgov.core.db import fetch, locked
from proposals.models import Proposal


def proposal_get(proposal_id: Any) -> Proposal:
    return fetch(Proposal, proposal_id, code="proposal_not_found", what="proposal")


def proposal_locked(proposal_id: Any) -> Proposal:
    """Under ``SELECT ... FOR UPDATE``: call inside ``transaction.atomic``."""
    return locked(Proposal, proposal_id, code="proposal_not_found", what="proposal")
