"""Presentation mode's places and speaker notes are kept like the other dashboard pages, but
only for areas the run holds: a made-up code is rendered afresh and never fills the cache."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.market.snapshot_factories import NORTH_EAST, market_over_time

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache() -> None:
    cache.clear()


def test_a_region_s_slides_and_notes_are_served_from_the_cache(client: Client, django_assert_max_num_queries) -> None:
    market_over_time()
    path = f"/dashboards/present/?area={NORTH_EAST}&slide=2&notes=1"
    first = client.get(path)

    with django_assert_max_num_queries(1):  # the current run; the page itself is kept
        again = client.get(path)

    assert first.status_code == again.status_code == 200
    assert "North East" in again.content.decode()


def test_a_made_up_area_is_never_kept(client: Client) -> None:
    market_over_time()
    path = "/dashboards/present/?area=E12999999"
    client.get(path)

    with CaptureQueriesContext(connection) as second:
        answer = client.get(path)

    assert "E12999999" in answer.content.decode()  # the page says the code is not known
    assert len(second.captured_queries) > 1  # rendered afresh, not served from the cache
