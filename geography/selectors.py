"""Reads of geography reference data (public facts, visible to every signed-in user)."""

from __future__ import annotations

from django.db.models import QuerySet

from geography.models import LocalAuthority, Region


def regions() -> QuerySet[Region]:
    return Region.objects.order_by("ons_code")


def current_local_authorities() -> QuerySet[LocalAuthority]:
    return LocalAuthority.objects.filter(is_current=True).select_related("region").order_by("name")


def local_authorities_all() -> QuerySet[LocalAuthority]:
    """Every authority, current and historic: importers match the names of either."""
    return LocalAuthority.objects.order_by("ons_code")
