"""Every read about referrals, invitations, offers and placements, scoped to the user.

Two families of selector:
- `..._visible_to(user)`: what a user may *see*. Commissioners see their own authority's
  referrals; provider staff see the invitations to the provider organisations they act for
  (directly or through a federation); staff administrators see everything, for support.
- `..._actionable_by(user)`: what a user may *act on*. Only members act: staff
  administrators read but never send, offer, decline or accept on anyone's behalf.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field

from django.db.models import Case, Q, QuerySet, Value, When
from django.utils import timezone

from accounts.models import Organisation, OrganisationKind
from accounts.selectors import AnyUser
from commissioning.models import Invitation, Offer, Placement, PlacementRequest
from providers.models import Federation, ProviderOrganisation

ENDING_SOON_DAYS = 28


def _is_staff(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_staff)


def _member_organisations(user: AnyUser, kinds: set[str]) -> QuerySet[Organisation]:
    if not user.is_authenticated:
        return Organisation.objects.none()
    return Organisation.objects.filter(memberships__user=user, kind__in=kinds)


def commissioning_organisations_of(user: AnyUser) -> QuerySet[Organisation]:
    """The local authority organisations the user commissions for."""
    return _member_organisations(user, {OrganisationKind.LOCAL_AUTHORITY}).select_related("local_authority")


def commissioning_organisation_of(user: AnyUser) -> Organisation | None:
    """The authority a new referral is made for: the user's (first, by name) authority."""
    return commissioning_organisations_of(user).order_by("name").first()


def provider_organisations_acted_for(user: AnyUser) -> QuerySet[ProviderOrganisation]:
    """Registry providers the user acts for: their own provider organisation, and every member
    of a federation they belong to (a federation has one joint inbox)."""
    organisations = _member_organisations(user, {OrganisationKind.PROVIDER, OrganisationKind.FEDERATION})
    return ProviderOrganisation.objects.filter(
        Q(organisation__in=organisations) | Q(federations__organisation__in=organisations)
    ).distinct()


def federation_answering_for(user: AnyUser, provider_organisation: ProviderOrganisation) -> Federation | None:
    """The federation through which the user answers for the provider, when they are not the
    provider's own staff: its offers are made from the federation's joint inbox, which records
    them and tells the member (the federations app)."""
    own = _member_organisations(user, {OrganisationKind.PROVIDER})
    if own.filter(provider_organisation=provider_organisation).exists():
        return None
    federations = _member_organisations(user, {OrganisationKind.FEDERATION}).values("pk")
    return (
        Federation.objects.filter(organisation__in=federations, members=provider_organisation)
        .select_related("organisation")
        .order_by("name", "pk")
        .first()
    )


# --- Referrals -------------------------------------------------------------------------


def placement_requests_actionable_by(user: AnyUser) -> QuerySet[PlacementRequest]:
    return PlacementRequest.objects.filter(organisation__in=commissioning_organisations_of(user))


def placement_requests_visible_to(user: AnyUser) -> QuerySet[PlacementRequest]:
    if _is_staff(user):
        return PlacementRequest.objects.all()
    return placement_requests_actionable_by(user)


# The answers a commissioner checks before sending: every field of the referral form.
ANSWER_FIELDS = (
    "age_years", "sex", "legal_status", "urgency", "start_by", "planned_duration", "living_companions",
    "education", "home_local_authority_id", "postcode_district", "maximum_distance_km", "out_of_area_reason",
    "weekly_budget_guide", "framework_lot_id", "summary", "risks_to_child", "risks_to_others",
)  # fmt: skip


def placement_request_answers_digest(placement_request: PlacementRequest) -> str:
    """A digest of the referral's answers as they stand: the check-your-answers page carries it,
    and sending refuses a draft whose answers have changed since the page was shown."""
    answers = {name: getattr(placement_request, name) for name in ANSWER_FIELDS}
    answers["needs"] = sorted(placement_request.needs.values_list("code", flat=True))
    answers["areas_to_avoid"] = sorted(placement_request.areas_to_avoid.values_list("pk", flat=True))
    text = json.dumps(answers, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def invitations_of(placement_request: PlacementRequest) -> QuerySet[Invitation]:
    """A referral's invitations, for a caller that obtained the referral through a scoped selector."""
    return (
        placement_request.invitations.select_related("provider_organisation")
        .prefetch_related("homes", "offers__home", "decline")
        .order_by("provider_organisation__name")
    )


def offers_of(placement_request: PlacementRequest) -> QuerySet[Offer]:
    """Every offer on a referral, for its commissioner: the comparison table."""
    return placement_request.offers.select_related("home", "invitation__provider_organisation").order_by("made_at")


# --- Invitations and offers, provider side -----------------------------------------------


def invitations_actionable_by(user: AnyUser) -> QuerySet[Invitation]:
    return Invitation.objects.filter(provider_organisation__in=provider_organisations_acted_for(user))


def invitations_visible_to(user: AnyUser) -> QuerySet[Invitation]:
    if _is_staff(user):
        return Invitation.objects.all()
    return invitations_actionable_by(user)


def inbox_of(user: AnyUser) -> QuerySet[Invitation]:
    """Open invitations first, soonest deadline first; then the rest, newest first."""
    return (
        invitations_visible_to(user)
        .select_related("placement_request__local_authority", "provider_organisation")
        .prefetch_related("offers__home", "decline")  # the answer each closed one shows, in words
        .annotate(is_closed=Case(When(status=Invitation.Status.OPEN, then=Value(0)), default=Value(1)))
        .order_by("is_closed", "deadline", "-sent_at", "pk")  # pk: pages never share or skip a row
    )


def offers_visible_to(user: AnyUser) -> QuerySet[Offer]:
    """A provider sees its own offers only (never another provider's price); a commissioner
    sees the offers on its authority's referrals."""
    if _is_staff(user):
        return Offer.objects.all()
    return Offer.objects.filter(
        Q(invitation__in=invitations_actionable_by(user))
        | Q(placement_request__in=placement_requests_actionable_by(user))
    )


# --- Placements ----------------------------------------------------------------------------


def placements_actionable_by(user: AnyUser) -> QuerySet[Placement]:
    authorities = commissioning_organisations_of(user).values("local_authority")
    return Placement.objects.filter(local_authority__in=authorities)


def placements_visible_to(user: AnyUser) -> QuerySet[Placement]:
    if _is_staff(user):
        return Placement.objects.all()
    return placements_actionable_by(user)


# --- What needs attention now (home pages) ------------------------------------------------


@dataclass
class Attention:
    open_referrals: list[PlacementRequest] = field(default_factory=list)
    offers_to_consider: list[Offer] = field(default_factory=list)
    placements_ending: list[Placement] = field(default_factory=list)
    invitations_to_answer: list[Invitation] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.open_referrals or self.offers_to_consider or self.placements_ending or self.invitations_to_answer
        )


def attention_for(user: AnyUser, *, today: datetime.date | None = None) -> Attention:
    """Open referrals and their deadlines, offers to consider, placements ending within 28
    days (commissioners); invitations waiting for an answer (provider staff). Members only."""
    today = today or timezone.localdate()
    requests = placement_requests_actionable_by(user)
    return Attention(
        open_referrals=list(requests.filter(status=PlacementRequest.Status.SENT).order_by("response_deadline")[:20]),
        offers_to_consider=list(
            Offer.objects.filter(
                placement_request__in=requests.filter(status=PlacementRequest.Status.SENT), status=Offer.Status.OPEN
            )
            .select_related("placement_request", "home")
            .order_by("made_at")[:20]
        ),
        placements_ending=list(
            placements_actionable_by(user)
            .filter(end_date__gte=today, end_date__lte=today + datetime.timedelta(days=ENDING_SOON_DAYS))
            .select_related("home")
            .order_by("end_date")[:20]
        ),
        invitations_to_answer=list(
            invitations_actionable_by(user)
            .filter(status=Invitation.Status.OPEN, deadline__gt=timezone.now())
            .select_related("placement_request__local_authority")
            .order_by("deadline")[:20]
        ),
    )
