"""Administration of commissioning records."""

from __future__ import annotations

from django.contrib import admin

from commissioning.models import Framework, FrameworkLot


class FrameworkLotInline(admin.TabularInline[FrameworkLot, Framework]):
    model = FrameworkLot
    extra = 0


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin[Framework]):
    list_display = ["name", "starts_on", "ends_on"]
    search_fields = ["name", "local_authorities__name", "approved_providers__name"]
    filter_horizontal = ["local_authorities"]
    autocomplete_fields = ["approved_providers"]
    inlines = [FrameworkLotInline]
