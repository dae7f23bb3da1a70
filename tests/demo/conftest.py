"""The demo is loaded once per module, not once per test: it takes minutes.

`module_transaction` holds one transaction open around a module. Data loaded in it is seen by
every test of the module; each test runs in a savepoint inside it (pytest-django's `db`), so
what one test writes is undone before the next, and the whole load is rolled back at the end.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
import time_machine
from django.db import transaction

from geography.models import LocalAuthority
from geography.services import reference_data_load
from providers.models import ProviderOrganisation, Sector
from tests.factories import HomeFactory, RegistryProviderFactory

PASSWORD = "demo-password-123"
NEAR_LEEDS = ("E08000035", "E08000032", "E08000036")  # Leeds, Bradford, Wakefield


@pytest.fixture(scope="module")
def module_transaction(django_db_setup, django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        if not LocalAuthority.objects.exists():  # a transactional test before us flushed them
            reference_data_load()
        yield
        transaction.set_rollback(True)


@pytest.fixture(scope="module")
def clock_at(request) -> Iterator[datetime.datetime]:
    """The module's "now", when its expectations are written for one day: a module sets
    `DEMO_CLOCK` (an aware datetime) and everything it loads and checks sees that clock."""
    moment: datetime.datetime = request.module.DEMO_CLOCK
    with time_machine.travel(moment, tick=True):
        yield moment


def _authority(ons_code: str) -> LocalAuthority:
    return LocalAuthority.objects.get(ons_code=ons_code)


def registry_create() -> ProviderOrganisation:
    """A provider with four homes around Leeds (the one the demo should pick), a larger group
    and a council near Leeds (both to be passed over), and 60 single-home providers."""
    chosen = RegistryProviderFactory(name="Aire Valley Care Limited")
    for ons_code in (*NEAR_LEEDS, "E08000035"):
        HomeFactory(provider_organisation=chosen, local_authority=_authority(ons_code))
    large = RegistryProviderFactory(name="Big Group Limited")
    HomeFactory.create_batch(9, provider_organisation=large, local_authority=_authority("E08000035"))
    council = RegistryProviderFactory(name="Leeds City Council")
    HomeFactory.create_batch(
        5, provider_organisation=council, local_authority=_authority("E08000035"), sector=Sector.LOCAL_AUTHORITY
    )
    HomeFactory.create_batch(60)
    return chosen
