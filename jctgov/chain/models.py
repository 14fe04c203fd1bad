"""Database mirror of the chain: indexer cursors, veJCT holders, parameters, power snapshots,
delegations."""

from __future__ import annotations

from django.db import models

from jctgov.core.fields import Uint256Field  # exact on SQLite too (see fields.py)


class IndexerCursor(models.Model):
    """The last block an indexer has fully processed (resumes from block + 1), with its hash:
    if the chain no longer has that hash, a reorg went deeper than the confirmations."""

    name = models.CharField(max_length=64, unique=True)
    block = models.BigIntegerField()
    block_hash = models.CharField(max_length=66, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}@{self.block}"


class VeLock(models.Model):
    """Current VotingEscrow lock of one address, from Deposit/Withdraw events (the holder set)."""

    address = models.CharField(max_length=42, unique=True)  # checksummed
    amount = Uint256Field()
    unlock_time = models.BigIntegerField()  # unix seconds; 0 after withdraw
    updated_block = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="velock_amount_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.address}: {self.amount} until {self.unlock_time}"

    def power_at(self, t: int) -> int:
        """veJCT at chain time ``t`` as VotingEscrow.balanceOfAtTime computes it for a lock
        unchanged since: ``slope * (end - t)`` with ``slope = amount // MAXTIME``."""
        return vejct_power(int(self.amount), int(self.unlock_time), t)


MAXTIME = 4 * 365 * 24 * 3600  # VotingEscrow.MAXTIME


def vejct_power(amount: int, unlock_time: int, t: int) -> int:
    """veJCT of a lock of ``amount`` wei until ``unlock_time`` at time ``t`` (0 once expired)."""
    return (amount // MAXTIME) * max(0, unlock_time - int(t))


class ParameterMirror(models.Model):
    """Latest ParameterStore value per key hash (0x + 64 lower-case hex of keccak256(name))."""

    key_hash = models.CharField(max_length=66, unique=True)
    value = Uint256Field()
    block_number = models.BigIntegerField()
    tx_hash = models.CharField(max_length=66)

    def __str__(self) -> str:
        return f"{self.key_hash} = {self.value}"


class PowerSnapshot(models.Model):
    """veJCT of every holder at one block, with the block hash to detect reorgs."""

    block_number = models.BigIntegerField(unique=True)
    block_hash = models.CharField(max_length=66)
    total_supply = Uint256Field()
    holders = models.PositiveIntegerField()
    taken_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"snapshot@{self.block_number} ({self.holders} holders)"


class PowerSnapshotEntry(models.Model):
    """One holder's veJCT at the snapshot block, and whom they had delegated it to there
    (VoteDelegation.delegateOfAt at the same block; "" = nobody)."""

    snapshot = models.ForeignKey(PowerSnapshot, on_delete=models.CASCADE, related_name="entries")
    address = models.CharField(max_length=42)  # checksummed
    power = Uint256Field()
    delegate = models.CharField(max_length=42, blank=True, default="")  # checksummed or ""

    class Meta:
        indexes = [
            # A delegate's delegators at a snapshot: one index range (the vote hot path).
            models.Index(fields=["snapshot", "delegate"], name="snapshot_entry_delegate"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "address"], name="snapshot_entry_unique"),
            models.CheckConstraint(
                condition=models.Q(power__gt=0), name="snapshot_entry_power_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address}: {self.power}"


class Delegation(models.Model):
    """Current VoteDelegation delegate of every address that ever delegated, mirrored from
    DelegateChanged events (``delegate`` "" after undelegate: the row stays, so the set of
    addresses that ever delegated is known without scanning the chain)."""

    delegator = models.CharField(max_length=42, unique=True)  # checksummed
    delegate = models.CharField(max_length=42, blank=True, db_index=True)  # checksummed or ""
    block_number = models.BigIntegerField()  # of the last change
    tx_hash = models.CharField(max_length=66)

    def __str__(self) -> str:
        return f"{self.delegator} -> {self.delegate or 'nobody'}"
