"""What "open on a date" means, once, for the registry and the market alike."""

from __future__ import annotations

import datetime

import pytest

from providers.selectors import homes_open_on
from tests.factories import HomeFactory

MARCH_2019 = datetime.date(2019, 3, 31)


@pytest.mark.django_db
def test_a_home_is_open_from_its_registration_until_the_day_it_closed(reference_data):
    # Registered in 2010, first listed in the 2019 register we hold, gone from the 2023 one.
    registered_early = HomeFactory(
        registration_date=datetime.date(2010, 6, 1),
        first_seen_on=MARCH_2019,
        closed_on=datetime.date(2023, 3, 31),
    )
    # No registration date in the register: open from the first register that lists it.
    undated = HomeFactory(registration_date=None, first_seen_on=MARCH_2019, closed_on=None)

    def open_on(day: datetime.date) -> set[int]:
        return set(homes_open_on(day).filter(pk__in=[registered_early.pk, undated.pk]).values_list("pk", flat=True))

    assert open_on(datetime.date(2010, 5, 31)) == set()
    assert open_on(datetime.date(2010, 6, 1)) == {registered_early.pk}
    assert open_on(datetime.date(2019, 3, 30)) == {registered_early.pk}
    assert open_on(MARCH_2019) == {registered_early.pk, undated.pk}
    assert open_on(datetime.date(2023, 3, 30)) == {registered_early.pk, undated.pk}
    assert open_on(datetime.date(2023, 3, 31)) == {undated.pk}  # closed on the day: not open on it
