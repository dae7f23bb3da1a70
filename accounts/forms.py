from __future__ import annotations

from typing import Any, ClassVar

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_forms
from allauth.mfa.totp import forms as totp_forms
from django import forms

from accounts.models import MembershipRole
from config.forms import GovukBoundField, GovukForm, choice_messages, text_messages


class InvitationForm(GovukForm):
    email = forms.EmailField(
        label="E-mail address",
        help_text="Use the person's work e-mail address. The link in the invitation works once.",
        max_length=254,
        error_messages={
            "required": "Enter the person's work e-mail address",
            "invalid": "Enter an e-mail address in the correct format, like name@example.org",
            "max_length": "The e-mail address must be 254 characters or fewer",
        },
    )
    role = forms.ChoiceField(
        label="Role",
        choices=MembershipRole.choices,
        initial=MembershipRole.MEMBER,
        widget=forms.RadioSelect,
        help_text="Organisation admins can invite others.",
        error_messages=choice_messages("Select the person's role: member or organisation admin"),
    )


class InvitationAcceptForm(GovukForm):
    full_name = forms.CharField(
        label="Full name",
        max_length=150,
        error_messages=text_messages("Enter your full name", thing="Your full name", limit=150),
    )
    password1 = forms.CharField(
        label="Create a password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters. Avoid a password you use elsewhere.",
        error_messages={"required": "Create a password of at least 12 characters"},
    )
    password2 = forms.CharField(
        label="Confirm password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter the password again to confirm it"},
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", "The passwords do not match.")
        return cleaned


# --- allauth's forms, with the service's messages -----------------------------------------------
# allauth's sign-in, password and two-factor forms answer a missing field with Django's "This
# field is required."; these subclasses give each field its own words. config/settings.py names
# them in ACCOUNT_FORMS and MFA_FORMS.

EMAIL_MESSAGES = {
    "required": "Enter your e-mail address",
    "invalid": "Enter an e-mail address in the correct format, like name@example.org",
}
NEW_PASSWORD_MESSAGES = {
    "password1": {"required": "Enter a new password of at least 12 characters"},
    "password2": {"required": "Enter the new password again to confirm it"},
}
CODE_MESSAGES = {"code": {"required": "Enter the 6-digit code from your authenticator app, or a recovery code"}}


class _ServiceMessages(forms.Form):
    """Put `field_messages` on allauth's fields once it has built them, and link errors the
    service's way."""

    field_messages: ClassVar[dict[str, dict[str, str]]] = {}
    bound_field_class = GovukBoundField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, messages in self.field_messages.items():
            if name in self.fields:
                self.fields[name].error_messages.update(messages)


class SignInForm(_ServiceMessages, account_forms.LoginForm):
    field_messages = {"login": EMAIL_MESSAGES, "password": {"required": "Enter your password"}}


class ReauthenticateForm(_ServiceMessages, account_forms.ReauthenticateForm):
    field_messages = {"password": {"required": "Enter your password"}}


class ChangePasswordForm(_ServiceMessages, account_forms.ChangePasswordForm):
    field_messages = {"oldpassword": {"required": "Enter your current password"}, **NEW_PASSWORD_MESSAGES}


class SetPasswordForm(_ServiceMessages, account_forms.SetPasswordForm):
    field_messages = NEW_PASSWORD_MESSAGES


class ResetPasswordForm(_ServiceMessages, account_forms.ResetPasswordForm):
    field_messages = {"email": EMAIL_MESSAGES}


class ResetPasswordKeyForm(_ServiceMessages, account_forms.ResetPasswordKeyForm):
    field_messages = NEW_PASSWORD_MESSAGES


class MfaAuthenticateForm(_ServiceMessages, mfa_forms.AuthenticateForm):
    field_messages = CODE_MESSAGES


class MfaReauthenticateForm(_ServiceMessages, mfa_forms.ReauthenticateForm):
    field_messages = CODE_MESSAGES


class ActivateTotpForm(_ServiceMessages, totp_forms.ActivateTOTPForm):
    field_messages = {"code": {"required": "Enter the 6-digit code your authenticator app shows"}}
