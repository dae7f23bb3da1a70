from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import MembershipRole
from config.forms import GovukForm, choice_messages, text_messages


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
