"""Ownership-graph factories: entities of each kind, majority and minority interests, homes."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from ownership.models import Entity, EntityKind, Interest, InterestType, OwnerCategory
from providers.models import Home, HomeKind, ProviderOrganisation, Sector


class ProviderRecordFactory(factory.django.DjangoModelFactory[ProviderOrganisation]):
    """A registered provider as the Ofsted register names it (no service organisation yet)."""

    class Meta:
        model = ProviderOrganisation

    name = factory.Sequence(lambda n: f"Provider {n} Limited")


class HomeFactory(factory.django.DjangoModelFactory[Home]):
    """An open children's home, first seen in the March 2020 register."""

    class Meta:
        model = Home

    urn = factory.Sequence(lambda n: f"SC{n:06d}")
    kind = HomeKind.CHILDRENS_HOME
    provision_type = "Children's home"
    sector = Sector.PRIVATE
    places = 4
    provider_organisation = factory.SubFactory(ProviderRecordFactory)
    first_seen_on = datetime.date(2020, 3, 31)
    last_seen_on = datetime.date(2025, 3, 31)


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
