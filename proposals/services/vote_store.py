"""The SQL of vote ingestion, the hottest write path of the app.

Every holder may vote, and vote again, in the last hours of a proposal, so the statements here
are written by hand instead of built by the ORM: profiling showed Django's SQL compiler
costing ten times more than the queries themselves. Table and column names come from the
models' ``_meta``, values are prepared by the model fields, and each statement is built once
per database. A vote is one transaction of three statements: read-and-lock, (un-count the
voter's previous vote), insert; a delegate's vote adds one (sum the delegators who have not
voted), a delegator's first vote one (take their power off their delegate's counted vote).

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
    snapshot_id: int | None  # the stored snapshot of the proposal's block
    delegate: str  # whom the voter had delegated to at that block ("" = nobody)
    has_delegators: bool  # someone had delegated to the voter at that block


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
    parameter it scans the proposal's counted votes instead. The snapshot columns (power,
    delegate, whether anyone delegated to the voter) never change while votes arrive, so reading
    them in the locking statement is safe; the votes of others are read after the lock
    (``delegated_to``, ``release_delegation``)."""
    p, v = _q(Proposal._meta.db_table), _q(Vote._meta.db_table)
    snap, entry = _q(PowerSnapshot._meta.db_table), _q(PowerSnapshotEntry._meta.db_table)
    signed = ", ".join(f"p.{_q(Proposal._meta.get_field(f).column)}" for f in _TERMS_FIELDS[1:])  # type: ignore[union-attr,arg-type]
    sql = f"""
        SELECT {signed}, p.{_q("state")}, e.{_q("power")},
          (SELECT d.{_q("id")} FROM {v} d WHERE d.{_q("digest")} = %s),
          c.{_q("id")}, c.{_q("timestamp")}, s.{_q("id")}, e.{_q("delegate")},
          EXISTS (SELECT 1 FROM {entry} x WHERE x.{_q("snapshot_id")} = s.{_q("id")}
                  AND x.{_q("delegate")} = %s)
        FROM {p} p
        LEFT JOIN {snap} s ON s.{_q("block_number")} = p.{_q("snapshot_block")}
        LEFT JOIN {entry} e ON e.{_q("snapshot_id")} = s.{_q("id")} AND e.{_q("address")} = %s
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
            _ballot_sql(connection.vendor, lock_here),
            [digest, voter, voter, voter, proposal_id],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound("No such proposal.", code="proposal_not_found")
    uid, chain_id, contract, state, power, same_id, counted_id, ts = row[:8]
    snapshot_id, delegate, has_delegators = row[8:]
    return Ballot(
        signed=(uid, chain_id, contract),
        state=state,
        power=int(power or 0),  # NUMERIC on PostgreSQL, zero-padded text on SQLite
        same_vote_id=same_id,
        counted_id=counted_id,
        counted_timestamp=None if ts is None else int(ts),
        snapshot_id=snapshot_id,
        delegate=delegate or "",
        has_delegators=bool(has_delegators),
    )


@cache
def _delegated_sql(vendor: str) -> str:
    """The voter's delegators at the snapshot who have no counted vote: an index range on
    (snapshot, delegate), then one probe each of the (proposal, voter) WHERE counted index.
    PostgreSQL sums NUMERIC exactly; SQLite stores the amounts as text, so there the rows come
    back and Python sums them."""
    v, entry = _q(Vote._meta.db_table), _q(PowerSnapshotEntry._meta.db_table)
    what = (
        f"SELECT e.{_q('power')} FROM {entry} e"
        if vendor == "sqlite"
        else f"SELECT COALESCE(SUM(e.{_q('power')}), 0), COUNT(*) FROM {entry} e"
    )
    return f"""{what}
        WHERE e.{_q("snapshot_id")} = %s AND e.{_q("delegate")} = %s
          AND NOT EXISTS (SELECT 1 FROM {v} c WHERE c.{_q("proposal_id")} = %s
                          AND c.{_q("voter")} = e.{_q("address")} AND c.{_q("counted")})"""


def delegated_to(proposal_id: int, snapshot_id: int, voter: str) -> tuple[int, int]:
    """(veJCT, count) of ``voter``'s delegators at the snapshot who have not voted. Call under
    the proposal's row lock, in a statement of its own: it then sees every committed vote."""
    with connection.cursor() as cursor:
        cursor.execute(_delegated_sql(connection.vendor), [snapshot_id, voter, proposal_id])
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        return sum(int(r[0]) for r in rows), len(rows)
    return int(rows[0][0]), int(rows[0][1])


@cache
def _release_sql(vendor: str) -> str:
    v = _q(Vote._meta.db_table)
    power, count = _q("delegated_power"), _q("delegators")
    return f"""UPDATE {v} SET {power} = {power} - %s, {count} = {count} - 1
        WHERE {_q("proposal_id")} = %s AND {_q("voter")} = %s AND {_q("counted")}"""


def release_delegation(proposal_id: int, delegate: str, power: int) -> None:
    """A delegator votes for the first time: their ``power`` stops counting with their
    delegate's counted vote, if the delegate has voted (else nothing to do). Under the lock."""
    if connection.vendor == "sqlite":
        # Text-stored amounts: SQL arithmetic would go through floats. SQLite runs one writer
        # at a time (the transaction began IMMEDIATE), so read-modify-write is safe there.
        votes = Vote.objects.filter(proposal_id=proposal_id, voter=delegate, counted=True)
        row = votes.values_list("pk", "delegated_power", "delegators").first()
        if row is not None:
            Vote.objects.filter(pk=row[0]).update(
                delegated_power=int(row[1]) - int(power), delegators=row[2] - 1
            )
        return
    field = Vote._meta.get_field("delegated_power")
    with connection.cursor() as cursor:
        cursor.execute(
            _release_sql(connection.vendor),
            [field.get_db_prep_save(power, connection), proposal_id, delegate],
        )


_INSERT_FIELDS = [f for f in Vote._meta.concrete_fields if not f.primary_key]


@cache
def _insert_sql(vendor: str) -> str:
    columns = ", ".join(_q(f.column) for f in _INSERT_FIELDS)  # type: ignore[arg-type]
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
    """The voter's previous vote stops counting (a newer one replaces it), and with it what
    it carried for the voter's delegators."""
    Vote.objects.filter(pk=vote_id).update(counted=False, delegated_power=0, delegators=0)
