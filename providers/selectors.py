"""Reads about providers, scoped to what the user may see."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.selectors import AnyUser, organisations_visible_to
from providers.models import ProviderOrganisation


def provider_organisations_acted_for_by(user: AnyUser) -> QuerySet[ProviderOrganisation]:
    """Provider organisations whose service organisation the user belongs to."""
    return ProviderOrganisation.objects.filter(organisation__in=organisations_visible_to(user))
