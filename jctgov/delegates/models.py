"""Delegates' public statements. Who delegated to whom lives on chain (VoteDelegation) and is
mirrored by the chain app (``jctgov.chain.models.Delegation``, per-snapshot delegates)."""

from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import models

MAX_STATEMENT = 10_000  # characters of Markdown


class DelegateStatement(models.Model):
    """What a delegate tells delegators (Markdown, rendered sanitized). One per address."""

    address = models.CharField(max_length=42, unique=True)  # checksummed
    text = models.TextField(blank=True, validators=[MaxLengthValidator(MAX_STATEMENT)])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"statement of {self.address}"
