"""Rows by primary key for services and views: a missing one is a 404 with a machine-readable
code, never a 500 (a non-numeric pk from a URL counts as missing)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from jctgov.core.errors import NotFound

M = TypeVar("M", bound=models.Model)


def _queryset(model_or_queryset: type[M] | models.QuerySet[M]) -> models.QuerySet[M]:
    if isinstance(model_or_queryset, models.QuerySet):
        return model_or_queryset
    return model_or_queryset._default_manager.all()


def fetch(model_or_queryset: type[M] | models.QuerySet[M], pk: Any, *, code: str, what: str) -> M:
    """Row ``pk`` of ``model_or_queryset`` (a queryset narrows who may see it, e.g.
    ``Job.objects.filter(submitter=user)``), or ``NotFound("No such <what>.", code=code)``."""
    try:
        return _queryset(model_or_queryset).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        raise NotFound(f"No such {what}.", code=code) from None


def locked(model_or_queryset: type[M] | models.QuerySet[M], pk: Any, *, code: str, what: str) -> M:
    """:func:`fetch` under ``SELECT ... FOR UPDATE``: call inside ``transaction.atomic``.

    The lock is what makes a state check and the change that follows one step: a second
    request for the same row waits here, then sees the first one's result."""
    return fetch(_queryset(model_or_queryset).select_for_update(), pk, code=code, what=what)


def lock_wallet(user: Any) -> None:
    """Serialise one wallet's writes: lock its user row (inside ``transaction.atomic``) before
    counting against a per-wallet cap, so concurrent requests can't both slip under it."""
    get_user_model()._default_manager.select_for_update().filter(pk=user.pk).first()
