"""Casting signed votes. The EIP-712 signature is the authority; no session is involved.

Vote ingestion is the hottest write path of the app (every holder may vote, and re-vote, in the
last hours of a proposal), so its reads are two hand-written statements instead of ORM
querysets: profiling showed the ORM's SQL compiler costing ten times more than the queries
themselves. Table and column names come from the models' ``_meta``, so the SQL follows them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from jctgov.chain.models import PowerSnapshot, PowerSnapshotEntry
from jctgov.core.errors import ApplicationError, Conflict, Forbidden, NotFound
from proposals import eip712
from proposals.models import Proposal, ProposalState, Vote

_HEX_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
MAX_REASON = 1_000
MAX_CLOCK_AHEAD_S = 300  # a wallet's clock may run ahead of ours by at most five minutes

_SIGNATURE_STATUS = {"bad_signature": 400, "malleable_signature": 400, "signature_mismatch": 401}
_TERMS_FIELDS = ["id", "uid", "chain_id", "verifying_contract"]


def vote_domain(proposal: Proposal) -> eip712.Domain:
    return eip712.Domain(
        chain_id=int(proposal.chain_id or 0), verifying_contract=proposal.verifying_contract
    )


def vote_message(
    proposal: Proposal, *, voter: str, choice: int, reason: str, timestamp: int
) -> eip712.VoteMessage:
    return eip712.VoteMessage(
        proposal=proposal.uid or "", voter=voter, choice=choice, reason=reason, timestamp=timestamp
    )


def vote_check_input(*, voter: Any, choice: Any, reason: Any, timestamp: Any) -> str:
    """The voter's checksummed address if the vote's fields are well-formed; else ApplicationError.

    Types are strict (JSON numbers for choice and timestamp, as the typed data carries them):
    the values are hashed exactly as given, so "1" and 1.0 are refused rather than coerced.
    """
    if not isinstance(reason, str):
        raise ApplicationError("The reason must be text.", code="invalid_input", field="reason")
    if len(reason) > MAX_REASON:
        raise ApplicationError(
            f"The reason is limited to {MAX_REASON} characters.",
            code="reason_too_long",
            field="reason",
        )
    if type(choice) is not int or choice not in (1, 2, 3):
        raise ApplicationError(
            "Choice must be 1 (For), 2 (Against) or 3 (Abstain).",
            code="invalid_choice",
            field="choice",
        )
    if not isinstance(voter, str) or not _HEX_ADDRESS.match(voter):
        raise ApplicationError("Not an Ethereum address.", code="invalid_address", field="voter")
    checksummed = eip712.checksum(voter)
    if voter != checksummed and voter[2:] not in (voter[2:].lower(), voter[2:].upper()):
        # Mixed case is an EIP-55 checksum, and this one is wrong: likely a typo.
        raise ApplicationError(
            "The address's EIP-55 checksum is wrong.", code="invalid_address", field="voter"
        )
    if type(timestamp) is not int or not (0 <= timestamp <= eip712.UINT64_MAX):
        raise ApplicationError(
            "Timestamp must be a uint64 (Unix seconds).",
            code="invalid_timestamp",
            field="timestamp",
        )
    return checksummed


def _not_active(state: str) -> Conflict:
    return Conflict(
        "This proposal is not open for votes.", code="proposal_not_active", extra={"state": state}
    )


def vote_typed_data(
    *, proposal: Proposal, voter: str, choice: int, reason: str, now: datetime | None = None
) -> dict[str, Any]:
    """The EIP-712 typed data a wallet signs (``eth_signTypedData_v4``), stamped with our clock."""
    timestamp = int((now or timezone.now()).timestamp())
    voter = vote_check_input(voter=voter, choice=choice, reason=reason, timestamp=timestamp)
    if proposal.state != ProposalState.ACTIVE:
        raise _not_active(proposal.state)
    message = vote_message(proposal, voter=voter, choice=choice, reason=reason, timestamp=timestamp)
    return eip712.typed_data(vote_domain(proposal), message)


def vote_cast(
    *,
    proposal_id: int,
    voter: str,
    choice: int,
    reason: str,
    timestamp: int,
    signature: str,
    now: datetime | None = None,
) -> tuple[Vote, bool]:
    """Record a signed vote; returns (receipt, created). The receipt's ``proposal`` is loaded.

    Idempotent: the same signed vote (same EIP-712 hash) is stored once and returned with
    created=False. The voter's newest vote (by timestamp, ties by arrival) is the counted one;
    older ones stay as receipts. Atomic, under the proposal's row lock (the one proposal_close
    takes), and backed by the partial unique index (proposal, voter) WHERE counted: never two
    counted votes, never a vote counted after the close.
    """
    now = now or timezone.now()
    voter = vote_check_input(voter=voter, choice=choice, reason=reason, timestamp=timestamp)
    args = (voter, choice, reason, timestamp, signature, now)
    try:
        with transaction.atomic():
            return _record(proposal_id, *args)
    except IntegrityError:
        # Defence in depth: every writer holds the proposal lock, so this needs a writer that
        # doesn't. Whatever it stored is visible now; deciding again gives the right answer.
        with transaction.atomic():
            return _record(proposal_id, *args)


@dataclass(frozen=True)
class _Ballot:
    """What the second read returns: the proposal's voting state and the voter's votes."""

    state: str
    starts_at: datetime
    ends_at: datetime
    power: int
    same_vote_id: int | None
    counted_id: int | None
    counted_timestamp: int | None


def _record(
    proposal_id: int,
    voter: str,
    choice: int,
    reason: str,
    timestamp: int,
    signature: str,
    now: datetime,
) -> tuple[Vote, bool]:
    proposal = _lock_proposal(proposal_id)
    if not proposal.uid:
        raise _not_active(ProposalState.DRAFT)
    message = vote_message(proposal, voter=voter, choice=choice, reason=reason, timestamp=timestamp)
    try:
        digest = "0x" + eip712.verify_vote(vote_domain(proposal), message, signature).hex()
    except eip712.SignatureError as exc:
        raise ApplicationError(
            exc.message, code=exc.code, field="signature", status=_SIGNATURE_STATUS[exc.code]
        ) from None
    ballot = _read_ballot(proposal_id, voter, digest)
    if ballot.same_vote_id is not None:
        vote = Vote.objects.get(pk=ballot.same_vote_id)
        vote.proposal = proposal
        return vote, False
    _check_window(ballot, timestamp, now)
    if ballot.power <= 0:
        raise Forbidden(
            f"{voter} had no veJCT at the proposal's snapshot block.",
            code="no_voting_power",
            field="voter",
        )
    # Newer timestamp wins; on a tie the later arrival (this one) wins.
    counts = ballot.counted_timestamp is None or timestamp >= ballot.counted_timestamp
    if ballot.counted_id is not None and counts:
        Vote.objects.filter(pk=ballot.counted_id).update(counted=False)
    vote = Vote(
        digest=digest,
        proposal=proposal,
        voter=voter,
        choice=choice,
        reason=reason,
        timestamp=timestamp,
        signature=signature if signature.startswith("0x") else "0x" + signature,
        power=ballot.power,
        counted=counts,
    )
    _insert(vote)
    return vote, True


def _check_window(ballot: _Ballot, timestamp: int, now: datetime) -> None:
    if ballot.state != ProposalState.ACTIVE or now >= ballot.ends_at:
        raise _not_active(ballot.state)
    if timestamp > now.timestamp() + MAX_CLOCK_AHEAD_S:
        raise ApplicationError(
            "The vote's timestamp is more than five minutes ahead of the server's clock.",
            code="timestamp_in_future",
            field="timestamp",
        )
    if not ballot.starts_at.timestamp() <= timestamp <= ballot.ends_at.timestamp():
        raise ApplicationError(
            "The vote's timestamp is outside the voting window.",
            code="timestamp_out_of_window",
            field="timestamp",
        )


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


@cache
def _lock_sql(vendor: str) -> str:
    """SELECT id, uid, chain_id, verifying_contract … FOR UPDATE (built once per database)."""
    columns = ", ".join(_q(Proposal._meta.get_field(f).column) for f in _TERMS_FIELDS)
    sql = f"SELECT {columns} FROM {_q(Proposal._meta.db_table)} WHERE {_q('id')} = %s"
    return sql + (" FOR UPDATE" if connection.features.has_select_for_update else "")


@cache
def _ballot_sql(vendor: str) -> str:
    """The proposal's state and window, the voter's snapshot power, a stored copy of this
    vote, and the voter's counted vote, in one statement (built once per database).

    Every lookup is an index search. ``AND c.counted`` is spelled like the partial unique
    index's condition (``WHERE counted``) so that SQLite's planner can use that index; with a
    bound parameter it falls back to scanning the proposal's counted votes.
    """
    p, v = _q(Proposal._meta.db_table), _q(Vote._meta.db_table)
    snap, entry = _q(PowerSnapshot._meta.db_table), _q(PowerSnapshotEntry._meta.db_table)
    return f"""
        SELECT p.{_q("state")}, p.{_q("starts_at")}, p.{_q("ends_at")},
          (SELECT e.{_q("power")} FROM {entry} e
             INNER JOIN {snap} s ON s.{_q("id")} = e.{_q("snapshot_id")}
             WHERE s.{_q("block_number")} = p.{_q("snapshot_block")} AND e.{_q("address")} = %s),
          (SELECT d.{_q("id")} FROM {v} d WHERE d.{_q("digest")} = %s),
          c.{_q("id")}, c.{_q("timestamp")}
        FROM {p} p
        LEFT JOIN {v} c ON c.{_q("proposal_id")} = p.{_q("id")} AND c.{_q("voter")} = %s
          AND c.{_q("counted")}
        WHERE p.{_q("id")} = %s"""


def _lock_proposal(proposal_id: Any) -> Proposal:
    """Lock the proposal row and read what the vote's EIP-712 domain and message need.

    The lock is the one proposal_close takes (SELECT … FOR UPDATE on PostgreSQL; SQLite has a
    single writer and the transaction began IMMEDIATE). Returns a Proposal with only those
    fields loaded (others load on access, as with ``.only()``).
    """
    try:
        proposal_id = int(proposal_id)
    except (TypeError, ValueError):
        raise NotFound("No such proposal.", code="proposal_not_found") from None
    with connection.cursor() as cursor:
        cursor.execute(_lock_sql(connection.vendor), [proposal_id])
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No such proposal.", code="proposal_not_found")
    return Proposal.from_db(connection.alias, _TERMS_FIELDS, row)


def _read_ballot(proposal_id: int, voter: str, digest: str) -> _Ballot:
    """Run under the proposal lock, so it sees every vote committed before it."""
    with connection.cursor() as cursor:
        cursor.execute(_ballot_sql(connection.vendor), [voter, digest, voter, proposal_id])
        state, starts_at, ends_at, power, same_id, counted_id, counted_ts = cursor.fetchone()
    return _Ballot(
        state=state,
        starts_at=_aware(starts_at),
        ends_at=_aware(ends_at),
        power=int(power or 0),  # NUMERIC on PostgreSQL, zero-padded text on SQLite
        same_vote_id=same_id,
        counted_id=counted_id,
        counted_timestamp=None if counted_ts is None else int(counted_ts),
    )


_INSERT_FIELDS = [f for f in Vote._meta.concrete_fields if not f.primary_key]


@cache
def _insert_sql(vendor: str) -> str:
    columns = ", ".join(_q(f.column) for f in _INSERT_FIELDS)
    values = ", ".join(["%s"] * len(_INSERT_FIELDS))
    table = _q(Vote._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING {_q('id')}"


def _insert(vote: Vote) -> None:
    """INSERT the receipt, each value prepared by its field exactly as Model.save() would
    (``pre_save`` then ``get_db_prep_save``), without the ORM's per-call SQL compilation.

    Every value was checked above (input, signature, window, power) and the database
    constraints check them again; ``full_clean`` would cost two more queries per vote.
    """
    params = [f.get_db_prep_save(f.pre_save(vote, True), connection) for f in _INSERT_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor), params)
        vote.pk = cursor.fetchone()[0]
    vote._state.adding = False
    vote._state.db = connection.alias


def _aware(value: datetime | str | None) -> datetime:
    """Datetimes as stored: aware on PostgreSQL, naive UTC on SQLite."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is None:  # a published proposal always has its window; be loud if not
        raise ValueError("published proposal without a voting window")
    return value if timezone.is_aware(value) else value.replace(tzinfo=UTC)
