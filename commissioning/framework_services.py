"""Writes of frameworks: a local authority's (or a group's) lots, terms and approved providers.

Only commissioners of an authority in the framework may change it, and an authority cannot
take itself out of a framework it is changing (it would lose sight of it).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import User
from commissioning.framework_selectors import frameworks_editable_by, local_authorities_commissioned_by
from commissioning.models import Framework, FrameworkLot, PlacementRequest
from geography.models import LocalAuthority
from providers.models import ProviderOrganisation

NAME_MAX_LENGTH = 200


def _lot_names(lots: Iterable[str]) -> list[str]:
    names: list[str] = []
    for name in (lot.strip() for lot in lots):
        if name and name.casefold() not in {known.casefold() for known in names}:
            names.append(name)
    return names


def _framework_errors(
    *,
    user: User,
    name: str,
    local_authorities: list[LocalAuthority],
    lots: list[str],
    starts_on: datetime.date,
    ends_on: datetime.date | None,
) -> dict[str, str]:
    errors = {}
    if not name.strip():
        errors["name"] = "Enter the framework's name"
    elif len(name.strip()) > NAME_MAX_LENGTH:
        errors["name"] = f"Name must be {NAME_MAX_LENGTH} characters or fewer"
    own = set(local_authorities_commissioned_by(user).values_list("pk", flat=True))
    if not own & {authority.pk for authority in local_authorities}:
        errors["local_authorities"] = "Include your own authority"
    if not lots:
        errors["lots"] = "Enter at least one lot"
    elif any(len(lot) > NAME_MAX_LENGTH for lot in lots):
        errors["lots"] = f"Each lot's name must be {NAME_MAX_LENGTH} characters or fewer"
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = "The end date must be the same as or after the start date"
    return errors


def _lots_sync(framework: Framework, names: list[str]) -> None:
    existing = {lot.name: lot for lot in framework.lots.all()}
    removed = [lot for name, lot in existing.items() if name not in names]
    if PlacementRequest.objects.filter(framework_lot__in=removed).exists():
        raise ValidationError({"lots": "A lot that referrals use cannot be removed"})
    FrameworkLot.objects.filter(pk__in=[lot.pk for lot in removed]).delete()
    FrameworkLot.objects.bulk_create(
        [FrameworkLot(framework=framework, name=name) for name in names if name not in existing]
    )


@transaction.atomic
def framework_save(
    *,
    user: User,
    framework: Framework | None = None,
    name: str,
    local_authorities: Iterable[LocalAuthority],
    lots: Iterable[str],
    terms_summary: str,
    starts_on: datetime.date,
    ends_on: datetime.date | None,
) -> Framework:
    """Create a framework (framework None) or change one the user's authority belongs to."""
    if framework is not None:
        framework = frameworks_editable_by(user).select_for_update().filter(pk=framework.pk).first()
        if framework is None:
            raise PermissionDenied("You cannot change this framework.")
    elif not local_authorities_commissioned_by(user).exists():
        raise PermissionDenied("Only commissioners create frameworks.")
    authorities, lot_names = list(local_authorities), _lot_names(lots)
    errors = _framework_errors(
        user=user, name=name, local_authorities=authorities, lots=lot_names, starts_on=starts_on, ends_on=ends_on
    )
    if errors:
        raise ValidationError(errors)
    framework = framework or Framework()
    framework.name, framework.terms_summary = name.strip(), terms_summary.strip()
    framework.starts_on, framework.ends_on = starts_on, ends_on
    framework.save()
    framework.local_authorities.set(authorities)
    _lots_sync(framework, lot_names)
    return framework


def _editable(user: User, framework: Framework) -> Framework:
    locked = frameworks_editable_by(user).select_for_update().filter(pk=framework.pk).first()
    if locked is None:
        raise PermissionDenied("You cannot change this framework.")
    return locked


@transaction.atomic
def framework_provider_approve(*, user: User, framework: Framework, provider: ProviderOrganisation) -> None:
    _editable(user, framework).approved_providers.add(provider)


@transaction.atomic
def framework_provider_remove(*, user: User, framework: Framework, provider: ProviderOrganisation) -> None:
    _editable(user, framework).approved_providers.remove(provider)
