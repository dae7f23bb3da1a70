"""Market concentration and cost figures on small markets worked out by hand."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from commissioning.models import Placement
from geography.models import LocalAuthority
from market.analytics.recompute import market_recompute
from market.models import ENGLAND_CODE, CostSnapshot, MarketSnapshot, RecomputeRun
from ownership.models import OwnerType
from ownership.services import provider_entity_ensure
from providers.models import Home, HomeObservation, ImportRun, ProviderOrganisation, Sector
from tests.ownership.factories import (
    CompanyFactory,
    HomeFactory,
    MajorityShareholdingFactory,
    ProviderRecordFactory,
)

pytestmark = pytest.mark.django_db

MARCH_2023 = datetime.date(2023, 3, 31)
MARCH_2024 = datetime.date(2024, 3, 31)
MARCH_2025 = datetime.date(2025, 3, 31)
LEEDS = "E08000035"
YORKSHIRE = "E12000003"
MANCHESTER = "E08000003"
NORTH_WEST = "E12000002"


@pytest.fixture(autouse=True)
def _reference(reference_data):
    return None


def authority(code: str) -> LocalAuthority:
    return LocalAuthority.objects.get(ons_code=code)


def observe(home: Home, as_of: datetime.date, **values: object) -> HomeObservation:
    """What a register of `as_of` said about `home` (by default, what the home says now)."""
    run, _ = ImportRun.objects.get_or_create(
        kind=ImportRun.Kind.OFSTED, source_name=f"register-{as_of}", as_of=as_of, status=ImportRun.Status.SUCCEEDED
    )
    fields = {
        "provision_type": home.provision_type,
        "local_authority": home.local_authority,
        "sector": home.sector,
        "places": home.places,
        "registered_owner_name": home.registered_owner_name,
        "provider_organisation": home.provider_organisation,
        **values,
    }
    return HomeObservation.objects.create(home=home, import_run=run, as_of=as_of, **fields)


def provider(name: str, sector: str = Sector.PRIVATE) -> ProviderOrganisation:
    organisation = ProviderRecordFactory(name=name)
    provider_entity_ensure(provider_organisation=organisation, sector=sector)
    return organisation


def open_home(
    owner: ProviderOrganisation | None, *, places: int | None = 4, code: str = LEEDS, **values: object
) -> Home:
    """A home of `owner`, observed on 31 March 2025."""
    fields = {"provider_organisation": owner, "places": places, "local_authority": authority(code), **values}
    home = HomeFactory(**fields)
    observe(home, MARCH_2025)
    return home


def recompute() -> RecomputeRun:
    run = market_recompute(trigger=RecomputeRun.Trigger.COMMAND)
    assert run.status == RecomputeRun.Status.SUCCEEDED, run.error
    return run


def snapshot(
    *,
    as_of: datetime.date = MARCH_2025,
    code: str = ENGLAND_CODE,
    basis: str = "places",
    level: str = "ultimate",
    include_local_authority: bool = True,
) -> MarketSnapshot:
    return MarketSnapshot.objects.get(
        run__is_current=True,
        as_of=as_of,
        geography_code=code,
        basis=basis,
        level=level,
        include_local_authority=include_local_authority,
    )


def headline(found: MarketSnapshot) -> dict[str, object]:
    return {
        "homes": found.homes,
        "units": found.units,
        "owners": found.owners,
        "hhi": found.hhi,
        "cr4": found.cr4,
        "cr10": found.cr10,
        "owners_for_25_percent": found.figures["owners_for_25_percent"],
        "owners_for_50_percent": found.figures["owners_for_50_percent"],
    }


# ---------------------------------------------------------------- concentration


def test_shares_of_30_25_20_15_10_percent_give_the_figures_worked_by_hand():
    # Places 6, 5, 4, 3, 2 of 20: shares 30, 25, 20, 15 and 10 percent, all in Leeds.
    for index, places in enumerate([6, 5, 4, 3, 2]):
        open_home(provider(f"Owner {index} Limited"), places=places)

    recompute()

    # HHI 30² + 25² + 20² + 15² + 10² = 2250; the four largest hold 90%; one owner reaches 25%,
    # two reach 50% (30 + 25).
    expected = {
        "homes": 5,
        "units": 20,
        "owners": 5,
        "hhi": 2250.0,
        "cr4": 90.0,
        "cr10": 100.0,
        "owners_for_25_percent": 1,
        "owners_for_50_percent": 2,
    }
    for code in (ENGLAND_CODE, YORKSHIRE, LEEDS):
        assert headline(snapshot(code=code)) == expected
    # On the homes basis each owner has one of five homes: 20% each, HHI 5 x 400.
    assert headline(snapshot(basis="homes")) == {
        **expected,
        "units": 5,
        "hhi": 2000.0,
        "cr4": 80.0,
        "owners_for_25_percent": 2,
        "owners_for_50_percent": 3,
    }


def test_every_geography_with_homes_has_snapshots_and_others_none():
    open_home(provider("Leeds Care Limited"), code=LEEDS)
    open_home(provider("Manchester Care Limited"), code=MANCHESTER)

    run = recompute()

    codes = set(MarketSnapshot.objects.filter(run=run).values_list("geography_code", flat=True))
    assert codes == {ENGLAND_CODE, YORKSHIRE, LEEDS, NORTH_WEST, MANCHESTER}
    # 5 areas x 2 bases x 3 levels x with and without councils' homes, one date.
    assert MarketSnapshot.objects.filter(run=run).count() == 60
    leeds = snapshot(code=LEEDS)
    assert (leeds.geography_level, leeds.geography_name) == ("local_authority", "Leeds")
    assert (snapshot(code=YORKSHIRE).geography_level, snapshot().geography_name) == ("region", "England")
    assert headline(snapshot())["hhi"] == 5000.0


def test_levels_differ_spellings_count_at_registered_providers_at_provider_groups_at_ultimate():
    oak = provider("Oak Care Limited")
    open_home(oak, registered_owner_name="Oak Care Limited")
    open_home(oak, registered_owner_name=" oak care limited ")  # the same name once trimmed and upper-cased
    open_home(oak, registered_owner_name="OAK CARE LTD")
    beech, birch = provider("Beech Homes Limited"), provider("Birch Homes Limited")
    open_home(beech)
    open_home(birch)
    group = CompanyFactory(name="Tree Group Limited")
    for subsidiary in (beech, birch):
        MajorityShareholdingFactory(subject=subsidiary.entity, interested_party=group)

    recompute()

    owners = {level: snapshot(basis="homes", level=level).owners for level in ("registered", "provider", "ultimate")}
    assert owners == {"registered": 4, "provider": 3, "ultimate": 2}
    registered = snapshot(basis="homes", level="registered").figures["top_owners"]
    assert [(owner["name"], owner["units"]) for owner in registered] == [
        ("OAK CARE LIMITED", 2),
        ("BEECH HOMES LIMITED", 1),
        ("BIRCH HOMES LIMITED", 1),
        ("OAK CARE LTD", 1),
    ]
    assert snapshot(basis="homes", level="provider").figures["top_owners"][0] == {
        "name": "Oak Care Limited",
        "owner_type": OwnerType.PRIVATE_UNKNOWN,  # no evidence of its kind of owner
        "entity_id": None,
        "provider_organisation_id": oak.pk,
        "units": 3,
        "share": 60.0,
    }
    assert snapshot(basis="homes", level="ultimate").figures["top_owners"] == [
        {
            "name": "Oak Care Limited",
            "owner_type": OwnerType.PRIVATE_UNKNOWN,  # no evidence of its kind of owner
            "entity_id": oak.entity.pk,
            "provider_organisation_id": None,
            "units": 3,
            "share": 60.0,
        },
        {
            "name": "Tree Group Limited",
            "owner_type": OwnerType.PRIVATE_CORPORATE,
            "entity_id": group.pk,
            "provider_organisation_id": None,
            "units": 2,
            "share": 40.0,
        },
    ]


def test_local_authority_homes_count_only_when_included():
    open_home(provider("Private One Limited"), places=6)
    open_home(provider("Private Two Limited"), places=2)
    council = provider("Leeds City Council", sector=Sector.LOCAL_AUTHORITY)
    open_home(council, places=4, sector=Sector.LOCAL_AUTHORITY)
    open_home(council, places=4, sector=Sector.LOCAL_AUTHORITY)

    recompute()

    included, excluded = snapshot(), snapshot(include_local_authority=False)
    # With the council: 8, 6 and 2 of 16 places = 50, 37.5, 12.5%; without: 6 and 2 of 8.
    assert headline(included) == {
        "homes": 4,
        "units": 16,
        "owners": 3,
        "hhi": 2500.0 + 1406.25 + 156.25,
        "cr4": 100.0,
        "cr10": 100.0,
        "owners_for_25_percent": 1,
        "owners_for_50_percent": 1,
    }
    assert headline(excluded) == {
        "homes": 2,
        "units": 8,
        "owners": 2,
        "hhi": 5625.0 + 625.0,
        "cr4": 100.0,
        "cr10": 100.0,
        "owners_for_25_percent": 1,
        "owners_for_50_percent": 1,
    }
    assert included.figures["owner_type_shares"] == {
        "local_authority": 50.0,
        "voluntary": 0.0,
        "private_individual": 0.0,
        "private_corporate": 0.0,
        "private_investment": 0.0,
        "private_unknown": 50.0,  # a private company with no evidence: for-profit, owner not known
        "unknown": 0.0,
    }
    assert excluded.figures["owner_type_shares"]["local_authority"] == 0.0


def test_places_basis_leaves_out_homes_without_places():
    owner = provider("Counted Care Limited")
    open_home(owner, places=3)
    open_home(owner, places=None)
    open_home(provider("Unknown Places Limited"), places=0)

    recompute()

    assert (snapshot(basis="homes").homes, snapshot(basis="homes").units, snapshot(basis="homes").owners) == (3, 3, 2)
    assert (snapshot().homes, snapshot().units, snapshot().owners) == (1, 3, 1)


def test_only_childrens_homes_are_the_market():
    owner = provider("Mixed Provision Limited")
    open_home(owner, provision_type="Children's Home")  # Ofsted's capitals vary between years
    open_home(owner, provision_type="Secure children's home")
    open_home(owner, provision_type="Residential special school (registered as a children's home)")

    recompute()

    assert snapshot(basis="homes").homes == 1


def test_size_bands_count_owners_by_their_homes():
    for size, name in [(1, "Single"), (1, "Solo"), (2, "Pair"), (6, "Six"), (21, "Large")]:
        owner = provider(f"{name} Care Limited")
        for _ in range(size):
            open_home(owner, places=1)

    recompute()

    # 31 homes of one place each.
    assert snapshot().figures["size_bands"] == {
        "1": {"owners": 2, "units": 2, "share": round(200 / 31, 4)},
        "2-5": {"owners": 1, "units": 2, "share": round(200 / 31, 4)},
        "6-20": {"owners": 1, "units": 6, "share": round(600 / 31, 4)},
        "21+": {"owners": 1, "units": 21, "share": round(2100 / 31, 4)},
    }
    assert snapshot().figures["owners_for_50_percent"] == 1
    assert len(snapshot().figures["top_owners"]) == 5


def test_owners_not_named_count_as_named_at_registered_level_and_alone_at_the_other_levels():
    for _ in range(2):
        open_home(None, registered_owner_name="", places=2)
    open_home(provider("Named Care Limited"), places=4)

    recompute()

    registered = snapshot(level="registered")
    assert (registered.owners, registered.figures["top_owners"][1]["name"]) == (2, "NAMED CARE LIMITED")
    assert registered.figures["top_owners"][0]["name"] == "(no name given)"
    ultimate = snapshot()
    assert ultimate.owners == 3
    assert ultimate.figures["owner_type_shares"]["unknown"] == 50.0
    assert [owner["name"].endswith("(owner not named)") for owner in ultimate.figures["top_owners"]] == [
        False,
        True,
        True,
    ]


def test_a_home_counts_for_the_owner_its_register_named_on_that_date():
    seller, buyer = provider("Seller Care Limited"), provider("Buyer Care Limited")
    home = HomeFactory(provider_organisation=buyer, local_authority=authority(LEEDS))
    observe(home, MARCH_2024, provider_organisation=seller, registered_owner_name="Seller Care Limited")
    observe(home, MARCH_2025)

    recompute()

    def owner_on(as_of: datetime.date) -> str:
        return snapshot(as_of=as_of).figures["top_owners"][0]["name"]

    assert (owner_on(MARCH_2024), owner_on(MARCH_2025)) == ("Seller Care Limited", "Buyer Care Limited")


def test_change_since_previous_and_first_dates():
    big, small = provider("Big Care Limited"), provider("Small Care Limited")
    big_home = HomeFactory(provider_organisation=big, places=6, local_authority=authority(LEEDS))
    small_home = HomeFactory(provider_organisation=small, places=2, local_authority=authority(LEEDS))
    for as_of in (MARCH_2023, MARCH_2024, MARCH_2025):
        observe(big_home, as_of)
    observe(small_home, MARCH_2024, places=4)
    observe(small_home, MARCH_2025)
    open_home(provider("New Manchester Care Limited"), code=MANCHESTER)

    recompute()

    # 2023: one owner of 6 places, HHI 10,000. 2024: 6 and 4 of 10, HHI 5200, CR4 100.
    # 2025: 6, 2 and 4 (Manchester) of 12: 50, 16.67, 33.33%, HHI 3888.89.
    latest = snapshot()
    assert latest.hhi == round(2500 + (100 / 6) ** 2 + (100 / 3) ** 2, 4)
    assert latest.figures["change_since_previous"] == {
        "as_of": "2024-03-31",
        "edition_break": False,
        "units": 2,
        "owners": 1,
        "hhi": round(latest.hhi - 5200.0, 4),
        "cr4": 0.0,
        "cr10": 0.0,
    }
    assert latest.figures["change_since_first"] == {
        "as_of": "2023-03-31",
        "edition_break": False,
        "units": 6,
        "owners": 2,
        "hhi": round(latest.hhi - 10000.0, 4),
        "cr4": 0.0,
        "cr10": 0.0,
    }
    first = snapshot(as_of=MARCH_2023)
    assert (first.figures["change_since_previous"], first.figures["change_since_first"]) == (None, None)
    # Manchester had no homes before 2025: nothing to compare with.
    manchester = snapshot(code=MANCHESTER)
    assert (manchester.figures["change_since_previous"], manchester.figures["change_since_first"]) == (None, None)
    assert snapshot(code=LEEDS).figures["change_since_previous"]["hhi"] == round(
        (600 / 8) ** 2 + (200 / 8) ** 2 - 5200.0, 4
    )


# ---------------------------------------------------------------- costs


def place(home: Home, start: datetime.date, weekly_fee: str, *, synthetic: bool = False) -> Placement:
    fee = Decimal(weekly_fee)
    core = (fee * Decimal("0.7")).quantize(Decimal("0.01"))
    return Placement.objects.create(
        local_authority=authority(MANCHESTER),
        home=home,
        start_date=start,
        weekly_fee_core=core,
        weekly_fee_additional_support=Decimal("100.00"),
        weekly_fee_education=Decimal("50.00"),
        weekly_fee_other=fee - core - Decimal("150.00"),
        is_synthetic=synthetic,
    )


def costs() -> dict[tuple[int, str, str], tuple[object, ...]]:
    return {
        (cost.financial_year, cost.group_kind, cost.group_value): (
            cost.placements,
            cost.suppressed,
            cost.lower_quartile,
            cost.median_weekly_fee,
            cost.upper_quartile,
            cost.synthetic,
        )
        for cost in CostSnapshot.objects.filter(run__is_current=True)
    }


def test_costs_by_financial_year_with_quartiles_and_suppression():
    private = open_home(provider("Fee Care Limited"), code=LEEDS)
    council = open_home(
        provider("Leeds City Council", sector=Sector.LOCAL_AUTHORITY), code=LEEDS, sector=Sector.LOCAL_AUTHORITY
    )
    # Financial year 2024 (April 2024 to March 2025): six fees.
    for start, fee, home in [
        (datetime.date(2024, 4, 1), "1000.00", private),
        (datetime.date(2024, 6, 1), "1500.00", private),
        (datetime.date(2024, 9, 1), "2500.00", private),
        (datetime.date(2025, 1, 1), "4000.00", council),
        (datetime.date(2025, 3, 31), "7000.00", council),
    ]:
        place(home, start, fee)
    place(private, datetime.date(2024, 12, 1), "6000.00", synthetic=True)
    # Financial year 2023: 31 March 2024 belongs to it.
    place(private, datetime.date(2024, 3, 31), "3000.00")

    recompute()

    # Sorted fees 1000, 1500, 2500, 4000, 6000, 7000 (n = 6), linear interpolation at (n - 1) q:
    # lower quartile at 1.25 -> 1500 + 0.25 x 1000 = 1750; median at 2.5 -> 2500 + 0.5 x 1500 =
    # 3250; upper quartile at 3.75 -> 4000 + 0.75 x 2000 = 5500.
    expected_all = (6, False, Decimal("1750.00"), Decimal("3250.00"), Decimal("5500.00"), True)
    suppressed = (None, None, None)
    assert costs() == {
        (2024, "all", "all"): expected_all,
        (2024, "owner_type", OwnerType.PRIVATE_UNKNOWN): (4, True, *suppressed, True),
        (2024, "owner_type", OwnerType.LOCAL_AUTHORITY): (2, True, *suppressed, False),
        (2024, "region", YORKSHIRE): expected_all,
        (2024, "sector", "independent"): (4, True, *suppressed, True),
        (2024, "sector", "local_authority"): (2, True, *suppressed, False),
        (2023, "all", "all"): (1, True, *suppressed, False),
        (2023, "owner_type", OwnerType.PRIVATE_UNKNOWN): (1, True, *suppressed, False),
        (2023, "region", YORKSHIRE): (1, True, *suppressed, False),
        (2023, "sector", "independent"): (1, True, *suppressed, False),
    }
    labels = dict(
        CostSnapshot.objects.filter(run__is_current=True, financial_year=2024).values_list("group_value", "figures")
    )
    assert labels[YORKSHIRE] == {"label": "Yorkshire and The Humber"}
    assert labels["independent"] == {"label": "Independent"}


def test_no_placements_means_no_cost_snapshots():
    open_home(provider("Quiet Care Limited"))

    run = recompute()

    assert CostSnapshot.objects.filter(run=run).count() == 0
    assert run.rows_written == MarketSnapshot.objects.filter(run=run).count() == 36


def test_a_lone_suppressed_group_takes_the_next_smallest_with_it():
    # Sector split in 2024: 12 independent placements and 3 in a council home. Publishing the
    # independent count beside the total (15) would reveal the council's 3.
    private = open_home(provider("Big Care Limited"), code=LEEDS)
    council = open_home(
        provider("Leeds City Council", sector=Sector.LOCAL_AUTHORITY), code=LEEDS, sector=Sector.LOCAL_AUTHORITY
    )
    for day in range(12):
        place(private, datetime.date(2024, 5, 1 + day), "4000.00")
    for day in range(3):
        place(council, datetime.date(2024, 6, 1 + day), "5000.00")

    recompute()

    figures = costs()
    assert figures[(2024, "all", "all")][1] is False  # the total is published
    assert figures[(2024, "sector", "local_authority")][1] is True  # under 5
    assert figures[(2024, "sector", "independent")][1] is True  # suppressed with it
    assert figures[(2024, "sector", "independent")][2:5] == (None, None, None)
