"""Helpers for the accounts tests: invitations with a known raw token, TOTP codes, snapshots."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from accounts.models import Invitation, Membership, MembershipRole, Organisation, User
from tests.factories import PendingInvitationFactory


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_with_token(
    organisation: Organisation, email: str = "invitee@example.org", role: str = MembershipRole.MEMBER, **fields: Any
) -> tuple[Invitation, str]:
    """A pending invitation whose raw token the test knows (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    invitation = PendingInvitationFactory.create(
        organisation=organisation, email=email, role=role, token_hash=token_hash(token), **fields
    )
    return invitation, token


@dataclass(frozen=True)
class Snapshot:
    """What a refused action must leave untouched."""

    users: int
    memberships: int
    invitations: int
    invitation_fields: tuple[Any, ...] | None

    @classmethod
    def take(cls, invitation: Invitation | None = None) -> Snapshot:
        fields = None
        if invitation is not None:
            fields = tuple(
                Invitation.objects.filter(pk=invitation.pk).values_list(
                    "email", "role", "token_hash", "expires_at", "accepted_at", "accepted_by", "revoked_at"
                )
            )
        return cls(User.objects.count(), Membership.objects.count(), Invitation.objects.count(), fields)


def totp_code_now(secret: str, offset: int = 0) -> str:
    """The code an authenticator app shows now (offset: periods later or earlier).

    Waits for the next period when the current one is about to end, so the server checks
    the code in the same period the test computed it in.
    """
    period = mfa_settings.TOTP_PERIOD
    if period - time.time() % period < 2:
        time.sleep(period - time.time() % period + 0.05)
    counter = int(time.time()) // period
    return format_hotp_value(hotp_value(secret, counter + offset))


def totp_wrong_code(secret: str) -> str:
    """A six-digit code valid for none of the periods around now."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    valid = {format_hotp_value(hotp_value(secret, counter + i)) for i in range(-2, 3)}
    candidate = 0
    while format_hotp_value(candidate) in valid:
        candidate += 1
    return format_hotp_value(candidate)
