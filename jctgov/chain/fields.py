"""An exact uint256 model field: NUMERIC(78,0) on PostgreSQL, decimal text on SQLite.

Why: SQLite's NUMERIC affinity keeps only 64-bit integers and turns larger values into
floats, and Django's SQLite backend reads DecimalField values back through a 15-digit float
context. Token amounts in wei (1 JCT = 1e18) would silently lose digits. Storing the decimal
string keeps them exact. (On SQLite, SQL aggregates such as SUM still go through floats: sum
in Python there, or use PostgreSQL.)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core import validators
from django.db import models


class Uint256Field(models.DecimalField):
    description = "Unsigned 256-bit integer (token base units)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["max_digits"], kwargs["decimal_places"] = 78, 0
        super().__init__(*args, **kwargs)
        self.validators.append(validators.MinValueValidator(0))

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.pop("max_digits", None)
        kwargs.pop("decimal_places", None)
        return name, path, args, kwargs

    def get_internal_type(self) -> str:
        # Not "DecimalField": that would route SQLite reads through a 15-digit float converter.
        return "Uint256Field"

    def db_type(self, connection: Any) -> str:
        return "text" if connection.vendor == "sqlite" else "numeric(78, 0)"

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None or hasattr(value, "resolve_expression"):
            return value
        number = self.to_python(value)
        if connection.vendor == "sqlite":
            return str(int(number))
        return number

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, float):  # an SQLite aggregate over the text column
            return Decimal(repr(value)).to_integral_value()
        return Decimal(value)
