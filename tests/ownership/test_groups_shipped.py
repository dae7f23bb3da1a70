"""The shipped data (Ofsted's 2023 register and the curated edges) resolves company groups to
one ultimate owner each: CareTech about 205 children's homes, Keys Group about 56 (issue 11)."""

from __future__ import annotations

import datetime
from collections import Counter
from pathlib import Path

import pytest

from ownership.selectors import ultimate_owners_of_providers
from ownership.services import ownership_edges_load
from providers.models import HomeKind, HomeObservation
from registry.importers.ofsted import ofsted_register_import

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
MARCH_2023 = datetime.date(2023, 3, 31)


@pytest.fixture
def owners_2023(reference_data, settings) -> Counter[str]:
    """Children's homes of the shipped 2023 register by ultimate owner's name."""
    settings.MARKET_RECOMPUTE_AFTER_IMPORT = False
    ofsted_register_import(path=ROOT / "registry" / "data" / "ofsted" / "provider_at_march_2023.csv")
    ownership_edges_load(directory=ROOT / "ownership" / "data")
    providers = list(
        HomeObservation.objects.filter(as_of=MARCH_2023, home__kind=HomeKind.CHILDRENS_HOME).values_list(
            "provider_organisation_id", flat=True
        )
    )
    resolved = ultimate_owners_of_providers(MARCH_2023, [p for p in providers if p is not None])
    owners = [resolved[p].owner for p in providers if p in resolved]
    return Counter(owner.name for owner in owners if owner is not None)


def test_caretech_and_keys_are_one_owner_each_in_2023(owners_2023):
    assert 200 <= owners_2023["CARETECH HOLDINGS LIMITED"] <= 210
    assert 54 <= owners_2023["KEYS GROUP HOLDINGS LIMITED"] <= 58
    # No CareTech subsidiary is an ultimate owner of its own.
    for subsidiary in ("Advanced Childcare Services", "Cambian Childcare", "Spark Of Genius", "Bryn Melyn Care"):
        assert not any(name.upper().startswith(subsidiary.upper()) for name in owners_2023), subsidiary
