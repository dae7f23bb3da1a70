"""Federations in the administration site: read only. Forming, joining, leaving, coordinators
and offers are written by the federations' services, which record who consented and when;
an administrator reads the history here and changes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from federations.models import (
    CoordinatorAppointment,
    FederatedOffer,
    FederationMembership,
    FederationProfile,
    FrameworkFederation,
    LotTerms,
)


class ReadOnlyAdmin(admin.ModelAdmin[Model]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FederationProfile)
class FederationProfileAdmin(ReadOnlyAdmin):
    list_display = ["federation", "formed_at", "dissolved_at", "is_synthetic"]


@admin.register(FederationMembership)
class FederationMembershipAdmin(ReadOnlyAdmin):
    list_display = ["federation", "provider_organisation", "status", "answered_at", "shares_inbox"]
    list_filter = ["status"]


@admin.register(CoordinatorAppointment)
class CoordinatorAppointmentAdmin(ReadOnlyAdmin):
    list_display = ["federation", "user", "appointed_at", "ended_at"]


@admin.register(FederatedOffer)
class FederatedOfferAdmin(ReadOnlyAdmin):
    list_display = ["federation", "provider_organisation", "made_at", "withdrawable_until", "withdrawn_at"]


@admin.register(LotTerms)
class LotTermsAdmin(ReadOnlyAdmin):
    list_display = ["lot", "admits_federations", "reserved_share_percent"]


@admin.register(FrameworkFederation)
class FrameworkFederationAdmin(ReadOnlyAdmin):
    list_display = ["framework", "federation", "admitted_at"]
