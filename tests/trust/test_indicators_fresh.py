"""The relationship page's indicators follow the log at once (issue 16 part 4): they were the
nightly snapshot, so the page said 1 open concern while the log held 3, with no "as of" time."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from tests.conftest import Cast
from trust.indicators import relationship_indicators_current
from trust.models import Entry, EntryType, Relationship, RelationshipIndicators
from trust.services import restorative_case_open, trust_entry_add

pytestmark = pytest.mark.django_db

# A winter morning, when London's clocks read UTC.
MORNING = datetime.datetime(2026, 2, 2, 9, 30, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)


def _concern(cast: Cast, relationship: Relationship, when: datetime.datetime) -> Entry:
    return trust_entry_add(
        relationship=relationship,
        entry_type=EntryType.CONCERN,
        author_organisation=cast.local_authority_a,
        author_user=cast.commissioner_a,
        body="No answer within the deadline.",
        now=when,
    )


def _indicator(page: str, label: str) -> str:
    found = re.search(rf"<h3[^>]*>{label}</h3>\s*<p[^>]*>([^<]*)</p>", page)
    assert found, f"No indicator {label!r} on the page"
    return found.group(1)


def _relationship_page(client: Client, relationship: Relationship) -> str:
    response = client.get(reverse("trust:relationship", args=[relationship.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_counts_every_open_concern_as_soon_as_it_is_written(
    client: Client, cast: Cast, relationship: Relationship
):
    client.force_login(cast.commissioner_a)
    with time_machine.travel(MORNING + 3 * HOUR, tick=False):
        _concern(cast, relationship, MORNING)
        assert _indicator(_relationship_page(client, relationship), "Open concerns") == "1, the oldest 0 days old"

        second = _concern(cast, relationship, MORNING + HOUR)
        _concern(cast, relationship, MORNING + 2 * HOUR)
        page = _relationship_page(client, relationship)
        assert _indicator(page, "Open concerns") == "3, the oldest 0 days old"
        assert (
            'As of the log&rsquo;s newest entry, <time datetime="2026-02-02T11:30:00+00:00">2 February 2026, 11:30'
            in page
        )

        # A case opened on one is still open: it stays counted. A reply from the other side closes another.
        restorative_case_open(concern=second, opened_by=cast.provider_p, organisation=cast.provider_organisation_p)
        trust_entry_add(
            relationship=relationship,
            entry_type=EntryType.REPLY,
            author_organisation=cast.provider_organisation_p,
            author_user=cast.provider_p,
            body="A deputy now covers the inbox.",
            replies_to=Entry.objects.get(relationship=relationship, sequence=1),
            now=MORNING + 3 * HOUR,
        )
        page = _relationship_page(client, relationship)
    assert _indicator(page, "Open concerns") == "2, the oldest 0 days old"
    assert '<time datetime="2026-02-02T12:30:00+00:00">2 February 2026, 12:30</time>' in page
    # Nothing was stored on the way: the page reads the figures, it does not write them.
    assert not RelationshipIndicators.objects.exists()


def test_the_day_counts_move_on_with_the_day_on_the_same_log(cast: Cast, relationship: Relationship):
    _concern(cast, relationship, MORNING)

    with time_machine.travel(MORNING + 2 * HOUR, tick=False):
        today = relationship_indicators_current(relationship=relationship)
    with time_machine.travel(MORNING + datetime.timedelta(days=4), tick=False):
        four_days_on = relationship_indicators_current(relationship=relationship)

    assert (today.indicators.days_since_dialogue, today.indicators.oldest_open_concern_days) == (0, 0)
    assert (four_days_on.indicators.days_since_dialogue, four_days_on.indicators.oldest_open_concern_days) == (4, 4)
    assert today.as_of == four_days_on.as_of == MORNING


def test_an_unchanged_log_is_read_from_the_cache(
    cast: Cast, relationship: Relationship, django_assert_max_num_queries: DjangoAssertNumQueries
):
    _concern(cast, relationship, MORNING)
    first = relationship_indicators_current(relationship=relationship)

    # The head of the chain and the newest pulse check-in: nothing recomputed.
    with django_assert_max_num_queries(2):
        again = relationship_indicators_current(relationship=relationship)

    assert again.indicators.computed_at == first.indicators.computed_at
    assert again.indicators.open_concerns == 1


def test_an_empty_log_has_indicators_as_of_no_entry(cast: Cast, relationship: Relationship):
    current = relationship_indicators_current(relationship=relationship)

    assert current.as_of is None
    assert (current.indicators.open_concerns, current.indicators.days_since_dialogue) == (0, None)
