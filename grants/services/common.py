"""What only the grants services share: hiding what a wallet may not see. (Row locks, state
checks, role checks, addresses and amounts are the kit's: ``jctgov.core``.)"""

from __future__ import annotations

from typing import Any

from grants.selectors import can_view_application
from jctgov.core.errors import NotFound


def hide_unless_visible(application: Any, actor: Any, code: str, what: str) -> None:
    """404 (as for a missing row) when ``actor`` may not see ``application``: a 403 would tell
    a stranger that someone's draft or undecided application (or its milestone) exists."""
    if not can_view_application(application, actor):
        raise NotFound(f"No such {what}.", code=code)
