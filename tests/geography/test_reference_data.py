"""The reference list of children's services authorities, as loaded by the migration."""

import pytest

from geography.models import LocalAuthority, Region
from geography.reference import REGIONS
from geography.services import reference_data_load

pytestmark = pytest.mark.django_db

# Current authorities per region: NE 12, NW 24, Y&H 15, EM 10, WM 14, EoE 11, London 33,
# SE 19, SW 15 (after the April 2023 reorganisations of Cumbria, North Yorkshire, Somerset).
EXPECTED_PER_REGION = {
    "North East": 12,
    "North West": 24,
    "Yorkshire and The Humber": 15,
    "East Midlands": 10,
    "West Midlands": 14,
    "East of England": 11,
    "London": 33,
    "South East": 19,
    "South West": 15,
}


def test_there_are_153_current_authorities_with_childrens_services():
    assert LocalAuthority.objects.filter(is_current=True).count() == 153


def test_every_region_has_its_authorities():
    counts = {region.name: region.local_authorities.filter(is_current=True).count() for region in Region.objects.all()}
    assert counts == EXPECTED_PER_REGION
    assert set(counts) == set(REGIONS.values())


def test_codes_are_english_upper_tier_codes():
    codes = list(LocalAuthority.objects.values_list("ons_code", flat=True))
    assert all(code[:3] in {"E06", "E08", "E09", "E10"} and len(code) == 9 for code in codes)
    assert len(codes) == len(set(codes))


def test_reorganised_authorities_are_kept_with_their_successors():
    cumbria = LocalAuthority.objects.get(ons_code="E10000006")
    assert not cumbria.is_current
    assert str(cumbria.ended_on) == "2023-04-01"
    assert sorted(cumbria.successors.values_list("name", flat=True)) == ["Cumberland", "Westmorland and Furness"]
    northamptonshire = LocalAuthority.objects.get(ons_code="E10000021")
    assert sorted(northamptonshire.successors.values_list("ons_code", flat=True)) == ["E06000061", "E06000062"]
    assert LocalAuthority.objects.get(ons_code="E06000058").predecessors.count() == 2  # Bournemouth, Poole


def test_named_authorities_sit_in_their_regions():
    assert LocalAuthority.objects.get(ons_code="E08000035").region.name == "Yorkshire and The Humber"  # Leeds
    assert LocalAuthority.objects.get(ons_code="E06000053").region.name == "South West"  # Isles of Scilly
    assert LocalAuthority.objects.get(ons_code="E09000001").region.name == "London"  # City of London
    assert LocalAuthority.objects.get(ons_code="E06000064").region.name == "North West"  # Westmorland and Furness


def test_reloading_changes_nothing():
    def snapshot():
        fields = ("ons_code", "name", "region_id", "is_current", "ended_on")
        return list(LocalAuthority.objects.order_by("ons_code").values_list(*fields))

    before = snapshot()
    assert reference_data_load() == 153
    assert snapshot() == before
