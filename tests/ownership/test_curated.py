"""Curated ownership edges (BenGoodair/Care-Markets CSVs) through the same services as BODS."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ownership.curated import nature_of_control
from ownership.models import Entity, Interest, InterestType, OwnerCategory, OwnerType
from ownership.selectors import is_majority, ultimate_owner_of_entity
from ownership.services import ownership_edges_load, provider_entity_ensure
from providers.models import ImportRun, Sector
from tests.ownership.factories import ProviderRecordFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[2] / "ownership" / "data"
ON = datetime.date(2025, 3, 31)


def provider_entity(name: str) -> Entity:
    provider = ProviderRecordFactory(name=name)
    return provider_entity_ensure(provider_organisation=provider, sector=Sector.PRIVATE)


def test_real_files_give_dove_adolescent_services_its_global_ultimate_owner():
    # holding_cos.csv line 7: DOVE ADOLESCENT SERVICES LIMITED -> NUTRIUS UK TOPCO LIMITED (Corporate);
    # duo_corporate_pscs.csv line 4: NUTRIUS UK TOPCO LIMITED <- Ursae Bidco Limited, shares above 75%;
    # c_home_cats.csv line 271: DOVE ADOLESCENT SERVICES LIMITED, Investment owned.
    dove = provider_entity("Dove Adolescent Services Ltd")

    ownership_edges_load(directory=DATA)

    dove.refresh_from_db()
    resolution = ultimate_owner_of_entity(dove, ON)
    guo_link, psc = resolution.chain
    assert (guo_link.interested_party.name, guo_link.source, guo_link.interest_type, guo_link.direct) == (
        "NUTRIUS UK TOPCO LIMITED",
        "holding_cos.csv",
        InterestType.OTHER_INFLUENCE_OR_CONTROL,
        False,
    )
    assert (psc.source, psc.share_minimum, psc.share_exclusive_minimum, psc.share_maximum) == (
        "duo_corporate_pscs.csv",
        Decimal(75),
        True,
        Decimal(100),
    )
    assert resolution.owner is not None
    assert resolution.owner.name == "URSAE BIDCO LIMITED"
    assert dove.research_owner_type == OwnerType.PRIVATE_INVESTMENT
    assert resolution.owner_type == OwnerType.PRIVATE_INVESTMENT
    # The direct shareholder (shareholderss_list.csv line 102) is kept, but the GUO link is followed.
    assert set(Interest.objects.filter(subject=dove).values_list("interested_party__name", "share_exact")) == {
        ("NUTRIUS UK TOPCO LIMITED", None),
        ("NUTRIUS UK BIDCO LIMITED", Decimal(100)),
    }


def test_private_equity_global_ultimate_owner_makes_aurora_investment_owned():
    aurora = provider_entity("Aurora ASD Limited")

    ownership_edges_load(directory=DATA)

    resolution = ultimate_owner_of_entity(aurora, ON)
    assert [interest.interested_party.name for interest in resolution.chain] == [
        "OCTOPUS CAPITAL LIMITED",
        "Octopus Group Holdings Limited",
    ]
    assert Entity.objects.get(name="OCTOPUS CAPITAL LIMITED").category == OwnerCategory.PRIVATE_EQUITY_FIRM
    assert resolution.owner_type == OwnerType.PRIVATE_INVESTMENT


def test_loading_records_runs_and_rejections_and_is_idempotent():
    provider_entity("Dove Adolescent Services Ltd")

    first = ownership_edges_load(directory=DATA)
    facts = (
        set(Entity.objects.values_list("record_id", "name", "category", "research_owner_type")),
        set(Interest.objects.values_list("record_id", "subject", "interested_party", "share_exact", "share_minimum")),
    )
    second = ownership_edges_load(directory=DATA)

    assert [run.source_name for run in first] == [
        "holding_cos.csv",
        "shareholderss_list.csv",
        "GUO_shareholderss_list.csv",
        "duo_corporate_pscs.csv",
        "c_home_cats.csv",
        "owner_type_overrides.csv",  # our own curation, after the research's files
        "all_missing_info.csv",  # the researcher's corrections of single homes
    ]
    assert {run.kind for run in first} == {ImportRun.Kind.CURATED}
    assert {run.status for run in first + second} == {ImportRun.Status.SUCCEEDED}
    guo_shareholders = first[2]
    assert guo_shareholders.rejected_rows[0] == {
        "line": 14,
        "reason": "FUSION TOPCO LIMITED is listed as holding an interest in itself",
    }
    assert [run.counts.get("interests_new", 0) for run in first] == [33, 386, 53, 41, 0, 0, 0]
    assert [run.counts.get("interests_unchanged", 0) for run in second] == [33, 386, 53, 41, 0, 0, 0]
    assert (first[-1].counts, second[-1].counts) == (
        {"corrections_new": 81, "rejected": 0},
        {"corrections_unchanged": 81, "rejected": 0},
    )
    assert all(not any(key.endswith(("_new", "_changed")) for key in run.counts) for run in second), [
        run.counts for run in second
    ]
    assert (
        set(Entity.objects.values_list("record_id", "name", "category", "research_owner_type")),
        set(Interest.objects.values_list("record_id", "subject", "interested_party", "share_exact", "share_minimum")),
    ) == facts


@pytest.mark.parametrize(
    ("nature", "interest_type", "minimum", "maximum", "majority"),
    [
        ("Ownership of shares - between 25% and 50%", InterestType.SHAREHOLDING, 25, 50, False),
        ("Ownership of shares - between 50% and 75%", InterestType.SHAREHOLDING, 50, 75, True),
        ("Ownership of shares - above 75%", InterestType.SHAREHOLDING, 75, 100, True),
        ("Right to surplus assets - between 75% and 100%", InterestType.RIGHTS_TO_SURPLUS_ASSETS, 75, 100, True),
        ("Has significant influence or control", InterestType.OTHER_INFLUENCE_OR_CONTROL, None, None, False),
        ("", InterestType.UNKNOWN, None, None, False),
    ],
)
def test_nature_of_control_becomes_a_share_range_with_exclusive_minimum(
    nature, interest_type, minimum, maximum, majority
):
    fields = nature_of_control(nature)

    assert fields.interest_type == interest_type
    assert fields.share_minimum == (None if minimum is None else Decimal(minimum))
    assert fields.share_maximum == (None if maximum is None else Decimal(maximum))
    assert fields.share_exclusive_minimum is (minimum is not None)
    assert is_majority(Interest(**fields.as_dict())) is majority


def test_bad_rows_are_rejected_with_line_and_reason(tmp_path):
    (tmp_path / "shareholderss_list.csv").write_text(
        '"","Company.name","SH...Name","SH...Country.ISO.code","SH...Direct..","SH...Type","SH...City"\n'
        '"1","BROOK CARE LIMITED","BROOK HOLDINGS LIMITED","GB","150","Corporate",""\n'
        '"2","BROOK CARE LIMITED","","GB","10","Corporate",""\n'
        '"3","BROOK CARE LIMITED","OAKFIELD CAPITAL LLP","GB","MO","Private equity firm",""\n',
        encoding="utf-8",
    )
    (tmp_path / "duo_corporate_pscs.csv").write_text(
        '"","X","Company.name","PSC...Name","PSC...Address","PSC...Nature.of.control","PSC...Type"\n'
        '"1",1,"BROOK CARE LIMITED","Oakfield Capital Llp","","Owns a boat","Corporate entity"\n',
        encoding="utf-8",
    )

    shareholders, pscs = ownership_edges_load(directory=tmp_path)

    assert shareholders.rejected_rows == [
        {"line": 2, "reason": "direct share 150% is not a percentage"},
        {"line": 3, "reason": "no value in SH...Name"},
    ]
    assert pscs.rejected_rows == [
        {"line": 2, "reason": "nature of control 'Owns a boat' is not one this importer knows"}
    ]
    interest = Interest.objects.get()
    assert (interest.record_id, interest.share_minimum, interest.share_exclusive_minimum, interest.source) == (
        "curated:shareholderss_list:BROOK CARE LIMITED->OAKFIELD CAPITAL LLP#0",
        Decimal(50),
        True,
        "shareholderss_list.csv",
    )
    brook = Entity.objects.get(name="BROOK CARE LIMITED")
    assert ultimate_owner_of_entity(brook, ON).owner_type == OwnerType.PRIVATE_INVESTMENT


def test_command_loads_a_directory_and_refuses_an_empty_one(tmp_path):
    with pytest.raises(CommandError, match="holds none of the curated ownership files"):
        call_command("load_ownership_edges", str(tmp_path))

    stdout = io.StringIO()
    call_command("load_ownership_edges", str(DATA), stdout=stdout)

    assert stdout.getvalue().splitlines()[0].startswith("holding_cos.csv: Succeeded {")
    assert ImportRun.objects.filter(kind=ImportRun.Kind.CURATED).count() == 7


def test_our_curated_overrides_apply_after_the_research_files():
    runs = ownership_edges_load(directory=DATA)
    names = [run.source_name for run in runs]
    overrides = runs[names.index("owner_type_overrides.csv")]
    assert names.index("owner_type_overrides.csv") > names.index("c_home_cats.csv")
    assert overrides.counts == {"new": 1, "rejected": 0}
    sovereign_fund = Entity.objects.get(name="Qatar Investment Authority")
    assert sovereign_fund.owner_type_overrides.get().owner_type == "private_investment"
