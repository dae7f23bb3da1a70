"""Owner pages in plain words: "more than 75%", sources named with their dates, ownership on
the date of the data (issue 16 part 5)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.test import Client

from ownership import companies_house, curated
from ownership.models import Entity, Interest, InterestType
from ownership.words import share_in_words
from providers.models import ImportRun
from tests.ownership.factories import acorn_market

pytestmark = pytest.mark.django_db


def _interest(**share: object) -> Interest:
    return Interest(interest_type=InterestType.SHAREHOLDING, **share)


@pytest.mark.parametrize(
    ("share", "words"),
    [
        ({"share_exact": Decimal("75.0000")}, "75% shareholding"),
        ({"share_exact": Decimal("33.3333")}, "33.33% shareholding"),
        (
            {
                "share_minimum": Decimal("75.0000"),
                "share_maximum": Decimal("100.0000"),
                "share_exclusive_minimum": True,
            },
            "more than 75% shareholding",
        ),
        ({"share_minimum": Decimal("50.0000"), "share_maximum": Decimal("100.0000")}, "at least 50% shareholding"),
        (
            {"share_minimum": Decimal("25.0000"), "share_maximum": Decimal("50.0000"), "share_exclusive_minimum": True},
            "more than 25% and at most 50% shareholding",
        ),
        (
            {"share_minimum": Decimal("0"), "share_maximum": Decimal("0.5000"), "share_exclusive_maximum": True},
            "less than 0.5% shareholding",
        ),
        ({}, "Shareholding"),
    ],
)
def test_shares_read_as_words(share: dict[str, object], words: str) -> None:
    assert share_in_words(_interest(**share)) == words


@pytest.fixture
def market(reference_data):
    found = acorn_market()
    # The register the homes came from, and links as the curated files and Companies House give them.
    ImportRun.objects.create(
        kind=ImportRun.Kind.OFSTED,
        source_name="Provider_level_2025.xlsx",
        as_of=datetime.date(2025, 3, 31),
        status=ImportRun.Status.SUCCEEDED,
    )
    Interest.objects.filter(record_id="i-fund").update(
        source=curated.HOLDING_COMPANIES,
        observed_on=curated.CURATED_VINTAGE,
        share_exact=None,
        share_minimum=Decimal("75"),
        share_maximum=Decimal("100"),
        share_exclusive_minimum=True,
    )
    Interest.objects.filter(record_id__in=["i-a", "i-b"]).update(
        source=companies_house.SOURCE, observed_on=datetime.date(2025, 6, 1)
    )
    return found


def test_an_owner_page_names_no_files_and_no_four_decimal_places(client: Client, market) -> None:
    group: Entity = market["group"]

    text = client.get(f"/registry/owners/{group.pk}/").content.decode()

    assert "75.0000" not in text
    assert ".csv" not in text
    assert "More than 75% shareholding" in text
    assert "Groups&#x27; global ultimate owners from a company database" in text
    assert "links as at 31 March 2023" in text
    assert "Companies House&#x27;s register of people with significant control (snapshot of 1 June 2025)" in text


def test_ownership_is_on_the_date_of_the_data_not_today(client: Client, market) -> None:
    text = client.get(f"/registry/owners/{market['fund'].pk}/").content.decode()

    assert "Ownership on 31 March 2025, the date of the newest Ofsted register we hold" in text
    assert "from company links dated 31 March 2023 to 1 June 2025" in text


def test_a_homes_chain_names_its_sources_with_dates(client: Client, market) -> None:
    text = client.get(f"/registry/homes/{market['a'].urn}/").content.decode()

    assert "more than 75% shareholding" in text
    assert "(links as at 31 March 2023)" in text
    assert "snapshot of 1 June 2025" in text
    assert "holding_cos.csv" not in text
