"""Reads about frameworks, scoped to what the user may see.

A commissioner sees the frameworks their authority belongs to and may edit them; provider
staff see, read-only, the frameworks their providers are approved on. Nobody else sees any.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Membership, OrganisationKind
from accounts.selectors import AnyUser
from commissioning.models import Framework
from geography.models import LocalAuthority
from providers.models import ProviderOrganisation
from providers.selectors import provider_organisations_managed_by


def local_authorities_commissioned_by(user: AnyUser) -> QuerySet[LocalAuthority]:
    """The authorities whose organisation the user is a member of."""
    if not user.is_authenticated:
        return LocalAuthority.objects.none()
    organisations = Membership.objects.filter(user=user, organisation__kind=OrganisationKind.LOCAL_AUTHORITY)
    return LocalAuthority.objects.filter(pk__in=organisations.values("organisation__local_authority"))


def frameworks_editable_by(user: AnyUser) -> QuerySet[Framework]:
    return Framework.objects.filter(
        pk__in=Framework.objects.filter(local_authorities__in=local_authorities_commissioned_by(user)).values("pk")
    )


def frameworks_visible_to(user: AnyUser) -> QuerySet[Framework]:
    member = Q(local_authorities__in=local_authorities_commissioned_by(user))
    approved = Q(approved_providers__in=provider_organisations_managed_by(user))
    return Framework.objects.filter(pk__in=Framework.objects.filter(member | approved).values("pk")).order_by(
        "-starts_on", "name", "pk"
    )


def framework_local_authority_choices() -> QuerySet[LocalAuthority]:
    return LocalAuthority.objects.filter(is_current=True).order_by("name")


def registry_providers_named(query: str) -> QuerySet[ProviderOrganisation]:
    """Registered providers whose name (any spelling Ofsted used) contains the words searched."""
    words = query.split()
    if not words:
        return ProviderOrganisation.objects.none()
    matches = ProviderOrganisation.objects.all()
    for word in words:
        matches = matches.filter(Q(name__icontains=word) | Q(names__name__icontains=word))
    return ProviderOrganisation.objects.filter(pk__in=matches.values("pk")).order_by("name")
