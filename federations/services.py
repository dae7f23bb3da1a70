"""Every write about a federation: forming it, inviting, a provider's answer (its consent),
leaving, coordinators, dissolving. Each owns its transaction, locks the rows it decides on
(federation first, then memberships, by pk) and keeps history: nothing is deleted except a
stood-down coordinator's access to the federation's service organisation."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, MembershipRole, Notification, OrganisationKind, User
from accounts.services import membership_set, organisation_create
from commissioning.framework_selectors import frameworks_editable_by
from commissioning.models import Framework, FrameworkLot, Invitation
from commissioning.services import WeeklyFees, offer_make, offer_withdraw
from federations import selectors
from federations.models import (
    CHARTER_MAX,
    PURPOSE_MAX,
    RESERVED_SHARE_MAX,
    CoordinatorAppointment,
    FederatedOffer,
    FederationMembership,
    FederationProfile,
    FrameworkFederation,
    LotTerms,
    MembershipStatus,
)
from geography.models import LocalAuthority, Region
from providers.models import Federation, Home, ProviderOrganisation

NAME_MAX = 120


def _text_errors(*, name: str, purpose: str, charter: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Enter the federation's name."]
    elif len(name) > NAME_MAX:
        errors["name"] = [f"The name must be {NAME_MAX} characters or fewer."]
    elif Federation.objects.filter(name__iexact=name.strip()).exists():
        errors["name"] = ["A federation with this name already exists: choose another name."]
    if not purpose.strip():
        errors["purpose"] = ["Enter the federation's purpose."]
    elif len(purpose) > PURPOSE_MAX:
        errors["purpose"] = [f"The purpose must be {PURPOSE_MAX} characters or fewer."]
    if not charter.strip():
        errors["charter"] = ["Enter the federation's charter: what members promise each other."]
    elif len(charter) > CHARTER_MAX:
        errors["charter"] = [f"The charter must be {CHARTER_MAX} characters or fewer."]
    return errors


@transaction.atomic
def federation_form(
    *,
    founder: ProviderOrganisation,
    user: User,
    name: str,
    purpose: str,
    charter: str,
    local_authorities: list[LocalAuthority],
    regions: list[Region],
    is_synthetic: bool = False,
) -> Federation:
    """A provider's administrator forms a federation: the founder is its first member (the
    administrator's act is its consent) and the administrator its first coordinator."""
    if not selectors.provider_organisations_administered_by(user).filter(pk=founder.pk).exists():
        raise ValidationError({"founder": ["Only an administrator of the provider can form a federation for it."]})
    errors = _text_errors(name=name, purpose=purpose, charter=charter)
    if not local_authorities and not regions:
        errors["local_authorities"] = ["Choose at least one local authority or region the federation serves."]
    if errors:
        raise ValidationError(errors)
    organisation = organisation_create(name=name.strip(), kind=OrganisationKind.FEDERATION)
    federation = Federation.objects.create(name=name.strip(), organisation=organisation)
    profile = FederationProfile.objects.create(
        federation=federation, purpose=purpose.strip(), charter=charter.strip(), formed_by=user,
        is_synthetic=is_synthetic,
    )  # fmt: skip
    profile.local_authorities.set(local_authorities)
    profile.regions.set(regions)
    now = timezone.now()
    FederationMembership.objects.create(
        federation=federation, provider_organisation=founder, status=MembershipStatus.ACTIVE,
        invited_by=user, invited_at=now, answered_by=user, answered_at=now,
        shares_inbox=True, shares_inbox_changed_at=now, shares_inbox_changed_by=user,
    )  # fmt: skip
    _members_sync(federation)
    _appoint(federation=federation, user=user, provider_organisation=founder, by=user)
    return federation


def _locked(federation: Federation) -> Federation:
    """The federation locked for a decision, refused once dissolved."""
    locked = Federation.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=federation.pk)
    if FederationProfile.objects.get(federation=locked).dissolved_at is not None:
        raise ValidationError("This federation has been dissolved: nothing more can change.")
    return locked


def _require_coordinator(user: User, federation: Federation) -> None:
    if not selectors.is_coordinator(user, federation):
        raise ValidationError("Only the federation's coordinators can do this.")


@transaction.atomic
def federation_member_invite(
    *, federation: Federation, provider_organisation: ProviderOrganisation, user: User
) -> FederationMembership:
    """A coordinator invites a provider; the provider's administrators are told."""
    federation = _locked(federation)
    _require_coordinator(user, federation)
    if not selectors.providers_invitable_to(federation).filter(pk=provider_organisation.pk).exists():
        raise ValidationError(
            {"provider_organisation": ["This provider is already a member or invited, or has not joined the service."]}
        )
    membership = FederationMembership.objects.create(
        federation=federation, provider_organisation=provider_organisation, invited_by=user
    )
    if provider_organisation.organisation is None:  # invitable providers have joined the service
        raise ValidationError({"provider_organisation": ["This provider has not joined the service."]})
    Notification.objects.create(
        organisation=provider_organisation.organisation,
        message=f"{federation.name} invites {provider_organisation.name} to join it.",
        url=reverse("federations:manage", args=[federation.organisation.slug]),
    )
    return membership


def _locked_membership(membership: FederationMembership, status: MembershipStatus) -> FederationMembership:
    _locked(membership.federation)
    locked = FederationMembership.objects.select_for_update().get(pk=membership.pk)
    if locked.status != status:
        raise ValidationError(f"This is no longer possible: the membership is now “{locked.get_status_display()}”.")
    return locked


def _require_administrator(user: User, provider_organisation: ProviderOrganisation) -> None:
    if not selectors.provider_organisations_administered_by(user).filter(pk=provider_organisation.pk).exists():
        raise ValidationError(f"Only an administrator of {provider_organisation.name} can answer for it.")


@transaction.atomic
def federation_invitation_answer(
    *, membership: FederationMembership, user: User, accept: bool, shares_inbox: bool = False
) -> FederationMembership:
    """An administrator of the invited provider accepts (the provider's consent, recorded with
    who and when, with its choice about the joint inbox) or declines."""
    membership = _locked_membership(membership, MembershipStatus.INVITED)
    _require_administrator(user, membership.provider_organisation)
    now = timezone.now()
    membership.status = MembershipStatus.ACTIVE if accept else MembershipStatus.DECLINED
    membership.answered_by, membership.answered_at = user, now
    membership.shares_inbox = accept and shares_inbox
    membership.shares_inbox_changed_at, membership.shares_inbox_changed_by = now, user
    membership.save(
        update_fields=["status", "answered_by", "answered_at", "shares_inbox", "shares_inbox_changed_at",
                       "shares_inbox_changed_by"]
    )  # fmt: skip
    _members_sync(membership.federation)
    return membership


def _members_sync(federation: Federation) -> None:
    """providers.Federation.members: the active members who share the joint inbox (commissioning
    routes their referrals to the coordinators and lets them answer)."""
    sharing = FederationMembership.objects.filter(
        federation=federation, status=MembershipStatus.ACTIVE, shares_inbox=True
    ).values_list("provider_organisation", flat=True)
    federation.members.set(list(sharing))


@transaction.atomic
def federation_relationships_share_set(
    *, membership: FederationMembership, user: User, shares: bool
) -> FederationMembership:
    """A member's administrator consents (or stops consenting) to the coordinators reading its
    own trust logs with authorities."""
    membership = _locked_membership(membership, MembershipStatus.ACTIVE)
    _require_administrator(user, membership.provider_organisation)
    if membership.shares_relationships != shares:
        membership.shares_relationships = shares
        membership.shares_relationships_changed_at, membership.shares_relationships_changed_by = timezone.now(), user
        membership.save(
            update_fields=["shares_relationships", "shares_relationships_changed_at", "shares_relationships_changed_by"]
        )
    return membership


@transaction.atomic
def federation_inbox_share_set(*, membership: FederationMembership, user: User, shares: bool) -> FederationMembership:
    """A member's administrator opts in to (or out of) the joint inbox."""
    membership = _locked_membership(membership, MembershipStatus.ACTIVE)
    _require_administrator(user, membership.provider_organisation)
    if membership.shares_inbox != shares:
        membership.shares_inbox = shares
        membership.shares_inbox_changed_at, membership.shares_inbox_changed_by = timezone.now(), user
        membership.save(update_fields=["shares_inbox", "shares_inbox_changed_at", "shares_inbox_changed_by"])
        _members_sync(membership.federation)
    return membership


@transaction.atomic
def federation_invitation_withdraw(*, membership: FederationMembership, user: User) -> FederationMembership:
    membership = _locked_membership(membership, MembershipStatus.INVITED)
    _require_coordinator(user, membership.federation)
    membership.status, membership.ended_by, membership.ended_at = MembershipStatus.WITHDRAWN, user, timezone.now()
    membership.save(update_fields=["status", "ended_by", "ended_at"])
    return membership


@transaction.atomic
def federation_member_leave(*, membership: FederationMembership, user: User) -> FederationMembership:
    """A member's administrator takes it out; its people stop coordinating. The last member
    cannot leave: the federation is dissolved instead, so it never stands empty."""
    membership = _locked_membership(membership, MembershipStatus.ACTIVE)
    _require_administrator(user, membership.provider_organisation)
    federation = membership.federation
    if selectors.memberships_active_of(federation).exclude(pk=membership.pk).count() == 0:
        raise ValidationError("You are the federation's last member: dissolve the federation instead.")
    for appointment in selectors.coordinators_of(federation).filter(
        provider_organisation=membership.provider_organisation
    ):
        _stand_down(appointment, by=user)
    if not selectors.coordinators_of(federation).exists():
        raise ValidationError("Choose another coordinator from the other members before you leave.")
    membership.status, membership.ended_by, membership.ended_at = MembershipStatus.LEFT, user, timezone.now()
    membership.save(update_fields=["status", "ended_by", "ended_at"])
    _members_sync(federation)
    return membership


def _appoint(*, federation: Federation, user: User, provider_organisation: ProviderOrganisation, by: User) -> None:
    CoordinatorAppointment.objects.create(
        federation=federation, user=user, provider_organisation=provider_organisation, appointed_by=by
    )
    membership_set(user=user, organisation=federation.organisation, role=MembershipRole.ADMIN)


def _stand_down(appointment: CoordinatorAppointment, *, by: User) -> None:
    appointment.ended_at, appointment.ended_by = timezone.now(), by
    appointment.save(update_fields=["ended_at", "ended_by"])
    # Access ends with the appointment; the appointment row keeps the history.
    Membership.objects.filter(user=appointment.user, organisation=appointment.federation.organisation).delete()


@transaction.atomic
def federation_coordinator_appoint(*, federation: Federation, person: User, user: User) -> CoordinatorAppointment:
    """A coordinator chooses another coordinator from the members' people."""
    federation = _locked(federation)
    _require_coordinator(user, federation)
    if not selectors.coordinator_candidates_of(federation).filter(pk=person.pk).exists():
        raise ValidationError({"person": ["Choose someone from a member provider who is not a coordinator yet."]})
    from_provider = (
        selectors.memberships_active_of(federation)
        .filter(provider_organisation__organisation__memberships__user=person)
        .order_by("pk")
        .first()
    )
    if from_provider is None:  # a candidate is a member's person; this guards a race only
        raise ValidationError({"person": ["This person's provider is no longer a member."]})
    _appoint(federation=federation, user=person, provider_organisation=from_provider.provider_organisation, by=user)
    return selectors.coordinators_of(federation).get(user=person)


@transaction.atomic
def federation_coordinator_stand_down(*, appointment: CoordinatorAppointment, user: User) -> None:
    federation = _locked(appointment.federation)
    _require_coordinator(user, federation)
    appointment = CoordinatorAppointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.ended_at is not None:
        raise ValidationError("This person no longer coordinates the federation.")
    if selectors.coordinators_of(federation).count() == 1:
        raise ValidationError("A federation needs a coordinator: choose another before this one stands down.")
    _stand_down(appointment, by=user)


@transaction.atomic
def federation_dissolve(*, federation: Federation, user: User, reason: str) -> Federation:
    """A coordinator dissolves the federation: memberships end, invitations are withdrawn,
    coordinators stand down; the profile and every row stay, marked dissolved."""
    federation = _locked(federation)
    _require_coordinator(user, federation)
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the federation is dissolved: members and the public will read it."]})
    if len(reason) > PURPOSE_MAX:
        raise ValidationError({"reason": [f"The reason must be {PURPOSE_MAX} characters or fewer."]})
    now = timezone.now()
    open_ = FederationMembership.objects.select_for_update().filter(federation=federation).order_by("pk")
    open_.filter(status=MembershipStatus.INVITED).update(status=MembershipStatus.WITHDRAWN, ended_at=now, ended_by=user)
    open_.filter(status=MembershipStatus.ACTIVE).update(status=MembershipStatus.DISSOLVED, ended_at=now, ended_by=user)
    for appointment in selectors.coordinators_of(federation):
        _stand_down(appointment, by=user)
    federation.members.clear()
    profile = FederationProfile.objects.get(federation=federation)
    profile.dissolved_at, profile.dissolved_by, profile.dissolution_reason = now, user, reason.strip()
    profile.save(update_fields=["dissolved_at", "dissolved_by", "dissolution_reason"])
    return federation


# --- The joint inbox ---------------------------------------------------------------------------


@transaction.atomic
def federation_offer_make(
    *,
    federation: Federation,
    invitation: Invitation,
    home: Home,
    start_date: datetime.date,
    fees: WeeklyFees,
    conditions: str,
    user: User,
) -> FederatedOffer:
    """A coordinator offers, for a member sharing the joint inbox, one of the member's invited
    homes. The member is told and may withdraw the offer for FEDERATION_OFFER_WITHDRAWAL_HOURS."""
    federation = _locked(federation)
    _require_coordinator(user, federation)
    member = invitation.provider_organisation
    if not federation.members.filter(pk=member.pk).exists():
        raise ValidationError("This referral was not sent to a member sharing the federation's inbox.")
    offer = offer_make(
        invitation=invitation, home=home, start_date=start_date, fees=fees, conditions=conditions, made_by=user
    )
    window = datetime.timedelta(hours=settings.FEDERATION_OFFER_WITHDRAWAL_HOURS)
    federated = FederatedOffer.objects.create(
        offer=offer, federation=federation, provider_organisation=member, made_by=user, made_at=offer.made_at,
        withdrawable_until=offer.made_at + window,
    )  # fmt: skip
    if member.organisation is not None:
        Notification.objects.create(
            organisation=member.organisation,
            message=f"{federation.name} offered {home} for referral {invitation.placement_request_id} on your behalf. "
            f"You can withdraw the offer until {timezone.localtime(federated.withdrawable_until):%-d %B %Y %H:%M}.",
            url=reverse("federations:offer_withdraw", args=[federated.pk]),
        )
    return federated


@transaction.atomic
def federated_offer_withdraw(*, federated_offer: FederatedOffer, user: User) -> FederatedOffer:
    """The member takes back an offer its federation made for it, within the set time."""
    locked = (
        FederatedOffer.objects.select_for_update()
        .select_related("federation", "provider_organisation")
        .get(pk=federated_offer.pk)
    )
    if not selectors.provider_organisations_staffed_by(user).filter(pk=locked.provider_organisation_id).exists():
        raise ValidationError(f"Only {locked.provider_organisation.name}'s own people can withdraw this offer.")
    if locked.withdrawn_at is not None:
        raise ValidationError("This offer has already been withdrawn.")
    now = timezone.now()
    if now > locked.withdrawable_until:
        raise ValidationError(
            f"The time to withdraw this offer ended at {timezone.localtime(locked.withdrawable_until):%-d %B %Y %H:%M}."
        )
    offer_withdraw(
        offer=locked.offer, withdrawn_by=user, now=now,
        reason=f"it withdrew the offer {locked.federation.name} had made on its behalf.",
    )  # fmt: skip
    locked.withdrawn_at, locked.withdrawn_by = now, user
    locked.save(update_fields=["withdrawn_at", "withdrawn_by"])
    Notification.objects.create(
        organisation=locked.federation.organisation,
        message=f"{locked.provider_organisation.name} withdrew the offer of {locked.offer.home} you made for it.",
        url=reverse("federations:inbox", args=[locked.federation.organisation.slug]),
    )
    return locked


# --- Frameworks that enable small providers ----------------------------------------------------


def _require_framework_editor(user: User, framework: Framework) -> None:
    if not frameworks_editable_by(user).filter(pk=framework.pk).exists():
        raise ValidationError("Only the framework's commissioners can change its terms.")


@transaction.atomic
def lot_terms_set(*, lot: FrameworkLot, user: User, admits_federations: bool, reserved_share_percent: int) -> LotTerms:
    """A commissioner sets what a lot does for small providers and federations."""
    _require_framework_editor(user, lot.framework)
    if not 0 <= reserved_share_percent <= RESERVED_SHARE_MAX:
        raise ValidationError({"reserved_share_percent": ["The reserved share must be a whole number from 0 to 100."]})
    terms, _ = LotTerms.objects.update_or_create(
        lot=lot,
        defaults={"admits_federations": admits_federations, "reserved_share_percent": reserved_share_percent,
                  "updated_by": user, "updated_at": timezone.now()},
    )  # fmt: skip
    return terms


@transaction.atomic
def framework_federation_admit(*, framework: Framework, federation: Federation, user: User) -> FrameworkFederation:
    """A commissioner admits a federation to a framework with a lot that admits federations."""
    _require_framework_editor(user, framework)
    if not LotTerms.objects.filter(lot__framework=framework, admits_federations=True).exists():
        raise ValidationError({"federation": ["First let a lot admit federations."]})
    if not selectors.federations_admissible_to(framework).filter(pk=federation.pk).exists():
        raise ValidationError({"federation": ["This federation is already admitted, or has been dissolved."]})
    return FrameworkFederation.objects.create(framework=framework, federation=federation, admitted_by=user)
