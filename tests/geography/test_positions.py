"""Map positions of local authorities: the committed CSV, its load, and plausible places."""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]
import pytest

from geography.models import LocalAuthority
from geography.positions import POSITIONS_CSV, Position, authority_positions, positions_read
from geography.reference import AuthorityRow, authority_rows

CORNWALL, KENT, NORTHUMBERLAND, DEVON = "E06000052", "E10000016", "E06000057", "E10000008"


def test_the_csv_has_every_authority_current_and_historic():
    positions = positions_read()

    assert set(positions) == {row.ons_code for row in authority_rows()}
    assert len([row for row in authority_rows() if row.ended_on is None]) == 153
    assert POSITIONS_CSV.read_text().splitlines()[0] == "ons_code,easting,northing"


def test_positions_lie_in_england_and_in_the_right_order():
    positions = positions_read()

    assert all(80_000 < p.easting < 660_000 and 0 < p.northing < 660_000 for p in positions.values())
    assert positions[CORNWALL].easting < positions[KENT].easting
    assert positions[NORTHUMBERLAND].northing > positions[DEVON].northing
    cumbria = positions["E10000006"]
    cumberland, westmorland = positions["E06000063"], positions["E06000064"]
    assert westmorland.northing < cumbria.northing < cumberland.northing


@pytest.mark.django_db
def test_the_migration_loaded_the_positions_into_every_authority(reference_data):
    assert LocalAuthority.objects.filter(easting__isnull=True).count() == 0
    kent = LocalAuthority.objects.get(ons_code=KENT)
    expected = positions_read()[KENT]
    assert (kent.easting, kent.northing) == (expected.easting, expected.northing)


def test_positions_are_means_over_upper_tier_authorities_and_successors():
    postcodes = pd.DataFrame(
        {
            "pcd": ["CA1 1AA", "LA9 4AA", "LA9 4AB", "S1 1AA", "XX1 1XX"],
            "oseast1m": [340_000.0, 351_000.0, 353_000.0, 435_000.0, None],
            "osnrth1m": [556_000.0, 492_000.0, 494_000.0, 387_000.0, None],
            "laua": ["E07000028", "E07000031", "E06000064", "E08000039", "E07000028"],
        }
    )
    lower_tier = {"E07000028": "E10000006", "E07000031": "E10000006"}  # the 2021 lookup: Cumbria
    rows = [
        AuthorityRow("E06000063", "Cumberland", "E12000002", None, ()),
        AuthorityRow("E06000064", "Westmorland and Furness", "E12000002", None, ()),
        AuthorityRow("E10000006", "Cumbria", "E12000002", None, ("E06000063", "E06000064")),
        AuthorityRow("E08000019", "Sheffield", "E12000003", None, ()),
        AuthorityRow("E08000016", "Barnsley", "E12000003", None, ()),
    ]

    positions = authority_positions(postcodes, lower_tier, rows)

    assert positions == {
        "E06000063": Position(340_000, 556_000),  # Carlisle's postcodes went to Cumberland
        "E06000064": Position(352_000, 493_000),  # South Lakeland's and the new code's together
        "E10000006": Position(348_000, 514_000),  # the mean over its successors' postcodes
        "E08000019": Position(435_000, 387_000),  # Sheffield's new 2024 code
    }
