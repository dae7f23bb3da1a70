"""Every read about people and organisations, scoped to what the user may see.

Permission is decided here: views and API endpoints start every query from one of these.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone

from accounts.models import Invitation, Membership, MembershipRole, Notification, Organisation, OrganisationKind, User

AnyUser = User | AnonymousUser

# Kinds of organisation whose members handle referrals and relationships: their accounts
# must have a second factor.
MFA_REQUIRED_KINDS = frozenset(
    {OrganisationKind.LOCAL_AUTHORITY, OrganisationKind.PROVIDER, OrganisationKind.FEDERATION}
)


def _is_admin(user: AnyUser) -> bool:
    return bool(user.is_authenticated and user.is_staff)


def organisations_visible_to(user: AnyUser) -> QuerySet[Organisation]:
    """Organisations the user belongs to; staff administrators see all."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if _is_admin(user):
        return Organisation.objects.all()
    return Organisation.objects.filter(memberships__user=user).distinct()


def organisations_managed_by(user: AnyUser) -> QuerySet[Organisation]:
    """Organisations where the user may invite people: as organisation admin, or as staff."""
    if not user.is_authenticated:
        return Organisation.objects.none()
    if _is_admin(user):
        return Organisation.objects.all()
    return Organisation.objects.filter(memberships__user=user, memberships__role=MembershipRole.ADMIN).distinct()


def memberships_of(user: AnyUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("organisation", "organisation__local_authority")


def members_of(organisation: Organisation) -> QuerySet[Membership]:
    """Members of an organisation the caller has already obtained through a scoped selector."""
    return organisation.memberships.select_related("user").order_by("user__email", "pk")


def pending_invitations_of(organisation: Organisation) -> QuerySet[Invitation]:
    return organisation.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True).order_by("-created_at")


def organisation_kinds_of(user: AnyUser) -> set[str]:
    return set(memberships_of(user).values_list("organisation__kind", flat=True))


def is_commissioner(user: AnyUser) -> bool:
    return OrganisationKind.LOCAL_AUTHORITY in organisation_kinds_of(user)


def is_provider_staff(user: AnyUser) -> bool:
    return bool(organisation_kinds_of(user) & {OrganisationKind.PROVIDER, OrganisationKind.FEDERATION})


def mfa_required_for(user: AnyUser, kinds: set[str] | None = None) -> bool:
    """Commissioners, provider staff and administrators must sign in with a second factor.

    `kinds` (the kinds of the user's organisations) may be passed when already known.
    """
    if not user.is_authenticated:
        return False
    kinds = organisation_kinds_of(user) if kinds is None else kinds
    return _is_admin(user) or bool(kinds & MFA_REQUIRED_KINDS)


def notifications_for(user: AnyUser) -> QuerySet[Notification]:
    """In-app notifications to the organisations the user belongs to (and to them by name).
    Membership, not staff status, decides: administrators do not read others' messages."""
    if not user.is_authenticated:
        return Notification.objects.none()
    organisations = Organisation.objects.filter(memberships__user=user)
    return Notification.objects.filter(organisation__in=organisations).filter(Q(user__isnull=True) | Q(user=user))


# --- The signed-in home page ---------------------------------------------------------------


@dataclass(frozen=True)
class HomeRoles:
    """Which parts of the home page a person sees, and their own organisations' next actions
    (commissioners' and provider staff's come from commissioning's home_actions tags)."""

    memberships: list[Membership]
    is_commissioner: bool
    is_provider_staff: bool
    is_organiser: bool  # a conference organiser's or researcher's organisation
    is_staff: bool
    notifications_unread: int
    invitations_pending: int  # colleagues invited to organisations the person administers, still valid


def home_roles_of(user: User) -> HomeRoles:
    memberships = list(memberships_of(user))
    kinds = {membership.organisation.kind for membership in memberships}
    administered = [m.organisation_id for m in memberships if m.role == MembershipRole.ADMIN]
    return HomeRoles(
        memberships=memberships,
        is_commissioner=OrganisationKind.LOCAL_AUTHORITY in kinds,
        is_provider_staff=bool(kinds & {OrganisationKind.PROVIDER, OrganisationKind.FEDERATION}),
        is_organiser=OrganisationKind.ORGANISER in kinds,
        is_staff=user.is_staff,
        notifications_unread=notifications_for(user).filter(read_at__isnull=True).count(),
        invitations_pending=Invitation.objects.filter(
            organisation_id__in=administered,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).count(),
    )
