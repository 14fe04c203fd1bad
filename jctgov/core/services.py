from __future__ import annotations

from typing import Any

from django.db import models

from jctgov.core.models import AuditEvent


def audit_record(
    *,
    subject: models.Model,
    action: str,
    actor: Any = None,
    from_state: str = "",
    to_state: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Write one audit row. Call it inside the transaction that makes the change it records."""
    return AuditEvent.objects.create(
        subject_type=subject._meta.label_lower,
        subject_id=subject.pk,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        from_state=from_state,
        to_state=to_state,
        data=data or {},
    )
