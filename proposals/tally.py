"""The tally of the `basic` voting system: pure functions over plain records. No Django here.

Choices: 1 = For, 2 = Against, 3 = Abstain. Quorum is ``quorum_bps`` of the total veJCT at the
snapshot block, rounded up, counting For + Abstain. A proposal passes when quorum is met and
For > Against. The database computes the same totals with one SQL aggregate; ``verify_tally``
computes them here from the receipts and the chain, and the two must agree.

Delegation (Snapshot's rule, one level): a counted vote weighs the voter's own veJCT plus
``delegated_powers`` — the veJCT of their delegators at the snapshot block who did not vote.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

FOR, AGAINST, ABSTAIN = 1, 2, 3
CHOICES = {FOR: "for", AGAINST: "against", ABSTAIN: "abstain"}

SUCCEEDED, DEFEATED, NO_QUORUM = "succeeded", "defeated", "no_quorum"


@dataclass(frozen=True)
class VoteRecord:
    voter: str
    choice: int
    power: int


@dataclass(frozen=True)
class Holding:
    """A holder at the snapshot block: own veJCT and delegate ("" = none)."""

    power: int
    delegate: str = ""


@dataclass(frozen=True)
class Delegated:
    """What a counted vote carries for its voter's delegators (Snapshot's rule)."""

    power: int = 0
    delegators: tuple[str, ...] = ()


def delegated_powers(
    holdings: Mapping[str, Holding], voters: Iterable[str]
) -> dict[str, Delegated]:
    """For each voter (addresses as in ``holdings``): the veJCT of the holders who had
    delegated to them at the snapshot block and did not vote themselves.

    Snapshot's rule, one level: a delegator's power counts with their delegate's vote unless
    the delegator votes, whatever the order of the two votes; what was delegated to a holder is
    never passed on by that holder's own delegation; a delegate who does not vote carries
    nothing. Delegators are listed in address order."""
    voted = set(voters)
    carried: dict[str, list[str]] = {v: [] for v in voted}
    for holder in sorted(holdings):
        holding = holdings[holder]
        if holding.delegate in carried and holder not in voted and holding.power > 0:
            carried[holding.delegate].append(holder)
    return {
        voter: Delegated(sum(holdings[h].power for h in delegators), tuple(delegators))
        for voter, delegators in carried.items()
    }


@dataclass(frozen=True)
class Receipt:
    """A signed vote as received: the latest by (timestamp, arrival) of each voter counts."""

    voter: str
    choice: int
    power: int
    timestamp: int
    arrival: int


@dataclass(frozen=True)
class Tally:
    for_power: int
    against_power: int
    abstain_power: int
    total_supply: int
    quorum_bps: int

    @property
    def quorum(self) -> int:
        """veJCT of For + Abstain needed: ceil(quorum_bps × total_supply / 10,000)."""
        return -(-self.quorum_bps * self.total_supply // 10_000)

    @property
    def participation(self) -> int:
        return self.for_power + self.abstain_power

    @property
    def quorum_reached(self) -> bool:
        # With no veJCT at all nobody could vote: that's no quorum, not a vacuous one.
        return self.participation > 0 and self.participation >= self.quorum

    @property
    def passed(self) -> bool:
        return self.quorum_reached and self.for_power > self.against_power

    @property
    def outcome(self) -> str:
        if not self.quorum_reached:
            return NO_QUORUM
        return SUCCEEDED if self.passed else DEFEATED

    def as_dict(self) -> dict[str, object]:
        # Token amounts as strings: they exceed what JSON numbers carry exactly in browsers.
        return {
            "for": str(self.for_power),
            "against": str(self.against_power),
            "abstain": str(self.abstain_power),
            "total_supply": str(self.total_supply),
            "quorum_bps": self.quorum_bps,
            "quorum": str(self.quorum),
            "participation": str(self.participation),
            "quorum_reached": self.quorum_reached,
            "passed": self.passed,
            "outcome": self.outcome,
        }


def tally_from_totals(totals: dict[int, int], *, total_supply: int, quorum_bps: int) -> Tally:
    """A Tally from {choice: summed power} (as the SQL aggregate returns it)."""
    return Tally(
        for_power=int(totals.get(FOR, 0) or 0),
        against_power=int(totals.get(AGAINST, 0) or 0),
        abstain_power=int(totals.get(ABSTAIN, 0) or 0),
        total_supply=int(total_supply),
        quorum_bps=int(quorum_bps),
    )


def tally_votes(records: Iterable[VoteRecord], *, total_supply: int, quorum_bps: int) -> Tally:
    """Sum counted votes (at most one per voter; a second one is a caller bug)."""
    totals: dict[int, int] = {FOR: 0, AGAINST: 0, ABSTAIN: 0}
    seen: set[str] = set()
    for record in records:
        voter = record.voter.lower()
        if voter in seen:
            raise ValueError(f"two counted votes for {record.voter}")
        if record.choice not in CHOICES:
            raise ValueError(f"invalid choice {record.choice}")
        seen.add(voter)
        totals[record.choice] += record.power
    return tally_from_totals(totals, total_supply=total_supply, quorum_bps=quorum_bps)


def counted_receipts(receipts: Iterable[Receipt]) -> list[Receipt]:
    """Each voter's newest receipt: highest timestamp, ties broken by later arrival."""
    latest: dict[str, Receipt] = {}
    for receipt in receipts:
        voter = receipt.voter.lower()
        current = latest.get(voter)
        if current is None or (receipt.timestamp, receipt.arrival) > (
            current.timestamp,
            current.arrival,
        ):
            latest[voter] = receipt
    return list(latest.values())
