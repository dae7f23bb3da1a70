"""Postcode districts: the committed CSV, the migration's load, and plausible places."""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]
import pytest

from geography.models import LocalAuthority, PostcodeDistrict
from geography.postcode_districts import DISTRICTS_CSV, District, districts_read, outward_code, postcode_districts
from geography.services import postcode_districts_load

LEEDS, CORNWALL, KENT = "E08000035", "E06000052", "E10000016"


def test_outward_code_in_any_spacing():
    assert [outward_code(p) for p in ("LS6 2AB", "LS62AB", "ls6  2ab", "SW1A 1AA", "B1  1AA")] == [
        "LS6",
        "LS6",
        "LS6",
        "SW1A",
        "B1",
    ]


def test_districts_from_postcodes_take_the_mean_and_the_leading_authority():
    postcodes = pd.DataFrame(
        {
            "pcd": ["AB1 1AA", "AB1 1AB", "AB1 1AD", "CD2 1AA", "LL1 1AA"],
            "oseast1m": [100.0, 200.0, 303.0, 500.0, 900.0],
            "osnrth1m": [10.0, 20.0, 30.0, 50.0, 90.0],
            "laua": ["E07000001", "E07000001", "E06000001", "E06000001", "W06000001"],
        }
    )
    lower_tier = {"E07000001": "E10000001", "E06000001": "E06000001", "W06000001": "W06000001"}

    districts = postcode_districts(postcodes, lower_tier)

    # Welsh postcodes map to no English authority, so LL1 is left out.
    assert districts == [District("AB1", 201, 20, "E10000001"), District("CD2", 500, 50, "E06000001")]


def test_the_csv_covers_england():
    districts = {district.code: district for district in districts_read()}

    assert DISTRICTS_CSV.read_text().splitlines()[0] == "code,easting,northing,local_authority"
    assert len(districts) == 2308
    assert districts["LS6"].local_authority == LEEDS
    assert districts["TR1"].local_authority == CORNWALL
    assert districts["CT1"].local_authority == KENT
    assert "CF10" not in districts  # Cardiff is in Wales


@pytest.mark.django_db
def test_the_migration_loaded_every_district_with_its_authority(reference_data):
    leeds_district = PostcodeDistrict.objects.select_related("local_authority").get(code="LS6")
    truro, canterbury = PostcodeDistrict.objects.get(code="TR1"), PostcodeDistrict.objects.get(code="CT1")

    assert PostcodeDistrict.objects.count() == 2308
    assert leeds_district.local_authority == LocalAuthority.objects.get(ons_code=LEEDS)
    assert truro.easting < canterbury.easting
    assert (leeds_district.easting, leeds_district.northing) == (428660, 435883)


@pytest.mark.django_db
def test_loading_again_changes_nothing(reference_data):
    before = list(
        PostcodeDistrict.objects.order_by("code").values_list("code", "easting", "northing", "local_authority")
    )

    assert postcode_districts_load() == 2308

    after = list(
        PostcodeDistrict.objects.order_by("code").values_list("code", "easting", "northing", "local_authority")
    )
    assert after == before
