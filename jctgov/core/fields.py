"""An exact uint256 model field for token amounts in base units (wei).

PostgreSQL: NUMERIC(78,0), exact, with exact SUM.
SQLite (development): NUMERIC affinity keeps only 64-bit integers and turns larger values into
floats, and Django's SQLite backend reads DecimalField values through a 15-digit float
context, so 1e18-scaled amounts would silently lose digits. There the value is stored as
text, zero-padded to 78 digits: comparisons and ORDER BY on text then agree with numeric
order, so CHECK constraints such as ``committed <= budget`` hold on both databases. (SQL SUM
on SQLite still goes through floats; see ``proposals.sums.exact_sum`` for an exact one.)
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core import validators
from django.db import models

DIGITS = 78  # 2**256 - 1 has 78 decimal digits


class Uint256Field(models.DecimalField):
    description = "Unsigned 256-bit integer (token base units)"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["max_digits"], kwargs["decimal_places"] = DIGITS, 0
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
        return f"varchar({DIGITS})" if connection.vendor == "sqlite" else f"numeric({DIGITS}, 0)"

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is None or hasattr(value, "resolve_expression"):
            return value
        number = int(self.to_python(value))
        if connection.vendor == "sqlite":
            if number < 0:
                return str(number)  # refused by the CHECK constraints / validators, never stored
            return str(number).zfill(DIGITS)
        return Decimal(number)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, float):  # an SQLite aggregate over the text column
            return Decimal(repr(value)).to_integral_value()
        return Decimal(value)
