"""Curation of the ownership graph: provider organisations (merge spellings, company numbers),
owners, interests, owner-type overrides with reasons."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import URLPattern, path

from accounts.models import User
from ownership.models import CostSnapshot, Entity, Interest, MarketSnapshot, OwnerTypeOverride, RecomputeRun
from ownership.registry import registry_changed
from ownership.scheduling import market_recompute_schedule
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


# ---------------------------------------------------------------- market recomputation


class _ReadOnly:
    """Written by the recompute service only: administrators look, never edit."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RecomputeRun)
class RecomputeRunAdmin(_ReadOnly, admin.ModelAdmin[RecomputeRun]):
    """Runs with their progress while they go; "Start a recompute now" sends one to the workers."""

    change_list_template = "admin/ownership/recomputerun/change_list.html"
    list_display = [
        "started_at",
        "status",
        "is_current",
        "trigger",
        "progress",
        "rows_written",
        "finished_at",
        "seconds",
    ]
    list_filter = ["status", "trigger", "is_current"]

    @admin.display(description="seconds")
    def seconds(self, run: RecomputeRun) -> str:
        if run.finished_at is None:
            return "-"
        return f"{(run.finished_at - run.started_at).total_seconds():.1f}"

    def get_urls(self) -> list[URLPattern]:
        start = path("start/", self.admin_site.admin_view(self.start_view), name="ownership_recomputerun_start")
        return [start, *super().get_urls()]

    def start_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        # Starting a run is "adding" one: the permission an administrator is given for it.
        if not request.user.has_perm("ownership.add_recomputerun"):
            raise PermissionDenied
        market_recompute_schedule(trigger=RecomputeRun.Trigger.ADMIN)
        self.message_user(
            request, "A recompute was sent to the workers. Refresh this page to follow its progress.", messages.SUCCESS
        )
        return redirect("admin:ownership_recomputerun_changelist")


@admin.register(MarketSnapshot)
class MarketSnapshotAdmin(_ReadOnly, admin.ModelAdmin[MarketSnapshot]):
    list_display = [
        "as_of",
        "geography_name",
        "geography_level",
        "basis",
        "level",
        "include_local_authority",
        "homes",
        "units",
        "owners",
        "hhi",
        "cr4",
        "cr10",
        "run",
    ]
    list_filter = ["run__is_current", "as_of", "geography_level", "basis", "level", "include_local_authority"]
    search_fields = ["geography_name", "geography_code"]
    list_select_related = ["run"]
    show_full_result_count = False


@admin.register(CostSnapshot)
class CostSnapshotAdmin(_ReadOnly, admin.ModelAdmin[CostSnapshot]):
    list_display = [
        "financial_year",
        "group_kind",
        "group_value",
        "placements",
        "suppressed",
        "median_weekly_fee",
        "lower_quartile",
        "upper_quartile",
        "synthetic",
        "run",
    ]
    list_filter = ["run__is_current", "financial_year", "group_kind", "suppressed", "synthetic"]
    list_select_related = ["run"]
