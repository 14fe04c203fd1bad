"""Notifications: an outbox of events, subscribers' channels, and one delivery per
(event, channel).

Events are written in the same transaction as the state change they report (``emit``), so an
event exists exactly when its change committed. A channel belongs to one wallet user (its
subscriber); ``Delivery`` is unique per (event, channel), so a fan-out run twice (a worker
killed half-way, a task delivered twice) creates each delivery once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Event(models.Model):
    type = models.CharField(max_length=64)
    # A stable key for events a scan may find twice ("closing soon" of a proposal, a node's
    # outage since a heartbeat): the unique constraint makes the second emit a no-op.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    subject = models.CharField(max_length=64, blank=True)  # "proposal:12"
    title = models.CharField(max_length=300)
    text = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)  # site-relative
    data = models.JSONField(default=dict, blank=True)
    # None: every channel subscribed to the type. Otherwise checksummed wallet addresses.
    audience = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(fanned_out_at__isnull=True),
                name="notify_event_unfanned",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class Channel(models.Model):
    class Kind(models.TextChoices):
        INBOX = "inbox", "In-app inbox"
        EMAIL = "email", "Email"
        WEBHOOK = "webhook", "Webhook"

    class Format(models.TextChoices):
        JSON = "json", "Generic JSON"
        DISCORD = "discord", "Discord"
        SLACK = "slack", "Slack"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_channels"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    target = models.CharField(max_length=500, blank=True)  # email address or webhook URL
    format = models.CharField(max_length=8, choices=Format.choices, default=Format.JSON)
    secret = models.CharField(max_length=100, blank=True)  # webhook HMAC key, shown once
    events = models.TextField(blank=True)  # events.encode(...)
    active = models.BooleanField(default=True)
    verified_at = models.DateTimeField(null=True, blank=True)  # email: the link was opened
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "id"]
        constraints = [
            # One inbox and one email address per wallet; any number of webhooks.
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=models.Q(kind__in=["inbox", "email"]),
                name="notify_one_inbox_and_email_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.user_id}: {self.target}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Sending"
        SENT = "sent", "Delivered"
        DEAD = "dead", "Given up"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="deliveries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notify_deliveries"
    )
    kind = models.CharField(max_length=8, choices=Channel.Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)  # inbox items
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "channel"], name="notify_one_delivery"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="notify_delivery_due",
            ),
            models.Index(fields=["user", "kind", "read_at"], name="notify_delivery_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} delivery of event {self.event_id} to {self.channel_id}"

    @property
    def idempotency_key(self) -> str:
        """The same for every attempt of this delivery: receivers drop a repeat."""
        return f"jctgov-{self.event_id}-{self.channel_id}"
