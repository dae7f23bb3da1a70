"""Curation of the registry: homes, federations and the import runs that filled them.

Provider organisations are curated in ownership/admin.py: merging spellings of a provider
merges its ownership entities too, and providers never import ownership (pyproject.toml's
import contracts)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from providers.models import (
    Federation,
    Home,
    HomeObservation,
    HomeProfile,
    ImportRun,
    Need,
    Vacancy,
)


@admin.register(Home)
class HomeAdmin(admin.ModelAdmin[Home]):
    list_display = ["urn", "kind", "local_authority", "sector", "places", "provider_organisation", "closed_on"]
    list_filter = ["kind", "sector", "overall_judgement", "local_authority__region"]
    search_fields = ["urn", "registered_owner_name", "provider_organisation__name"]
    # Registry facts come from Ofsted's register and the next import would overwrite an edit
    # here; a wrong provider is mended by merging provider organisations instead.
    readonly_fields = [field.name for field in Home._meta.fields if field.name != "id"]


@admin.register(HomeObservation)
class HomeObservationAdmin(admin.ModelAdmin[HomeObservation]):
    list_display = ["home", "as_of", "provision_type", "local_authority", "places", "registered_owner_name"]
    list_filter = ["as_of"]
    search_fields = ["home__urn", "registered_owner_name"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin[ImportRun]):
    list_display = ["source_name", "kind", "as_of", "status", "started_at", "finished_at", "counts"]
    list_filter = ["kind", "status"]
    readonly_fields = [field.name for field in ImportRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Federation)
class FederationAdmin(admin.ModelAdmin[Federation]):
    list_display = ["name", "organisation"]
    # Members join by their administrators' consent and choose the joint inbox themselves (the
    # federations app keeps the record); the administration site only shows who shares it.
    readonly_fields = ["members"]


@admin.register(Need)
class NeedAdmin(admin.ModelAdmin[Need]):
    list_display = ["label", "code", "source"]
    list_filter = ["source"]
    search_fields = ["label", "code"]


@admin.register(HomeProfile)
class HomeProfileAdmin(admin.ModelAdmin[HomeProfile]):
    list_display = ["home", "age_minimum", "age_maximum", "sexes", "takes_emergency_admissions", "updated_at"]
    list_filter = ["sexes", "takes_emergency_admissions"]
    search_fields = ["home__urn", "home__provider_organisation__name"]
    autocomplete_fields = ["home"]
    filter_horizontal = ["needs"]
    readonly_fields = ["updated_at", "updated_by"]


@admin.register(Vacancy)
class VacancyAdmin(admin.ModelAdmin[Vacancy]):
    list_display = ["home", "places", "available_from", "available_until", "note"]
    list_filter = ["available_from"]
    search_fields = ["home__urn", "home__provider_organisation__name"]
    autocomplete_fields = ["home"]
