"""Reads about federations. The public profile reads anything not dissolved; everything else
starts from a scoped selector: `federations_visible_to(user)` (its coordinators and the staff
of its members and invited providers), `federations_coordinated_by(user)`."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, Q, QuerySet, When

from accounts.models import MembershipRole, Organisation, OrganisationKind, User
from accounts.selectors import AnyUser
from commissioning.models import Decline, DeclineReason, Framework, FrameworkLot, Invitation, Placement
from commissioning.selectors import invitations_visible_to
from federations.models import (
    CoordinatorAppointment,
    FederatedOffer,
    FederationMembership,
    FederationProfile,
    FrameworkFederation,
    LotTerms,
    MembershipStatus,
)
from geography.models import LocalAuthority, Region
from providers.models import Federation, Home, HomeKind, Judgement, Need, ProviderOrganisation
from providers.selectors import homes_open_on


def federations_public() -> QuerySet[Federation]:
    """Federations with a profile that have not been dissolved, for /federations/ and the API."""
    return (
        Federation.objects.filter(profile__isnull=False, profile__dissolved_at__isnull=True)
        .select_related("organisation", "profile")
        .annotate(member_count=Count("memberships", filter=Q(memberships__status=MembershipStatus.ACTIVE)))
        .order_by("name", "pk")
    )


def federation_public_by_slug(slug: str) -> Federation | None:
    """A federation's public page: dissolved ones too, since their history stays public."""
    return (
        Federation.objects.filter(profile__isnull=False, organisation__slug=slug)
        .select_related("organisation", "profile")
        .first()
    )


def provider_organisations_administered_by(user: AnyUser) -> QuerySet[ProviderOrganisation]:
    """Registry providers for whom the user answers: administrators of the provider's own
    service organisation. Only they may form, join or leave a federation for it."""
    if not user.is_authenticated:
        return ProviderOrganisation.objects.none()
    return ProviderOrganisation.objects.filter(
        organisation__kind=OrganisationKind.PROVIDER,
        organisation__memberships__user=user,
        organisation__memberships__role=MembershipRole.ADMIN,
    ).order_by("name", "pk")


def provider_organisations_staffed_by(user: AnyUser) -> QuerySet[ProviderOrganisation]:
    if not user.is_authenticated:
        return ProviderOrganisation.objects.none()
    return ProviderOrganisation.objects.filter(
        organisation__kind=OrganisationKind.PROVIDER, organisation__memberships__user=user
    )


def federations_coordinated_by(user: AnyUser) -> QuerySet[Federation]:
    if not user.is_authenticated:
        return Federation.objects.none()
    return Federation.objects.filter(
        coordinator_appointments__user=user, coordinator_appointments__ended_at__isnull=True
    ).distinct()


def federations_visible_to(user: AnyUser) -> QuerySet[Federation]:
    """The federations whose own pages (members, invitations, coordinators) the user may read:
    its coordinators, and the staff of providers that are members or invited. Everyone else,
    staff administrators included, reads the public profile only."""
    if not user.is_authenticated:
        return Federation.objects.none()
    staffed = provider_organisations_staffed_by(user)
    involved = FederationMembership.objects.filter(provider_organisation__in=staffed, status__in=["invited", "active"])
    coordinated = federations_coordinated_by(user)
    return (
        Federation.objects.filter(profile__isnull=False)
        .filter(Q(pk__in=involved.values("federation")) | Q(pk__in=coordinated.values("pk")))
        .select_related("organisation", "profile")
        .order_by("name", "pk")
    )


def is_coordinator(user: AnyUser, federation: Federation) -> bool:
    return federations_coordinated_by(user).filter(pk=federation.pk).exists()


def memberships_of(federation: Federation) -> QuerySet[FederationMembership]:
    """Every membership, past and present, for the federation's own page."""
    return FederationMembership.objects.filter(federation=federation).select_related(
        "provider_organisation", "invited_by", "answered_by", "ended_by"
    )


def memberships_active_of(federation: Federation) -> QuerySet[FederationMembership]:
    return memberships_of(federation).filter(status=MembershipStatus.ACTIVE)


def invitations_answerable_by(user: AnyUser) -> QuerySet[FederationMembership]:
    """Open invitations to providers the user administers: theirs to accept or decline."""
    return FederationMembership.objects.filter(
        status=MembershipStatus.INVITED,
        provider_organisation__in=provider_organisations_administered_by(user),
        federation__profile__dissolved_at__isnull=True,
    ).select_related("federation__organisation", "federation__profile", "provider_organisation")


def memberships_leavable_by(user: AnyUser) -> QuerySet[FederationMembership]:
    return FederationMembership.objects.filter(
        status=MembershipStatus.ACTIVE, provider_organisation__in=provider_organisations_administered_by(user)
    )


def coordinators_of(federation: Federation) -> QuerySet[CoordinatorAppointment]:
    return CoordinatorAppointment.objects.filter(federation=federation, ended_at__isnull=True).select_related(
        "user", "provider_organisation"
    )


def coordinator_candidates_of(federation: Federation) -> QuerySet[User]:
    """People of the member providers who are not coordinating already."""
    members = memberships_active_of(federation).values("provider_organisation__organisation")
    current = coordinators_of(federation).values("user")
    return (
        User.objects.filter(is_active=True, memberships__organisation__in=members)
        .exclude(pk__in=current)
        .distinct()
        .order_by("full_name", "email")
    )


def providers_invitable_to(federation: Federation) -> QuerySet[ProviderOrganisation]:
    """Providers that have joined the service (so someone can answer) and are neither members
    nor invited already."""
    open_ = FederationMembership.objects.filter(federation=federation, status__in=["invited", "active"]).values(
        "provider_organisation"
    )
    return (
        ProviderOrganisation.objects.filter(organisation__kind=OrganisationKind.PROVIDER)
        .exclude(pk__in=open_)
        .order_by("name", "pk")
    )


# --- The federated profile -------------------------------------------------------------------

RATING_ORDER = [*Judgement.values, ""]


@dataclass
class FederatedProfile:
    """What the public page and the API show of one federation, from the registry."""

    federation: Federation
    members: list[ProviderOrganisation]
    homes: list[Home]
    places: int
    homes_without_places: int
    needs: list[Need]
    areas: list[LocalAuthority]
    regions: list[Region]
    home_areas: list[LocalAuthority]
    ratings: list[tuple[str, int]] = field(default_factory=list)


def _ratings(homes: list[Home]) -> list[tuple[str, int]]:
    """Counts by the latest overall Ofsted judgement; a home not yet judged stays so."""
    counted = Counter(home.overall_judgement for home in homes)
    labels = dict(Judgement.choices) | {"": "Not yet judged"}
    return [(labels[value], counted[value]) for value in RATING_ORDER if counted[value]]


def federated_profile_of(federation: Federation, *, on: datetime.date) -> FederatedProfile:
    members = list(
        ProviderOrganisation.objects.filter(
            federation_memberships__federation=federation, federation_memberships__status=MembershipStatus.ACTIVE
        ).order_by("name", "pk")
    )
    homes = list(
        homes_open_on(on)
        .filter(provider_organisation__in=members)
        .select_related("local_authority", "provider_organisation")
        .order_by("provider_organisation__name", "urn")
    )
    needs = Need.objects.filter(home_profiles__home__in=[home.pk for home in homes]).distinct().order_by("label")
    home_area_ids = {home.local_authority_id for home in homes if home.local_authority_id}
    profile = profile_of(federation)
    return FederatedProfile(
        federation=federation,
        members=members,
        homes=homes,
        places=sum(home.places or 0 for home in homes),
        homes_without_places=sum(1 for home in homes if home.places is None),
        needs=list(needs),
        areas=list(profile.local_authorities.order_by("name")),
        regions=list(profile.regions.order_by("name")),
        home_areas=list(LocalAuthority.objects.filter(pk__in=home_area_ids).order_by("name")),
        ratings=_ratings(homes),
    )


# --- The joint inbox ---------------------------------------------------------------------------


def joint_inbox_of(federation: Federation, user: AnyUser) -> QuerySet[Invitation]:
    """Referrals to the members sharing the federation's inbox, as the coordinator may read them:
    from commissioning's scoped `invitations_visible_to`, so nothing is shown that commissioning
    would not show this person. Open ones first, soonest deadline first."""
    if not is_coordinator(user, federation):
        return Invitation.objects.none()
    return (
        invitations_visible_to(user)
        .filter(provider_organisation__in=federation.members.all())
        .select_related("placement_request__local_authority", "provider_organisation")
        .order_by(
            Case(When(status=Invitation.Status.OPEN, then=0), default=1),
            "deadline",
            "-sent_at",
            "pk",
        )
    )


def decline_reasons_of(federation: Federation, user: AnyUser) -> list[tuple[str, int]]:
    """How often the members' referrals in the joint inbox were declined, by reason: the
    federation's own picture of what it cannot meet."""
    counted = (
        Decline.objects.filter(invitation__in=joint_inbox_of(federation, user).values("pk"))
        .values("reason")
        .annotate(times=Count("pk"))
        .order_by("-times", "reason")
    )
    labels = dict(DeclineReason.choices)
    return [(labels[row["reason"]], row["times"]) for row in counted]


def federated_offers_for(user: AnyUser) -> QuerySet[FederatedOffer]:
    """Offers a federation made on behalf of the user's own providers."""
    return FederatedOffer.objects.filter(
        provider_organisation__in=provider_organisations_staffed_by(user)
    ).select_related("offer__home", "offer__placement_request", "federation__organisation", "provider_organisation")


def federation_offers_of(federation: Federation) -> QuerySet[FederatedOffer]:
    return FederatedOffer.objects.filter(federation=federation).select_related(
        "offer__home", "provider_organisation", "made_by"
    )


# --- Frameworks that enable small providers ----------------------------------------------------

# A small provider runs at most this many open children's homes (the federations' own measure;
# the demo forms its federation from such providers).
SMALL_PROVIDER_MAX_HOMES = 4


def small_providers(providers: QuerySet[ProviderOrganisation]) -> QuerySet[ProviderOrganisation]:
    open_homes = Count("homes", filter=Q(homes__closed_on__isnull=True))
    return providers.annotate(open_homes=open_homes).filter(open_homes__lte=SMALL_PROVIDER_MAX_HOMES)


@dataclass
class FrameworkFigures:
    """How many small providers and federations a framework admits and places with."""

    lots: list[tuple[FrameworkLot, LotTerms | None]]
    approved: int
    approved_small: int
    federations: list[Federation]
    placements: int
    placements_small: int
    placements_federated: int

    @property
    def reserved_share_percent(self) -> int | None:
        """The largest share any lot reserves; None when no lot reserves one."""
        shares = [terms.reserved_share_percent for _, terms in self.lots if terms and terms.reserved_share_percent]
        return max(shares) if shares else None

    @property
    def small_or_federated_share_percent(self) -> int | None:
        """Share of the framework's placements with small providers or federations' members
        (unknown while there are none)."""
        if not self.placements:
            return None
        return round(100 * max(self.placements_small, self.placements_federated) / self.placements)


def framework_figures(framework: Framework) -> FrameworkFigures:
    lots = list(framework.lots.order_by("name", "pk"))
    terms = {terms.lot_id: terms for terms in LotTerms.objects.filter(lot__in=lots)}
    approved = framework.approved_providers.all()
    admitted = list(Federation.objects.filter(framework_admissions__framework=framework).select_related("organisation"))
    federated_members = FederationMembership.objects.filter(
        federation__in=admitted, status=MembershipStatus.ACTIVE
    ).values("provider_organisation")
    placements = Placement.objects.filter(placement_request__framework_lot__framework=framework)
    placed_providers = ProviderOrganisation.objects.filter(homes__placements__in=placements).distinct()
    placed_small = small_providers(ProviderOrganisation.objects.filter(pk__in=placed_providers.values("pk")))
    return FrameworkFigures(
        lots=[(lot, terms.get(lot.pk)) for lot in lots],
        approved=approved.count(),
        approved_small=small_providers(ProviderOrganisation.objects.filter(pk__in=approved.values("pk"))).count(),
        federations=admitted,
        placements=placements.count(),
        placements_small=placements.filter(home__provider_organisation__in=placed_small.values("pk")).count(),
        placements_federated=placements.filter(home__provider_organisation__in=federated_members).count(),
    )


def federations_admissible_to(framework: Framework) -> QuerySet[Federation]:
    admitted = FrameworkFederation.objects.filter(framework=framework).values("federation")
    return federations_public().exclude(pk__in=admitted)


# --- The trust log ---------------------------------------------------------------------------


def organisations_sharing_relationships_with(user: AnyUser) -> QuerySet[Organisation]:
    """Service organisations of the active members that consent to the coordinators of their
    federation reading their trust logs, for each federation the user coordinates. The trust
    log reads this (trust.selectors), read only."""
    consenting = FederationMembership.objects.filter(
        federation__in=federations_coordinated_by(user), status=MembershipStatus.ACTIVE, shares_relationships=True
    ).values("provider_organisation__organisation")
    return Organisation.objects.filter(pk__in=consenting)


# --- The market, with federations as groupings -------------------------------------------------


@dataclass
class Concentration:
    hhi: int  # sum of squared percent shares of places, 0-10,000
    cr4: float  # percent of places held by the four largest owners
    owners: int


@dataclass
class FederatedMarket:
    """England's children's homes market on a date, on places: the federated share, and the
    concentration as owned and "if each federation counted as one owner" (a scenario, never a
    statement about ownership)."""

    as_of: datetime.date
    places: int
    homes_without_places: int
    places_federated: int
    by_federation: list[tuple[Federation, int]]
    as_owned: Concentration | None
    federations_as_one: Concentration | None

    @property
    def federated_share_percent(self) -> float | None:
        return round(100 * self.places_federated / self.places, 1) if self.places else None


def _concentration(places_by_owner: Counter[object]) -> Concentration | None:
    total = sum(places_by_owner.values())
    if not total:
        return None
    shares = sorted((100 * places / total for places in places_by_owner.values()), reverse=True)
    return Concentration(hhi=round(sum(share * share for share in shares)), cr4=round(sum(shares[:4]), 1),
                         owners=len(shares))  # fmt: skip


def _federation_of_provider() -> dict[int, Federation]:
    """Each provider's federation (the first by name if it belongs to several), among public ones."""
    active = FederationMembership.objects.filter(
        status=MembershipStatus.ACTIVE, federation__in=federations_public()
    ).select_related("federation__organisation")
    federation_of: dict[int, Federation] = {}
    for membership in active.order_by("federation__name", "pk"):
        federation_of.setdefault(membership.provider_organisation_id, membership.federation)
    return federation_of


def federated_market(*, as_of: datetime.date, resolutions: dict[int, Any]) -> FederatedMarket:
    """`resolutions` is home id -> ultimate owner resolution (ownership.pages.resolutions_on). A
    home whose ultimate owner is not known counts under its registered provider, the nearest
    owner known; homes without places are counted apart, never as zero."""
    federation_of = _federation_of_provider()
    homes = (
        homes_open_on(as_of).filter(kind=HomeKind.CHILDRENS_HOME).values_list("pk", "provider_organisation", "places")
    )
    as_owned: Counter[object] = Counter()
    as_one: Counter[object] = Counter()
    federated: Counter[Federation] = Counter()
    without_places = 0
    for home_id, provider_id, places in homes:
        if places is None:
            without_places += 1
            continue
        resolution = resolutions.get(home_id)
        owner = ("owner", resolution.owner.pk) if resolution and resolution.owner else ("provider", provider_id)
        federation = federation_of.get(provider_id)
        as_owned[owner] += places
        as_one[("federation", federation.pk) if federation else owner] += places
        if federation:
            federated[federation] += places
    return FederatedMarket(
        as_of=as_of, places=sum(as_owned.values()), homes_without_places=without_places,
        places_federated=sum(federated.values()),
        by_federation=sorted(federated.items(), key=lambda item: (-item[1], item[0].name)),
        as_owned=_concentration(as_owned), federations_as_one=_concentration(as_one),
    )  # fmt: skip


def federations_of_provider(provider_organisation: ProviderOrganisation) -> list[Federation]:
    """The federations (not dissolved) the provider is an active member of: groupings, for the
    registry's provider page, never owners."""
    active = FederationMembership.objects.filter(
        provider_organisation=provider_organisation, status=MembershipStatus.ACTIVE
    ).values("federation")
    return list(federations_public().filter(pk__in=active))


def profile_of(federation: Federation) -> FederationProfile:
    """A federation's own profile (charter, purpose, dissolution): every federation has one."""
    return FederationProfile.objects.get(federation=federation)
