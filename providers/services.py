"""Writes by provider staff: their homes' profiles and vacancies.

Each service checks that the user keeps the home (through the scoped selector), validates,
and writes in its own transaction. A refused call raises before anything is written.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from providers.models import Home, HomeProfile, Need, RegisteredSex, Vacancy
from providers.selectors import homes_managed_by

OLDEST_AGE = 18
MOST_PLACES_IN_A_VACANCY = 20
STATEMENT_MAX_LENGTH = 3000


def _ensure_manages(user: User, home: Home) -> None:
    if not homes_managed_by(user).filter(pk=home.pk).exists():
        raise PermissionDenied("You do not keep this home's profile.")


def _age_range_errors(age_minimum: int, age_maximum: int) -> dict[str, str]:
    errors = {}
    if not 0 <= age_minimum <= OLDEST_AGE - 1:
        errors["age_minimum"] = f"Youngest age must be between 0 and {OLDEST_AGE - 1}"
    if not 0 <= age_maximum <= OLDEST_AGE:
        errors["age_maximum"] = f"Oldest age must be between 0 and {OLDEST_AGE}"
    elif not errors and age_minimum > age_maximum:
        errors["age_maximum"] = "Oldest age must be the same as or more than the youngest age"
    return errors


@transaction.atomic
def home_profile_update(
    *,
    home: Home,
    user: User,
    age_minimum: int,
    age_maximum: int,
    sexes: str,
    needs: Iterable[Need],
    statement_of_purpose: str,
    takes_emergency_admissions: bool,
) -> HomeProfile:
    """Create or replace the home's profile."""
    _ensure_manages(user, home)
    errors = _age_range_errors(age_minimum, age_maximum)
    if sexes not in RegisteredSex.values:
        errors["sexes"] = "Select who the home is registered for"
    if len(statement_of_purpose) > STATEMENT_MAX_LENGTH:
        errors["statement_of_purpose"] = f"Summary must be {STATEMENT_MAX_LENGTH} characters or fewer"
    if errors:
        raise ValidationError(errors)
    profile, _ = HomeProfile.objects.update_or_create(
        home=home,
        defaults={
            "age_minimum": age_minimum,
            "age_maximum": age_maximum,
            "sexes": sexes,
            "statement_of_purpose": statement_of_purpose.strip(),
            "takes_emergency_admissions": takes_emergency_admissions,
            "updated_at": timezone.now(),
            "updated_by": user,
        },
    )
    profile.needs.set(list(needs))
    return profile


def _vacancy_errors(
    home: Home, places: int, available_from: datetime.date, available_until: datetime.date | None, today: datetime.date
) -> dict[str, str]:
    errors = {}
    most = min(home.places or MOST_PLACES_IN_A_VACANCY, MOST_PLACES_IN_A_VACANCY)
    if not 1 <= places <= most:
        errors["places"] = f"Places must be between 1 and {most}"
    if available_until is not None and available_until < available_from:
        errors["available_until"] = "The end date must be the same as or after the date it is available from"
    elif available_until is not None and available_until < today:
        errors["available_until"] = "The end date must be today or in the future"
    return errors


@transaction.atomic
def vacancy_add(
    *,
    home: Home,
    user: User,
    places: int,
    available_from: datetime.date,
    available_until: datetime.date | None = None,
    note: str = "",
    today: datetime.date | None = None,
) -> Vacancy:
    """Record places free now (from today or earlier) or expected from a date."""
    _ensure_manages(user, home)
    errors = _vacancy_errors(home, places, available_from, available_until, today or timezone.localdate())
    if errors:
        raise ValidationError(errors)
    return Vacancy.objects.create(
        home=home, places=places, available_from=available_from, available_until=available_until, note=note.strip()
    )


@transaction.atomic
def vacancy_end(*, vacancy: Vacancy, user: User, today: datetime.date | None = None) -> Vacancy | None:
    """The places are filled or withdrawn. A vacancy that was open keeps its history, ending
    yesterday; one that had not opened yet is removed. Returns the vacancy kept, or None."""
    _ensure_manages(user, vacancy.home)
    today = today or timezone.localdate()
    locked = Vacancy.objects.select_for_update().get(pk=vacancy.pk)
    if locked.available_until is not None and locked.available_until < today:
        raise ValidationError("This vacancy has already ended")
    if locked.available_from >= today:
        locked.delete()
        return None
    locked.available_until = today - datetime.timedelta(days=1)
    locked.save(update_fields=["available_until"])
    return locked
