"""Every write about people, organisations, memberships and invitations."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import Invitation, Membership, MembershipRole, Notification, Organisation, OrganisationKind, User
from config.tasks import schedule_task
from geography.models import LocalAuthority


class InvitationError(Exception):
    """An invitation cannot be used; the message is safe to show to the person."""

    status = 410  # the link itself is spent: used, expired, withdrawn or unknown


class InvitationNotForYouError(InvitationError):
    """The link works, but not for this person (another address, or an existing account)."""

    status = 403


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "organisation"
    slug, counter = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


@transaction.atomic
def organisation_create(
    *, name: str, kind: OrganisationKind, local_authority: LocalAuthority | None = None
) -> Organisation:
    if (kind == OrganisationKind.LOCAL_AUTHORITY) != (local_authority is not None):
        raise ValidationError("A local-authority organisation, and only one, is tied to a local authority.")
    return Organisation.objects.create(name=name, slug=_unique_slug(name), kind=kind, local_authority=local_authority)


@transaction.atomic
def membership_set(*, user: User, organisation: Organisation, role: MembershipRole) -> Membership:
    """Add the user to the organisation with the role, or change their role there."""
    membership, _ = Membership.objects.update_or_create(user=user, organisation=organisation, defaults={"role": role})
    return membership


@transaction.atomic
def invitation_create(
    *, organisation: Organisation, email: str, role: MembershipRole, invited_by: User | None
) -> tuple[Invitation, str]:
    """Create an invitation and e-mail its link after commit; returns it and its raw token."""
    email = email.strip().lower()
    # Serialise invitations to one organisation, so two admins inviting the same person at
    # once leave one working link (the partial unique constraint backs this up).
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email).exists():
        raise ValidationError(f"{email} is already a member of {organisation}.")
    # A new invitation replaces any pending one, so only the latest link works.
    now = timezone.now()
    Invitation.objects.filter(
        organisation=organisation, email=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email,
        role=role,
        token_hash=_token_hash(token),
        invited_by=invited_by,
        created_at=now,
        expires_at=now + datetime.timedelta(days=settings.INVITATION_EXPIRY_DAYS),
    )
    accept_url = settings.SITE_URL.rstrip("/") + reverse("accounts:invitation_accept", args=[token])
    schedule_task("accounts.invitation_email_send_task", invitation.pk, accept_url)
    return invitation, token


def invitation_for_token(token: str) -> Invitation:
    """The pending invitation for a raw token, or InvitationError saying why not."""
    return _usable(Invitation.objects.select_related("organisation").filter(token_hash=_token_hash(token)).first())


def _usable(invitation: Invitation | None) -> Invitation:
    if invitation is None:
        raise InvitationError("This invitation link is not valid. Check you copied the whole link from the e-mail.")
    if invitation.accepted_at is not None:
        raise InvitationError("This invitation has already been used. Sign in with the account it created.")
    if invitation.revoked_at is not None:
        raise InvitationError("This invitation has been withdrawn or replaced by a newer one.")
    if invitation.expires_at <= timezone.now():
        raise InvitationError(
            "This invitation has expired. Ask an administrator of your organisation to invite you again."
        )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, full_name: str, password: str) -> User:
    """Create the invited person's account and membership; the link works once only."""
    invitation = _usable(Invitation.objects.select_for_update().filter(token_hash=_token_hash(token)).first())
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationNotForYouError(
            "An account already exists for this e-mail address. Sign in, then open the link again."
        )
    candidate = User(email=invitation.email, full_name=full_name.strip())
    validate_password(password, user=candidate)
    try:
        user = User.objects.create_user(email=invitation.email, password=password, full_name=full_name.strip())
    except IntegrityError:
        raise InvitationNotForYouError("An account already exists for this e-mail address.") from None
    user_email_address_prove(user=user)
    _complete(invitation, user)
    return user


def user_email_address_prove(*, user: User) -> None:
    """Record the person's sign-in address as verified, for allauth.

    A User's address is only ever one its invitation was sent to (or one an administrator
    set), and nobody may add another. allauth refuses to set up two-factor authentication
    while any address of the user is unverified, and its password-reset token records the
    user's address as unverified when no row exists: so an anonymous reset request would
    lock the person out of MFA for good. Every row for the user's own address is verified.
    """
    if not user.pk or not user.email:
        return
    updated = EmailAddress.objects.filter(user_id=user.pk, email__iexact=user.email, verified=False).update(
        verified=True
    )
    if not updated:
        EmailAddress.objects.get_or_create(
            user_id=user.pk,
            email__iexact=user.email,
            defaults={"email": user.email, "verified": True, "primary": True},
        )


@transaction.atomic
def invitation_accept_as(*, token: str, user: User) -> Membership:
    """A signed-in person with an existing account joins the inviting organisation."""
    invitation = _usable(Invitation.objects.select_for_update().filter(token_hash=_token_hash(token)).first())
    if invitation.email.lower() != user.email.lower():
        raise InvitationNotForYouError(
            f"This invitation was sent to {invitation.email}. Sign in with that address to accept it."
        )
    return _complete(invitation, user)


def _complete(invitation: Invitation, user: User) -> Membership:
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    existing = Membership.objects.filter(user=user, organisation=invitation.organisation).first()
    if existing is not None and existing.role == MembershipRole.ADMIN:
        return existing  # an old "member" invitation never demotes an admin
    return membership_set(user=user, organisation=invitation.organisation, role=MembershipRole(invitation.role))


@transaction.atomic
def invitation_revoke(*, invitation: Invitation) -> None:
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])


def notifications_mark_read(*, notifications: QuerySet[Notification], now: datetime.datetime | None = None) -> int:
    """Mark unread notifications read; the caller passes a queryset from `notifications_for`.
    Read marks are per organisation: one member reading a notice marks it for colleagues too."""
    return notifications.filter(read_at__isnull=True).update(read_at=now or timezone.now())
