"""The notification event types: what a subscriber can choose, and who each one reaches.

``broadcast`` types reach every channel subscribed to them; the others name their recipients
(wallet addresses) when they are emitted. Defaults are what a new channel starts with.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EventType:
    key: str
    label: str
    broadcast: bool
    email_default: bool
    group: str


_TYPES = [
    EventType("proposal.published", "A proposal is published", True, False, "Proposals"),
    EventType("proposal.voting_open", "Voting opens", True, True, "Proposals"),
    EventType(
        "proposal.closing_soon",
        "Voting closes in 24 h and you have not voted",
        False,
        True,
        "Proposals",
    ),
    EventType("proposal.closed", "Voting closed, with its result", True, True, "Proposals"),
    EventType("proposal.approved", "A steward approved execution", True, False, "Proposals"),
    EventType("proposal.queued", "Queued on the timelock", True, False, "Proposals"),
    EventType("proposal.executed", "Executed", True, True, "Proposals"),
    EventType("proposal.failed", "Execution failed", True, True, "Proposals"),
    EventType(
        "grants.application_submitted",
        "An application to a program you review",
        False,
        True,
        "Grants",
    ),
    EventType("grants.review_requested", "Your review is requested", False, True, "Grants"),
    EventType(
        "grants.application_decided", "A decision on your application", False, True, "Grants"
    ),
    EventType(
        "grants.milestone_reported", "A milestone was reported (stewards)", False, True, "Grants"
    ),
    EventType("grants.milestone_accepted", "Your milestone was accepted", False, True, "Grants"),
    EventType("grants.milestone_paid", "Your milestone was paid", False, True, "Grants"),
    EventType("grants.recognition_executed", "A recognition paid to you", False, True, "Grants"),
    EventType("market.node_offline", "Your provider node went offline", False, True, "Market"),
    EventType("delegation.delegate_voted", "Your delegate voted", False, False, "Delegation"),
]

EVENT_TYPES: dict[str, EventType] = {t.key: t for t in _TYPES}

# Sent about a subscription itself: always delivered to the owner's inbox and verified email.
WEBHOOK_DISABLED = "notify.webhook_disabled"
SYSTEM_TYPES = {WEBHOOK_DISABLED: "A webhook of yours was disabled"}

ALL_KEYS = [*EVENT_TYPES, *SYSTEM_TYPES]


def label(key: str) -> str:
    if key in EVENT_TYPES:
        return EVENT_TYPES[key].label
    return SYSTEM_TYPES.get(key, key)


def defaults(kind: str) -> list[str]:
    """What a new channel of ``kind`` (email, webhook, inbox) is subscribed to."""
    if kind == "email":
        return [t.key for t in _TYPES if t.email_default]
    return [t.key for t in _TYPES if t.key != "delegation.delegate_voted" or kind == "inbox"]


def choices() -> list[tuple[str, str]]:
    return [(t.key, t.label) for t in _TYPES]


def encode(keys: list[str]) -> str:
    """Stored as ``,a,b,`` so one portable ``contains`` lookup finds the subscribers of a type
    (JSONField ``contains`` is not available on SQLite)."""
    return "," + ",".join(sorted(set(keys))) + "," if keys else ""


def decode(value: str) -> list[str]:
    return [k for k in (value or "").split(",") if k]
