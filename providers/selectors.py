"""Reads about providers, scoped to what the user may see."""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet

from accounts.selectors import AnyUser, organisations_visible_to
from providers.models import Home, HomeObservation, ImportRun, ProviderOrganisation


def provider_organisations_acted_for_by(user: AnyUser) -> QuerySet[ProviderOrganisation]:
    """Provider organisations whose service organisation the user belongs to."""
    return ProviderOrganisation.objects.filter(organisation__in=organisations_visible_to(user))


def homes_open_on(as_of: datetime.date) -> QuerySet[Home]:
    """Homes registered on the date: first listed on or before it, not closed by it."""
    return Home.objects.filter(first_seen_on__lte=as_of).filter(Q(closed_on__isnull=True) | Q(closed_on__gt=as_of))


def home_observations_on(as_of: datetime.date) -> QuerySet[HomeObservation]:
    """What the register of that date said about each home it listed."""
    return HomeObservation.objects.filter(as_of=as_of).select_related(
        "home", "local_authority", "provider_organisation"
    )


def import_runs_recent(*, kind: str, limit: int = 20) -> QuerySet[ImportRun]:
    return ImportRun.objects.filter(kind=kind).order_by("-started_at")[:limit]
