"""What an event says: its title, a one-paragraph text and the page it links to.

Written once, when the event is emitted, from the subject as it is in that transaction, so a
delivery sent later still describes the change that caused it. Amounts are shown in JCT.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

WEI = Decimal(10) ** 18


def jct(wei: Any) -> str:
    """Integer wei as a JCT amount, exactly (no float)."""
    value = (Decimal(int(wei or 0)) / WEI).normalize()
    return f"{value:,f} JCT"


def _proposal(event_type: str, p: Any) -> tuple[str, str, str]:
    kind = p.get_kind_display()
    title = f"#{p.pk} {p.title}"
    texts = {
        "proposal.published": f"A {kind.lower()} proposal was published; voting opens once "
        "the voting-power snapshot is stored.",
        "proposal.voting_open": f"Voting is open until {p.ends_at:%Y-%m-%d %H:%M} UTC.",
        "proposal.closing_soon": f"Voting closes at {p.ends_at:%Y-%m-%d %H:%M} UTC and you "
        "have not voted yet.",
        "proposal.closed": f"Voting closed: {p.get_state_display().lower()}. For "
        f"{jct(p.for_power)}, against {jct(p.against_power)}, abstain {jct(p.abstain_power)}.",
        "proposal.approved": "A steward approved it for execution through the timelock.",
        "proposal.queued": "It is scheduled on the timelock"
        + (f", ready at {p.ready_at:%Y-%m-%d %H:%M} UTC." if p.ready_at else "."),
        "proposal.executed": f"It was executed on chain (tx {p.execute_tx}).",
        "proposal.failed": f"Execution failed: {p.failure_reason or p.failure_code}.",
    }
    return title, texts.get(event_type, ""), f"/proposals/{p.pk}/"


def _application(event_type: str, a: Any) -> tuple[str, str, str]:
    title = f"Application #{a.pk}: {a.title}" if getattr(a, "title", "") else f"Application #{a.pk}"
    texts = {
        "grants.application_submitted": f"Submitted to {a.program.name}, requesting "
        f"{jct(a.requested_amount)}.",
        "grants.application_decided": f"{a.get_state_display()}: {a.decision_reason}",
    }
    return title, texts.get(event_type, ""), f"/grants/applications/{a.pk}/"


def _milestone(event_type: str, m: Any) -> tuple[str, str, str]:
    a = m.application
    title = f"Milestone “{m.title}” of application #{a.pk}"
    texts = {
        "grants.milestone_reported": "The applicant reported it; it awaits a steward.",
        "grants.milestone_accepted": f"Accepted; the payout of {jct(m.amount)} is on its way.",
        "grants.milestone_paid": f"Paid {jct(m.amount)} (tx {m.tx_hash}).",
    }
    return title, texts.get(event_type, ""), f"/grants/applications/{a.pk}/"


def _program(event_type: str, p: Any) -> tuple[str, str, str]:
    return (
        f"Review applications to {p.name}",
        "You are a reviewer of this grant program.",
        "/grants/reviews/",
    )


def _recognition(event_type: str, r: Any) -> tuple[str, str, str]:
    return (
        f"Recognition of {jct(r.amount)}",
        f"Proposal #{r.proposal_id} was executed and paid you {jct(r.amount)}: {r.reason}",
        "/grants/recognitions/",
    )


def _node(event_type: str, n: Any) -> tuple[str, str, str]:
    last = f"{n.last_heartbeat_at:%Y-%m-%d %H:%M} UTC" if n.last_heartbeat_at else "never"
    return (
        f"Node {n.name} went offline",
        f"No heartbeat since {last}; open leases on it will fail.",
        "/market/provider/",
    )


def _vote(event_type: str, v: Any) -> tuple[str, str, str]:
    p = v.proposal
    choice = v.get_choice_display()
    return (
        f"Your delegate voted {choice} on #{p.pk} {p.title}",
        f"{v.voter} voted {choice} with your veJCT. Vote yourself before "
        f"{p.ends_at:%Y-%m-%d %H:%M} UTC to count your own choice instead.",
        f"/proposals/{p.pk}/",
    )


_DESCRIBERS = {
    "proposals.proposal": _proposal,
    "grants.application": _application,
    "grants.milestone": _milestone,
    "grants.program": _program,
    "grants.recognition": _recognition,
    "market.node": _node,
    "proposals.vote": _vote,
}


def describe(event_type: str, subject: Any) -> tuple[str, str, str]:
    """(title, text, url) of ``event_type`` about ``subject`` (a model instance or None)."""
    if subject is None:
        return event_type, "", "/notifications/"
    describer = _DESCRIBERS.get(subject._meta.label_lower)
    if describer is None:
        return str(subject)[:300], "", "/"
    title, text, url = describer(event_type, subject)
    return title[:300], text, url


def subject_key(subject: Any) -> str:
    return f"{subject._meta.model_name}:{subject.pk}" if subject is not None else ""
