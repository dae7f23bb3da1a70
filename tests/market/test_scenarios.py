"""The scenario planner's computation on a small market worked out by hand (no database).

The market: 20 places in five owners, A 10 (4 homes), B 6 (3 homes), C 2, D 1 and E 1 (a home
each). Shares 50, 30, 10, 5, 5: HHI 2,500 + 900 + 100 + 25 + 25 = 3,550; CR4 95%.
"""

from __future__ import annotations

import datetime

import pytest

from config.forms import GovukForm, missing_messages
from market.analytics.scenario_inputs import OWNER_TYPES, BaseMarket, BaseOwner, owner_token
from market.scenario_forms import (
    ExitForm,
    FederationForm,
    OpeningForm,
    PurchaseForm,
    ReservationForm,
    ScenarioMarketForm,
)
from market.scenarios import (
    Exit,
    Federation,
    Opening,
    Outcome,
    Purchase,
    Reservation,
    Scenario,
    ScenarioError,
    concentration_band,
    outcome,
    reading,
)

LEEDS = "E08000035"


def owner(key: str, places: float, homes: int, owner_type: str) -> BaseOwner:
    units = tuple(places if name == owner_type else 0.0 for name in OWNER_TYPES)
    return BaseOwner(
        key=key, token=owner_token(key), name=f"Owner {key[2:]}", homes=homes, units=units, authority_code=LEEDS
    )


def market(places_per_home: float = 2.5, include_local_authority: bool = True) -> BaseMarket:
    return BaseMarket(
        as_of=datetime.date(2025, 3, 31),
        geography_code=LEEDS,
        level="ultimate",
        basis="places",
        include_local_authority=include_local_authority,
        owners=(
            owner("e:1", 10, 4, "private_investment"),
            owner("e:2", 6, 3, "private_corporate"),
            owner("e:3", 2, 1, "private_individual"),
            owner("e:4", 1, 1, "voluntary"),
            owner("e:5", 1, 1, "voluntary"),
        ),
        authorities=((LEEDS, "Leeds"),),
        places_per_home=places_per_home,
    )


def run(scenario: Scenario, base: BaseMarket | None = None) -> Outcome:
    return outcome(base or market(), scenario, "Leeds")


def test_the_market_before_is_worked_out_as_the_recompute_does() -> None:
    before = run(Scenario()).before

    assert (before.units, before.owners, before.hhi, before.cr4, before.cr10) == (20, 5, 3550, 95, 100)
    assert (before.owners_for_25_percent, before.owners_for_50_percent) == (1, 1)
    assert before.owner_type_shares["voluntary"] == 10
    assert before.owner_type_shares["private_investment"] == 50


def test_small_providers_federating_count_as_one_owner_and_keep_their_owner_types() -> None:
    result = run(Scenario(federations=(Federation(("e3", "e4", "e5")),), small_homes=1))

    # 50, 30, 20: 2,500 + 900 + 400.
    assert (result.after.owners, result.after.hhi, result.after.cr4) == (3, 3800, 100)
    assert result.after.owner_type_shares == result.before.owner_type_shares
    assert result.effects == ["3 small providers federate and count as one owner (Owner 3, Owner 4, Owner 5)"]


def test_all_small_providers_federate_by_the_shortcut() -> None:
    result = run(Scenario(federate_all_small=True, small_homes=1))

    assert (result.after.owners, result.after.hhi) == (3, 3800)
    assert result.effects == ["All 3 small providers in Leeds federate and count as one owner"]


def test_a_group_exiting_takes_its_places_out_of_the_market() -> None:
    result = run(Scenario(exits=(Exit("e1"),)))

    # 10 places left: 60, 20, 10, 10.
    assert (result.after.units, result.after.hhi, result.after.cr4) == (10, 4200, 100)
    assert result.after.owner_type_shares["private_investment"] == 0


def test_a_group_bought_moves_its_places_to_the_buyer_and_its_owner_type() -> None:
    result = run(Scenario(purchases=(Purchase(owner="e3", buyer="e2"),)))

    # 50, 40, 5, 5.
    assert (result.after.owners, result.after.hhi) == (4, 4150)
    assert result.after.owner_type_shares["private_corporate"] == 40
    assert result.after.owner_type_shares["private_individual"] == 0


def test_framework_reservations_move_places_from_the_largest_owners_to_small_providers() -> None:
    result = run(Scenario(reservations=(Reservation(10),), small_homes=1))

    # 2 places from A and B (16 places) pro rata, to C, D and E (4 places) pro rata:
    # A 8.75, B 5.25, C 3, D 1.5, E 1.5: 43.75, 26.25, 15, 7.5, 7.5 percent.
    assert result.after.hhi == pytest.approx(1914.0625 + 689.0625 + 225 + 56.25 + 56.25)
    assert result.after.cr4 == pytest.approx(92.5)
    assert result.after.units == pytest.approx(20)


def test_a_local_authority_opening_places_adds_a_council_owner() -> None:
    result = run(Scenario(openings=(Opening(LEEDS, 5, "places"),)))

    # 25 places: 40, 24, 20 (the council), 8, 4, 4.
    assert (result.after.units, result.after.hhi, result.after.cr4) == (25, 2672, 92)
    assert result.after.owner_type_shares["local_authority"] == 20
    assert result.effects == ["Leeds opens 5 places, owned by the council"]


def test_homes_opened_on_the_places_basis_count_at_the_areas_mean_places_per_home() -> None:
    result = run(Scenario(openings=(Opening(LEEDS, 2, "homes"),)), market(places_per_home=2.5))

    assert result.after.units == 25
    assert result.effects == ["Leeds opens 2 homes (5 places at the area's mean), owned by the council"]


def test_an_opening_changes_nothing_when_councils_homes_are_left_out() -> None:
    result = run(Scenario(openings=(Opening(LEEDS, 5, "places"),)), market(include_local_authority=False))

    assert result.after == result.before


def test_moves_combine() -> None:
    scenario = Scenario(openings=(Opening(LEEDS, 5, "places"),), federations=(Federation(("e3", "e4", "e5")),))

    result = run(scenario, market())

    # 25 places: A 10, B 6, the council 5, the federation 4: 40, 24, 20, 16 percent.
    assert (result.after.owners, result.after.hhi, result.after.cr4) == (4, 2832, 100)


@pytest.mark.parametrize(
    ("scenario", "message"),
    [
        (Scenario(exits=(Exit("e99"),)), "No owner in Leeds's market has the id “e99”: choose one from the list"),
        (
            Scenario(exits=(Exit("e1"),), purchases=(Purchase("e1", "e2"),)),
            "Owner 1 already exits in this scenario, so it cannot also be bought",
        ),
        (Scenario(purchases=(Purchase("e2", "e2"),)), "Owner 2 cannot buy itself: choose another buyer"),
        (
            Scenario(federations=(Federation(("e1", "e3")),), small_homes=3),
            "Owner 1 is not a small provider (4 homes; small is at most 3 homes)",
        ),
        (
            Scenario(federations=(Federation(("e3", "e4")), Federation(("e4", "e5")))),
            "Owner 4 is in two federations: a provider can join only one",
        ),
        (
            Scenario(openings=(Opening("E99999999", 3, "homes"),)),
            "No homes in Leeds are in a local authority with the code “E99999999”",
        ),
        (
            Scenario(reservations=(Reservation(90),), small_homes=1),
            "Reservations of 90% would move 18 places, more than the 16 the 2 largest owners hold: "
            "choose a smaller percentage",
        ),
    ],
)
def test_a_move_the_market_cannot_take_is_refused_with_its_reason(scenario: Scenario, message: str) -> None:
    with pytest.raises(ScenarioError) as refused:
        run(scenario)

    assert [problem.message for problem in refused.value.problems] == [message]


def test_the_reading_says_what_moves_in_plain_words() -> None:
    result = run(Scenario(federations=(Federation(("e3", "e4", "e5")),), small_homes=1))

    assert reading(result, "Leeds") == [
        "3 small providers federate and count as one owner (Owner 3, Owner 4, Owner 5).",
        "In Leeds, HHI rises from 3,550 to 3,800: the market stays highly concentrated (over 1,800).",
        "The four largest owners' share rises from 95.0% to 100.0%; the ten largest owners' share is unchanged "
        "at 100.0%; the number of owners holding half of it is unchanged at 1.",
    ]
    assert concentration_band(999.9) == "unconcentrated (under 1,000)"
    assert concentration_band(1800) == "moderately concentrated (1,000 to 1,800)"


def test_owner_tokens_are_url_safe_and_stable() -> None:
    assert owner_token("e:12") == "e12"
    assert owner_token("h:SC123456") == "hSC123456"
    assert owner_token("r:ACME CARE, LIMITED") == owner_token("r:ACME CARE, LIMITED")
    assert owner_token("r:ACME CARE, LIMITED").isalnum()


def test_every_field_of_the_planners_forms_has_its_own_words_for_each_way_it_can_fail() -> None:
    forms = [
        ScenarioMarketForm({}, areas=[(LEEDS, "Leeds")], dates=[datetime.date(2025, 3, 31)]),
        OpeningForm(None, authorities=[(LEEDS, "Leeds")]),
        FederationForm(None, small=[], units="places"),
        ExitForm(None, owners=[], units="places"),
        PurchaseForm(None, owners=[], units="places"),
        ReservationForm(None),
    ]

    assert all(isinstance(form, GovukForm) for form in forms)
    assert {type(form).__name__: missing_messages(form) for form in forms if missing_messages(form)} == {}
