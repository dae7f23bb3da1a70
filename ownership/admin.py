"""Curation of the ownership graph: owners, interests, owner-type overrides with reasons."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from accounts.models import User
from ownership.models import Entity, Interest, OwnerTypeOverride


class OwnerTypeOverrideInline(admin.TabularInline[OwnerTypeOverride, Entity]):
    """Overrides are added, never edited: the latest counts and earlier ones are the history."""

    model = OwnerTypeOverride
    extra = 0
    fields = ["owner_type", "reason", "decided_by", "decided_at"]
    readonly_fields = ["decided_by", "decided_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin[Entity]):
    list_display = ["name", "kind", "category", "company_number", "provider_organisation"]
    list_filter = ["kind", "category"]
    search_fields = ["name", "company_number", "record_id"]
    readonly_fields = ["record_id", "created_at", "provider_organisation"]
    inlines = [OwnerTypeOverrideInline]

    def save_formset(self, request: HttpRequest, form: forms.ModelForm[Any], formset: Any, change: bool) -> None:
        if formset.model is not OwnerTypeOverride:
            super().save_formset(request, form, formset, change)
            return
        from ownership.services import owner_type_override_set

        for override in formset.save(commit=False):
            # Through the service, so the decision is recorded the same way everywhere.
            owner_type_override_set(
                entity=form.instance,
                owner_type=override.owner_type,
                reason=override.reason,
                decided_by=cast(User, request.user),  # the admin is for signed-in staff only
            )


@admin.register(Interest)
class InterestAdmin(admin.ModelAdmin[Interest]):
    list_display = ["interested_party", "interest_type", "share_exact", "share_minimum", "share_maximum", "subject"]
    list_filter = ["interest_type", "source"]
    search_fields = ["subject__name", "interested_party__name", "record_id"]
    autocomplete_fields = ["subject", "interested_party"]
    readonly_fields = ["record_id", "created_at"]
