"""Writes of geography reference data."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from geography.reference import REGIONS, authority_rows


def load_reference_data_into(region_model: Any, authority_model: Any) -> int:
    """Create or update every region and authority; returns the number of current authorities.

    Takes the model classes so that the data migration can pass its historical models.
    Idempotent: running it again changes nothing unless the reference tables changed.
    """
    regions = {
        code: region_model.objects.update_or_create(ons_code=code, defaults={"name": name})[0]
        for code, name in REGIONS.items()
    }
    rows = authority_rows()
    by_code = {}
    for row in rows:
        by_code[row.ons_code] = authority_model.objects.update_or_create(
            ons_code=row.ons_code,
            defaults={
                "name": row.name,
                "region": regions[row.region_code],
                "is_current": row.ended_on is None,
                "ended_on": row.ended_on,
            },
        )[0]
    for row in rows:
        by_code[row.ons_code].successors.set([by_code[code] for code in row.successor_codes])
    return sum(1 for row in rows if row.ended_on is None)


@transaction.atomic
def reference_data_load() -> int:
    from geography.models import LocalAuthority, PostcodeDistrict, Region

    current = load_reference_data_into(Region, LocalAuthority)
    positions_load_into(LocalAuthority)
    postcode_districts_load_into(PostcodeDistrict, LocalAuthority)
    return current


def positions_load_into(authority_model: Any) -> int:
    """Set each authority's easting and northing from the committed positions CSV.

    Takes the model class so that the data migration can pass its historical model.
    """
    from geography.positions import positions_read

    positions = positions_read()
    authorities = list(authority_model.objects.filter(ons_code__in=positions))
    for authority in authorities:
        authority.easting = positions[authority.ons_code].easting
        authority.northing = positions[authority.ons_code].northing
    authority_model.objects.bulk_update(authorities, ["easting", "northing"])
    return len(authorities)


@transaction.atomic
def positions_load() -> int:
    from geography.models import LocalAuthority

    return positions_load_into(LocalAuthority)


def postcode_districts_load_into(district_model: Any, authority_model: Any) -> int:
    """Create or update every postcode district from the committed CSV; returns how many.

    Takes the model classes so that the data migration can pass its historical models.
    Idempotent: keyed by the district's code.
    """
    from geography.postcode_districts import districts_read

    districts = districts_read()
    authorities = dict(authority_model.objects.values_list("ons_code", "pk"))
    existing = {district.code: district for district in district_model.objects.all()}
    to_create, to_update = [], []
    for row in districts:
        values = {
            "easting": row.easting,
            "northing": row.northing,
            "local_authority_id": authorities.get(row.local_authority),
        }
        if row.code in existing:
            district = existing[row.code]
            for name, value in values.items():
                setattr(district, name, value)
            to_update.append(district)
        else:
            to_create.append(district_model(code=row.code, **values))
    district_model.objects.bulk_create(to_create, batch_size=1000)
    district_model.objects.bulk_update(to_update, ["easting", "northing", "local_authority_id"], batch_size=1000)
    return len(districts)


@transaction.atomic
def postcode_districts_load() -> int:
    from geography.models import LocalAuthority, PostcodeDistrict

    return postcode_districts_load_into(PostcodeDistrict, LocalAuthority)
