"""Curation of the ownership graph: provider organisations (merge spellings, company numbers),
owners, interests, owner-type overrides with reasons."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from ownership.models import Entity, HomeOwnershipCorrection, Interest, OwnerTypeOverride
from ownership.pages import registry_changed
from ownership.services import provider_organisations_merge
from providers.models import ProviderOrganisation, ProviderOrganisationName


class ProviderOrganisationNameInline(admin.TabularInline[ProviderOrganisationName, ProviderOrganisation]):
    model = ProviderOrganisationName
    extra = 0
    readonly_fields = ["name", "first_seen_on", "last_seen_on"]
    can_delete = False


@admin.register(ProviderOrganisation)
class ProviderOrganisationAdmin(admin.ModelAdmin[ProviderOrganisation]):
    list_display = ["name", "companies_house_number", "charity_number", "organisation"]
    search_fields = ["name", "companies_house_number", "names__name"]
    fields = ["name", "normalised_name", "companies_house_number", "charity_number", "organisation"]
    readonly_fields = ["normalised_name"]
    inlines = [ProviderOrganisationNameInline]
    actions = ["merge_into_first"]

    @admin.action(description="Merge the selected providers into the first one (by id), keeping every spelling")
    def merge_into_first(self, request: HttpRequest, queryset: QuerySet[ProviderOrganisation]) -> None:
        chosen = list(queryset.order_by("pk"))
        if len(chosen) < 2:
            self.message_user(request, "Choose at least two providers to merge.", messages.ERROR)
            return
        keep, others = chosen[0], chosen[1:]
        provider_organisations_merge(keep=keep, others=others, merged_by=request.user)
        for other in others:  # the admin's history of the kept record says what was merged
            self.log_change(request, keep, f"Merged {other.name} (id {other.pk}) into this provider.")
        self.message_user(request, f"Merged {len(others)} provider(s) into {keep.name}.", messages.SUCCESS)


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


class RegistryCuration:
    """Admin edits that change who owns what: cached ownership must not outlive them."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        registry_changed()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)  # type: ignore[misc]
        registry_changed()


@admin.register(Entity)
class EntityAdmin(RegistryCuration, admin.ModelAdmin[Entity]):
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
class InterestAdmin(RegistryCuration, admin.ModelAdmin[Interest]):
    list_display = ["interested_party", "interest_type", "share_exact", "share_minimum", "share_maximum", "subject"]
    list_filter = ["interest_type", "source"]
    search_fields = ["subject__name", "interested_party__name", "record_id"]
    autocomplete_fields = ["subject", "interested_party"]
    readonly_fields = ["record_id", "created_at"]


@admin.register(HomeOwnershipCorrection)
class HomeOwnershipCorrectionAdmin(RegistryCuration, admin.ModelAdmin[HomeOwnershipCorrection]):
    """The researcher's corrections are loaded from their file (load_ownership_edges), so the
    admin shows them; a curator's own decision is an owner-type override on the entity."""

    list_display = ["urn", "owner_type", "company_name", "wrong_company_match", "reason"]
    list_filter = ["owner_type", "wrong_company_match"]
    search_fields = ["urn", "company_name"]
    readonly_fields = ["created_at"]
