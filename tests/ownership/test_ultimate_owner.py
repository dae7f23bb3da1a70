"""Ultimate owners of homes as of a date: majority control, cycles, unknown chains, owner types."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from ownership.models import Entity, OwnerCategory, OwnerType, OwnerTypeOverride
from ownership.selectors import ultimate_owner_of_entity, ultimate_owner_of_home, ultimate_owners
from ownership.services import owner_type_override_set, provider_entity_ensure
from providers.models import Sector
from tests.factories import UserFactory
from tests.ownership.factories import (
    CompanyFactory,
    HomeFactory,
    MajorityShareholdingFactory,
    PersonFactory,
    PrivateEquityFirmFactory,
    ProviderRecordFactory,
    UltimateControlLinkFactory,
)

pytestmark = pytest.mark.django_db

ON = datetime.date(2025, 3, 31)


def home_of(name: str = "Little Brook Care Limited", sector: str = Sector.PRIVATE):
    provider = ProviderRecordFactory(name=name)
    home = HomeFactory(provider_organisation=provider, sector=sector)
    return home, provider_entity_ensure(provider_organisation=provider, sector=sector)


def test_majority_chain_of_three_levels_ends_at_the_top_controller():
    home, provider = home_of()
    holding = CompanyFactory(name="Brook Holdings Limited")
    group = CompanyFactory(name="Brook Group Limited")
    top = CompanyFactory(name="Brook Topco Limited")
    first = MajorityShareholdingFactory(subject=provider, interested_party=holding)
    second = MajorityShareholdingFactory(subject=holding, interested_party=group, share_exact=Decimal("60"))
    third = MajorityShareholdingFactory(subject=group, interested_party=top, share_exact=Decimal("75.5"))
    MajorityShareholdingFactory(subject=top, interested_party=CompanyFactory(), share_exact=Decimal("20"))

    resolution = ultimate_owner_of_home(home, ON)

    assert resolution.owner == top
    assert resolution.chain == (first, second, third)
    assert resolution.owner_type == OwnerType.PRIVATE_CORPORATE
    assert resolution.overridden is False
    assert resolution.reason.startswith(
        "Brook Topco Limited controls Little Brook Care Limited through 3 links of control; "
        "nobody controls Brook Topco Limited on 2025-03-31."
    )


def test_fifty_fifty_split_has_no_majority_so_the_provider_owns_itself():
    home, provider = home_of()
    MajorityShareholdingFactory(subject=provider, interested_party=PersonFactory(), share_exact=Decimal(50))
    MajorityShareholdingFactory(subject=provider, interested_party=PersonFactory(), share_exact=Decimal(50))

    resolution = ultimate_owner_of_home(home, ON)

    assert resolution.owner == provider
    assert resolution.chain == ()
    assert resolution.reason.startswith(
        "Nobody holds majority control of Little Brook Care Limited on 2025-03-31, so it is its own ultimate owner."
    )
    # A private company nobody controls is taken to be owner-operated.
    assert resolution.owner_type == OwnerType.PRIVATE_INDIVIDUAL


def test_exactly_fifty_percent_is_not_majority():
    _, provider = home_of()
    MajorityShareholdingFactory(subject=provider, share_exact=Decimal(50))

    assert ultimate_owner_of_entity(provider, ON).owner == provider


@pytest.mark.parametrize(("exclusive", "controls"), [(True, True), (False, False)])
def test_minimum_of_fifty_is_majority_only_when_exclusive(exclusive, controls):
    _, provider = home_of()
    parent = CompanyFactory()
    MajorityShareholdingFactory(
        subject=provider,
        interested_party=parent,
        share_exact=None,
        share_minimum=Decimal(50),
        share_exclusive_minimum=exclusive,
        share_maximum=Decimal(75),
    )

    assert ultimate_owner_of_entity(provider, ON).owner == (parent if controls else provider)


def test_ended_interest_counts_before_its_end_date_and_not_from_it():
    _, provider = home_of()
    former = CompanyFactory(name="Former Group Limited")
    MajorityShareholdingFactory(
        subject=provider,
        interested_party=former,
        start_date=datetime.date(2019, 1, 1),
        end_date=datetime.date(2024, 1, 1),
    )

    assert ultimate_owner_of_entity(provider, datetime.date(2018, 12, 31)).owner == provider
    assert ultimate_owner_of_entity(provider, datetime.date(2023, 12, 31)).owner == former
    assert ultimate_owner_of_entity(provider, datetime.date(2024, 1, 1)).owner == provider


def test_cycle_terminates_without_naming_an_owner():
    home, provider = home_of()
    alpha = CompanyFactory(name="Alpha Limited")
    beta = CompanyFactory(name="Beta Limited")
    into_alpha = MajorityShareholdingFactory(subject=provider, interested_party=alpha)
    alpha_by_beta = MajorityShareholdingFactory(subject=alpha, interested_party=beta)
    MajorityShareholdingFactory(subject=beta, interested_party=alpha)

    resolution = ultimate_owner_of_home(home, ON)

    assert resolution.owner is None
    assert resolution.chain == (into_alpha, alpha_by_beta)
    assert resolution.owner_type == OwnerType.UNKNOWN
    assert resolution.reason.startswith("Cycle detected at Alpha Limited:")


def test_home_without_provider_has_an_unknown_chain():
    home = HomeFactory(provider_organisation=None, urn="SC123456")

    resolution = ultimate_owner_of_home(home, ON)

    assert resolution.owner is None
    assert resolution.chain == ()
    assert resolution.owner_type == OwnerType.UNKNOWN
    assert (
        resolution.reason == "Children's home SC123456 has no registered provider, so its ownership chain is unknown."
    )


def test_home_whose_provider_has_no_entity_says_so():
    home = HomeFactory(urn="SC654321")

    resolution = ultimate_owner_of_home(home, ON)

    assert resolution.owner is None
    assert resolution.reason == (
        "The provider of children's home SC654321 has no entity in the ownership graph, "
        "so its ownership chain is unknown."
    )


def test_private_equity_firm_two_levels_up_makes_the_home_investment_owned():
    home, provider = home_of()
    holding = CompanyFactory(name="Brook Holdings Limited")
    fund = PrivateEquityFirmFactory(name="Oakfield Capital LLP")
    MajorityShareholdingFactory(subject=provider, interested_party=holding)
    MajorityShareholdingFactory(subject=holding, interested_party=fund, share_exact=Decimal(80))

    resolution = ultimate_owner_of_home(home, ON)

    assert resolution.owner == fund
    assert resolution.owner_type == OwnerType.PRIVATE_INVESTMENT
    assert resolution.reason.endswith("Oakfield Capital LLP (Private-equity firm) is in the control chain.")


def test_ultimate_control_link_is_followed_before_a_direct_majority_shareholder():
    _, provider = home_of()
    immediate_parent = CompanyFactory(name="Brook Bidco Limited")
    ultimate = CompanyFactory(name="Brook Topco Limited")
    MajorityShareholdingFactory(subject=provider, interested_party=immediate_parent)
    link = UltimateControlLinkFactory(subject=provider, interested_party=ultimate)

    resolution = ultimate_owner_of_entity(provider, ON)

    assert resolution.owner == ultimate
    assert resolution.chain == (link,)


def test_two_control_links_to_different_parties_stop_the_chain():
    _, provider = home_of()
    UltimateControlLinkFactory(subject=provider, interested_party=CompanyFactory(name="North Topco Limited"))
    UltimateControlLinkFactory(subject=provider, interested_party=CompanyFactory(name="South Topco Limited"))

    resolution = ultimate_owner_of_entity(provider, ON)

    assert resolution.owner == provider
    assert resolution.reason.startswith(
        "Little Brook Care Limited has no single controller on 2025-03-31 "
        "(North Topco Limited and South Topco Limited hold equal claims), so the chain stops."
    )


@pytest.mark.parametrize(
    ("sector", "owner_type"),
    [
        (Sector.LOCAL_AUTHORITY, OwnerType.LOCAL_AUTHORITY),
        (Sector.VOLUNTARY, OwnerType.VOLUNTARY),
        (Sector.ACADEMY, OwnerType.VOLUNTARY),
        (Sector.HEALTH_AUTHORITY, OwnerType.LOCAL_AUTHORITY),
        # A private company nobody has researched: for-profit is known, its kind of owner is not.
        (Sector.PRIVATE, OwnerType.PRIVATE_UNKNOWN),
        (Sector.OTHER, OwnerType.UNKNOWN),
    ],
)
def test_owner_type_of_an_uncontrolled_provider_follows_its_sector(sector, owner_type):
    home, _ = home_of(sector=sector)

    assert ultimate_owner_of_home(home, ON).owner_type == owner_type


def test_person_at_the_top_makes_the_home_individual_owned():
    home, provider = home_of()
    MajorityShareholdingFactory(subject=provider, interested_party=PersonFactory(name="Jane Smith"))

    resolution = ultimate_owner_of_home(home, ON)

    assert resolution.owner_type == OwnerType.PRIVATE_INDIVIDUAL
    assert resolution.reason.endswith("the ultimate owner Jane Smith is an individual.")


@pytest.mark.parametrize(
    ("research", "owner_type"),
    [
        (OwnerType.PRIVATE_INVESTMENT, OwnerType.PRIVATE_INVESTMENT),
        (OwnerType.PRIVATE_CORPORATE, OwnerType.PRIVATE_CORPORATE),
        (OwnerType.PRIVATE_INDIVIDUAL, OwnerType.PRIVATE_INDIVIDUAL),
        (OwnerType.LOCAL_AUTHORITY, OwnerType.LOCAL_AUTHORITY),
    ],
)
def test_research_classification_of_the_provider_counts(research, owner_type):
    home, provider = home_of()
    provider.research_owner_type = research
    provider.save()

    assert ultimate_owner_of_home(home, ON).owner_type == owner_type


def test_override_wins_and_earlier_decisions_are_kept():
    home, provider = home_of()
    fund = PrivateEquityFirmFactory(name="Oakfield Capital LLP")
    MajorityShareholdingFactory(subject=provider, interested_party=fund)
    curator = UserFactory()
    owner_type_override_set(
        entity=fund, owner_type=OwnerType.PRIVATE_CORPORATE, reason="First look.", decided_by=curator
    )
    latest = owner_type_override_set(
        entity=fund, owner_type=OwnerType.VOLUNTARY, reason="  A charitable trust since 2024.  ", decided_by=curator
    )

    resolution = ultimate_owner_of_home(home, ON)

    assert resolution.owner == fund
    assert resolution.owner_type == OwnerType.VOLUNTARY
    assert resolution.overridden is True
    assert resolution.reason.endswith(
        "a curator set Oakfield Capital LLP to Voluntary / third sector: A charitable trust since 2024."
    )
    assert list(OwnerTypeOverride.objects.filter(entity=fund).values_list("owner_type", "reason")) == [
        (OwnerType.VOLUNTARY, "A charitable trust since 2024."),
        (OwnerType.PRIVATE_CORPORATE, "First look."),
    ]
    assert latest.decided_by == curator
    assert ultimate_owners(ON)[home.pk].overridden is True


def test_override_on_the_provider_wins_over_one_on_its_owner():
    home, provider = home_of()
    fund = PrivateEquityFirmFactory()
    MajorityShareholdingFactory(subject=provider, interested_party=fund)
    owner_type_override_set(entity=fund, owner_type=OwnerType.PRIVATE_CORPORATE, reason="Group.", decided_by=None)
    owner_type_override_set(
        entity=provider, owner_type=OwnerType.VOLUNTARY, reason="Registered charity.", decided_by=None
    )

    assert ultimate_owner_of_home(home, ON).owner_type == OwnerType.VOLUNTARY


@pytest.mark.parametrize(("owner_type", "reason"), [(OwnerType.VOLUNTARY, "   "), ("charity", "Because.")])
def test_override_without_reason_or_with_unknown_type_is_refused(owner_type, reason):
    entity = CompanyFactory()

    with pytest.raises(ValidationError):
        owner_type_override_set(entity=entity, owner_type=owner_type, reason=reason, decided_by=None)

    assert OwnerTypeOverride.objects.count() == 0


def test_ultimate_owners_covers_open_homes_only_in_a_few_queries(django_assert_max_num_queries):
    shared_provider = ProviderRecordFactory(name="Brook Care Limited")
    provider_entity = provider_entity_ensure(provider_organisation=shared_provider, sector=Sector.PRIVATE)
    group = CompanyFactory(name="Brook Group Limited")
    MajorityShareholdingFactory(subject=provider_entity, interested_party=group)
    open_homes = [HomeFactory(provider_organisation=shared_provider) for _ in range(3)]
    closed = HomeFactory(provider_organisation=shared_provider, closed_on=datetime.date(2024, 3, 31))
    not_yet_registered = HomeFactory(provider_organisation=shared_provider, registration_date=datetime.date(2025, 6, 1))
    orphan = HomeFactory(provider_organisation=None)

    # Entities, interests, overrides, the registers naming providers, corrections and homes.
    with django_assert_max_num_queries(6):
        resolved = ultimate_owners(ON)

    assert set(resolved) == {home.pk for home in open_homes} | {orphan.pk}
    assert closed.pk not in resolved
    assert not_yet_registered.pk not in resolved
    assert {resolved[home.pk].owner for home in open_homes} == {group}
    assert resolved[orphan.pk].owner is None
    assert resolved[open_homes[0].pk] == ultimate_owner_of_home(open_homes[0], ON)


def test_entities_of_each_public_category_count_as_local_authority():
    _, provider = home_of()
    council = CompanyFactory(name="Brookshire County Council", category=OwnerCategory.LOCAL_AUTHORITY)
    MajorityShareholdingFactory(subject=provider, interested_party=council)

    resolution = ultimate_owner_of_entity(provider, ON)

    assert resolution.owner == council
    assert resolution.owner_type == OwnerType.LOCAL_AUTHORITY
    assert Entity.objects.count() == 2
