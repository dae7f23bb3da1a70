"""Administrators see what the outbox holds: pending work, failures and what was delivered.
Read-only: a message is the record of a committed write's consequence."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from outbox.models import OutboxMessage, PeriodicJob


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    # Arguments are ids and triggers; they are not listed, so no page shows more than it needs.
    list_display = ("pk", "task_name", "created_at", "delivered_at", "sends", "failures", "last_error")
    list_filter = ("task_name", ("delivered_at", admin.EmptyFieldListFilter))
    ordering = ("-pk",)


@admin.register(PeriodicJob)
class PeriodicJobAdmin(ReadOnlyAdmin):
    list_display = ("name", "last_sent_at", "last_success_at", "last_caught_up_at", "first_seen_at")
    ordering = ("name",)
