"""Which homes a referral could reach: the matching preview.

A home is a candidate when its profile covers every need the referral asks for, the child's
age and sex; it has a vacancy open (or expected) by the start date; it is open, not rated
Inadequate, not in an area to avoid; it lies within the distance acceptable; and, when the
referral is limited to a framework lot, its provider is approved on that framework.

Homes' addresses are redacted in Ofsted's register, so a home is placed at its local
authority's position (the mean of the authority's postcodes). The distance is the straight
line on the British National Grid from the referral's postcode district (or the child's home
authority) to that position. Because there are only ~150 authorities, the distance filter is
decided in Python over the authorities and handed to the database as a list of authority ids:
the one query over homes then never scans the whole country.

Candidates are ranked by fit, then distance; never by price.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.db.models import Count, IntegerField, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from commissioning.models import LivingCompanions, PlacementRequest, ReferralSex, Urgency
from geography.models import LocalAuthority, PostcodeDistrict
from providers.models import Federation, Home, HomeProfile, Judgement, ProviderOrganisation, RegisteredSex, Vacancy

# Who a home registered for girls, boys or both can take, by the referral's sex.
SEXES_FOR: dict[str, tuple[str, ...]] = {
    ReferralSex.FEMALE: (RegisteredSex.FEMALE, RegisteredSex.ANY),
    ReferralSex.MALE: (RegisteredSex.MALE, RegisteredSex.ANY),
    ReferralSex.OTHER: (RegisteredSex.ANY,),
}
# The most registered places a home may have to suit the living companions asked for.
MOST_PLACES_FOR: dict[str, int] = {
    LivingCompanions.ALONE: 1,
    LivingCompanions.ONE_OTHER: 2,
    LivingCompanions.SMALL_GROUP: 4,
}
URGENT = (Urgency.TODAY, Urgency.UNDER_5_DAYS)


@dataclass(frozen=True)
class Candidate:
    home: Home
    provider_organisation: ProviderOrganisation | None
    distance_km: float | None
    fit: int
    reasons: list[str] = field(default_factory=list)
    # Federations whose joint inbox the provider shares: they receive the referral as one.
    federations: tuple[Federation, ...] = ()


@dataclass(frozen=True)
class _Point:
    easting: int
    northing: int

    def km_to(self, easting: int, northing: int) -> float:
        return math.hypot(self.easting - easting, self.northing - northing) / 1000


def referral_position(placement_request: PlacementRequest) -> _Point | None:
    """The postcode district's position if given, else the child's home authority's."""
    if placement_request.postcode_district:
        district = (
            PostcodeDistrict.objects.filter(code=placement_request.postcode_district.strip().upper())
            .values_list("easting", "northing")
            .first()
        )
        if district is not None:
            return _Point(*district)
    authority = placement_request.home_local_authority
    if authority is not None and authority.easting is not None and authority.northing is not None:
        return _Point(authority.easting, authority.northing)
    return None


def _authorities_within(position: _Point, maximum_km: float) -> dict[int, float]:
    """Authority id -> distance in km, for authorities whose position is within reach."""
    box = maximum_km * 1000
    rows = LocalAuthority.objects.filter(
        easting__isnull=False,
        northing__isnull=False,
        easting__range=(position.easting - box, position.easting + box),
        northing__range=(position.northing - box, position.northing + box),
    ).values_list("pk", "easting", "northing")
    distances = {pk: position.km_to(easting or 0, northing or 0) for pk, easting, northing in rows}
    return {pk: km for pk, km in distances.items() if km <= maximum_km}


def _needs_covered(need_ids: list[int]) -> Subquery:
    through = HomeProfile.needs.through.objects.filter(homeprofile_id=OuterRef("profile"), need_id__in=need_ids)
    return Subquery(
        through.order_by().values("homeprofile_id").annotate(covered=Count("pk")).values("covered"),  # type: ignore[misc]
        output_field=IntegerField(),
    )


def _first_vacancy(start_by: datetime.date) -> Subquery:
    """The earliest date a vacancy open on the start date is free from (None: no such vacancy)."""
    open_by_start = Vacancy.objects.filter(home=OuterRef("pk"), available_from__lte=start_by).filter(
        Q(available_until__isnull=True) | Q(available_until__gte=start_by)
    )
    return Subquery(open_by_start.order_by().values("home").annotate(first=Min("available_from")).values("first"))


def _homes(
    placement_request: PlacementRequest,
    start_by: datetime.date,
    need_ids: list[int],
    authority_ids: Iterable[int] | None,
) -> QuerySet[Home]:
    homes = (
        Home.objects.filter(
            closed_on__isnull=True,
            profile__age_minimum__lte=placement_request.age_years,
            profile__age_maximum__gte=placement_request.age_years,
            profile__sexes__in=SEXES_FOR[placement_request.sex],
        )
        .exclude(overall_judgement=Judgement.INADEQUATE)
        .exclude(local_authority__in=placement_request.areas_to_avoid.values("pk"))
        .annotate(first_vacancy=_first_vacancy(start_by))
        .filter(first_vacancy__isnull=False)
    )
    if need_ids:
        homes = homes.annotate(needs_covered=Coalesce(_needs_covered(need_ids), Value(0))).filter(
            needs_covered=len(need_ids)
        )
    if authority_ids is not None:
        homes = homes.filter(local_authority__in=list(authority_ids))
    if placement_request.framework_lot_id is not None:
        approved = ProviderOrganisation.objects.filter(frameworks__lots=placement_request.framework_lot_id)
        homes = homes.filter(provider_organisation__in=approved.values("pk"))
    return homes.select_related("profile", "provider_organisation", "local_authority")


def _fit(home: Home, placement_request: PlacementRequest, need_count: int) -> tuple[int, list[str]]:
    """Points for how well the home suits the referral, and the reasons in words."""
    profile = home.profile
    fit, reasons = need_count, [f"Registered for {need_count} of the {need_count} needs asked for"]
    if placement_request.urgency in URGENT and profile.takes_emergency_admissions:
        fit += 1
        reasons.append("Takes emergency admissions")
    most_places = MOST_PLACES_FOR.get(placement_request.living_companions)
    if most_places is not None and home.places is not None and home.places <= most_places:
        fit += 1
        reasons.append(f"{home.places} registered place{'s' if home.places != 1 else ''}, as the child needs")
    return fit, reasons


def _candidate(home: Home, placement_request: PlacementRequest, need_count: int, km: float | None) -> Candidate:
    fit, reasons = _fit(home, placement_request, need_count)
    first: datetime.date = home.first_vacancy  # type: ignore[attr-defined]
    reasons.append(f"Vacancy from {first:%-d %B %Y}")
    if km is not None:
        reasons.append(f"{km:.0f} km away")
    if home.overall_judgement:
        reasons.append(f"Rated {home.get_overall_judgement_display()} by Ofsted")
    return Candidate(home, home.provider_organisation, km, fit, reasons)


def candidate_homes(placement_request: PlacementRequest, *, on: datetime.date | None = None) -> list[Candidate]:
    """The homes the referral could reach, best fit first, then nearest.

    `on` is the day the preview is made (today by default); a start date before it is
    treated as today, since a vacancy that has ended cannot take the child.
    """
    start_by = max(placement_request.start_by, on or timezone.localdate())
    need_ids = list(placement_request.needs.values_list("pk", flat=True))
    position = referral_position(placement_request)
    within = _authorities_within(position, placement_request.maximum_distance_km) if position else None
    homes = _homes(placement_request, start_by, need_ids, within)
    candidates = [
        _candidate(
            home, placement_request, len(need_ids), None if within is None else within.get(home.local_authority_id or 0)
        )
        for home in homes
    ]
    candidates.sort(key=lambda c: (-c.fit, c.distance_km if c.distance_km is not None else math.inf, c.home.urn))
    return _with_federations(candidates)


def _with_federations(candidates: list[Candidate]) -> list[Candidate]:
    """Each candidate with the federations whose joint inbox its provider shares (one query)."""
    provider_ids = {c.home.provider_organisation_id for c in candidates if c.home.provider_organisation_id}
    sharing: dict[int, list[Federation]] = {}
    links = Federation.members.through.objects.filter(providerorganisation_id__in=provider_ids)
    for link in links.select_related("federation").order_by("federation__name", "pk"):
        sharing.setdefault(link.providerorganisation_id, []).append(link.federation)
    return [replace(c, federations=tuple(sharing.get(c.home.provider_organisation_id or 0, ()))) for c in candidates]


def federations_reached(candidates: Iterable[Candidate]) -> list[tuple[Federation, list[Candidate]]]:
    """The federations the referral would reach, each with its members' candidate homes: a
    commissioner may send to a federation as one recipient."""
    grouped: dict[Federation, list[Candidate]] = {}
    for candidate in candidates:
        for federation in candidate.federations:
            grouped.setdefault(federation, []).append(candidate)
    return sorted(grouped.items(), key=lambda item: (item[0].name, item[0].pk))


def providers_reached(candidates: Iterable[Candidate]) -> int:
    """How many provider organisations the referral would be sent to."""
    return len({candidate.home.provider_organisation_id for candidate in candidates})
