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


class OperationKind(models.TextChoices):
    SCHEDULE = "schedule", "Schedule on the timelock"
    EXECUTE = "execute", "Execute on the timelock"
    CANCEL = "cancel", "Cancel on the timelock"
    PAYOUT = "payout", "Grant payout"


class OperationState(models.TextChoices):
    COLLECTING = "collecting", "Collecting signatures"
    READY = "ready", "Ready to relay"
    SENDING = "sending", "Sending"
    DONE = "done", "Done"
    SUPERSEDED = "superseded", "Rebuilt (its Safe nonce was used)"
    ABANDONED = "abandoned", "Abandoned"


LIVE_OPERATION_STATES = ("collecting", "ready", "sending", "done")


class ChainOperation(models.Model):
    """One on-chain operation of jctgov: a SafeTx signed by the stewards and relayed (schedule,
    cancel, payout), or a plain call anyone may send (execute a ready timelock operation).

    ``subject_type``/``subject_id`` say what it is for ("proposals.proposal", 7). At most one
    live operation per (subject, kind) — a DB constraint. ``claimed_at`` is the relaying
    worker's lease (jctgov.chain.operations), ``failure_code`` a refusal or revert a steward
    can act on; the row goes back to ``ready`` after it so a retry reuses the signatures.
    """

    kind = models.CharField(max_length=16, choices=OperationKind.choices)
    subject_type = models.CharField(max_length=64)
    subject_id = models.BigIntegerField()
    description = models.TextField(blank=True)  # the decoded action, for people
    note = models.TextField(blank=True)  # e.g. a cancel reason
    to = models.CharField(max_length=42)
    value = Uint256Field(default=0)
    data = models.TextField()  # 0x calldata of the call (the SafeTx's, or the direct call's)
    safe = models.CharField(max_length=42, blank=True)  # "" when no Safe is involved
    safe_nonce = models.BigIntegerField(null=True, blank=True)
    safe_tx_hash = models.CharField(max_length=66, null=True, blank=True, unique=True)
    chain_id = models.BigIntegerField()
    threshold = models.PositiveIntegerField(default=0)  # the Safe's, when last checked
    owners = models.JSONField(default=list)  # the Safe's owners, when last checked
    state = models.CharField(max_length=16, choices=OperationState.choices, db_index=True)
    rebuilt_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rebuilt_reason = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    tx_hash = models.CharField(max_length=66, blank=True)
    block_number = models.BigIntegerField(null=True, blank=True)
    reconciled = models.BooleanField(default=False)
    failure_code = models.CharField(max_length=64, blank=True)
    failure_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["subject_type", "subject_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind"],
                condition=models.Q(state__in=LIVE_OPERATION_STATES),
                name="chainop_one_live_per_subject_kind",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="done") | ~models.Q(tx_hash=""),
                name="chainop_done_has_tx",
            ),
            models.CheckConstraint(
                condition=models.Q(safe="") | models.Q(safe_tx_hash__isnull=False),
                name="chainop_safe_has_hash",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_type}#{self.subject_id} ({self.state})"

    @property
    def needs_signatures(self) -> bool:
        return bool(self.safe)

    @property
    def signed_safe_tx_hash(self) -> str:
        """The SafeTx hash of an operation through the Safe (chainop_safe_has_hash: every one
        has it); ValueError on a direct call, which has none."""
        if self.safe_tx_hash is None:
            raise ValueError(f"operation {self.pk} goes through no Safe: no SafeTx hash")
        return self.safe_tx_hash


class OperationSignature(models.Model):
    """A steward's EIP-712 signature of an operation's SafeTx: one per (operation, signer)."""

    operation = models.ForeignKey(
        ChainOperation, on_delete=models.CASCADE, related_name="signatures"
    )
    signer = models.CharField(max_length=42)  # checksummed, recovered from the signature
    signature = models.CharField(max_length=132)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["operation", "signer"], name="chainop_signature_once_per_signer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.signer} on {self.operation_id}"


class RelayerNonce(models.Model):
    """The relayer's next transaction nonce, one row per relayer address. Sends lock this row
    (select_for_update), so two workers never sign two transactions with one nonce."""

    address = models.CharField(max_length=42, unique=True)
    next_nonce = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.address} next {self.next_nonce}"


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
