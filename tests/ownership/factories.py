"""Ownership-graph factories: entities of each kind, majority and minority interests, homes."""

from __future__ import annotations

from decimal import Decimal

import factory

from ownership.models import Entity, EntityKind, Interest, InterestType, OwnerCategory
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
