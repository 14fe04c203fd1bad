"""Audit trail shared by every state machine (proposals, grants, market)."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """One state change: who did what to which object, from which state to which."""

    subject_type = models.CharField(max_length=64)
    subject_id = models.BigIntegerField()
    action = models.CharField(max_length=64)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["subject_type", "subject_id", "created_at"])]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.subject_type}#{self.subject_id} {self.action}"
