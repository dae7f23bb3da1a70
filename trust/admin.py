"""The trust log in the admin: only the record of administrators' audited readings.

Relationships and entries are deliberately not registered: an administrator reads a log only
at /relationships/<id>/audited/, giving a reason that is recorded here and told to both sides.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from trust.models import AdministratorAccess


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
