from django.contrib import admin

from geography.models import LocalAuthority, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = ["ons_code", "name"]


@admin.register(LocalAuthority)
class LocalAuthorityAdmin(admin.ModelAdmin[LocalAuthority]):
    list_display = ["ons_code", "name", "region", "is_current", "ended_on"]
    list_filter = ["region", "is_current"]
    search_fields = ["name", "ons_code"]
    filter_horizontal = ["successors"]
