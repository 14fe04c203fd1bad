"""Reads of the delegates app: the directory, a delegate's profile.

Sources: the chain app's mirror of VoteDelegation (current delegators), VeLock (veJCT now,
computed as VotingEscrow does), the stored snapshots (who had delegated to whom at each
proposal's snapshot block) and the vote receipts.

Participation = proposals the delegate voted on / proposals that were open for votes while
they held delegations, i.e. whose snapshot block has at least one delegator (with veJCT) of
theirs. Proposals never opened (draft, pending, cancelled) don't count.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from jctgov.chain.models import Delegation, PowerSnapshotEntry, VeLock
from jctgov.core.addresses import checksummed_address
from jctgov.core.errors import ApplicationError
from jctgov.core.markdown import render_markdown
from jctgov.delegates.models import DelegateStatement
from proposals.models import Proposal, ProposalState, Vote

ORDERINGS = ("power", "participation")
NOT_OPENED = (ProposalState.DRAFT, ProposalState.PENDING, ProposalState.CANCELLED)
HISTORY_LIMIT = 100
_HEX_SEARCH = re.compile(r"^(0x)?[0-9a-fA-F]{0,40}\Z")


@dataclass
class Participation:
    voted: int = 0
    eligible: int = 0

    @property
    def bps(self) -> int | None:
        """voted / eligible in basis points (None before any eligible proposal)."""
        return None if not self.eligible else self.voted * 10_000 // self.eligible

    def as_dict(self) -> dict[str, Any]:
        return {"voted": self.voted, "eligible": self.eligible, "rate_bps": self.bps}


@dataclass
class DelegateSummary:
    address: str
    delegated_power: int = 0  # veJCT now of the current delegators
    delegators: list[str] = field(default_factory=list)
    participation: Participation = field(default_factory=Participation)
    has_statement: bool = False


def chain_now() -> int:
    """Chain time for "veJCT now": the head block's timestamp (dev chains may run ahead of the
    wall clock); the wall clock if the chain can't say."""
    from jctgov.chain import client

    try:
        return client.head_timestamp()
    except (client.ChainError, client.ChainUnavailable):
        return int(timezone.now().timestamp())


def checked_address(value: Any, *, field_name: str = "address") -> str:
    """A 0x address in any case (a search: a wrong checksum still names the account),
    checksummed; else 400 ``invalid_address``."""
    return checksummed_address(value, field_name, typo=None)


def _current_delegations() -> dict[str, list[str]]:
    """{delegate: [delegators]} now, from the DelegateChanged mirror."""
    found: dict[str, list[str]] = defaultdict(list)
    rows = Delegation.objects.exclude(delegate="").order_by("delegator")
    for delegator, delegate in rows.values_list("delegator", "delegate"):
        found[delegate].append(delegator)
    return found


def _powers_now(addresses: list[str], now: int) -> dict[str, int]:
    locks = VeLock.objects.filter(address__in=addresses)
    return {lock.address: lock.power_at(now) for lock in locks}


def _participation(delegates: list[str]) -> dict[str, Participation]:
    """Participation of each address in ``delegates``: four queries whatever their number."""
    held = set(
        PowerSnapshotEntry.objects.filter(delegate__in=delegates, power__gt=0)
        .values_list("delegate", "snapshot__block_number")
        .distinct()
    )
    blocks = {block for _, block in held}
    opened: dict[int, list[int]] = defaultdict(list)
    rows = Proposal.objects.filter(snapshot_block__in=blocks).exclude(state__in=NOT_OPENED)
    for pk, block in rows.values_list("pk", "snapshot_block"):
        opened[block].append(pk)  # type: ignore[index]
    eligible: dict[str, set[int]] = defaultdict(set)
    for delegate, block in held:
        eligible[delegate].update(opened.get(block, ()))
    voted = defaultdict(set)
    ids = {pk for pks in opened.values() for pk in pks}
    for voter, pk in (
        Vote.objects.filter(voter__in=delegates, proposal_id__in=ids)
        .values_list("voter", "proposal_id")
        .distinct()
    ):
        voted[voter].add(pk)
    return {d: Participation(len(voted[d] & eligible[d]), len(eligible[d])) for d in delegates}


def delegates_directory(
    *, order_by: str = "power", search: str = "", now: int | None = None
) -> list[DelegateSummary]:
    """Every delegate (an address with current delegators, or with a statement), sorted by
    delegated veJCT now or by participation (both descending, then by address); ``search``
    keeps addresses containing it (hex, any case, "0x" optional)."""
    if order_by not in ORDERINGS:
        raise ApplicationError(
            f"Order by one of: {', '.join(ORDERINGS)}.", code="invalid_ordering", field="ordering"
        )
    if not isinstance(search, str) or not _HEX_SEARCH.match(search):
        raise ApplicationError(
            "Search by address: hexadecimal digits, optionally after 0x.",
            code="invalid_search",
            field="search",
        )
    now = chain_now() if now is None else now
    delegations = _current_delegations()
    with_statement = set(
        DelegateStatement.objects.exclude(text="").values_list("address", flat=True)
    )
    addresses = sorted(set(delegations) | with_statement)
    needle = search.lower().removeprefix("0x")
    if needle:
        addresses = [a for a in addresses if needle in a.lower()[2:]]
    powers = _powers_now([d for a in addresses for d in delegations.get(a, [])], now)
    participation = _participation(addresses)
    rows = [
        DelegateSummary(
            address=a,
            delegated_power=sum(powers.get(d, 0) for d in delegations.get(a, [])),
            delegators=delegations.get(a, []),
            participation=participation[a],
            has_statement=a in with_statement,
        )
        for a in addresses
    ]
    if order_by == "power":
        rows.sort(key=lambda r: (-r.delegated_power, r.address))
    else:
        rows.sort(key=lambda r: (-(r.participation.bps or -1), -r.delegated_power, r.address))
    return rows


def delegate_profile(address: str, *, now: int | None = None) -> dict[str, Any]:
    """One address as a delegate: statement (Markdown and sanitized HTML), delegated veJCT
    now, current delegators (with their veJCT now), participation, and voting history with
    reasons (newest first, at most ``HISTORY_LIMIT``). Any address has one (zeros if nobody
    has delegated to it)."""
    now = chain_now() if now is None else now
    delegators = list(
        Delegation.objects.filter(delegate=address)
        .order_by("delegator")
        .values_list("delegator", flat=True)
    )
    powers = _powers_now(delegators, now)
    statement = DelegateStatement.objects.filter(address=address).first()
    text = statement.text if statement else ""
    own_delegate = Delegation.objects.filter(delegator=address).values_list("delegate", flat=True)
    return {
        "address": address,
        "statement": text,
        "statement_html": render_markdown(text) if text else "",
        "statement_updated_at": statement.updated_at if statement else None,
        "delegated_power": sum(powers.get(d, 0) for d in delegators),
        "delegators": [{"address": d, "power": powers.get(d, 0)} for d in delegators],
        "delegate": next(iter(own_delegate), "") or None,
        "participation": _participation([address])[address],
        "votes": voting_history(address),
        "as_of": now,
    }


def voting_history(address: str) -> list[dict[str, Any]]:
    """The address's counted votes, newest first: proposal, choice, reason, own and delegated
    veJCT at the proposal's snapshot block."""
    votes = (
        Vote.objects.filter(voter=address, counted=True)
        .select_related("proposal")
        .order_by("-proposal__published_at", "-id")[:HISTORY_LIMIT]
    )
    return [
        {
            "proposal": v.proposal_id,
            "title": v.proposal.title,
            "state": v.proposal.state,
            "choice": v.choice,
            "choice_label": v.get_choice_display(),
            "reason": v.reason,
            "timestamp": v.timestamp,
            "power": int(v.power),
            "delegated_power": int(v.delegated_power),
            "delegators": v.delegators,
        }
        for v in votes
    ]
