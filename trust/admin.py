"""The trust log in the admin: the record of administrators' audited readings, and the
redaction requests staff may decide (ADR 18).

Relationships and entries are deliberately not registered: an administrator reads a log only
at /relationships/<id>/audited/, giving a reason that is recorded here and told to both sides.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from trust.models import AdministratorAccess, RedactionRequest, RedactionStatus


@admin.register(AdministratorAccess)
class AdministratorAccessAdmin(admin.ModelAdmin[AdministratorAccess]):
    """Who read which relationship's log, when and why. Written by the service alone."""

    list_display = ["accessed_at", "user", "relationship", "reason"]
    list_filter = ["accessed_at"]
    search_fields = ["user__email", "reason"]
    date_hierarchy = "accessed_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RedactionRequest)
class RedactionRequestAdmin(admin.ModelAdmin[RedactionRequest]):
    """Requests to redact an entry, for staff to find and decide. The decision is made on the
    request's page (the link), which shows who wrote the entry and when, never what it says."""

    list_display = ["requested_at", "relationship", "entry_sequence", "status", "decide"]
    list_filter = ["status", "requested_at"]
    list_select_related = ["entry__relationship__local_authority", "entry__relationship__counterpart"]
    fields = readonly_fields = (
        "entry_sequence",
        "relationship",
        "requested_at",
        "reason",
        "status",
        "decided_at",
        "decision_reason",
    )

    @admin.display(description="Relationship")
    def relationship(self, redaction: RedactionRequest) -> str:
        return str(redaction.entry.relationship)

    @admin.display(description="Entry")
    def entry_sequence(self, redaction: RedactionRequest) -> int:
        return redaction.entry.sequence

    @admin.display(description="Decision")
    def decide(self, redaction: RedactionRequest) -> str:
        url = reverse("trust:redaction_decide", args=[redaction.entry.relationship_id, redaction.pk])
        label = "Approve or decline" if redaction.status == RedactionStatus.PENDING else "See the decision"
        return format_html('<a href="{}">{}</a>', url, label)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
