"""Ownership-graph factories: entities of each kind, majority and minority interests, homes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory

from geography.models import LocalAuthority
from ownership.models import Entity, EntityKind, Interest, InterestType, OwnerCategory
from ownership.services import provider_entity_ensure
from providers.models import Sector
from tests.factories import HomeFactory, RegistryProviderFactory

# The registry's own factories, under the names these tests use.
ProviderRecordFactory = RegistryProviderFactory
__all__ = ["HomeFactory", "ProviderRecordFactory"]


class CompanyFactory(factory.django.DjangoModelFactory[Entity]):
    class Meta:
        model = Entity

    name = factory.Sequence(lambda n: f"Company {n} Limited")
    kind = EntityKind.REGISTERED_ENTITY
    category = OwnerCategory.COMPANY
    jurisdiction = "GB"
    record_id = factory.Sequence(lambda n: f"test-entity-{n}")
    source = "test"


class PrivateEquityFirmFactory(CompanyFactory):
    name = factory.Sequence(lambda n: f"Capital Partners {n} LLP")
    kind = EntityKind.LEGAL_ENTITY
    category = OwnerCategory.PRIVATE_EQUITY_FIRM


class PersonFactory(CompanyFactory):
    name = factory.Sequence(lambda n: f"Person {n}")
    kind = EntityKind.PERSON
    category = OwnerCategory.INDIVIDUAL
    jurisdiction = ""


class MajorityShareholdingFactory(factory.django.DjangoModelFactory[Interest]):
    """`interested_party` holds 100% of the shares of `subject`, directly."""

    class Meta:
        model = Interest

    subject = factory.SubFactory(CompanyFactory)
    interested_party = factory.SubFactory(CompanyFactory)
    interest_type = InterestType.SHAREHOLDING
    share_exact: Decimal | None = Decimal(100)
    direct = True
    record_id = factory.Sequence(lambda n: f"test-relationship-{n}#0")
    source = "test"


class MinorityShareholdingFactory(MajorityShareholdingFactory):
    share_exact = Decimal(25)


class UltimateControlLinkFactory(MajorityShareholdingFactory):
    """A holding company -> global ultimate owner link: indirect control, no share."""

    interest_type = InterestType.OTHER_INFLUENCE_OR_CONTROL
    share_exact = None
    direct = False
    beneficial_ownership_or_control = True


def acorn_market() -> dict[str, Any]:
    """Three providers: two held by one group (majority shares), one independent; 14 places.
    The registry's and the owner pages' tests share it (needs the reference geography)."""
    leeds = LocalAuthority.objects.get(ons_code="E08000035")
    manchester = LocalAuthority.objects.get(ons_code="E08000003")
    group = Entity.objects.create(
        name="Acorn Care Group Holdings Limited",
        category=OwnerCategory.COMPANY,
        company_number="09999999",
        record_id="test-acorn-holdings",
        source="test: shareholders list",
    )
    fund = Entity.objects.create(
        name="Oakfield Capital Partners",
        kind=EntityKind.LEGAL_ENTITY,
        category=OwnerCategory.PRIVATE_EQUITY_FIRM,
        record_id="test-oakfield",
        source="test: holding companies",
    )
    Interest.objects.create(
        subject=group, interested_party=fund, share_exact=Decimal("100"), record_id="i-fund", source="test: GUO"
    )
    homes = {}
    for key, name, authority, places, controlled in [
        ("a", "Acorn Homes North Limited", leeds, 4, True),
        ("b", "Acorn Homes West Limited", manchester, 6, True),
        ("c", "Little Brook Care Limited", leeds, 4, False),
    ]:
        provider = RegistryProviderFactory(name=name)
        home = HomeFactory(provider_organisation=provider, local_authority=authority, places=places)
        entity = provider_entity_ensure(provider_organisation=provider, sector=Sector.PRIVATE)
        if controlled:
            Interest.objects.create(
                subject=entity,
                interested_party=group,
                share_exact=Decimal("75"),
                record_id=f"i-{key}",
                source="test: shareholders list",
            )
        homes[key] = home
    return {"group": group, "fund": fund, **homes}
