"""The password-reset token: allauth's, except that the address row it makes is verified.

allauth's generator calls sync_user_email_address, which creates an *unverified* row for the
user's address when none exists. allauth.mfa refuses to set up an authenticator while any
address is unverified, so an anonymous reset request would lock the person out of
two-factor authentication. Here the address is proved by the invitation, so the row is
recorded as verified first and allauth's sync finds it there.

Only allauth loads this module (ACCOUNT_PASSWORD_RESET_TOKEN_GENERATOR): allauth.account.forms
builds its default generator from that setting when it is imported.
"""

from __future__ import annotations

from allauth.account.forms import EmailAwarePasswordResetTokenGenerator
from django.contrib.auth.base_user import AbstractBaseUser

from accounts.models import User
from accounts.services import user_email_address_prove


class ProvedAddressResetTokenGenerator(EmailAwarePasswordResetTokenGenerator):
    def _make_hash_value(self, user: AbstractBaseUser, timestamp: int) -> str:
        if isinstance(user, User):
            user_email_address_prove(user=user)
        return str(super()._make_hash_value(user, timestamp))
