"""Every URL of the service. Each one must have a row in tests/test_permission_matrix.py."""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

import config.converters  # noqa: F401 - registers the urn and ons converters
from accounts import api as accounts_api
from accounts import views as accounts_views
from commissioning import api as commissioning_api
from config.health import healthz
from federations import api as federations_api
from geography import api as geography_api
from market import api as market_api
from ownership import api as ownership_api
from registry import api as registry_api
from trust import api as trust_api

# Signing in goes through allauth (and so through MFA); the admin has no login form of its own.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

# DRF marks its views exempt from LoginRequiredMiddleware: they answer anonymous callers with
# a 403 JSON body from the default permission, IsAuthenticated, not a sign-in redirect.
api_v1 = [
    path("me/", accounts_api.MeApi.as_view(), name="me"),
    path("organisations/", accounts_api.OrganisationListApi.as_view(), name="organisations"),
    path("organisations/<slug:slug>/", accounts_api.OrganisationDetailApi.as_view(), name="organisation"),
    path("local-authorities/", geography_api.LocalAuthorityListApi.as_view(), name="local_authorities"),
    # The registry is open data: these answer anonymous callers too.
    path("homes/", registry_api.HomeListApi.as_view(), name="homes"),
    path("homes/<urn:urn>/", registry_api.HomeDetailApi.as_view(), name="home"),
    path("owners/", ownership_api.OwnerListApi.as_view(), name="owners"),
    path("owners/<int:pk>/", ownership_api.OwnerDetailApi.as_view(), name="owner"),
    path("market/", market_api.MarketApi.as_view(), name="market"),
    path("market/costs/", market_api.MarketCostsApi.as_view(), name="market_costs"),
    path("federations/", federations_api.FederationListApi.as_view(), name="federations"),
    path("federations/<slug:slug>/", federations_api.FederationDetailApi.as_view(), name="federation"),
    path("placement-requests/", commissioning_api.PlacementRequestListApi.as_view(), name="placement_requests"),
    path(
        "placement-requests/<int:pk>/",
        commissioning_api.PlacementRequestDetailApi.as_view(),
        name="placement_request",
    ),
    path("invitations/", commissioning_api.InvitationListApi.as_view(), name="invitations"),
    path("invitations/<int:pk>/", commissioning_api.InvitationDetailApi.as_view(), name="invitation"),
    *trust_api.api_urlpatterns,
]

urlpatterns = [
    path("", accounts_views.home, name="home"),
    path("accessibility/", accounts_views.accessibility, name="accessibility"),
    path("account/", accounts_views.account, name="account"),
    path("healthz", healthz, name="healthz"),
    # A person's sign-in address is the one their invitation proved. allauth's page for adding
    # addresses would let anyone signed in claim an unproved address, so it is replaced.
    path("accounts/email/", RedirectView.as_view(pattern_name="account"), name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("geography.urls")),
    path("", include("registry.urls")),
    path("", include("ownership.urls")),
    path("", include("market.urls")),
    path("", include("commissioning.urls")),
    path("", include("federations.urls")),
    path("your-homes/", include("providers.urls")),
    path("frameworks/", include("commissioning.framework_urls")),
    path("relationships/", include("trust.urls")),
    path("transparency/", include("trust.transparency_urls")),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves its start-up script from this URL (?script), not inline, for the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("admin/", admin.site.urls),
]

handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
