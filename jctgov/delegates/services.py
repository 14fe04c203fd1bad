"""Writes of the delegates app."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from jctgov.core.errors import ApplicationError
from jctgov.core.text import UNSTORABLE_MESSAGE, is_storable
from jctgov.delegates.models import MAX_STATEMENT, DelegateStatement


def statement_update(*, address: str, text: Any) -> DelegateStatement:
    """Set the statement of ``address`` (the signed-in wallet). Atomic; one row per address
    (unique index), created on first use; an empty text clears it. Refuses non-text
    (``invalid_input``), over ``MAX_STATEMENT`` characters (``text_too_long``) and text the
    database can't store (``invalid_text``), all 400, writing nothing."""
    if not isinstance(text, str):
        raise ApplicationError("The statement must be text.", code="invalid_input", field="text")
    if len(text) > MAX_STATEMENT:
        raise ApplicationError(
            f"The statement is limited to {MAX_STATEMENT:,} characters.",
            code="text_too_long",
            field="text",
        )
    if not is_storable(text):
        raise ApplicationError(UNSTORABLE_MESSAGE, code="invalid_text", field="text")
    with transaction.atomic():
        statement, _ = DelegateStatement.objects.select_for_update().get_or_create(
            address=address, defaults={"text": text}
        )
        statement.text = text
        statement.full_clean()
        statement.save()
    return statement
