"""The matching preview: each filter excludes exactly what it should; ranking by fit then
distance; framework limiting."""

from __future__ import annotations

import datetime
import math

import pytest

from accounts.models import Organisation
from commissioning.matching import candidate_homes, providers_reached
from commissioning.models import (
    EducationNeed,
    Framework,
    FrameworkLot,
    LegalStatus,
    LivingCompanions,
    PlacementRequest,
    PlannedDuration,
    ReferralSex,
    Urgency,
)
from geography.models import LocalAuthority, PostcodeDistrict
from providers.models import Home, HomeProfile, Judgement, Need, ProviderOrganisation, RegisteredSex, Vacancy
from providers.needs import needs_seed_into
from tests.factories import HomeFactory, LocalAuthorityOrganisationFactory, RegistryProviderFactory

LEEDS, BRADFORD, CORNWALL = "E08000035", "E08000032", "E06000052"
START = datetime.date(2026, 12, 1)
ON = datetime.date(2026, 11, 26)


@pytest.fixture
def places(reference_data) -> dict[str, LocalAuthority]:
    needs_seed_into(Need)
    return {code: LocalAuthority.objects.get(ons_code=code) for code in (LEEDS, BRADFORD, CORNWALL)}


def _need(code: str) -> Need:
    return Need.objects.get(code=code)


def _home(
    authority: LocalAuthority,
    *,
    needs: tuple[str, ...] = ("autism",),
    ages: tuple[int, int] = (8, 17),
    sexes: str = RegisteredSex.ANY,
    vacancy: tuple[datetime.date, datetime.date | None] | None = (ON, None),
    provider: ProviderOrganisation | None = None,
    emergency: bool = False,
    **home_fields: object,
) -> Home:
    home = HomeFactory(
        local_authority=authority, provider_organisation=provider or RegistryProviderFactory(), **home_fields
    )
    profile = HomeProfile.objects.create(
        home=home, age_minimum=ages[0], age_maximum=ages[1], sexes=sexes, takes_emergency_admissions=emergency
    )
    profile.needs.set([_need(code) for code in needs])
    if vacancy is not None:
        Vacancy.objects.create(home=home, places=1, available_from=vacancy[0], available_until=vacancy[1])
    return home


def _referral(
    places: dict[str, LocalAuthority], *, needs: tuple[str, ...] = ("autism",), **fields: object
) -> PlacementRequest:
    organisation = Organisation.objects.filter(local_authority=places[LEEDS]).first()
    organisation = organisation or LocalAuthorityOrganisationFactory(local_authority=places[LEEDS])
    values: dict[str, object] = {
        "organisation": organisation,
        "local_authority": places[LEEDS],
        "age_years": 14,
        "sex": ReferralSex.FEMALE,
        "legal_status": LegalStatus.CARE_ORDER,
        "urgency": Urgency.OVER_5_DAYS,
        "planned_duration": PlannedDuration.LONG_TERM,
        "education": EducationNeed.NEEDS_SCHOOL_PLACE,
        "start_by": START,
        "home_local_authority": places[LEEDS],
        "maximum_distance_km": 50,
        "summary": "Enjoys football.",
    }
    values.update(fields)
    referral = PlacementRequest.objects.create(**values)
    referral.needs.set([_need(code) for code in needs])
    return referral


def _urns(placement_request: PlacementRequest) -> list[str]:
    return [candidate.home.urn for candidate in candidate_homes(placement_request, on=ON)]


def _km(a: LocalAuthority, b: LocalAuthority) -> float:
    return math.hypot((a.easting or 0) - (b.easting or 0), (a.northing or 0) - (b.northing or 0)) / 1000


def test_a_home_that_fits_is_a_candidate_with_its_reasons(places):
    home = _home(places[LEEDS])

    [candidate] = candidate_homes(_referral(places), on=ON)

    assert candidate.home == home
    assert candidate.provider_organisation == home.provider_organisation
    assert candidate.distance_km == 0.0
    assert candidate.fit == 1
    assert candidate.reasons == [
        "Registered for 1 of the 1 needs asked for",
        "Vacancy from 26 November 2026",
        "0 km away",
        "Rated Good by Ofsted",
    ]


def test_every_need_must_be_covered(places):
    both = _home(places[LEEDS], needs=("autism", "self-harm", "eating-disorder"))
    _home(places[LEEDS], needs=("autism",))
    _home(places[LEEDS], needs=())

    assert _urns(_referral(places, needs=("autism", "self-harm"))) == [both.urn]


def test_a_referral_without_needs_reaches_homes_with_any_needs(places):
    homes = sorted([_home(places[LEEDS], needs=()).urn, _home(places[LEEDS]).urn])

    assert _urns(_referral(places, needs=())) == homes


@pytest.mark.parametrize(("age", "reached"), [(11, False), (12, True), (16, True), (17, False)])
def test_the_age_range_is_inclusive(places, age, reached):
    home = _home(places[LEEDS], ages=(12, 16))

    assert _urns(_referral(places, age_years=age)) == ([home.urn] if reached else [])


@pytest.mark.parametrize(
    ("sex", "reached"),
    [
        (ReferralSex.FEMALE, {RegisteredSex.FEMALE, RegisteredSex.ANY}),
        (ReferralSex.MALE, {RegisteredSex.MALE, RegisteredSex.ANY}),
        (ReferralSex.OTHER, {RegisteredSex.ANY}),
    ],
)
def test_sex(places, sex, reached):
    homes = {registered: _home(places[LEEDS], sexes=registered) for registered in RegisteredSex.values}

    assert _urns(_referral(places, sex=sex)) == sorted(homes[registered].urn for registered in reached)


@pytest.mark.parametrize(
    ("vacancy", "reached"),
    [
        ((START, None), True),  # free from the start date itself
        ((START + datetime.timedelta(days=1), None), False),  # free only after the start date
        ((ON, START), True),  # ends on the start date
        ((ON, START - datetime.timedelta(days=1)), False),  # ends before the start date
        (None, False),
    ],
)
def test_vacancy_dates(places, vacancy, reached):
    home = _home(places[LEEDS], vacancy=vacancy)

    assert _urns(_referral(places)) == ([home.urn] if reached else [])


def test_a_start_date_already_past_needs_a_vacancy_open_today(places):
    ended_yesterday = _home(places[LEEDS], vacancy=(ON - datetime.timedelta(days=9), ON - datetime.timedelta(days=1)))
    open_today = _home(places[LEEDS], vacancy=(ON - datetime.timedelta(days=9), ON))

    urns = _urns(_referral(places, start_by=ON - datetime.timedelta(days=5)))

    assert urns == [open_today.urn]
    assert ended_yesterday.urn not in urns


def test_distance_from_the_home_authority(places):
    leeds, bradford = _home(places[LEEDS]), _home(places[BRADFORD])
    _home(places[CORNWALL])

    candidates = candidate_homes(_referral(places), on=ON)

    assert [c.home for c in candidates] == [leeds, bradford]
    assert candidates[1].distance_km == pytest.approx(_km(places[LEEDS], places[BRADFORD]))
    assert _urns(_referral(places, maximum_distance_km=5)) == [leeds.urn]


def test_distance_from_a_postcode_district_when_given(places):
    district = PostcodeDistrict.objects.get(code="TR1")
    cornwall = _home(places[CORNWALL])
    _home(places[LEEDS])

    [candidate] = candidate_homes(_referral(places, postcode_district="TR1"), on=ON)

    assert candidate.home == cornwall
    expected = math.hypot(
        district.easting - (places[CORNWALL].easting or 0), district.northing - (places[CORNWALL].northing or 0)
    )
    assert candidate.distance_km == pytest.approx(expected / 1000)


def test_areas_to_avoid_are_excluded(places):
    leeds = _home(places[LEEDS])
    _home(places[BRADFORD])
    referral = _referral(places)
    referral.areas_to_avoid.set([places[BRADFORD]])

    assert _urns(referral) == [leeds.urn]


def test_inadequate_and_closed_homes_are_excluded(places):
    reached = sorted(
        [
            _home(places[LEEDS], overall_judgement=Judgement.REQUIRES_IMPROVEMENT).urn,
            _home(places[LEEDS], overall_judgement="").urn,  # not yet inspected
        ]
    )
    _home(places[LEEDS], overall_judgement=Judgement.INADEQUATE)
    _home(places[LEEDS], closed_on=datetime.date(2025, 3, 31))

    assert _urns(_referral(places)) == reached


def test_homes_without_a_profile_are_not_candidates(places):
    home = HomeFactory(local_authority=places[LEEDS])
    Vacancy.objects.create(home=home, places=1, available_from=ON)

    assert _urns(_referral(places)) == []


def test_a_framework_lot_limits_to_its_approved_providers(places):
    approved, other = RegistryProviderFactory(), RegistryProviderFactory()
    framework = Framework.objects.create(name="Yorkshire residential", starts_on=ON)
    framework.local_authorities.set([places[LEEDS]])
    framework.approved_providers.set([approved])
    lot = FrameworkLot.objects.create(framework=framework, name="Solo placements")
    on_framework = _home(places[LEEDS], provider=approved)
    off_framework = _home(places[LEEDS], provider=other)

    assert _urns(_referral(places, framework_lot=lot)) == [on_framework.urn]
    assert _urns(_referral(places)) == sorted([on_framework.urn, off_framework.urn])


def test_ranked_by_fit_then_distance_never_price(places):
    near = _home(places[LEEDS])
    far_emergency = _home(places[BRADFORD], emergency=True)
    far_solo_emergency = _home(places[BRADFORD], emergency=True, places=1)
    near_emergency = _home(places[LEEDS], emergency=True)

    candidates = candidate_homes(
        _referral(places, urgency=Urgency.TODAY, living_companions=LivingCompanions.ALONE), on=ON
    )

    assert [(c.home, c.fit) for c in candidates] == [
        (far_solo_emergency, 3),
        (near_emergency, 2),
        (far_emergency, 2),
        (near, 1),
    ]
    assert candidates[0].reasons[1:3] == ["Takes emergency admissions", "1 registered place, as the child needs"]


def test_providers_reached_counts_organisations_not_homes(places):
    provider = RegistryProviderFactory()
    _home(places[LEEDS], provider=provider)
    _home(places[BRADFORD], provider=provider)
    _home(places[LEEDS])

    assert providers_reached(candidate_homes(_referral(places), on=ON)) == 2


def test_a_few_queries_whatever_the_number_of_homes(places, django_assert_max_num_queries):
    for _ in range(12):
        _home(places[LEEDS])
    referral = _referral(places)

    with django_assert_max_num_queries(5):
        assert len(candidate_homes(referral, on=ON)) == 12
