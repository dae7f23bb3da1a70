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

Candidates are ranked by fit, then distance; never by price. Fit is a count of points, each
said in words on the preview: one for each need asked for that the home's registration covers,
one for taking emergency admissions when the referral is urgent, and one for a home small
enough for the living arrangement asked for. Only the points a referral makes possible count,
so "3 of 4" means the same on every page.
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
    # The most points this referral makes possible, and the fit and distance said in words.
    fit_possible: int = 0
    fit_explained: str = ""
    distance_explained: str = ""


@dataclass(frozen=True)
class _Point:
    easting: int
    northing: int
    # What the point is the centre of, for the words on the page ("postcode district LS6").
    name: str = ""

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
            return _Point(*district, name=f"postcode district {placement_request.postcode_district.strip().upper()}")
    authority = placement_request.home_local_authority
    if authority is not None and authority.easting is not None and authority.northing is not None:
        return _Point(authority.easting, authority.northing, name=authority.name)
    return None


def _origin_unknown(placement_request: PlacementRequest) -> str:
    """Why the referral has no position, in words: what was given and has no centre on record."""
    given = []
    if placement_request.postcode_district:
        given.append(f"postcode district {placement_request.postcode_district}")
    if placement_request.home_local_authority is not None:
        given.append(placement_request.home_local_authority.name)
    return " or ".join(given) or "the child's location"


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


@dataclass(frozen=True)
class _Asked:
    """What the referral asks for that fit and distance are measured against (read once)."""

    needs: list[str]  # labels, in the order of the form
    urgent: bool
    most_places: int | None
    position: _Point | None
    unknown_origin: str

    @property
    def fit_possible(self) -> int:
        return len(self.needs) + int(self.urgent) + int(self.most_places is not None)


def _asked(placement_request: PlacementRequest, need_labels: list[str]) -> _Asked:
    return _Asked(
        needs=need_labels,
        urgent=placement_request.urgency in URGENT,
        most_places=MOST_PLACES_FOR.get(placement_request.living_companions),
        position=referral_position(placement_request),
        unknown_origin=_origin_unknown(placement_request),
    )


def _needs_point(asked: _Asked, covered: int) -> str:
    if not asked.needs:
        return "no needs were asked for"
    return f"registered for {covered} of the {len(asked.needs)} needs asked for ({', '.join(asked.needs)})"


def _fit(home: Home, asked: _Asked, covered: int) -> tuple[int, list[str], list[str]]:
    """Points for how well the home suits the referral; what earned them and what did not."""
    profile = getattr(home, "profile", None)  # an offered home may have no profile
    fit, counted, missed = covered, [_needs_point(asked, covered)], []
    if asked.urgent:
        if profile is not None and profile.takes_emergency_admissions:
            fit += 1
            counted.append("takes emergency admissions, as the referral is urgent")
        else:
            missed.append("does not take emergency admissions")
    if asked.most_places is not None:
        places = f"{home.places} registered place{'s' if home.places != 1 else ''}"
        if home.places is not None and home.places <= asked.most_places:
            fit += 1
            counted.append(f"{places}, as the child's living arrangement needs")
        elif home.places is None:
            missed.append("its number of places is not known")
        else:
            missed.append(f"{places}, more than the {asked.most_places} the living arrangement allows")
    return fit, counted, missed


def _fit_explained(fit: int, asked: _Asked, counted: list[str], missed: list[str]) -> str:
    if asked.fit_possible == 0:
        return (
            "Fit not scored: the referral asks for no needs, is not urgent and has no preference on living with others"
        )
    text = f"Fit {fit} of a possible {asked.fit_possible}: {'; '.join(counted)}"
    return text + (f". No point: {'; '.join(missed)}" if missed else "")


def _distance_explained(home: Home, asked: _Asked, km: float | None) -> str:
    if asked.position is None:
        return f"Distance not known: we hold no position for {asked.unknown_origin}, so no distance limit was applied"
    authority = home.local_authority.name if home.local_authority else "its local authority"
    if km is None:
        return f"Distance not known: we hold no position for {authority}"
    return (
        f"{km:.0f} km in a straight line from the centre of {asked.position.name} to the centre of {authority}, "
        "where the home is placed because Ofsted does not publish children's homes' addresses"
    )


def _candidate(home: Home, asked: _Asked, covered: int, km: float | None) -> Candidate:
    fit, counted, missed = _fit(home, asked, covered)
    reasons = [f"Registered for {covered} of the {len(asked.needs)} needs asked for"]
    if any(point.startswith("takes emergency") for point in counted):
        reasons.append("Takes emergency admissions")
    if asked.most_places is not None and home.places is not None and home.places <= asked.most_places:
        reasons.append(f"{home.places} registered place{'s' if home.places != 1 else ''}, as the child needs")
    first: datetime.date | None = getattr(home, "first_vacancy", None)
    if first is not None:
        reasons.append(f"Vacancy from {first:%-d %B %Y}")
    if km is not None:
        reasons.append(f"{km:.0f} km away")
    if home.overall_judgement:
        reasons.append(f"Rated {home.get_overall_judgement_display()} by Ofsted")
    return Candidate(
        home, home.provider_organisation, km, fit, reasons,
        fit_possible=asked.fit_possible,
        fit_explained=_fit_explained(fit, asked, counted, missed),
        distance_explained=_distance_explained(home, asked, km),
    )  # fmt: skip


def _need_labels(placement_request: PlacementRequest) -> tuple[list[int], list[str]]:
    rows = list(placement_request.needs.order_by("label").values_list("pk", "label"))
    return [pk for pk, _ in rows], [label for _, label in rows]


def candidate_homes(placement_request: PlacementRequest, *, on: datetime.date | None = None) -> list[Candidate]:
    """The homes the referral could reach, best fit first, then nearest.

    `on` is the day the preview is made (today by default); a start date before it is
    treated as today, since a vacancy that has ended cannot take the child.
    """
    start_by = max(placement_request.start_by, on or timezone.localdate())
    need_ids, need_labels = _need_labels(placement_request)
    asked = _asked(placement_request, need_labels)
    within = _authorities_within(asked.position, placement_request.maximum_distance_km) if asked.position else None
    homes = _homes(placement_request, start_by, need_ids, within)
    candidates = [
        _candidate(home, asked, len(need_ids), None if within is None else within.get(home.local_authority_id or 0))
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


def homes_assessed(placement_request: PlacementRequest, homes: Iterable[Home]) -> dict[int, Candidate]:
    """Fit and distance of given homes (those offered), by home id, measured as the preview
    measured them but without its filters: a home offered stays assessed after its vacancy is
    taken or the referral closes. Read from the homes' profiles as they are now."""
    home_ids = [home.pk for home in homes]
    if not home_ids:
        return {}
    need_ids, need_labels = _need_labels(placement_request)
    asked = _asked(placement_request, need_labels)
    rows = Home.objects.filter(pk__in=home_ids).select_related("profile", "provider_organisation", "local_authority")
    if need_ids:
        rows = rows.annotate(needs_covered=Coalesce(_needs_covered(need_ids), Value(0)))
    assessed = {}
    for home in rows:
        km = _km_to_authority(asked.position, home.local_authority)
        assessed[home.pk] = _candidate(home, asked, getattr(home, "needs_covered", 0), km)
    return assessed


def _km_to_authority(position: _Point | None, authority: LocalAuthority | None) -> float | None:
    if position is None or authority is None or authority.easting is None or authority.northing is None:
        return None
    return position.km_to(authority.easting, authority.northing)
