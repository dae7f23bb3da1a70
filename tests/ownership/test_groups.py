"""Issue 11: ultimate owners that are true. Company groups resolve to one owner ("-" in the
direct-share column, share strings), Companies House names join spellings by number, the
researcher's corrections apply, and unknown stays unknown with the date of its evidence."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse

from ownership.curated import CURATED_VINTAGE
from ownership.models import Entity, HomeOwnershipCorrection, Interest, InterestType, OwnerType
from ownership.owner_names import registered_numbers_for
from ownership.selectors import ultimate_owner_of_entity, ultimate_owner_of_home, ultimate_owners
from ownership.services import home_ownership_corrections_load, ownership_edges_load, provider_entity_ensure
from providers.models import HomeObservation, ImportRun, Sector
from registry.importers.ofsted_owners import OwnerBook
from tests.ownership.factories import (
    CompanyFactory,
    HomeFactory,
    MajorityShareholdingFactory,
    PersonFactory,
    ProviderRecordFactory,
)

pytestmark = pytest.mark.django_db

ON = datetime.date(2023, 3, 31)
SHAREHOLDERS_HEADER = '"","Company.name","SH...Name","SH...Country.ISO.code","SH...Direct..","SH...Type","SH...City"\n'
CORRECTIONS_HEADER = ",Sector_merge,Company.name,URN,Registered.number,Reason,Correct_category,comment\n"


def provider_entity(name: str, sector: str = Sector.PRIVATE) -> Entity:
    provider = ProviderRecordFactory(name=name)
    return provider_entity_ensure(provider_organisation=provider, sector=sector)


def shareholders_file(directory: Path, *rows: str) -> None:
    (directory / "shareholderss_list.csv").write_text(SHAREHOLDERS_HEADER + "".join(rows), encoding="utf-8")


# ---------------------------------------------------------------- 1. "-": an owner higher in the group


def test_a_dash_names_the_group_top_so_the_group_has_one_ultimate_owner(tmp_path):
    cambian = provider_entity("Cambian Childcare Ltd")
    caretech_services = provider_entity("CareTech Community Services Limited")
    shareholders_file(
        tmp_path,
        '"3","CAMBIAN CHILDCARE LIMITED","ADVANCED CHILDCARE SERVICES LIMITED","GB","100.00","Corporate",""\n',
        '"4","CAMBIAN CHILDCARE LIMITED","CARETECH HOLDINGS LIMITED","GB","-","Corporate","POTTERS BAR"\n',
        '"11","CARETECH COMMUNITY SERVICES LIMITED","CARETECH HOLDINGS LIMITED","GB","100.00","Corporate",""\n',
    )

    (run,) = ownership_edges_load(directory=tmp_path)

    assert run.rejected_rows == []
    dash = Interest.objects.get(interested_party__name="CARETECH HOLDINGS LIMITED", subject=cambian)
    assert (dash.interest_type, dash.direct, dash.beneficial_ownership_or_control, dash.share_exact) == (
        InterestType.OTHER_INFLUENCE_OR_CONTROL,
        False,
        True,
        None,
    )
    assert dash.observed_on == CURATED_VINTAGE
    owners = {ultimate_owner_of_entity(entity, ON).owner for entity in (cambian, caretech_services)}
    assert {owner.name for owner in owners if owner is not None} == {"CARETECH HOLDINGS LIMITED"}
    resolution = ultimate_owner_of_entity(cambian, ON)
    assert resolution.owner_type == OwnerType.PRIVATE_CORPORATE
    assert resolution.evidence_on == CURATED_VINTAGE


# ---------------------------------------------------------------- 2. share strings


@pytest.mark.parametrize(
    ("text", "minimum", "exclusive_minimum", "maximum", "exclusive_maximum", "controls"),
    [
        (">75.00", Decimal(75), True, Decimal(100), False, True),
        (">50.00", Decimal(50), True, Decimal(100), False, True),
        (">=50", Decimal(50), False, Decimal(100), False, False),
        ("<0.50", Decimal(0), False, Decimal("0.5"), True, False),
        ("WO", Decimal(50), True, Decimal(100), False, True),
        ("MO", Decimal(50), True, Decimal(100), False, True),
    ],
)
def test_share_strings_are_ranges(tmp_path, text, minimum, exclusive_minimum, maximum, exclusive_maximum, controls):
    bryn_melyn = provider_entity("Bryn Melyn Care Limited")
    shareholders_file(
        tmp_path, f'"64","BRYN MELYN CARE LIMITED","KEYS GROUP HOLDINGS LIMITED","GB","{text}","Corporate",""\n'
    )

    (run,) = ownership_edges_load(directory=tmp_path)

    assert run.rejected_rows == []
    share = Interest.objects.get(subject=bryn_melyn)
    assert (
        share.share_minimum,
        share.share_exclusive_minimum,
        share.share_maximum,
        share.share_exclusive_maximum,
        share.share_exact,
    ) == (minimum, exclusive_minimum, maximum, exclusive_maximum, None)
    owner = ultimate_owner_of_entity(bryn_melyn, ON).owner
    assert (owner is not None and owner.name == "KEYS GROUP HOLDINGS LIMITED") is controls


@pytest.mark.parametrize("code", ["FC", "NG", "US", "n.a.", "N/A"])
def test_unknown_share_codes_are_kept_as_no_share_not_rejected(tmp_path, code):
    horizon = provider_entity("Horizon Care Limited")
    shareholders_file(tmp_path, f'"1","HORIZON CARE LIMITED","HORIZON GROUP LIMITED","GB","{code}","Corporate",""\n')

    (run,) = ownership_edges_load(directory=tmp_path)

    assert run.rejected_rows == []
    share = Interest.objects.get(subject=horizon)
    assert (share.interest_type, share.share_exact, share.share_minimum, share.share_maximum) == (
        InterestType.SHAREHOLDING,
        None,
        None,
        None,
    )
    assert ultimate_owner_of_entity(horizon, ON).owner == horizon


# ---------------------------------------------------------------- 3. Companies House names join by number


def test_a_companies_house_name_in_the_lookup_gives_its_company_number():
    # lookup_fame_search_final.csv: "Artemis Support Ltd" is COMPASS CHILDREN'S HOMES NORTH EAST LIMITED, 07013791.
    assert registered_numbers_for("Artemis Support Ltd").company_number == "07013791"
    assert registered_numbers_for("Compass Children's Homes North East Limited").company_number == "07013791"


@pytest.mark.parametrize("order", ["register first", "edges first"])
def test_a_rename_joins_the_organisation_and_its_edges_in_either_load_order(tmp_path, order):
    shareholders_file(
        tmp_path,
        '"234","COMPASS CHILDREN\'S HOMES NORTH EAST LIMITED","COMPASS COMMUNITY LTD","GB","WO","Corporate",""\n',
    )
    (tmp_path / "lookup_fame_search_final.csv").write_text(
        '"","Organisation","Organisation_fame_search","Company.name","Registered.number"\n'
        '"26","Artemis Support Ltd","Artemis Support Ltd","COMPASS CHILDREN\'S HOMES NORTH EAST LIMITED","07013791"\n',
        encoding="utf-8",
    )
    if order == "edges first":
        ownership_edges_load(directory=tmp_path)
    for as_of, spelling in (
        (datetime.date(2019, 3, 31), "Artemis Support Ltd"),
        (ON, "Compass Children's Homes North East Limited"),
    ):
        book = OwnerBook.load(as_of)
        book.resolve(spelling, Sector.PRIVATE)
        book.save()
        book.ensure_entities()
    if order == "register first":
        ownership_edges_load(directory=tmp_path)

    artemis = Entity.objects.get(company_number="07013791")
    assert artemis.provider_organisation is not None
    assert set(artemis.provider_organisation.names.values_list("name", flat=True)) == {
        "Artemis Support Ltd",
        "Compass Children's Homes North East Limited",
    }
    resolution = ultimate_owner_of_entity(artemis, ON)
    assert resolution.owner is not None
    assert resolution.owner.name == "COMPASS COMMUNITY LTD"


# ---------------------------------------------------------------- 4. the researcher's corrections


def corrections_file(directory: Path, *rows: str) -> Path:
    path = directory / "all_missing_info.csv"
    path.write_bytes((CORRECTIONS_HEADER + "".join(rows)).encode("cp1252"))
    return path


def test_corrections_load_by_urn_reject_bad_rows_and_reload_changes_nothing(tmp_path):
    path = corrections_file(
        tmp_path,
        "9,Corporate owned,ALBRIGHTON CARE HOMES LTD,2519084,07081004,incorrect fame match,Individual owned,"
        '"matched to dissolved company, run by two men"\n',
        "22,Corporate owned,BAYIS SHELI LTD,SC490365,05576871,Charity identified as private by ofsted,Third sector,"
        "registered as a charity\u2026 unsure\n",
        "23,Corporate owned,NOBODY LTD,SC000001,1,unsure,Royal owned,\n",
        "24,Corporate owned,NOBODY LTD,not a urn,1,unsure,Third sector,\n",
        "25,Corporate owned,NOBODY LTD,SC000002,1,,Third sector,\n",
        "26,Corporate owned,ALBRIGHTON CARE HOMES LTD,2519084,07081004,unsure,Third sector,\n",
    )

    first = home_ownership_corrections_load(path=path)
    stored = list(HomeOwnershipCorrection.objects.values_list("urn", "owner_type", "wrong_company_match", "comment"))
    second = home_ownership_corrections_load(path=path)

    assert stored == [
        ("2519084", OwnerType.PRIVATE_INDIVIDUAL, True, "matched to dissolved company, run by two men"),
        ("SC490365", OwnerType.VOLUNTARY, False, "registered as a charity\u2026 unsure"),
    ]
    assert first.rejected_rows == [
        {"line": 4, "reason": "Correct_category 'Royal owned' is not one this importer knows"},
        {"line": 5, "reason": "URN 'NOT A URN' is not an Ofsted URN"},
        {"line": 6, "reason": "no value in Reason"},
        {"line": 7, "reason": "URN 2519084 is already corrected on line 2"},
    ]
    assert first.counts == {"corrections_new": 2, "rejected": 4}
    assert second.counts == {"corrections_unchanged": 2, "rejected": 4}
    assert list(HomeOwnershipCorrection.objects.values_list("urn", "owner_type", "wrong_company_match", "comment")) == (
        stored
    )


def test_a_wrong_company_match_makes_the_provider_its_own_owner_and_the_home_page_says_why(client, tmp_path):
    provider = ProviderRecordFactory(name="Albrighton Care Homes Ltd")
    home = HomeFactory(provider_organisation=provider, urn="2519084", sector=Sector.PRIVATE)
    other_home = HomeFactory(provider_organisation=provider, urn="2519085", sector=Sector.PRIVATE)
    albrighton = provider_entity_ensure(provider_organisation=provider, sector=Sector.PRIVATE)
    wrong_group = CompanyFactory(name="Dissolved Holdings Limited", research_owner_type=OwnerType.PRIVATE_CORPORATE)
    MajorityShareholdingFactory(subject=albrighton, interested_party=wrong_group)
    home_ownership_corrections_load(
        path=corrections_file(
            tmp_path,
            "9,Corporate owned,ALBRIGHTON CARE HOMES LTD,2519084,07081004,incorrect fame match,Individual owned,"
            "run by two men\n",
        )
    )
    on = datetime.date(2025, 3, 31)

    corrected = ultimate_owner_of_home(home, on)
    resolved = ultimate_owners(on)

    assert (corrected.owner, corrected.chain, corrected.owner_type) == (albrighton, (), OwnerType.PRIVATE_INDIVIDUAL)
    assert corrected.evidence_on == CURATED_VINTAGE
    assert "incorrect fame match" in corrected.reason
    assert resolved[home.pk] == corrected
    assert resolved[other_home.pk].owner == wrong_group  # only the corrected home changes
    page = client.get(reverse("registry:home", args=[home.urn]))
    assert "incorrect fame match (run by two men)" in page.content.decode()


def test_a_correction_without_a_wrong_match_keeps_the_owner_and_sets_the_type(tmp_path):
    provider = ProviderRecordFactory(name="Purple Oak Support")
    home = HomeFactory(provider_organisation=provider, urn="2504775", sector=Sector.PRIVATE)
    purple_oak = provider_entity_ensure(provider_organisation=provider, sector=Sector.PRIVATE)
    home_ownership_corrections_load(
        path=corrections_file(
            tmp_path, "45,Corporate owned,PURPLE OAK SUPPORT,2504775,02962601,wrong ofsted category,Third sector,\n"
        )
    )

    resolution = ultimate_owner_of_home(home, datetime.date(2025, 3, 31))

    assert (resolution.owner, resolution.owner_type) == (purple_oak, OwnerType.VOLUNTARY)
    assert resolution.reason.endswith(
        "The research corrects home 2504775 to voluntary / third sector: wrong ofsted category."
    )


# ---------------------------------------------------------------- 5. unknown is unknown, with its evidence date


def test_a_private_company_with_no_evidence_is_private_owner_not_known():
    entity = provider_entity("Quiet Homes Ltd")

    resolution = ultimate_owner_of_entity(entity, ON)

    assert (resolution.owner_type, resolution.evidence_on, resolution.is_known) == (
        OwnerType.PRIVATE_UNKNOWN,
        None,
        False,
    )
    assert "individual" not in resolution.reason


def test_holders_who_are_all_individuals_make_a_company_individual_owned():
    entity = provider_entity("Two Partners Care Ltd")
    for name in ("Ann Partner", "Bob Partner"):
        MajorityShareholdingFactory(
            subject=entity,
            interested_party=PersonFactory(name=name),
            share_exact=Decimal(50),
            observed_on=datetime.date(2022, 6, 1),
        )

    resolution = ultimate_owner_of_entity(entity, ON)

    assert (resolution.owner, resolution.owner_type, resolution.evidence_on) == (
        entity,
        OwnerType.PRIVATE_INDIVIDUAL,
        datetime.date(2022, 6, 1),
    )


def test_a_council_is_known_from_the_register_of_its_date():
    provider = ProviderRecordFactory(name="Leeds City Council")
    home = HomeFactory(provider_organisation=provider, sector=Sector.LOCAL_AUTHORITY)
    run = ImportRun.objects.create(kind=ImportRun.Kind.OFSTED, source_name="provider_at_march.csv")
    for as_of in (datetime.date(2022, 3, 31), ON, datetime.date(2024, 3, 31)):
        HomeObservation.objects.create(
            home=home,
            import_run=run,
            as_of=as_of,
            provision_type="Children's home",
            provider_organisation=provider,
            sector=Sector.LOCAL_AUTHORITY,
        )
    council = provider_entity_ensure(provider_organisation=provider, sector=Sector.LOCAL_AUTHORITY)

    assert ultimate_owner_of_entity(council, ON).evidence_on == ON
    assert ultimate_owners(datetime.date(2023, 12, 1))[home.pk].evidence_on == ON


def test_research_classification_is_dated_by_the_curated_vintage():
    entity = provider_entity("Classified Care Ltd")
    Entity.objects.filter(pk=entity.pk).update(research_owner_type=OwnerType.PRIVATE_INDIVIDUAL)
    entity.refresh_from_db()

    resolution = ultimate_owner_of_entity(entity, ON)

    assert (resolution.owner_type, resolution.evidence_on) == (OwnerType.PRIVATE_INDIVIDUAL, CURATED_VINTAGE)
