"""The scenario planner's page and its base market, on a market a real recompute published.

Yorkshire's market (all in Leeds, 31 March 2025), 40 places: Big Group 20 (4 homes), Middle
Care 8 (2 homes), Leeds City Council 5 (1 home, the council's own), Small One 3, Small Two 2
and Small Three 2 (a home each). Shares 50, 20, 12.5, 7.5, 5, 5: HHI 3,162.5, CR4 90%.
Federating the small providers (at most 3 homes: Middle Care and the three Smalls, 15 places)
gives 50, 37.5, 12.5: HHI 4,062.5, CR4 100%.
"""

from __future__ import annotations

import datetime
import html
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from geography.models import LocalAuthority
from market import scenario_views
from market.analytics.recompute import market_recompute
from market.analytics.scenario_inputs import base_market, homes_on, owner_token
from market.models import MarketSnapshot, OwnerLevel, RecomputeRun
from market.scenarios import Scenario, outcome
from ownership.models import Entity
from ownership.services import provider_entity_ensure
from providers.models import HomeObservation, ImportRun, ProviderOrganisation, Sector
from tests.ownership.factories import HomeFactory, ProviderRecordFactory

pytestmark = pytest.mark.django_db

MARCH_2025 = datetime.date(2025, 3, 31)
LEEDS = "E08000035"
YORKSHIRE = "E12000003"
URL = "/dashboards/scenarios/"


def provider(name: str, homes: list[int], sector: str = Sector.PRIVATE) -> ProviderOrganisation:
    """A provider whose homes in Leeds (of these places each) the 2025 register lists."""
    organisation = ProviderRecordFactory(name=name)
    provider_entity_ensure(provider_organisation=organisation, sector=sector)
    run, _ = ImportRun.objects.get_or_create(
        kind=ImportRun.Kind.OFSTED, source_name="register", as_of=MARCH_2025, status=ImportRun.Status.SUCCEEDED
    )
    leeds = LocalAuthority.objects.get(ons_code=LEEDS)
    for places in homes:
        home = HomeFactory(provider_organisation=organisation, places=places, local_authority=leeds)
        HomeObservation.objects.create(
            home=home,
            import_run=run,
            as_of=MARCH_2025,
            provision_type=home.provision_type,
            local_authority=home.local_authority,
            sector=sector,
            places=places,
            registered_owner_name=home.registered_owner_name,
            provider_organisation=organisation,
        )
    return organisation


@pytest.fixture
def yorkshire(reference_data) -> RecomputeRun:
    provider("Big Group Limited", [5, 5, 5, 5])
    provider("Middle Care Limited", [4, 4])
    provider("Leeds City Council", [5], sector=Sector.LOCAL_AUTHORITY)
    provider("Small One Limited", [3])
    provider("Small Two Limited", [2])
    provider("Small Three Limited", [2])
    run = market_recompute(trigger=RecomputeRun.Trigger.COMMAND)
    assert run.status == RecomputeRun.Status.SUCCEEDED, run.error
    return run


def token_of(name: str) -> str:
    organisation = ProviderOrganisation.objects.get(name=name)
    entity = Entity.objects.get(provider_organisation=organisation)
    return owner_token(f"e:{entity.pk}")


def text(response: Any) -> str:
    return html.unescape(re.sub(r"\s+", " ", response.content.decode()))


def test_before_is_every_published_snapshot(yorkshire: RecomputeRun) -> None:
    homes = homes_on(MARCH_2025)
    snapshots = list(MarketSnapshot.objects.filter(run=yorkshire, as_of=MARCH_2025))
    assert len(snapshots) == 36  # England, Yorkshire, Leeds x 3 levels x 2 bases x councils in or out

    for snapshot in snapshots:
        base = base_market(
            homes,
            as_of=MARCH_2025,
            geography_code=snapshot.geography_code,
            level=snapshot.level,
            basis=snapshot.basis,
            include_local_authority=snapshot.include_local_authority,
        )
        before = outcome(base, Scenario(), snapshot.geography_name).before
        published = (snapshot.units, snapshot.owners, snapshot.hhi, snapshot.cr4, snapshot.cr10)
        assert (before.units, before.owners, round(before.hhi or 0, 4), round(before.cr4 or 0, 4)) == (
            published[0],
            published[1],
            published[2],
            published[3],
        ), snapshot
        assert round(before.cr10 or 0, 4) == snapshot.cr10
        assert before.owners_for_25_percent == snapshot.figures["owners_for_25_percent"]
        assert before.owners_for_50_percent == snapshot.figures["owners_for_50_percent"]
        shares = {name: round(share, 4) for name, share in before.owner_type_shares.items()}
        assert shares == snapshot.figures["owner_type_shares"]


def test_federating_a_regions_small_providers_shows_its_effect_on_hhi_and_cr4(yorkshire: RecomputeRun) -> None:
    response = Client().get(URL, {"geography": YORKSHIRE, "federate_small": "yes"})

    assert response.status_code == 200
    page = text(response)
    assert "In Yorkshire and The Humber, HHI rises from 3,162 to 4,062: the market stays highly concentrated" in page
    assert "The four largest owners' share rises from 90.0% to 100.0%" in page
    assert "All 4 small providers in Yorkshire and The Humber federate and count as one owner" in page
    assert response.context["result"].before.hhi == pytest.approx(3162.5)
    assert response.context["result"].after.hhi == pytest.approx(4062.5)
    assert response.context["matches_snapshot"] is True


def test_the_page_without_moves_shows_the_published_market(yorkshire: RecomputeRun) -> None:
    response = Client().get(URL)

    assert response.status_code == 200
    england = MarketSnapshot.objects.get(
        run=yorkshire,
        geography_code="E92000001",
        level=OwnerLevel.ULTIMATE,
        basis="places",
        include_local_authority=True,
    )
    assert response.context["rows"][0] == {
        "label": "HHI (0 to 10,000)",
        "before": "3,162",
        "after": "3,162",
        "change": "no change",
    }
    assert england.hhi == 3162.5
    assert "Scenario planner: England at 31 March 2025" in text(response)


def test_adding_a_move_redirects_to_the_scenarios_own_url(yorkshire: RecomputeRun) -> None:
    response = Client().get(
        URL, {"geography": LEEDS, "add": "open", "open_authority": LEEDS, "open_number": "2", "open_unit": "homes"}
    )

    assert response.status_code == 302
    assert response["Location"] == (
        f"{URL}?geography={LEEDS}&as_of=2025-03-31&level=ultimate&basis=places&include_local_authority=yes&small=3"
        f"&open={LEEDS}%3A2%3Ahomes"
    )
    page = Client().get(response["Location"])
    # 2 homes at Leeds's mean of 4 places a home (40 places in 10 homes): 8 places, the council's.
    assert "Leeds opens 2 homes (8 places at the area's mean), owned by the council" in text(page)
    assert page.context["result"].after.units == 48
    assert page.context["result"].after.owner_type_shares["local_authority"] == pytest.approx(13 * 100 / 48)


def test_moves_combine_in_the_query_string(yorkshire: RecomputeRun) -> None:
    big, small = token_of("Big Group Limited"), token_of("Small One Limited")
    query = {"geography": YORKSHIRE, "exit": big, "federate": f"{small},{token_of('Small Two Limited')}"}

    response = Client().get(URL, query)

    # 20 places left: Middle 8, council 5, the federation 5, Small Three 2: 40, 25, 25, 10.
    assert response.context["result"].after.hhi == pytest.approx(1600 + 625 + 625 + 100)
    assert [move["text"] for move in response.context["moves"]] == [
        "Big Group Limited exits: its 20 places leave the market",
        "2 small providers federate and count as one owner (Small One Limited, Small Two Limited)",
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"federate": "zzz999,e1"}, "No owner in England's market has the id “zzz999”: choose one from the list"),
        ({"open": f"{LEEDS}:-3:homes"}, "Enter a number of homes to open from 1 to 500"),
        ({"open": f"{LEEDS}:99999999:places"}, "Enter a number of places to open from 1 to 5,000"),
        ({"open": "E99999999:2:homes"}, "No homes in England are in a local authority with the code “E99999999”"),
        ({"geography": "E99"}, "Choose England, a region or a local authority from the list"),
        ({"as_of": "2024-13-45"}, "There are no figures for that date: choose one of 31 March 2025"),
        ({"small": "-1"}, "Enter a number of homes from 1 to 20 for a small provider"),
        ({"reserve": "500"}, "Enter the percentage reserved for small providers as a whole number from 1 to 50"),
        ({"exit": "<script>alert(1)</script>"}, "“<script>alert(1)</script>” is not an owner id"),
        ({"add": "reserve", "reserve_percent": "-5"}, "Enter a percentage from 1 to 50"),
        ({"add": "federate", "federate_member": "e1"}, "Choose small providers from the list"),
    ],
)
def test_a_bad_parameter_gets_its_own_message_and_changes_nothing(
    yorkshire: RecomputeRun, query: dict[str, str], message: str
) -> None:
    response = Client().get(URL, query)

    assert response.status_code == 200
    assert message in text(response)
    assert "govuk-error-summary" in text(response)
    assert response.context["result"] is None
    assert response.context["errors"]
    assert "<script>alert" not in response.content.decode()


def test_a_move_the_market_cannot_take_shows_the_published_market_only(yorkshire: RecomputeRun) -> None:
    big = token_of("Big Group Limited")

    response = Client().get(URL, {"exit": big, "buy": f"{big}:{token_of('Middle Care Limited')}"})

    assert "Big Group Limited already exits in this scenario, so it cannot also be bought" in text(response)
    assert response.context["before_only"][0]["before"] == "3,162"
    assert response.context["result"] is None


def test_the_scenario_is_a_slide_in_presentation_mode(yorkshire: RecomputeRun) -> None:
    response = Client().get(URL, {"geography": YORKSHIRE, "federate_small": "yes", "present": "1"})

    page = text(response)
    assert response.templates[0].name == "market/dashboards/scenario_slide.html"
    assert "Yorkshire and The Humber, 31 March 2025: what if" in page
    assert "Source: Ofsted's register of children's homes at 31 March 2025" in page
    assert "Legend: HHI, the sum of the squares of every owner's percentage share" in page
    assert [row["label"] for row in response.context["slide_rows"]] == [
        "HHI (0 to 10,000)",
        "CR4: share of the 4 largest owners (%)",
        "CR10: share of the 10 largest owners (%)",
        "Owners holding half of the places",
    ]


def test_a_scenario_is_kept_for_anonymous_visitors_under_its_canonical_url(
    yorkshire: RecomputeRun, monkeypatch
) -> None:
    cache.clear()
    market = "as_of=2025-03-31&level=ultimate&basis=places&include_local_authority=yes&small=3"
    first = Client().get(f"{URL}?geography={YORKSHIRE}&{market}&federate_small=yes")

    def broken(request: Any) -> None:
        raise AssertionError("computed again")

    monkeypatch.setattr(scenario_views, "_page", broken)
    # The same scenario spelt another way (defaults left out, an unknown parameter) is the same page.
    second = Client().get(f"{URL}?federate_small=yes&geography={YORKSHIRE}&utm_source=slides")

    assert first.status_code == 200
    assert second.status_code == 200
    assert "HHI rises from 3,162 to 4,062" in text(second)
    with pytest.raises(AssertionError, match="computed again"):
        Client().get(f"{URL}?geography={YORKSHIRE}&federate_small=yes&reserve=5")  # another scenario
    with pytest.raises(AssertionError, match="computed again"):
        Client().get(f"{URL}?geography={YORKSHIRE}&federate_small=yes&present=1")  # its slide


def test_small_providers_are_found_by_name_and_federated_by_their_checkboxes(yorkshire: RecomputeRun) -> None:
    found = Client().get(URL, {"geography": YORKSHIRE, "find": "small t"})

    listed = [label for _, label in found.context["add_forms"]["federate"].fields["federate_member"].choices]
    assert listed == ["Small Three Limited (2 places)", "Small Two Limited (2 places)"]

    members = [token_of("Small Three Limited"), token_of("Small Two Limited")]
    added = Client().get(URL, {"geography": YORKSHIRE, "add": "federate", "federate_member": members})

    assert added.status_code == 302
    assert added["Location"].endswith("&federate=" + "%2C".join(members))
    result = Client().get(added["Location"]).context["result"]
    # 50, 20, 12.5, 10 (the federation), 7.5: HHI 2,500 + 400 + 156.25 + 100 + 56.25.
    assert result.after.hhi == pytest.approx(3212.5)


def test_federate_small_may_say_what_small_means(yorkshire: RecomputeRun) -> None:
    response = Client().get(URL, {"geography": YORKSHIRE, "federate_small": "1"})

    # At most one home: the three Smalls (7 places) federate; Middle Care (2 homes) does not.
    assert response.context["result"].after.owners == 4
    assert response.context["query"].endswith("&small=1&federate_small=yes")
    refused = Client().get(URL, {"geography": YORKSHIRE, "federate_small": "99"})
    assert "federate_small is yes, or the most homes of a small provider (1 to 20)" in text(refused)
