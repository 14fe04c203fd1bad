"""The SQL of vote ingestion, the hottest write path of the app.

Every holder may vote, and vote again, in the last hours of a proposal, so the statements here
are written by hand instead of built by the ORM: profiling showed Django's SQL compiler
costing ten times more than the queries themselves. Table and column names come from the
models' ``_meta``, values are prepared by the model fields, and each statement is built once
per database. A vote is one transaction of three statements: read-and-lock, (un-count the
voter's previous vote), insert.

The read takes the proposal row lock (the one proposal_close takes) and, in the same
statement, reads the voter's votes. On PostgreSQL a statement that had to wait for that lock
reads the other tables as they were when it started: it may miss a vote committed by the
lock's previous holder. Such a stale read can only lead to inserting a second counted vote
or a second copy of the same vote, which the unique indexes refuse (IntegrityError); the
caller then reads again with ``fresh=True``: lock first, then read in a new statement, which
sees everything committed before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection

from jctgov.chain.models import PowerSnapshot, PowerSnapshotEntry
from jctgov.core.errors import Conflict, NotFound
from proposals.models import Proposal, Vote

_TERMS_FIELDS = ["id", "uid", "chain_id", "verifying_contract"]
_WINDOW_FIELDS = ["starts_at", "ends_at"]
_TERMS_CACHE_SIZE = 1_024


@dataclass(frozen=True)
class Terms:
    """What a vote takes from its proposal and that publishing fixed for good: the EIP-712
    domain and proposal hash, and the voting window."""

    proposal_id: int
    uid: str
    chain_id: int
    verifying_contract: str
    starts_at: datetime
    ends_at: datetime

    def signed(self) -> tuple[str, int, str]:
        """What a signature covers."""
        return self.uid, self.chain_id, self.verifying_contract

    def proposal(self) -> Proposal:
        """The proposal with only these fields loaded (the others load on access)."""
        values = [self.proposal_id, *self.signed(), self.starts_at, self.ends_at]
        return Proposal.from_db(connection.alias, _TERMS_FIELDS + _WINDOW_FIELDS, values)


@dataclass(frozen=True)
class Ballot:
    """The proposal's voting state and the voter's votes, as one read under the lock sees them."""

    signed: tuple[str, int, str]  # the proposal's uid, chain id and VotingEscrow, as stored
    state: str
    power: int  # the voter's veJCT in the stored snapshot of the proposal's block (0 if none)
    same_vote_id: int | None  # a stored copy of this very vote (same EIP-712 digest)
    counted_id: int | None  # the voter's counted vote
    counted_timestamp: int | None


# Terms never change once a proposal is published, so each process keeps them: the signature
# is checked before any lock is taken, with no query. read_ballot() re-reads the signed part
# under the lock and the caller compares (the uid differs for any other proposal), so a stale
# entry can't cause a wrong decision.
_terms: dict[int, Terms] = {}


def voting_terms(proposal_id: Any, *, refresh: bool = False) -> Terms:
    """The proposal's voting terms; NotFound, or Conflict for a draft (nothing to vote on).

    ``refresh`` reads them from the database even if this process has them.
    """
    try:
        proposal_id = int(proposal_id)
    except (TypeError, ValueError):
        raise NotFound("No such proposal.", code="proposal_not_found") from None
    terms = None if refresh else _terms.get(proposal_id)
    if terms is None:
        fields = _TERMS_FIELDS + _WINDOW_FIELDS
        row = Proposal.objects.filter(pk=proposal_id).values_list(*fields, "state").first()
        if row is None:
            raise NotFound("No such proposal.", code="proposal_not_found")
        if not row[1]:
            raise Conflict(
                "This proposal is not open for votes.",
                code="proposal_not_active",
                extra={"state": row[-1]},
            )
        terms = Terms(*row[:-1])
        if len(_terms) >= _TERMS_CACHE_SIZE:
            _terms.clear()
        _terms[proposal_id] = terms
    return terms


def forget_terms(proposal_id: int) -> None:
    _terms.pop(proposal_id, None)


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


@cache
def _lock_sql(vendor: str) -> str:
    table, pk = _q(Proposal._meta.db_table), _q("id")
    return f"SELECT {pk} FROM {table} WHERE {pk} = %s FOR UPDATE"


@cache
def _ballot_sql(vendor: str, lock: bool) -> str:
    """Every lookup is an index search. ``AND c.counted`` is spelled like the partial unique
    index's condition (``WHERE counted``) so that SQLite's planner uses that index; with a bound
    parameter it scans the proposal's counted votes instead."""
    p, v = _q(Proposal._meta.db_table), _q(Vote._meta.db_table)
    snap, entry = _q(PowerSnapshot._meta.db_table), _q(PowerSnapshotEntry._meta.db_table)
    signed = ", ".join(f"p.{_q(Proposal._meta.get_field(f).column)}" for f in _TERMS_FIELDS[1:])
    sql = f"""
        SELECT {signed}, p.{_q("state")},
          (SELECT e.{_q("power")} FROM {entry} e
             INNER JOIN {snap} s ON s.{_q("id")} = e.{_q("snapshot_id")}
             WHERE s.{_q("block_number")} = p.{_q("snapshot_block")} AND e.{_q("address")} = %s),
          (SELECT d.{_q("id")} FROM {v} d WHERE d.{_q("digest")} = %s),
          c.{_q("id")}, c.{_q("timestamp")}
        FROM {p} p
        LEFT JOIN {v} c ON c.{_q("proposal_id")} = p.{_q("id")} AND c.{_q("voter")} = %s
          AND c.{_q("counted")}
        WHERE p.{_q("id")} = %s"""
    return sql + (" FOR UPDATE OF p" if lock else "")


def read_ballot(proposal_id: int, voter: str, digest: str, *, fresh: bool = False) -> Ballot:
    """Lock the proposal row and read the ballot (see the module docstring for ``fresh``).

    SQLite has no row locks: there the transaction began IMMEDIATE and holds the database's
    single write lock, and every read in it is fresh.
    """
    row_locks = connection.features.has_select_for_update
    with connection.cursor() as cursor:
        if fresh and row_locks:
            cursor.execute(_lock_sql(connection.vendor), [proposal_id])
        lock_here = row_locks and not fresh
        cursor.execute(
            _ballot_sql(connection.vendor, lock_here), [voter, digest, voter, proposal_id]
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No such proposal.", code="proposal_not_found")
    uid, chain_id, contract, state, power, same_id, counted_id, ts = row
    return Ballot(
        signed=(uid, chain_id, contract),
        state=state,
        power=int(power or 0),  # NUMERIC on PostgreSQL, zero-padded text on SQLite
        same_vote_id=same_id,
        counted_id=counted_id,
        counted_timestamp=None if ts is None else int(ts),
    )


_INSERT_FIELDS = [f for f in Vote._meta.concrete_fields if not f.primary_key]


@cache
def _insert_sql(vendor: str) -> str:
    columns = ", ".join(_q(f.column) for f in _INSERT_FIELDS)
    values = ", ".join(["%s"] * len(_INSERT_FIELDS))
    table = _q(Vote._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES ({values}) RETURNING {_q('id')}"


def insert_vote(vote: Vote) -> None:
    """INSERT the receipt, each value prepared by its field exactly as Model.save() would
    (``pre_save`` then ``get_db_prep_save``), without the ORM's per-call SQL compilation.
    The database constraints check the values again."""
    params = [f.get_db_prep_save(f.pre_save(vote, True), connection) for f in _INSERT_FIELDS]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor), params)
        vote.pk = cursor.fetchone()[0]
    vote._state.adding = False
    vote._state.db = connection.alias


def uncount_vote(vote_id: int) -> None:
    """The voter's previous vote stops counting (a newer one replaces it)."""
    Vote.objects.filter(pk=vote_id).update(counted=False)
