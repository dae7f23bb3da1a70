from django.contrib import admin

from providers.models import Federation, ProviderOrganisation


@admin.register(ProviderOrganisation)
class ProviderOrganisationAdmin(admin.ModelAdmin[ProviderOrganisation]):
    list_display = ["name", "companies_house_number", "organisation"]
    search_fields = ["name", "companies_house_number"]


@admin.register(Federation)
class FederationAdmin(admin.ModelAdmin[Federation]):
    list_display = ["name", "organisation"]
    filter_horizontal = ["members"]
