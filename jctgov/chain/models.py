"""Database mirror of the chain: indexer cursors, veJCT holders, parameters, power snapshots."""

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


class ParameterMirror(models.Model):
    """ParameterStore values per key hash (0x + 64 lower-case hex of keccak256(name)).

    The mirror never trusts a chain value outside the registry's bounds (a store deployed
    without them, or bounds widened on chain): ``value`` is the last value inside the bounds
    (None: none yet, the default holds) and ``out_of_range_value`` the raw chain value while the
    latest event carried one. ``block_number``/``tx_hash`` are those of the latest event.
    """

    key_hash = models.CharField(max_length=66, unique=True)
    value = Uint256Field(null=True, blank=True)
    out_of_range_value = Uint256Field(null=True, blank=True)
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
    snapshot = models.ForeignKey(PowerSnapshot, on_delete=models.CASCADE, related_name="entries")
    address = models.CharField(max_length=42)  # checksummed
    power = Uint256Field()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "address"], name="snapshot_entry_unique"),
            models.CheckConstraint(
                condition=models.Q(power__gt=0), name="snapshot_entry_power_gt_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address}: {self.power}"
