"""The outbox's messages and the periodic jobs' record of their last success."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMessage(models.Model):
    """One piece of after-commit work (an e-mail, a journey event, a recompute request...),
    written in the transaction of the write that implies it, and delivered once by the relay."""

    task_name = models.CharField(max_length=200)
    # The task's arguments, sealed (outbox.sealing); emptied once the message is delivered.
    sealed_call = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the sweep next sends it, if it is still undelivered then: later after each send.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sends = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            # outbox.services.outbox_sweep: the undelivered messages whose next attempt is due.
            models.Index(fields=["next_attempt_at"], condition=Q(delivered_at__isnull=True), name="outbox_pending_idx"),
            # outbox.services.outbox_messages_purge: delivered messages past their retention.
            models.Index(fields=["delivered_at"], condition=Q(delivered_at__isnull=False), name="outbox_delivered_idx"),
        ]

    def __str__(self) -> str:
        state = "delivered" if self.delivered_at else "pending"
        return f"{self.task_name} #{self.pk} ({state})"


class PeriodicJob(models.Model):
    """A CELERY_BEAT_SCHEDULE entry: when it last succeeded, so a run missed during an outage is
    caught up (outbox.periodic)."""

    name = models.CharField(max_length=200, unique=True)
    # A run due before the job was first seen is not "missed": a new install starts on schedule.
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_caught_up_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
