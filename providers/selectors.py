"""Reads about providers, scoped to what the user may see."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from accounts.models import OrganisationKind
from accounts.selectors import AnyUser
from providers.models import Home, HomeProfile, ProviderOrganisation, Vacancy


def homes_open_on(as_of: datetime.date) -> QuerySet[Home]:
    """Homes registered on the date: registered on or before it by Ofsted's registration date
    (by the first register that listed them, when the register gives no date), and not
    closed by it. The one meaning of "open on a date", for the registry and the market alike."""
    registered = Q(registration_date__lte=as_of) | Q(registration_date__isnull=True, first_seen_on__lte=as_of)
    return Home.objects.filter(registered, Q(closed_on__isnull=True) | Q(closed_on__gt=as_of))


def provider_organisations_managed_by(user: AnyUser) -> QuerySet[ProviderOrganisation]:
    """Registry providers whose homes the user keeps: through membership of the provider's own
    service organisation, or of a federation the provider belongs to. Staff administrators
    are not provider staff: they curate through the admin, not these pages."""
    if not user.is_authenticated:
        return ProviderOrganisation.objects.none()
    own = Q(organisation__kind=OrganisationKind.PROVIDER, organisation__memberships__user=user)
    federated = Q(
        federations__organisation__kind=OrganisationKind.FEDERATION,
        federations__organisation__memberships__user=user,
    )
    return ProviderOrganisation.objects.filter(pk__in=ProviderOrganisation.objects.filter(own | federated).values("pk"))


def homes_managed_by(user: AnyUser) -> QuerySet[Home]:
    """The homes whose profile and vacancies the user may keep: the scoped selector of the
    provider pages. Closed homes are kept out: nobody places a child in them."""
    return (
        Home.objects.filter(provider_organisation__in=provider_organisations_managed_by(user), closed_on__isnull=True)
        .select_related("local_authority", "provider_organisation", "profile")
        .order_by("provider_organisation__name", "urn")
    )


def home_profile_of(home: Home) -> HomeProfile | None:
    """The home's profile, or None before its staff first fill it in."""
    return HomeProfile.objects.filter(home=home).prefetch_related("needs").first()


def vacancies_current_of(home: Home, *, on: datetime.date) -> QuerySet[Vacancy]:
    """Vacancies open on the date or expected later (not yet ended)."""
    return home.vacancies.filter(Q(available_until__isnull=True) | Q(available_until__gte=on)).order_by(
        "available_from", "pk"
    )
