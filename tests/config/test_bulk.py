"""rows_update writes what bulk_update would, NULLs, dates and foreign keys included."""

from __future__ import annotations

import datetime

import pytest

from config.bulk import rows_update
from providers.models import Home, Sector
from tests.factories import HomeFactory, RegistryProviderFactory


@pytest.mark.django_db
def test_each_row_gets_its_own_values_and_no_other_row_changes(reference_data):
    first, second, untouched = HomeFactory.create_batch(3)
    before_untouched = Home.objects.values().get(pk=untouched.pk)
    other_provider = RegistryProviderFactory(name="Another Provider Limited")
    first.places, first.closed_on, first.provider_organisation = None, datetime.date(2025, 3, 31), other_provider
    second.places, second.sector, second.registered_owner_name = 9, Sector.VOLUNTARY, "O'Brien & Sons \\ Ltd"

    written = rows_update([first, second], ["places", "closed_on", "provider_organisation_id", "sector"])

    assert written == 2
    assert Home.objects.values_list("places", "closed_on", "provider_organisation_id", "sector").get(pk=first.pk) == (
        None,
        datetime.date(2025, 3, 31),
        other_provider.pk,
        first.sector,
    )
    assert Home.objects.values_list("places", "sector").get(pk=second.pk) == (9, Sector.VOLUNTARY)
    # Only the fields named are written.
    assert Home.objects.get(pk=second.pk).registered_owner_name != "O'Brien & Sons \\ Ltd"
    assert Home.objects.values().get(pk=untouched.pk) == before_untouched
    rows_update([second], ["registered_owner_name"])  # quotes and backslashes are values, not SQL
    assert Home.objects.get(pk=second.pk).registered_owner_name == "O'Brien & Sons \\ Ltd"


@pytest.mark.django_db
def test_nothing_to_write_writes_nothing():
    assert rows_update([], ["places"]) == 0
