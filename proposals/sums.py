"""Exact SQL sums of uint256 amounts on every database.

Amounts are ``jctgov.core.fields.Uint256Field``: NUMERIC(78,0) on PostgreSQL, zero-padded
decimal text on SQLite. PostgreSQL's SUM over NUMERIC is exact. SQLite's SUM would go through 64-bit integers
(overflow) or floats (lost digits), so there the text is split into a high and a low part,
each summed as a 64-bit integer inside the same single aggregate query, and recombined.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from django.db.models import Sum
from django.db.models.expressions import RawSQL

LOW_DIGITS: Final = 12  # low part < 10^12; high part ≤ 10^15 for 10^27 wei: both sum inside int64


def exact_sum(column: str, table: str, vendor: str) -> dict[str, Any]:
    """Aggregates that sum a Uint256Field exactly: {"hi": ..., "lo": ...} or {"total": ...}.

    Combine with :func:`combine_sum`. On PostgreSQL this is a plain SUM over NUMERIC.
    """
    if vendor != "sqlite":
        return {"total": Sum(column)}
    qualified = f'"{table}"."{column}"'
    return {
        "hi": Sum(
            RawSQL(
                f"CAST(substr({qualified}, 1, length({qualified}) - {LOW_DIGITS}) AS INTEGER)", []
            )
        ),
        "lo": Sum(RawSQL(f"CAST(substr({qualified}, -{LOW_DIGITS}) AS INTEGER)", [])),
    }


def combine_sum(row: Mapping[str, Any]) -> int:
    if "total" in row:
        return int(row["total"] or 0)
    return int(row["hi"] or 0) * 10**LOW_DIGITS + int(row["lo"] or 0)


def exact_sums(columns: list[str], table: str, vendor: str) -> dict[str, Any]:
    """``exact_sum`` of several columns in one aggregate; combine with :func:`combine_sums`."""
    return {
        f"{column}__{key}": aggregate
        for column in columns
        for key, aggregate in exact_sum(column, table, vendor).items()
    }


def combine_sums(row: Mapping[str, Any], columns: list[str]) -> int:
    """The total of all ``columns`` in a row annotated with :func:`exact_sums`."""
    total = 0
    for column in columns:
        prefix = f"{column}__"
        total += combine_sum({k[len(prefix) :]: v for k, v in row.items() if k.startswith(prefix)})
    return total
